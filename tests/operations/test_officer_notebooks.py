"""Notebooks opened as Jupyter opens them: from notebooks/, with no OBA_DATA_DIR; charts offline."""

import re
import shutil
from pathlib import Path

import pytest

from pipelines.operations import notebook
from pipelines.settings import project_paths
from notebook_runs import NOTEBOOKS, outputs_text, run_notebook
from sample_warehouse import build_sample

ROOT = Path(__file__).resolve().parents[2]
# What makes a browser fetch: a script or stylesheet from another host, or a module import of one.
EXTERNAL = re.compile(r"""<script[^>]*\bsrc\s*=\s*["']?(?:https?:)?//|<link[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
                      r"""|\bimport\s*\(?\s*["'](?:https?:)?//""", re.I)


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A project folder (pyproject.toml, the pipelines package, notebooks/) with a published
    warehouse in its own data/, imported ahead of the installed copy; no OBA_DATA_DIR."""
    folder = tmp_path / "clone"
    shutil.copytree(ROOT / "pipelines", folder / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "notebooks", folder / "notebooks")
    shutil.copy(ROOT / "pyproject.toml", folder)
    target = folder / "data" / "warehouse" / "oba.duckdb"
    target.parent.mkdir(parents=True)
    build_sample(target)
    monkeypatch.delenv("OBA_DATA_DIR", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(folder))          # the kernel imports this copy's pipelines
    return folder


@pytest.mark.parametrize("name", ["explore_indicator", "data_quality"])
def test_a_notebook_runs_from_notebooks_folder_without_an_environment_variable(clone, name):
    nb = run_notebook(clone / "notebooks" / f"{name}.ipynb", cwd=clone / "notebooks")
    text = outputs_text(nb)
    assert f"Reading {clone / 'data' / 'warehouse' / 'oba.duckdb'}" in text
    assert not (clone / "notebooks" / "data").exists()


def test_charts_carry_plotly_and_ask_nothing_of_the_internet(clone):
    nb = run_notebook(clone / "notebooks" / "explore_indicator.ipynb", cwd=clone / "notebooks")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    html = "\n".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "plotly.js v" in html                                           # the library, inline
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) >= 2                                               # JupyterLab's extension draws these
    assert all("text/html" in o["data"] for o in figures)                  # classic Notebook / nbconvert
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)[:3]


def test_the_project_data_folder_is_the_default_and_the_variable_wins(monkeypatch, tmp_path):
    monkeypatch.delenv("OBA_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert project_paths().data_dir == ROOT / "data"
    monkeypatch.setenv("OBA_DATA_DIR", str(tmp_path / "elsewhere"))
    assert project_paths().warehouse == tmp_path / "elsewhere" / "warehouse" / "oba.duckdb"
    with pytest.raises(FileNotFoundError, match="No published warehouse at .*elsewhere"):
        notebook.warehouse_path()


def test_notebooks_open_the_warehouse_through_the_shared_helper():
    for path in NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        assert "warehouse_path()" in text and "offline_charts()" in text, path.name
        assert "paths().warehouse" not in text, path.name


def test_jupyterlab_is_an_optional_pinned_extra_that_make_lab_installs():
    import subprocess
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lab = project["optional-dependencies"]["lab"]
    assert lab and all(re.fullmatch(r"[\w.-]+==[\w.]+", spec) for spec in lab)
    assert not any(spec.startswith("jupyterlab") for spec in project["dependencies"])
    setup = subprocess.run(["make", "-n", "-B", "setup"], cwd=ROOT, capture_output=True, text=True).stdout
    lab_run = subprocess.run(["make", "-n", "-B", "lab"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "lab]" not in setup
    assert '-e ".[dev,lab]"' in lab_run and "jupyter lab --notebook-dir=notebooks" in lab_run
