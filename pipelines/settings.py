"""Where everything lives on disk. Read from the environment at call time, never at import."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "data"
DEFAULT_LA_CODE = 800  # Bath and North East Somerset (DfE "old" LA code)


@dataclass(frozen=True)
class Paths:
    """All run-time paths, derived from one data directory (``OBA_DATA_DIR``, default ``./data``)."""

    data_dir: Path

    @property
    def landing(self) -> Path:
        """Where extracts are dropped (CSV / xlsx)."""
        return self.data_dir / "landing"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def warehouse(self) -> Path:
        """The published warehouse: performance officers open this one, read-only."""
        return self.warehouse_dir / "oba.duckdb"

    @property
    def build(self) -> Path:
        """The private build file the pipeline writes; published atomically when checks pass."""
        return self.warehouse_dir / "build" / "oba.duckdb"

    @property
    def papers(self) -> Path:
        return self.data_dir / "papers"

    @property
    def quality(self) -> Path:
        """Great Expectations Data Docs and data-quality outputs."""
        return self.data_dir / "quality"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def settings(self) -> Path:
        """The authority's own configuration (ward lookup, targets, commentary, DfE series
        mappings): a file here replaces the packaged default of the same name, so nothing
        inside the installed package is edited. See ``local_file``."""
        return self.data_dir / "settings"

    def ensure(self) -> "Paths":
        for p in (self.landing, self.warehouse_dir, self.build.parent, self.papers, self.quality, self.exports):
            p.mkdir(parents=True, exist_ok=True)
        return self


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data directory: an explicit value, else ``$OBA_DATA_DIR``, else ``./data``."""
    value = explicit or os.environ.get("OBA_DATA_DIR") or DEFAULT_DATA_DIR
    return Path(value).expanduser().resolve()


def paths(explicit: str | os.PathLike | None = None) -> Paths:
    return Paths(data_dir(explicit))


PROJECT_ROOT = Path(__file__).resolve().parents[1]


def project_paths() -> Paths:
    """For tools opened from anywhere in the project (notebooks start in ``notebooks/``):
    ``$OBA_DATA_DIR`` when set, else the project's own ``data/`` (the folder holding
    ``pyproject.toml``: an editable install, as ``make setup`` makes), else ``./data``."""
    if os.environ.get("OBA_DATA_DIR"):
        return paths()
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return Paths(PROJECT_ROOT / DEFAULT_DATA_DIR)
    return paths()


def la_code() -> int:
    """The authority the pipeline reports on (``OBA_LA_CODE``, default 800 = B&NES)."""
    return int(os.environ.get("OBA_LA_CODE") or DEFAULT_LA_CODE)


def local_file(name: str, default: str | os.PathLike, explicit: str | os.PathLike | None = None) -> Path:
    """The authority's copy of a settings file when it has one, else the packaged default.

    ``name`` is a path relative to the settings folder (``<data dir>/settings``), e.g.
    ``"wards.csv"``; ``default`` is the file shipped with the package.
    """
    own = paths(explicit).settings / name
    return own if own.is_file() else Path(default)


def free_space(folder: Path) -> str:
    """Free space on the file system holding ``folder`` (or its nearest existing parent), for a
    person: '12.3 MB free in /srv/oba/data/papers'."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        st = os.statvfs(folder)
    except OSError:
        return "free space unknown"
    return f"{st.f_bavail * st.f_frsize / 1e6:,.1f} MB free in {folder}"


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or anywhere below it, links and ``..`` resolved."""
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


# What the published numbers are made from besides the deliveries: definitions, targets,
# commentary, SQL, schemas, published benchmarks and the code itself.
DEFINITION_DIRS = ("indicators", "pipelines", "schemas", "sources")
DEFINITION_SUFFIXES = {".py", ".sql", ".yaml", ".yml", ".csv", ".parquet", ".json", ".md", ".j2", ".html", ".css"}


def definitions_digest(root: Path = PROJECT_ROOT) -> str:
    """Digest of the code and definitions, and of the authority's settings folder (its own
    ward lookup, targets, DfE series mappings: ``settings.local_file``), so a changed setting
    is a change like any other. The publish step's fingerprint and the reuse of unchanged steps
    (``pipelines.compute.reuse``) both read it."""
    h = hashlib.sha256()
    for base, folder in [*((root, f) for f in DEFINITION_DIRS), (paths().data_dir, "settings")]:
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and path.suffix in DEFINITION_SUFFIXES and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(base)).encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
