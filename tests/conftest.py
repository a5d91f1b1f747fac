from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse import Warehouse


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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """A real demo warehouse, made once per session the way `oba demo` makes it (generated
    extracts at 1/20 scale, a full Dagster run on a persistent instance, published).

    Returns (paths, run summary, DAGSTER_HOME). The environment is restored after the run, so
    a test that needs OBA_DATA_DIR / DAGSTER_HOME pointing here sets them itself."""
    from pipelines.operations.runner import run
    from pipelines.settings import paths as resolve_paths
    from sources.generate import generate

    root = tmp_path_factory.mktemp("demo_run")
    home = root / "dagster_home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OBA_DATA_DIR", str(root / "data"))
        mp.setenv("DAGSTER_HOME", str(home))
        mp.setenv("OBA_AS_AT", "2026-10-31")
        p = resolve_paths(root / "data").ensure()
        generate(p.landing, scale=0.05, seed=11)
        summary = run(p)
    assert summary.ok, summary.report()
    return p, summary, home


@pytest.fixture(scope="module")
def demo_warehouse(demo_run):
    """The published demo warehouse (``demo_run``), open read-only as officers open it, for
    one test module (closed after it, so later modules may write beside it)."""
    import duckdb

    con = duckdb.connect(str(demo_run[0].warehouse), read_only=True)
    yield con
    con.close()



SLOW_LIST = Path(__file__).with_name("slow_tests.txt")


def pytest_collection_modifyitems(config, items):
    """Mark slow the tests and modules tests/slow_tests.txt names (scripts/slow_tests.py writes
    it from a timed run): `make check` runs the rest (`-m "not slow"`), `make test` all."""
    listed = {line.strip() for line in SLOW_LIST.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")} if SLOW_LIST.exists() else set()
    for item in items:
        node = item.nodeid
        if node in listed or node.split("::")[0] in listed or node.split("[")[0] in listed:
            item.add_marker(pytest.mark.slow)
