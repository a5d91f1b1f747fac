"""A bad delivery holds itself, not the night (issue 30), with real runs of the whole pipeline.

Night 1: the demo's deliveries publish (exit 0). Night 2: an adult-referrals re-issue with far
more than 5% of its records failing validation, and a 0-byte re-issue of behaviour panels, among
the good ones: every indicator is published as before (the two periods as at their last good
delivery), the run exits with the "held" code and names both files with their reasons, and
``oba status`` and the board paper say so. Night 3: a corrected re-issue for behaviour panels,
and ``oba release`` for adult referrals: both take effect; no file in the landing folder is moved.
Slow (three full runs of the demo at 1/20 scale, about 3 minutes).
"""

from __future__ import annotations


import duckdb
import pytest

from pipelines.operations.cli import main
from pipelines.operations.runner import EXIT_HELD
from pipelines.settings import paths as resolve_paths
from tests.release_runs import failing_reissue
from sources.generate import generate


def _published(p) -> list[tuple]:
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        return con.execute("select * from indicator_values_published order by all").fetchall()


def _log(p) -> dict[str, tuple]:
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        return {r[0]: r[1:] for r in con.execute(
            "select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_held, rows_superseded "
            "from load_log").fetchall()}


def _landing(p) -> dict[str, tuple]:
    return {f.name: (f.stat().st_size, f.stat().st_mtime_ns) for f in p.landing.iterdir()}


def _biggest(p, source: str):
    files = [f for f in p.landing.iterdir() if f.name.startswith(source + "_") and "_v" not in f.name]
    return max(files, key=lambda f: f.stat().st_size)


@pytest.fixture
def night(tmp_path, monkeypatch):
    monkeypatch.setenv("OBA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("OBA_AS_AT", "2026-10-31")
    p = resolve_paths(tmp_path / "data").ensure()
    generate(p.landing, scale=0.05, seed=11)
    return p


def test_two_bad_deliveries_are_held_the_night_publishes_then_a_reissue_and_a_release_apply(night, capsys):
    p = night
    assert main(["run"]) == 0, capsys.readouterr().out
    before = _published(p)
    measures = {r[1] for r in before}

    # Night 2: a re-issue with a third of its records failing validation, and an empty re-issue.
    adult = _biggest(p, "adult_referrals")
    adult_v2, n_adult, n_failed = failing_reissue(adult)
    panels = _biggest(p, "behaviour_panels")
    panels_v2 = panels.with_name(panels.stem + "_v2.csv")
    panels_v2.write_bytes(b"")
    # and a partner's ordinary accident: a copy saved as "... (1).csv" (not a delivery; never fails a suite)
    misnamed = p.landing / "neet_2026-10 (1).csv"
    misnamed.write_bytes(_biggest(p, "neet").read_bytes())

    code = main(["run"])
    text = capsys.readouterr().out
    assert code == EXIT_HELD == 3, text
    held_lines = [ln for ln in text.splitlines() if ln.strip().startswith("HELD")]
    assert len(held_lines) == 2, text
    adult_line = next(ln for ln in held_lines if adult_v2.name in ln)
    panels_line = next(ln for ln in held_lines if panels_v2.name in ln)
    assert "records quarantined" in adult_line and f"stays as at {adult.name}" in adult_line
    assert "EH10" in adult_line and "_v3" in adult_line                       # what the partner should send
    assert "empty re-issue" in panels_line and f"stays as at {panels.name}" in panels_line and "EH11" in panels_line
    assert "Published warehouse updated" in text and "BLOCKED" not in text and "FAILED" not in text
    # Every indicator published, each figure as it was: the two periods stay at their last good delivery.
    assert _published(p) == before and {r[1] for r in _published(p)} == measures
    log = _log(p)
    assert log[adult_v2.name][0] == "held" and log[adult_v2.name][1] == n_adult == log[adult_v2.name][4]
    assert log[adult.name][0] == "loaded" and log[panels.name][0] == "loaded" and log[panels_v2.name][0] == "held"
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        kept = con.execute("select count(*) from quarantine where source_file = ?", [adult_v2.name]).fetchone()[0]
    assert kept >= n_failed                                               # its failed records kept aside

    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "Held deliveries (2" in status and adult_v2.name in status and panels_v2.name in status
    not_loaded = status[status.index("Landing files not loaded"):]
    assert misnamed.name in not_loaded and "unrecognised" in not_loaded
    paper = next(p.papers.rglob("board_paper_*.html")).read_text()
    assert "Deliveries held" in paper and "empty re-issue" in paper and "EH10" in paper
    explorer = next(p.papers.rglob("explorer_*.html")).read_text()
    held_part = explorer[explorer.index('id="held-title"'):explorer.index("</section>")]
    assert adult_v2.name in held_part and panels_v2.name in held_part and "EH10" in held_part

    # Night 3: a corrected re-issue of behaviour panels; adult referrals released by an officer.
    panels_v3 = panels.with_name(panels.stem + "_v3.csv")
    panels_v3.write_bytes(panels.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")   # one row fewer
    assert main(["release", "no_such_file.csv"]) == 1
    assert main(["release", adult_v2.name]) == 0
    assert "takes effect on the next run" in capsys.readouterr().out
    landing = _landing(p)
    code = main(["run"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert not [ln for ln in text.splitlines() if ln.strip().startswith("HELD")]
    assert _landing(p) == landing                                               # no file moved or touched
    log = _log(p)
    assert log[adult_v2.name][:2] == ("loaded", n_adult) and log[adult.name][0] == "superseded"
    assert log[adult_v2.name][3] >= n_failed                               # applied with its quarantine
    assert log[panels_v3.name][0] == "loaded" and log[panels_v2.name][0] == "superseded"
    assert log[panels.name][0] == "superseded"
    for name, (status, read, loaded, quarantined, held, superseded) in log.items():
        assert read == loaded + quarantined + held + superseded + 0 or status in ("refused", "rejected"), name
    after = {r[1] for r in _published(p)}
    assert after == measures
    assert _published(p) != before                                              # the new deliveries count
