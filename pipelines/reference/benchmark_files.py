"""The catalogue of published (open) data: which files are loaded, how they are read, and
which published measure stands beside each of our measures.

Declarations live in two YAML files so that a new year's file or a new mapping needs no
code: ``sources/published/dfe_files.yaml`` (one entry per DfE open-data series) and
``indicators/benchmarks.yaml`` (LAIT measures read, and our measure -> published measure).
An authority that adds a series or a mapping puts its own copy of either file in its
settings folder (``<data dir>/settings/``), which then replaces the packaged one
(``pipelines.settings.local_file``): nothing inside the installed package is edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.settings import PROJECT_ROOT, local_file
from pipelines.reference.benchmark_periods import PERIOD_TYPES

REPO = PROJECT_ROOT
PUBLISHED_DIR = REPO / "sources" / "published"
LAIT_FILE = PUBLISHED_DIR / "lait_bds_long.parquet"
LAIT_DICTIONARY = PUBLISHED_DIR / "lait_data_dictionary.csv"
SN_FILE = PUBLISHED_DIR / "sn_model_2025_wide.csv"
DFE_CATALOGUE = PUBLISHED_DIR / "dfe_files.yaml"
BENCHMARKS = REPO / "indicators" / "benchmarks.yaml"

ENGLAND_CODE = "E92000001"

# Plausible range of a value by unit, (min, max) with None = unbounded. A measure can
# narrow it with ``range`` in its entry.
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "percent": (0.0, 100.0),
    "percentage_points": (-100.0, 100.0),
    "count": (0.0, None),
    "per_100_pupils": (0.0, None),
    "per_10k": (0.0, 10_000.0),
    "per_100k": (0.0, 100_000.0),
    "att8_score": (0.0, 90.0),  # ten slots, the top grade 9, English and maths double-weighted: 90
    "att8_points": (-90.0, 90.0),
    "progress_score": (-30.0, 30.0),
}
POLARITIES = ("high", "low", "none")
DERIVATIONS = ("value", "difference", "sum")

# Region names as LAIT writes them (its LA rows say Inner/Outer London) -> ONS codes.
REGIONS: dict[str, str] = {
    "north east": "E12000001",
    "north west": "E12000002",
    "yorkshire and the humber": "E12000003",
    "east midlands": "E12000004",
    "west midlands": "E12000005",
    "east of england": "E12000006",
    "london": "E12000007",
    "inner london": "E12000007",
    "outer london": "E12000007",
    "south east": "E12000008",
    "south west": "E12000009",
}
# LAIT aggregate rows (by LAIT's `LA Number`): England, the nine regions, inner/outer London.
LAIT_AGGREGATES: dict[int, tuple[str, str]] = {
    970: ("england", ENGLAND_CODE),
    980: ("region", "E12000001"), 981: ("region", "E12000002"), 982: ("region", "E12000003"),
    983: ("region", "E12000004"), 984: ("region", "E12000005"), 985: ("region", "E12000006"),
    986: ("region", "E12000007"), 987: ("region", "E13000001"), 988: ("region", "E13000002"),
    989: ("region", "E12000008"), 990: ("region", "E12000009"),
}


def _check(value: str, allowed: tuple, what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what}: {value!r} is not one of {allowed}")
    return value


def _range(entry: dict, unit: str) -> tuple[float | None, float | None]:
    if "range" in entry:
        lo, hi = entry["range"]
        return lo, hi
    return UNIT_RANGES[_check(unit, tuple(UNIT_RANGES), "unit")]


@dataclass(frozen=True)
class PublishedMeasure:
    """How one published measure is read: unit, polarity, period type, plausible range."""
    source: str
    code: str
    label: str
    unit: str
    polarity: str
    period_type: str | None  # None: from the file's time_identifier
    lo: float | None
    hi: float | None


@dataclass(frozen=True)
class DfeFile:
    name: str
    pattern: str
    title: str
    period_type: str | None
    filters: tuple[str, ...]
    indicators: tuple[PublishedMeasure, ...]

    def files(self, *folders: Path) -> list[Path]:
        """Matching files, in precedence order (later wins): each folder in turn, by name."""
        found: list[Path] = []
        for folder in folders:
            if folder.is_dir():
                found.extend(sorted(folder.glob(self.pattern)))
        return found


@dataclass(frozen=True)
class Mapping:
    """Our measure id -> its published equivalent."""
    measure_id: str
    source: str
    codes: tuple[str, ...]
    derive: str
    unit: str
    polarity: str
    scale: float
    tolerance: float
    notes: str

    @property
    def published_measure(self) -> str:
        sep = {"difference": " - ", "sum": " + "}.get(self.derive, "")
        return f"{self.source}: " + sep.join(self.codes)


def _measure(source: str, code: str, entry: dict, period_type: str | None, label: str) -> PublishedMeasure:
    unit = entry["unit"]
    lo, hi = _range(entry, unit)
    if period_type is not None:
        _check(period_type, PERIOD_TYPES, f"{code} period_type")
    return PublishedMeasure(source, code, label, unit, _check(entry["polarity"], POLARITIES, f"{code} polarity"),
                            period_type, lo, hi)


def dfe_catalogue_file() -> Path:
    """The DfE series catalogue in force: ``<data dir>/settings/dfe_files.yaml``, else the packaged one."""
    return local_file("dfe_files.yaml", DFE_CATALOGUE)


def benchmarks_file() -> Path:
    """The measure mappings in force: ``<data dir>/settings/benchmarks.yaml``, else the packaged one."""
    return local_file("benchmarks.yaml", BENCHMARKS)


def _yaml(path: Path) -> dict:
    st = Path(path).stat()        # an edited settings file is read again, not served from the cache
    return _parsed(Path(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc


def dfe_files(path: Path | None = None) -> list[DfeFile]:
    path = path or dfe_catalogue_file()
    out = []
    for name, e in _yaml(path).items():
        period_type = e.get("period_type")
        inds = tuple(_measure(name, col, spec, period_type, spec.get("label", col))
                     for col, spec in e["indicators"].items())
        out.append(DfeFile(name, e["pattern"], e.get("title", name), period_type,
                           tuple(e.get("filters", ())), inds))
    return out


def lait_measures(path: Path | None = None) -> list[PublishedMeasure]:
    path = path or benchmarks_file()
    return [_measure("lait", code, e, e["period_type"], code) for code, e in _yaml(path)["lait_measures"].items()]


def mappings(path: Path | None = None) -> list[Mapping]:
    doc = _yaml(path or benchmarks_file())
    lait = set(doc["lait_measures"])
    out = []
    for mid, e in doc["measures"].items():
        codes = tuple(e["codes"])
        derive = _check(e["derive"], DERIVATIONS, f"{mid} derive")
        if len(codes) != (1 if derive == "value" else 2):
            raise ValueError(f"{mid}: derive {derive} needs {'one code' if derive == 'value' else 'two codes'}")
        if e["source"] == "lait" and not set(codes) <= lait:
            raise ValueError(f"{mid}: codes {set(codes) - lait} are not in lait_measures")
        _range(e, e["unit"])  # the unit must be known
        out.append(Mapping(mid, e["source"], codes, derive, e["unit"],
                           _check(e["polarity"], POLARITIES, f"{mid} polarity"),
                           float(e.get("scale", 1)), float(e["tolerance"]), e.get("notes", "")))
    return out
