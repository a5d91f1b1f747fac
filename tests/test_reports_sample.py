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
                             is_forecast=False, value=r.value, lower=None, upper=None))
        last = g.iloc[-1]
        for f in stats.forecast(g["value"].to_numpy(float)):
            end = last.period_end.replace(year=last.period_end.year + f.step)
            label = (f"{end.year - 1}-{end.year % 100:02d}" if last.period_type == "financial_year"
                     else f"{end.year - 1}/{end.year % 100:02d}" if last.period_type == "academic_year"
                     else str(end.year))
            rows.append(dict(measure_id=mid, period=label, period_end=end, is_forecast=True,
                             value=f.value, lower=f.lower, upper=f.upper))
    return pd.DataFrame(rows)


def _scorecard(values: pd.DataFrame, forecasts: pd.DataFrame, bench: pd.DataFrame,
               cat: pd.DataFrame) -> pd.DataFrame:
    tot = values[values.breakdown == "all"].sort_values("period_start")
    rows = []
    for mid, g in tot.groupby("measure_id", sort=False):
        m = cat.set_index("measure_id").loc[mid]
        last, prev = g.iloc[-1], g.iloc[-2]
        tr = stats.trend(g["value"].to_numpy(float))
        fc = forecasts[(forecasts.measure_id == mid) & forecasts.is_forecast].iloc[0]
        b = bench[(bench.measure_id == mid) & (bench.period == last.period)]
        eng = b.england_value.iloc[0] if len(b) else None
        sn = b.sn_mean.iloc[0] if len(b) else None
        target = None if m.polarity == "none" else round(float(last.value) * 1.05, 1)
        rows.append(dict(
            indicator_id=m.indicator_id, measure_id=mid, is_headline=bool(m.is_headline),
            title=m.title, unit=m.unit, polarity=m.polarity, oba_question=m.oba_question,
            period=last.period, value=last.value, ci_lower=last.ci_lower, ci_upper=last.ci_upper,
            previous_period=prev.period, previous_value=prev.value,
            trend_direction=tr.direction, trend_judgement=stats.judge_trend(tr.direction, m.polarity),
            forecast_period=fc.period, forecast_value=fc.value, forecast_lower=fc.lower,
            forecast_upper=fc.upper, target=target, tolerance=1.0,
            rag=stats.rag(last.value, target, m.polarity, 1.0),
            england_value=eng, region_value=eng, sn_mean=sn,
            england_comparison=stats.compare_benchmark(last.value, last.ci_lower, last.ci_upper, eng, m.polarity),
            sn_comparison=stats.compare_benchmark(last.value, last.ci_lower, last.ci_upper, sn, m.polarity),
            quartile_band="B" if eng is not None else None, national_rank=50 if eng is not None else None,
            commentary=(f"Story behind the curve for {mid}: demand rose after the locality teams "
                        "merged." if m.is_headline else None)))
    return pd.DataFrame(rows)


def _benchmarks(values: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    pops = cat[cat.oba_question == "population"].measure_id
    tot = values[(values.breakdown == "all") & values.measure_id.isin(pops)]
    return pd.DataFrame(dict(
        measure_id=tot.measure_id, period=tot.period, period_start=tot.period_start,
        period_end=tot.period_end, england_value=tot.value * 1.1, region_value=tot.value * 1.05,
        sn_mean=tot.value * 0.95, sn_median=tot.value * 0.97, la_published_value=tot.value,
        sn_n=10, quartile_band="B", national_rank=50, n_las=153))


def _quality() -> tuple[pd.DataFrame, pd.DataFrame]:
    t = pd.Timestamp("2026-04-10 09:00")
    log = pd.DataFrame([
        dict(source="early_help_episodes", source_file="early_help_episodes_2025-26.csv", status="loaded",
             rows_read=840, rows_loaded=837, rows_quarantined=3, rows_refused=0, rows_superseded=0, received_at=t, validated_at=t),
        dict(source="neet", source_file="neet_2025-12.csv", status="loaded", rows_read=120,
             rows_loaded=120, rows_quarantined=0, rows_refused=0, rows_superseded=0, received_at=t, validated_at=t),
        dict(source="attainment", source_file="attainment_2024-25.xlsx", status="loaded", rows_read=300,
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
    scorecard = _scorecard(values, forecasts, bench, cat)
    log, quarantine = _quality()
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
                                benchmark_values=bench, scorecard=scorecard, load_log=log,
                                quarantine=quarantine, reconciliation=rec).items():
            con.register("_f", frame)
            con.execute(f"create or replace table {name} as select * from _f")
            con.unregister("_f")
    return path


def test_sample_published_values_hide_every_small_count(tmp_path):
    db = build_sample(tmp_path / "oba.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        pub = con.execute("select numerator, denominator from indicator_values_published "
                          "where unit not in ('mean', 'points', 'pp')").df()
    # Numerators of mean scores and gaps are sums of scores / one side of a gap: the
    # disclosure rule protects those by their n only, and the papers do not show them.
    nums = pd.to_numeric(pd.concat([pub.numerator, pub.denominator]), errors="coerce")
    assert not nums.between(1, 5).any()
    assert (pd.concat([pub.numerator, pub.denominator]) == "c").any()
