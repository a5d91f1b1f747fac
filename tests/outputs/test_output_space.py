"""Outputs as safe as the warehouse: a full papers folder is one clear line naming that folder and
its free space, leaves no temporary file, does not hold back the warehouse, and the paper is made
on the next run. The papers folder is a real, tiny file system (tmpfs, needs root), filled up."""

from __future__ import annotations

import os
import shutil
import subprocess

import duckdb
import pytest

from pipelines.operations.cli import main
from pipelines.outputs import atomic
from pipelines.settings import paths as resolve_paths

SELECT = ["run", "--select", "published_warehouse", "board_paper", "scorecard_workbook"]


@pytest.fixture
def full_papers(demo_run, tmp_path, monkeypatch):
    """A copy of the demo's data directory whose papers folder is a 16 MB tmpfs, filled up."""
    p, _, home = demo_run
    data = tmp_path / "data"
    shutil.copytree(p.data_dir, data, ignore=shutil.ignore_patterns("papers", "*.lock"))
    (data / "warehouse" / "build" / "outputs.json").unlink(missing_ok=True)   # no output counts as made
    shutil.copytree(home, tmp_path / "dagster_home")
    papers = data / "papers"
    papers.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(papers)],
                                           capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root")
    monkeypatch.setenv("OBA_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("OBA_AS_AT", "2026-10-31")
    filler = papers / "filler"
    try:
        with open(filler, "wb") as fh:
            while True:
                fh.write(b"\0" * 65536)
    except OSError:
        pass
    try:
        yield resolve_paths(data), filler
    finally:
        subprocess.run(["umount", "-l", str(papers)], check=False)


def test_a_full_papers_folder_is_one_line_no_temp_file_and_the_paper_comes_next_run(full_papers, capsys):
    p, filler = full_papers
    assert os.statvfs(p.papers).f_bavail * os.statvfs(p.papers).f_frsize < atomic.MARGIN
    warehouse_before = p.warehouse.read_bytes()
    code = main(SELECT)
    out = capsys.readouterr().out
    assert code == 1, out
    failed = [ln for ln in out.splitlines() if ln.strip().startswith("FAILED")]
    assert len(failed) == 1, out
    line = failed[0]
    assert "board_paper" in line and atomic.OUTPUT_NOT_WRITTEN in line and f"MB free in {p.papers}" in line, line
    assert "Traceback" not in out
    assert not [f for f in p.papers.rglob("*") if f.name.endswith(".tmp")]       # nothing half-written left
    assert not list(p.papers.rglob("board_paper_*"))
    with duckdb.connect(str(p.warehouse), read_only=True) as con:                   # the warehouse still serves
        assert con.execute("select count(*) from indicator_values_published").fetchone()[0] > 0
    assert p.warehouse.read_bytes() == warehouse_before or p.warehouse.exists()
    assert list(p.exports.glob("oba_scorecard_*.xlsx"))                             # the workbook's folder had room

    filler.unlink()                                                                  # space again
    code = main(SELECT)
    out = capsys.readouterr().out
    assert code == 0, out
    assert list(p.papers.rglob("board_paper_*.html")) and list(p.papers.rglob("board_paper_*.pdf"))
    assert not [f for f in p.papers.rglob("*") if f.name.endswith(".tmp")]


def test_oba_paper_on_a_full_folder_says_so_in_one_line(full_papers, capsys):
    p, _ = full_papers
    code = main(["paper", "--no-pdf"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Reading the published warehouse" in captured.out
    err = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(err) == 1 and atomic.OUTPUT_NOT_WRITTEN in err[0] and f"MB free in {p.papers}" in err[0], err
    assert not [f for f in p.papers.rglob("*") if f.name.endswith(".tmp")]
