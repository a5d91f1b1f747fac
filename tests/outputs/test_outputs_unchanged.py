"""The board paper and the workbook are made again only when something they show changed,
or a file of theirs is missing (issue 18). Real runs on generated demo data."""

import json
import os
from pathlib import Path

import dagster as dg

from pipelines.operations.cli import main
from pipelines.outputs.assets import UNCHANGED
from sources.generate import generate

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ["run", "--select", "board_paper", "scorecard_workbook"]


def _files(data: Path) -> dict[str, list[str]]:
    made = json.loads((data / "warehouse" / "build" / "outputs.json").read_text())
    return {key: made[key]["files"] for key in ("board_paper", "scorecard_workbook")}


def _times(files: dict[str, list[str]]) -> dict[str, int]:
    return {f: os.stat(f).st_mtime_ns for fs in files.values() for f in fs}


def _last_metadata(key: str) -> dict:
    event = dg.DagsterInstance.get().get_latest_materialization_event(dg.AssetKey(key))
    return event.asset_materialization.metadata


def test_outputs_are_left_as_they_are_until_what_they_show_changes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("OBA_AS_AT", "2026-10-31")
    monkeypatch.setenv("OBA_DATA_DIR", str(tmp_path))              # restored after `oba run` changes it
    data = tmp_path / "data"
    generate(data / "landing", scale=0.05, seed=11)
    assert main(["--data-dir", str(data), "run"]) == 0, capsys.readouterr().out
    files = _files(data)
    html, pdf = files["board_paper"]
    before = _times(files)

    # Nothing they show changed: neither is made again, and the run and the metadata say so.
    capsys.readouterr()
    assert main(["--data-dir", str(data), *OUTPUTS]) == 0
    out = capsys.readouterr().out
    assert "board_paper not made again: what it shows is unchanged since" in out, out
    assert "scorecard_workbook not made again: what it shows is unchanged since" in out, out
    assert _times(files) == before
    assert UNCHANGED in _last_metadata("board_paper") and UNCHANGED in _last_metadata("scorecard_workbook")
    assert _last_metadata("board_paper")["charts"].value > 0                 # what the paper holds, as made

    # A setting the paper shows changed: it is made again, showing it.
    own = data / "settings" / "paper.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "pipelines" / "outputs" / "paper.yaml").read_text()
    own.write_text(text.replace("author:", "author: Deputy to the", 1))
    assert main(["--data-dir", str(data), *OUTPUTS]) == 0
    out = capsys.readouterr().out
    assert "board_paper not made again" not in out, out
    assert os.stat(html).st_mtime_ns != before[html] and "Deputy to the" in Path(html).read_text()
    assert UNCHANGED not in _last_metadata("board_paper")

    # A file of it is missing: it is made again though nothing it shows changed.
    Path(pdf).unlink()
    assert main(["--data-dir", str(data), *OUTPUTS]) == 0
    out = capsys.readouterr().out
    assert "board_paper not made again" not in out and Path(pdf).exists(), out
    assert "scorecard_workbook not made again" in out, out
