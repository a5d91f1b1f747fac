"""The indicator catalogue, targets and commentary: loading and checking the editable files.

``catalogue.yaml`` defines every measure once; ``targets.csv`` and the turn-the-curve
files (``indicators/turn_the_curve/``, whose stories are the scorecard's commentary) are
edited by performance officers. Everything here is checked on load (unknown measure ids,
units, polarities, duplicate rows), because a typo in an editable file must fail loudly
rather than silently drop a target from the scorecard.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from sources import catalogue as sources
from sources import periods
from sources import codes

HERE = Path(__file__).parent
CATALOGUE_FILE = HERE / "catalogue.yaml"
SQL_DIR = HERE / "sql"
MACROS_FILE = SQL_DIR / "_macros.sql"
TARGETS_FILE = HERE / "targets.csv"

# unit -> multiplier from the 0-1 / per-head scale to the unit, and the range a value can
# take (used to clip forecasts). Gaps can be negative: a gap that has closed and reversed.
UNITS = {
    "pct": (100.0, (0.0, 100.0)),
    "pp": (100.0, (-100.0, 100.0)),
    "per_100": (100.0, (0.0, None)),
    "per_1000": (1000.0, (0.0, None)),
    "per_100k": (100000.0, (0.0, None)),
    "count": (1.0, (0.0, None)),
    "mean": (1.0, (None, None)),
    "points": (1.0, (None, None)),
    "ratio": (1.0, (0.0, None)),
}
# ci methods whose value can never fall below one per head: every person counted has at
# least one event (re-offences per re-offender), so the range starts at one (x the multiplier).
AT_LEAST_ONE = ("rate_above_one",)


def value_range(unit: str, ci_method: str | None = None) -> tuple[float, float]:
    """The range a value of ``unit`` can take, (lo, hi) with -inf / inf for an open end:
    0 to 100 for a percentage, 0 upwards for a rate or count, 1 (x the multiplier)
    upwards for a ratio of events per person where each person has at least one
    (``AT_LEAST_ONE``). Forecasts and their intervals are fitted to it."""
    multiplier, (lo, hi) = UNITS[unit]
    if ci_method in AT_LEAST_ONE:
        lo = multiplier
    return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))


POLARITIES = ("higher", "lower", "none")
OBA = ("population", "how_much", "how_well", "better_off")
PERIOD_TYPES = periods.PERIOD_TYPES
# ci methods of this catalogue; newcombe and welch are the two-group gap intervals.
CI_METHODS = ("wilson", "byar", "rate", "rate_above_one", "mean", "newcombe", "welch", "none")
GAP_METHODS = ("newcombe", "welch")
# An indicator id is letters then digits (EH07); its table is named from it (Indicator.table). A measure
# id is its indicator's id in lower case, an underscore and a name (eh07_neet_pct).
INDICATOR_ID = re.compile(r"^[A-Z]+[0-9]+$")
MEASURE_ID = "{indicator}_[a-z0-9_]+"

# Parameters the indicator SQL may bind (``$name``). Code lists come from sources.codes
# so the SQL never repeats them; thresholds are the definitions in catalogue.yaml.
PARAMETERS = {
    "statutory_outcomes": list(codes.STATUTORY_OUTCOMES),
    "joint_working_agencies": list(codes.JOINT_WORKING_AGENCIES),
    "nccis_eet": list(codes.NCCIS_EET),
    "nccis_neet": list(codes.NCCIS_NEET),
    "nccis_not_known": list(codes.NCCIS_NOT_KNOWN),
    "rc_programmes": list(codes.RELIABLE_CHANGE),
    "rc_thresholds": list(codes.RELIABLE_CHANGE.values()),
    # EH11: exclusion reasons and SEN needs by the category they feed (sources/code_years.csv).
    "persistent_disruption_reasons": list(codes.categories("exclusion_reason", "persistent_disruption")),
    "semh_needs": list(codes.categories("sen_primary_need", "semh")),
    "sen_need_unknown": codes.SEN_NEED_UNKNOWN,
    "need_known_min": 0.9,            # EH11: the SEMH rate needs the need of 90% of exclusions
    "step_up_window_months": 12,      # EH01: statutory outcome within 12 months of closure
    # A year counted by an end date (or a snapshot) from an extract delivered by start date is
    # whole only when the extract begins this long before it: longer than (nearly) every
    # episode, course or open case, so the left-truncated first years are not reported.
    "episode_lookback_months": 24,    # EH01/EH02 closures: 99.9% of episodes last under 24 months
    "course_lookback_months": 6,      # EH08 course ends: courses last about 10-14 weeks
    "cme_lookback_months": 12,        # EH04 open CME cases: 95% resolve within 7 months
    "agree_min": 4,                   # 1-5 scales: 4 agree, 5 strongly agree
    "self_esteem_min": 11,            # EH05: medium-high (11-15) or high (16-20) on 0-20
    "reoffence_months": 12,           # EH09: further offence within 12 months ...
    "reoffence_proof_months": 6,      # ... proven within a further 6 months (MoJ)
    "completion_follow_up_months": 6,  # EH08: start cohort followed up for 6 months
    # Dates as delivered (quarantined records keep the text): the loader's formats, in its order.
    "date_formats": list(sources.DATE_FORMATS),
}

CATALOGUE_COLUMNS = [
    "indicator_id", "indicator_title", "measure_id", "is_headline", "title", "numerator",
    "denominator", "rules", "unit", "multiplier", "polarity", "oba_question", "period_type",
    "sources", "ci_method", "breakdowns", "published_equivalent", "disclosure", "caveats",
    "trend_level", "forecast_level", "cadence", "series_breaks", "completeness", "definition_matches_published",
    "sql_file",
]
# Method settings (catalogue.yaml "defaults", overridable per measure). Levels may be
# written as fractions (0.998) or percentages (99.8).
METHOD_DEFAULTS = {"trend_level": 0.998, "forecast_level": 0.95}
COMPLETENESS_TREATMENTS = ("exclude",)
REQUIRED = ("id", "title", "numerator", "unit", "polarity", "oba", "period_type", "sources",
            "ci_method", "breakdowns")


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    sources: tuple[str, ...]
    measures: tuple[dict, ...]

    @property
    def table(self) -> str:
        return f"ind_{self.id.lower()}"

    @property
    def sql_file(self) -> Path:
        return SQL_DIR / f"{self.table}.sql"

    @property
    def headline(self) -> dict:
        return next(m for m in self.measures if m.get("headline"))


class CatalogueError(ValueError):
    """catalogue.yaml or targets.csv breaks a rule."""


def _check_measure(ind: dict, m: dict) -> None:
    where = f"{ind['id']} measure {m.get('id')!r}"
    missing = [k for k in REQUIRED if k not in m]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    if not re.fullmatch(MEASURE_ID.format(indicator=re.escape(ind["id"].lower())), m["id"]):
        raise CatalogueError(f"{where}: id must look like {ind['id'].lower()}_<name>")
    for key, allowed in (("unit", UNITS), ("polarity", POLARITIES), ("oba", OBA),
                         ("period_type", PERIOD_TYPES), ("ci_method", CI_METHODS)):
        if m[key] not in allowed:
            raise CatalogueError(f"{where}: {key} {m[key]!r} not one of {list(allowed)}")
    unknown = set(m["sources"]) - set(ind["sources"])
    if unknown:
        raise CatalogueError(f"{where}: sources {sorted(unknown)} not listed for {ind['id']}")
    if (m["unit"] == "count") != (m.get("denominator") is None):
        raise CatalogueError(f"{where}: counts, and only counts, have no denominator")
    for key in METHOD_DEFAULTS:
        if key in m:
            _level_setting(m[key], where, key)
    cadence = m.get("cadence", 1)
    if isinstance(cadence, bool) or not isinstance(cadence, int) or cadence < 1:
        raise CatalogueError(f"{where}: cadence {cadence!r} must be a whole number of periods, 1 or more")
    for key in m.get("series_breaks") or []:
        if not _is_period_key(str(key), m["period_type"]):
            raise CatalogueError(f"{where}: series break {key!r} is not a {m['period_type']} period key")
    if m.get("definition_matches_published") and not m.get("published_equivalent"):
        raise CatalogueError(f"{where}: definition_matches_published needs a published_equivalent")
    comp = m.get("completeness")
    if comp is not None and (not isinstance(comp, dict) or comp.get("treatment") not in COMPLETENESS_TREATMENTS
                             or not comp.get("rule")):
        raise CatalogueError(f"{where}: completeness needs a treatment ({'/'.join(COMPLETENESS_TREATMENTS)}) "
                             "and a rule")


def _is_period_key(key: str, period_type: str) -> bool:
    return periods.is_key(key, period_type)


def _level_setting(value, where: str, key: str) -> float:
    """A level from the catalogue as a fraction: 0.998 or 99.8."""
    from indicators.stats._common import _check_level
    try:
        return _check_level(value)
    except (TypeError, ValueError) as e:
        raise CatalogueError(f"{where}: {key} {value!r}: {e}") from None


@lru_cache(maxsize=4)
def load(path: Path = CATALOGUE_FILE) -> tuple[dict, tuple[Indicator, ...]]:
    """(defaults, indicators) from catalogue.yaml, checked."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for key in METHOD_DEFAULTS:
        if key in doc.get("defaults", {}):
            _level_setting(doc["defaults"][key], "defaults", key)
    indicators, seen = [], set()
    for ind in doc["indicators"]:
        if not INDICATOR_ID.match(str(ind["id"])):
            raise CatalogueError(f"indicator id {ind['id']!r} must be letters then digits, like EH07")
        bad = [s for s in ind["sources"] if s not in sources.BY_NAME]
        if bad:
            raise CatalogueError(f"{ind['id']}: unknown sources {bad}")
        for m in ind["measures"]:
            _check_measure(ind, m)
            if m["id"] in seen:
                raise CatalogueError(f"measure {m['id']} defined twice")
            seen.add(m["id"])
        if sum(bool(m.get("headline")) for m in ind["measures"]) != 1:
            raise CatalogueError(f"{ind['id']}: exactly one headline measure needed")
        indicators.append(Indicator(ind["id"], ind["title"], tuple(ind["sources"]),
                                    tuple(ind["measures"])))
    return doc.get("defaults", {}), tuple(indicators)


def indicators() -> tuple[Indicator, ...]:
    return load()[1]


def indicator(indicator_id: str) -> Indicator:
    return next(i for i in indicators() if i.id == indicator_id.upper())


def measures_frame() -> pd.DataFrame:
    """One row per measure: the ``indicator_catalogue`` table."""
    defaults, inds = load()
    settings = {k: _level_setting(defaults.get(k, v), "defaults", k) for k, v in METHOD_DEFAULTS.items()}
    default_completeness = "exclude: " + " ".join(str(defaults.get("complete_periods", "")).split())
    rows = []
    for ind in inds:
        for m in ind.measures:
            rows.append({
                "indicator_id": ind.id, "indicator_title": ind.title, "measure_id": m["id"],
                "is_headline": bool(m.get("headline")), "title": m["title"],
                "numerator": m["numerator"], "denominator": m.get("denominator"),
                "rules": m.get("rules"), "unit": m["unit"], "multiplier": UNITS[m["unit"]][0],
                "polarity": m["polarity"], "oba_question": m["oba"],
                "period_type": m["period_type"], "sources": ", ".join(m["sources"]),
                "ci_method": m["ci_method"], "breakdowns": ", ".join(["all", *m["breakdowns"]]),
                "published_equivalent": m.get("published_equivalent"),
                "disclosure": m.get("disclosure", defaults.get("disclosure")),
                "caveats": m.get("caveats"),
                **{k: _level_setting(m[k], m["id"], k) if k in m else v for k, v in settings.items()},
                "cadence": int(m.get("cadence", 1)),
                "series_breaks": ", ".join(map(str, m.get("series_breaks") or [])) or None,
                "completeness": (f"{m['completeness']['treatment']}: " + " ".join(m["completeness"]["rule"].split())
                                 if m.get("completeness") else default_completeness),
                "definition_matches_published": bool(m.get("definition_matches_published", False)),
                "sql_file": f"indicators/sql/{ind.table}.sql",
            })
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)


def macros_sql() -> str:
    """Every helper the indicator SQL calls: the period helpers made from the one period calendar
    (``sources.periods.sql_macros``), then ``_macros.sql``."""
    return periods.sql_macros() + MACROS_FILE.read_text(encoding="utf-8")


def sql_text(ind: Indicator) -> str:
    return ind.sql_file.read_text(encoding="utf-8").strip().rstrip(";")


def sql_parameters(sql: str) -> dict:
    """The bound parameters a SQL text uses: exactly those, as DuckDB rejects extras."""
    names = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    unknown = names - set(PARAMETERS)
    if unknown:
        raise CatalogueError(f"SQL uses unknown parameters {sorted(unknown)}")
    return {n: PARAMETERS[n] for n in sorted(names)}


_ROUNDED = {"month_end": "last_day({})"}


def as_at_macros(names: tuple[str, ...] | None = None) -> str:
    """``<source>_as_at()`` for each source with an "as at" rule (``sources.catalogue.AsAt``),
    or for ``names`` only: the date an extract's data run to, computed from ``stg_<source>``.

    DuckDB binds a macro's tables when it is made, so a run makes the macros of the sources
    it reads, once they are staged."""
    made = []
    for s in sources.SOURCES:
        if s.as_at is None or (names is not None and s.name not in names):
            continue
        latest = ", ".join(f"max({c})" for c in s.as_at.columns)
        latest = f"greatest({latest})" if len(s.as_at.columns) > 1 else latest
        made.append(f"-- {s.name} is as at the {s.as_at.rounding.replace('_', ' ')} of its latest "
                    f"{' or '.join(s.as_at.columns)}.\n"
                    f"create or replace temp macro {s.name}_as_at() as\n"
                    f"    (select {_ROUNDED[s.as_at.rounding].format(latest)} from stg_{s.name});")
    return "\n".join(made) + "\n" if made else ""


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    # Whole-line comments only: a "#" inside a commentary is text, not a comment.
    lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
             if not ln.lstrip().startswith("#")]
    frame = pd.read_csv(io.StringIO("".join(lines)), dtype=str, keep_default_na=False)
    missing = set(required) - set(frame.columns)
    if missing:
        raise CatalogueError(f"{path.name}: missing columns {sorted(missing)}")
    return frame.apply(lambda s: s.str.strip()).replace({"": None})


def targets_file() -> Path:
    """The targets in force: ``<data dir>/settings/targets.csv``, else the packaged one."""
    from pipelines.settings import local_file

    return local_file("targets.csv", TARGETS_FILE)


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """targets.csv checked: known measure ids, numeric target and tolerance, one per period."""
    path = path or targets_file()
    cols = ["measure_id", "period", "target", "tolerance", "set_by", "notes"]
    frame = _read_csv(Path(path), cols)[cols]
    known = set(measures_frame()["measure_id"])
    bad = sorted(set(frame["measure_id"]) - known)
    if bad:
        raise CatalogueError(f"{Path(path).name}: unknown measure ids {bad}")
    for c in ("target", "tolerance"):
        frame[c] = pd.to_numeric(frame[c], errors="raise").astype("float64")
    if frame["target"].isna().any():
        raise CatalogueError(f"{Path(path).name}: every row needs a target")
    frame["tolerance"] = frame["tolerance"].fillna(0.0)
    if (frame["tolerance"] < 0).any():
        raise CatalogueError(f"{Path(path).name}: tolerance cannot be negative")
    dup = frame.duplicated(["measure_id", "period"])
    if dup.any():
        raise CatalogueError(f"{Path(path).name}: two targets for "
                             f"{frame.loc[dup, ['measure_id', 'period']].values.tolist()}")
    return frame
