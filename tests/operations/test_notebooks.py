import shutil

import pytest

from notebook_runs import NOTEBOOKS, outputs_text, run_notebook
from sample_warehouse import build_sample


@pytest.fixture
def published(data_dir):
    """The sample warehouse as the published file under OBA_DATA_DIR (the kernel inherits it)."""
    target = data_dir / "warehouse" / "oba.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copyfile(build_sample(data_dir / "sample.duckdb"), target)
    return target


def test_the_three_notebooks_are_there():
    assert {p.name for p in NOTEBOOKS} >= {"explore_indicator.ipynb", "reconcile_published.ipynb",
                                           "data_quality.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_read_only(path, published, tmp_path):
    before = published.stat().st_mtime_ns
    nb = run_notebook(path, tmp_path)
    text = outputs_text(nb)
    assert f"Reading {published}" in text
    assert published.stat().st_mtime_ns == before   # read-only: the file is untouched


def test_explore_notebook_follows_its_parameter(published, tmp_path):
    nb = run_notebook(NOTEBOOKS[[p.stem for p in NOTEBOOKS].index("explore_indicator")], tmp_path,
                      'INDICATOR = "EH12"\nBREAKDOWN = "locality"')
    text = outputs_text(nb)
    assert "eh12_audits_good_pct" in text and "eh07_neet_nk_pct" not in text


def test_data_quality_notebook_counts_the_quarantine(published, tmp_path):
    nb = run_notebook(NOTEBOOKS[[p.stem for p in NOTEBOOKS].index("data_quality")], tmp_path)
    text = outputs_text(nb)
    assert "3 files, 0 that do not add up" in text and "source: attainment" in text
