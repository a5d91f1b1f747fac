"""Published benchmarks: LAIT and DfE open data loaded long, statistical neighbours, our
measures beside England / region / neighbours, and local-vs-published reconciliation.

SQL lives in ``pipelines/reference/sql/benchmarks/``; this module only prepares small lookup tables
(catalogue, symbols, period map) and records metadata.
"""

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from pipelines import settings, tables
from pipelines.warehouse import Warehouse, read_sql, table_exists, table_metadata, write_frame
from pipelines.reference import benchmark_files as cat
from pipelines.reference.benchmark_periods import SYMBOLS, normalise_period, period_type_for

SQL = Path(__file__).parent / "sql" / "benchmarks"
GROUP = "benchmarks"
SPREAD_TOLERANCE = 0.05  # slack, as a share of the LAs' spread, before an aggregate is implausible


def _build(con: duckdb.DuckDBPyConnection, table: str, params: dict | None = None) -> None:
    """Materialise ``<table>.sql`` as ``table`` with its defined columns, types, order and
    comments (``sql/benchmarks/tables.yaml``)."""
    con.execute(tables.create_sql(table, f"({read_sql(SQL / f'{table}.sql')})"), params or {})
    con.execute(tables.comment_sql(table))


def _measures_frame() -> pd.DataFrame:
    measures = [(m.source, m.code, m.label, m.unit, m.polarity, m.period_type, m.lo, m.hi)
                for m in cat.lait_measures()]
    measures += [(f.name, m.code, m.label, m.unit, m.polarity, m.period_type, m.lo, m.hi)
                 for f in cat.dfe_files() for m in f.indicators]
    return pd.DataFrame(measures, columns=["series", "measure_code", "label", "unit", "polarity", "period_type",
                                           "lo", "hi"]).astype({"lo": "float64", "hi": "float64"})


def _periods_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The period of each distinct (label, period type, time_identifier) in the raw rows."""
    rows = []
    for raw, ptype, ident in con.execute(
            "select distinct period_raw, period_type, time_identifier from _pub_raw").fetchall():
        try:
            p = normalise_period(raw, period_type_for(ident, ptype))
        except ValueError:
            p = None  # an unknown time_identifier: the rows stay, with period NULL and a note
        rows.append((raw, ptype, ident, p.period if p else None, p.period_start if p else None,
                     p.period_end if p else None, p.note if p else None))
    frame = pd.DataFrame(rows, columns=["period_raw", "period_type", "time_identifier", "period", "period_start",
                                        "period_end", "period_note"])
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


@dg.asset(group_name=GROUP, kinds={"duckdb"})
def pub_values(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Every published value (LAIT and DfE open data), long, with period, status symbol and plausibility."""
    landing = warehouse.paths().landing / "published"
    with warehouse.connect() as con:
        write_frame(con, "_pub_measures", _measures_frame(), temp=True)
        write_frame(con, "_pub_symbols", pd.DataFrame(list(SYMBOLS.items()), columns=["symbol", "meaning"]),
                    temp=True)
        write_frame(con, "_pub_regions", pd.DataFrame(list(cat.REGIONS.items()),
                                                      columns=["region_name", "region_code"]), temp=True)
        write_frame(con, "_pub_lait_aggregates", pd.DataFrame(
            [(n, t, c) for n, (t, c) in cat.LAIT_AGGREGATES.items()], columns=["la_number", "area_type", "area_code"]),
            temp=True)
        con.execute(f"create or replace temp table _pub_raw as {read_sql(SQL / 'pub_raw_lait.sql')}",
                    {"path": str(cat.LAIT_FILE), "dictionary": str(cat.LAIT_DICTIONARY)})
        files_loaded = ["lait_bds_long.parquet"]
        for entry in cat.dfe_files():
            files = [str(f) for f in entry.files(cat.PUBLISHED_DIR, landing)]
            if not files:
                context.log.warning(f"no file matches {entry.pattern} for series {entry.name}")
                continue
            con.execute(f"insert into _pub_raw by name {read_sql(SQL / 'pub_raw_dfe.sql')}", {
                "series": entry.name, "files": files, "indicators": [m.code for m in entry.indicators],
                "filters": list(entry.filters), "period_type": entry.period_type})
            files_loaded += [Path(f).name for f in files]
        write_frame(con, "_pub_periods", _periods_frame(con), temp=True)
        _build(con, "pub_values", {"spread_tolerance": SPREAD_TOLERANCE})
        stats = con.execute("""select count(distinct series || measure_code), count(distinct period),
                                      count(*) filter (where not is_plausible), count(*) filter (where period is null)
                               from pub_values""").fetchone()
        statuses = dict(con.execute("select status, count(*) from pub_values group by 1 order by 2 desc").fetchall())
        implausible = con.execute("""select measure_code, area_name, period, value, plausibility_note from pub_values
                                     where not is_plausible order by 1, 3 limit 20""").df()
        meta = {
            **table_metadata(con, "pub_values", "select * from pub_values where area_code = ? "
                             "order by series, measure_code, period desc limit 10", [str(settings.la_code())]),
            "files": files_loaded, "measures": stats[0], "periods": stats[1], "implausible": stats[2],
            "unreadable_periods": stats[3], "status_counts": statuses,
            "implausible_preview": dg.MetadataValue.md(implausible.to_markdown(index=False) or "none"),
        }
    return dg.MaterializeResult(metadata=meta)


@dg.asset(group_name=GROUP, kinds={"duckdb"})
def pub_statistical_neighbours(warehouse: Warehouse) -> dg.MaterializeResult:
    """DfE 2025 statistical neighbours: ten comparable authorities per local authority, closest first."""
    la = str(settings.la_code())
    with warehouse.connect() as con:
        _build(con, "pub_statistical_neighbours", {"path": str(cat.SN_FILE)})
        n_las = con.execute("select count(distinct la_code) from pub_statistical_neighbours").fetchone()[0]
        meta = {**table_metadata(con, "pub_statistical_neighbours", "select * from pub_statistical_neighbours "
                                 "where la_code = ? order by neighbour_rank", [la]),
                "authorities": n_las, "la_code": la}
    return dg.MaterializeResult(metadata=meta)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[pub_values, pub_statistical_neighbours])
def benchmark_values(warehouse: Warehouse) -> dg.MaterializeResult:
    """Our measures beside England, region and statistical neighbours, with quartile band and national rank."""
    la = str(settings.la_code())
    maps = cat.mappings()
    frame = pd.DataFrame([(m.measure_id, m.source, m.codes[0], m.codes[1] if len(m.codes) > 1 else None, m.derive,
                           m.unit, m.polarity, m.scale, m.published_measure) for m in maps],
                         columns=["measure_id", "series", "code_a", "code_b", "derive", "unit", "polarity", "scale",
                                  "published_measure"])
    with warehouse.connect() as con:
        write_frame(con, "_pub_benchmark_map", frame, temp=True)
        _build(con, "benchmark_values", {"la_code": la})
        stats = con.execute("""select count(distinct measure_id), count(distinct period),
                                      count(*) filter (where plausibility_note is not null),
                                      list(distinct measure_id) filter (where la_published_value is not null)
                               from benchmark_values""").fetchone()
        left_out = con.execute("""select measure_id, period, plausibility_note from benchmark_values
                                  where plausibility_note is not null order by 1, 2 limit 20""").df()
        meta = {
            **table_metadata(con, "benchmark_values", "select * from benchmark_values "
                             "qualify period = max(period) over (partition by measure_id) order by measure_id"),
            "la_code": la, "measures": stats[0], "periods": stats[1], "implausible": stats[2],
            "unmapped_or_missing": sorted({m.measure_id for m in maps} - set(stats[3] or [])),
            "left_out_of_comparisons": dg.MetadataValue.md(left_out.to_markdown(index=False) or "none"),
        }
    return dg.MaterializeResult(metadata=meta)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[benchmark_values, "indicator_values"])
def reconciliation(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Local indicator values against the authority's published values, flagged beyond each measure's tolerance."""
    tolerances = pd.DataFrame([(m.measure_id, m.tolerance) for m in cat.mappings()],
                              columns=["measure_id", "tolerance"])
    exports = warehouse.paths().exports
    with warehouse.connect() as con:
        write_frame(con, "_pub_tolerances", tolerances, temp=True)
        note = "compared local indicator_values with published values"
        if not table_exists(con, "indicator_values"):
            # Runs before the indicators exist still produce an (empty) reconciliation.
            note = "indicator_values does not exist yet: nothing to reconcile"
            context.log.warning(note)
            con.execute("create or replace temp table indicator_values (measure_id varchar, period varchar, "
                        "breakdown varchar, breakdown_value varchar, value double)")
        _build(con, "reconciliation")
        report = con.execute("select * from reconciliation").df()
        flagged = int(report["is_flagged"].fillna(False).sum())
        meta = {**table_metadata(con, "reconciliation"), "note": note, "flagged": flagged,
                "measures": report["measure_id"].nunique(), "periods": report["period"].nunique()}
        con.execute("drop table if exists temp.indicator_values")
    csv = exports / "reconciliation.csv"
    report.to_csv(csv, index=False)
    html = exports / "reconciliation.html"
    html.write_text("<h1>Reconciliation: local vs published</h1>\n<p>" + note + f"; {flagged} flagged.</p>\n"
                    + report.to_html(index=False, na_rep=""), encoding="utf-8")
    meta.update({"csv": dg.MetadataValue.path(str(csv)), "html": dg.MetadataValue.path(str(html))})
    return dg.MaterializeResult(metadata=meta)


@dg.asset_check(asset=pub_values, description="One published value per series, measure, area and period.")
def pub_values_unique(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        dupes = con.execute("""select count(*) from (select 1 from pub_values where period is not null
                               group by series, measure_code, area_type, area_code, period having count(*) > 1)""").fetchone()[0]
    return dg.AssetCheckResult(passed=dupes == 0, metadata={"duplicate_keys": dupes})


@dg.asset_check(asset=benchmark_values, description="No implausible authority value is compared or ranked.")
def benchmark_values_plausible(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        bad = con.execute("""select count(*) from benchmark_values where is_plausible is distinct from true
                             and (la_published_value is not null or quartile_band is not null
                                  or national_rank is not null)""").fetchone()[0]
    return dg.AssetCheckResult(passed=bad == 0, metadata={"implausible_values_used": bad})


assets = [pub_values, pub_statistical_neighbours, benchmark_values, reconciliation]
asset_checks = [pub_values_unique, benchmark_values_plausible]
