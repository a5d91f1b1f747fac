from pathlib import Path

import duckdb
import pytest

from pipelines.resources import Warehouse


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh data directory; OBA_DATA_DIR points at it so nothing touches the working tree."""
    d = tmp_path / "data"
    (d / "landing").mkdir(parents=True)
    monkeypatch.setenv("OBA_DATA_DIR", str(d))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    return d


@pytest.fixture
def warehouse(data_dir) -> Warehouse:
    return Warehouse(data_dir=str(data_dir))


@pytest.fixture
def con(data_dir):
    c = duckdb.connect(str(data_dir / "test.duckdb"))
    yield c
    c.close()
