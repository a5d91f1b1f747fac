"""A small hand-made warehouse following the contracts of the tables the papers read.

Unit tests of the paper use it so they run in a second, without the ingest and indicator
pipeline; the end-to-end tests (test_reports_demo.py) use the real pipeline instead. The
numbers are random but deliberately small, so disclosure control has work to do.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from indicators import stats
from indicators.catalogue import UNITS, measures_frame
from indicators.disclosure import suppress_indicator_values
from pipelines import ingest
from pipelines.warehouse import write_frame

INGEST_TABLES = Path(ingest.__file__).with_name("sql") / "ingest_tables.sql"

BREAKDOWN_VALUES = {
    "locality": ["Bath", "Keynsham", "Midsomer Norton", "Radstock", "Chew Valley"],
    "imd_quintile": ["1", "2", "3", "4", "5"],
    "sex": ["female", "male"],
    "age_band": ["0-4", "5-10", "11-15", "16-17"],
}
N_PERIODS = 6


def _periods(period_type: str) -> list[tuple[str, dt.date, dt.date]]:
    out = []
    for y in range(2020, 2020 + N_PERIODS):
        if period_type == "financial_year":
            out.append((f"{y}-{(y + 1) % 100:02d}", dt.date(y, 4, 1), dt.date(y + 1, 3, 31)))
        elif period_type == "academic_year":
            out.append((f"{y}/{(y + 1) % 100:02d}", dt.date(y, 9, 1), dt.date(y + 1, 8, 31)))
        else:
            out.append((str(y), dt.date(y, 1, 1), dt.date(y, 12, 31)))
    return out


def _values(rng: np.random.Generator, cat: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for m in cat.itertuples():
        mult = UNITS[m.unit][0]
        for i, (period, start, end) in enumerate(_periods(m.period_type)):
            den_all = int(rng.integers(40, 90))
            breakdowns = {"all": ["all"]}
            for b in m.breakdowns.split(", ")[1:3]:
                breakdowns[b] = BREAKDOWN_VALUES.get(b, ["group a", "group b", "group c"])
            for b, levels in breakdowns.items():
                for level in levels:
                    den = den_all if b == "all" else int(rng.integers(0, 25))
                    p = 0.2 + 0.03 * i
                    num = int(rng.binomial(den, p)) if den else 0
                    if m.unit == "count":
                        num, den = (den_all if b == "all" else den), None
                        value = float(num)
                        lo, hi = stats.byar(num)
                    else:
                        value = num / den * mult if den else np.nan
                        lo, hi = (v * mult for v in stats.wilson(num, den)) if den else (np.nan,) * 2
                    rows.append(dict(
                        indicator_id=m.indicator_id, measure_id=m.measure_id,
                        is_headline=m.is_headline, period=period, period_type=m.period_type,
                        period_start=start, period_end=end, breakdown=b, breakdown_value=level,
                        numerator=num, denominator=den, value=value, ci_lower=lo, ci_upper=hi,
                        ci_level=0.95, ci_method=m.ci_method, unit=m.unit, polarity=m.polarity))
    return pd.DataFrame(rows)


def _forecasts(values: pd.DataFrame) -> pd.DataFrame:
    rows = []
    tot = values[values.breakdown == "all"].sort_values("period_start")
    for mid, g in tot.groupby("measure_id", sort=False):
        for r in g.itertuples():
            rows.append(dict(measure_id=mid, period=r.period, period_end=r.period_end,
                             kind="history", value=r.value, lower=None, upper=None))
        last = g.iloc[-1]
        for f in stats.forecast(g["value"].to_numpy(float)):
            end = last.period_end.replace(year=last.period_end.year + f.step)
            label = (f"{end.year - 1}-{end.year % 100:02d}" if last.period_type == "financial_year"
                     else f"{end.year - 1}/{end.year % 100:02d}" if last.period_type == "academic_year"
                     else str(end.year))
            rows.append(dict(measure_id=mid, period=label, period_end=end, kind="forecast",
                             value=f.value, lower=f.lower, upper=f.upper))
    return pd.DataFrame(rows)


def _scorecard(values: pd.DataFrame, bench: pd.DataFrame, cat: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """scorecard_periods and scorecard as the pipeline makes them (pipelines.compute.scorecard), from
    the sample's values and benchmarks, with a target 5% above each polarised measure's
    latest value and a story for the headline indicators' latest periods."""
    from pipelines.compute.scorecard import latest_rows, scorecard_periods_frame

    tot = values[values.breakdown == "all"].sort_values("period_start")
    meta = ["indicator_id", "polarity", "is_headline"]
    last = tot.groupby("measure_id", sort=False).tail(1)[["measure_id", "period", "value"]].merge(
        cat[["measure_id", *meta]], on="measure_id")
    polar = last[last.polarity != "none"]
    targets = pd.DataFrame({"measure_id": polar.measure_id, "period": polar.period,
                            "target": (polar.value.astype(float) * 1.05).round(1), "tolerance": 1.0})
    heads = last[last.is_headline.astype(bool)]
    stories = pd.DataFrame({"measure_id": heads.indicator_id, "period": heads.period,
                            "commentary": [f"Story behind the curve for {m}: demand rose after the locality "
                                           "teams merged." for m in heads.measure_id],
                            "author": "Early Help manager"})
    periods = scorecard_periods_frame(values, cat, targets, stories, bench)
    return periods, latest_rows(periods, cat)


def _benchmarks(values: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    pops = cat[cat.oba_question == "population"].measure_id
    tot = values[(values.breakdown == "all") & values.measure_id.isin(pops)]
    return pd.DataFrame(dict(
        measure_id=tot.measure_id, period=tot.period, period_start=tot.period_start,
        period_end=tot.period_end, england_value=tot.value * 1.1, region_value=tot.value * 1.05,
        sn_mean=tot.value * 0.95, sn_median=tot.value * 0.97, la_published_value=tot.value,
        sn_n=10, quartile_band="B", national_rank=50, n_las=153))


NEIGHBOURS = [(str(300 + i), f"Neighbour {chr(65 + i)}") for i in range(10)]


def _published(rng: np.random.Generator, bench: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """pub_values for 40 authorities (us, our ten neighbours, others) in each benchmarked
    measure and period, following the mapping in indicators/benchmarks.yaml (a gap as the
    difference of its two published sides), and our neighbour list."""
    from pipelines.reference.benchmark_files import mappings

    maps = {m.measure_id: m for m in mappings()}
    areas = [("800", "Bath and North East Somerset"), *NEIGHBOURS,
             *[(str(400 + i), f"Authority {i}") for i in range(29)]]
    rows = []
    for b in bench.itertuples():
        m = maps.get(b.measure_id)
        if m is None:
            continue
        for code, name in areas:
            value = b.la_published_value if code == "800" else b.england_value * rng.uniform(0.6, 1.4)
            sides = [value] if m.derive == "value" else [value + 10.0, 10.0]
            rows += [dict(series=m.source, measure_code=c, area_type="la", area_code=code, area_name=name,
                          region_code="E12000009", period=b.period, value=v / m.scale, is_plausible=True)
                     for c, v in zip(m.codes, sides)]
        rows += [dict(series=m.source, measure_code=c, area_type="region", area_code="E12000009",
                      area_name="South West", region_code="E12000009", period=b.period,
                      value=b.region_value / m.scale, is_plausible=True) for c in m.codes[:1]]
    sn = pd.DataFrame([dict(la_code="800", la_name="Bath and North East Somerset", neighbour_rank=i + 1,
                            neighbour_code=c, neighbour_name=n, closeness="Close") for i, (c, n) in enumerate(NEIGHBOURS)])
    # Measures sharing a published code (a gap and its sides) share its one published value.
    pub = pd.DataFrame(rows).drop_duplicates(["series", "measure_code", "area_type", "area_code", "period"])
    return pub.reset_index(drop=True), sn


def _quality() -> tuple[pd.DataFrame, pd.DataFrame]:
    t = pd.Timestamp("2026-04-10 09:00")
    log = pd.DataFrame([
        dict(source="early_help_episodes", source_file="early_help_episodes_2025-26.csv", period="2025-26", status="loaded",
             rows_read=840, rows_loaded=837, rows_quarantined=3, rows_refused=0, rows_superseded=0, received_at=t, validated_at=t),
        # The newest data: September 2026, so the data are as at 30 September 2026.
        dict(source="neet", source_file="neet_2026-09.csv", period="2026-09", status="loaded", rows_read=120,
             rows_loaded=120, rows_quarantined=0, rows_refused=0, rows_superseded=0,
             received_at=pd.Timestamp("2026-10-02 09:00"), validated_at=t),
        dict(source="attainment", source_file="attainment_2024-25.xlsx", period="2024-25", status="loaded", rows_read=300,
             rows_loaded=260, rows_quarantined=40, rows_refused=0, rows_superseded=0, received_at=t, validated_at=t)])
    q = pd.DataFrame([dict(source="early_help_episodes", source_file="early_help_episodes_2025-26.csv",
                           source_row=10 + i, column_name="closure_date", check_name="closure_after_start",
                           failure_value="2020-01-01", reason="closure before start")
                      for i in range(3)] +
                     [dict(source="attainment", source_file="attainment_2024-25.xlsx", source_row=5 + i,
                           column_name="ks2_rwm", check_name="isin", failure_value="x",
                           reason="not a code") for i in range(40)])
    return log, q


def build_sample(path: Path, seed: int = 7) -> Path:
    """Write the sample warehouse to ``path`` (a DuckDB file) and return it."""
    rng = np.random.default_rng(seed)
    cat = measures_frame()
    values = _values(rng, cat)
    published = suppress_indicator_values(values)
    for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper"):
        published[c] = published[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                        else str(v))
    forecasts = _forecasts(values)
    bench = _benchmarks(values, cat)
    scorecard_periods, scorecard = _scorecard(values, bench, cat)
    log, quarantine = _quality()
    pub_values, neighbours = _published(rng, bench)
    tot = values[values.breakdown == "all"][["measure_id", "period", "value"]]
    rec = tot.merge(bench[["measure_id", "period", "la_published_value"]], on=["measure_id", "period"])
    rec = rec.rename(columns={"value": "local_value", "la_published_value": "published_value"})
    rec["published_value"] = rec["published_value"] + rng.normal(0, 1, len(rec))
    rec["difference"] = rec["local_value"] - rec["published_value"]
    rec["tolerance"] = 1.0
    rec["is_flagged"] = rec["difference"].abs() > rec["tolerance"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for name, frame in dict(indicator_catalogue=cat, indicator_values=values,
                                indicator_values_published=published, indicator_forecasts=forecasts,
                                benchmark_values=bench, scorecard=scorecard,
                                scorecard_periods=scorecard_periods, load_log=log,
                                quarantine=quarantine, reconciliation=rec, pub_values=pub_values,
                                pub_statistical_neighbours=neighbours).items():
            write_frame(con, name, frame)
        # The delivery log as the loader makes it (its own DDL: keys, defaults, every column).
        con.execute("alter table load_log rename to sample_log")
        con.execute(INGEST_TABLES.read_text())
        con.execute("insert into load_log by name select *, md5(source_file) as file_hash, 1 as version, "
                    "'utf-8' as encoding from sample_log; drop table sample_log")
    return path


def write_shareable(warehouse: Path, target: Path | None = None) -> Path:
    """The shareable file of ``warehouse`` (what publishing writes beside it), for tests that make
    the outputs without a publish step: the outputs read only that file. Returns its path."""
    from pipelines.release import shareable

    folder = warehouse.parent.parent if warehouse.parent.name == "build" else warehouse.parent
    target = target or folder / shareable.NAME
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = shareable.frames(con)
    return shareable.write(tables, target, {"release_id": "sample", "passed": True})
