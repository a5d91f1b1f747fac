"""Indicator assets: one ``ind_<id>`` table per catalogue indicator (one SQL file each,
numerators and denominators), the ``indicator_catalogue``, the long ``indicator_values`` table with
confidence intervals, and its disclosure-controlled twin ``indicator_values_published``.

Heavy lifting is SQL in DuckDB (``indicators/sql/``); intervals are computed for the whole
long table at once by the vectorised statistics layer. The scorecard and forecasts are in
``pipelines/compute/scorecard.py``.
"""


import math

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from indicators import catalogue as cat
from indicators import disclosure, releases, stats
from pipelines import reuse, tables
from pipelines.compute import scorecard
from pipelines.warehouse import Warehouse, frame_metadata, read_sql

GROUP = "indicators"
SQL_DIR = cat.SQL_DIR

# Column lists come from the tables' definitions (indicators/sql/tables.yaml).
VALUE_COLUMNS = tables.columns("indicator_values")


def run_indicator(con: duckdb.DuckDBPyConnection, ind: cat.Indicator) -> int:
    """Run one indicator's SQL with its bound parameters into its table (``Indicator.table``)."""
    con.execute(cat.macros_sql())
    if as_at := cat.as_at_macros(ind.sources):
        con.execute(as_at)
    sql = cat.sql_text(ind)
    con.execute("create or replace temp table _indicator as " + sql, cat.sql_parameters(sql))
    present = {r[0] for r in con.execute("describe _indicator").fetchall()}
    # Table names come from the catalogue (Indicator.table), never from data; every indicator's
    # table has the shared layout ind_<indicator> (the SQL may leave its optional columns out).
    con.execute(tables.create_sql(ind.table, "_indicator", present))
    con.execute(tables.comment_sql(ind.table, indicator=ind.id, title=ind.title, sql_file=ind.sql_file.name))
    return con.execute(f"select count(*) from {ind.table}").fetchall()[0][0]


def indicator_reads(con: duckdb.DuckDBPyConnection, ind: cat.Indicator) -> list[str]:
    """The tables an indicator's table is made from: every table of the warehouse its SQL names
    (a word of the SQL that is a table name: more rather than fewer), and its sources' staged
    tables (its "as at" macros read them)."""
    return sorted({*reuse.sql_reads(con, cat.sql_text(ind)), *(f"stg_{s}" for s in ind.sources)})


def make_indicator(con: duckdb.DuckDBPyConnection, ind: cat.Indicator, run_id: str | None = None) -> bool:
    """``run_indicator`` unless nothing it reads changed since its table was made; True if made."""
    _, was_reused = reuse.made_or_reused(con, ind.table, indicator_reads(con, ind), [ind.table], run_id,
                                         lambda: {"rows": run_indicator(con, ind)},
                                         cat.sql_parameters(cat.sql_text(ind)))
    return not was_reused


def _indicator_asset(ind: cat.Indicator) -> dg.AssetsDefinition:
    headline = ind.headline

    @dg.asset(name=ind.table, group_name=GROUP, kinds={"duckdb", "sql"},
              deps=[f"stg_{s}" for s in ind.sources],
              description=f"{ind.id} {ind.title}: numerators and denominators per measure, "
                          f"period and breakdown; headline {headline['id']}.")
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            made = make_indicator(con, ind, context.run_id)
            frame = con.execute(f"select * from {ind.table}").df()
        heads = frame[(frame["measure_id"] == headline["id"]) & (frame["breakdown"] == "all")]
        if heads.empty:
            context.log.warning(f"{ind.id}: no complete period of {headline['id']} in the staged data")
        return dg.MaterializeResult(metadata={
            **frame_metadata(frame, heads.tail(8)),
            "headline_periods": len(heads), reuse.REUSED: not made,
            "sql_file": dg.MetadataValue.path(str(ind.sql_file)),
        })

    return _asset


indicator_assets = [_indicator_asset(ind) for ind in cat.indicators()]


@dg.asset(group_name=GROUP, kinds={"duckdb"})
def indicator_catalogue(warehouse: Warehouse) -> dg.MaterializeResult:
    """Every Early Help measure: definition, unit, polarity, OBA question, period, sources, CI method, breakdowns, benchmark, caveats."""
    frame = cat.measures_frame()
    with warehouse.connect() as con:
        tables.write(con, "indicator_catalogue", frame)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(frame), "measures": len(frame),
        "indicators": int(frame["indicator_id"].nunique()),
        "preview": dg.MetadataValue.md(
            frame[["measure_id", "is_headline", "title", "unit", "polarity"]].head(12).to_markdown(index=False)),
    })


def _gap_intervals(frame: pd.DataFrame, level: float) -> pd.DataFrame:
    """Value and interval of gap rows: comparator minus the disadvantaged group."""
    out = frame.copy()
    rows = []
    for r in out.itertuples(index=False):
        if r.ci_method == "newcombe":
            d, lo, hi = stats.diff_proportions_ci(r.comparator_numerator, r.comparator_denominator,
                                                  r.numerator, r.denominator, level)
        else:  # welch: difference of means, each mean = sum / n
            m1 = r.comparator_numerator / r.comparator_denominator if r.comparator_denominator else math.nan
            m2 = r.numerator / r.denominator if r.denominator else math.nan
            d, lo, hi = stats.diff_means_ci(m1, r.comparator_sd, r.comparator_denominator,
                                            m2, r.sd, r.denominator, level)
        rows.append((d * r.multiplier, lo * r.multiplier, hi * r.multiplier))
    out[["value", "ci_lower", "ci_upper"]] = pd.DataFrame(rows, index=out.index, dtype=float) \
        if rows else np.empty((0, 3))
    return out


def compute_values(base: pd.DataFrame, level: float = 0.95) -> tuple[pd.DataFrame, int]:
    """Value and confidence interval for every row of the long numerator/denominator table.

    ``base`` carries the catalogue's ``ci_method`` and ``multiplier`` per row. Returns the
    frame in ``VALUE_COLUMNS`` order and the number of rows whose interval could not be
    formed (a numerator above its denominator: left without CI and reported, never dropped).
    """
    frame = base.copy()
    level = stats.level_fraction(level)  # 95 or 0.95: stored as 0.95
    frame["ci_level"] = level
    gap = frame["ci_method"].isin(cat.GAP_METHODS)
    mean = frame["ci_method"] == "mean"
    with np.errstate(divide="ignore", invalid="ignore"):
        frame.loc[mean, "value"] = frame.loc[mean, "numerator"] / frame.loc[mean, "denominator"]
    impossible = (frame["ci_method"] == "wilson") & (frame["numerator"] > frame["denominator"])
    frame["ci_method_used"] = frame["ci_method"].where(~impossible, "none")
    simple = stats.add_intervals_by_method(frame[~gap], method_column="ci_method_used",
                                           multiplier_column="multiplier", level=level)
    parts = [simple, _gap_intervals(frame[gap], level)] if gap.any() else [simple]
    out = pd.concat(parts).loc[frame.index]
    out.loc[out["ci_method_used"] == "none", ["ci_lower", "ci_upper"]] = np.nan
    return out[VALUE_COLUMNS].reset_index(drop=True), int(impossible.sum())


class ValuesConfig(dg.Config):
    ci_level: float = 0.95  # 0.998 gives the control-limit intervals


def stack_indicators(con: duckdb.DuckDBPyConnection) -> None:
    """The temp view ``ind_rows``: every catalogue indicator's table stacked by column name,
    so that adding an indicator to the catalogue adds its rows with no other edit."""
    # Table names come from the catalogue (Indicator.table), never from data.
    con.execute("create or replace temp view ind_rows as "
                + "\nunion all by name ".join(f"select * from {ind.table}" for ind in cat.indicators()))


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[*indicator_assets, indicator_catalogue])
def indicator_values(context: dg.AssetExecutionContext, config: ValuesConfig,
                     warehouse: Warehouse) -> dg.MaterializeResult:
    """Every measure x period x breakdown in one long table: numerator, denominator, value, confidence interval, unit, polarity."""
    with warehouse.connect() as con:
        def make() -> dict:
            stack_indicators(con)
            base = con.execute(read_sql(SQL_DIR / "indicator_values_base.sql")).df()
            values, impossible = compute_values(base, config.ci_level)
            # Explicit types, so the table's schema is stable for performance officers' queries.
            tables.write(con, "indicator_values", values)
            return {"impossible": impossible}

        reads = [ind.table for ind in cat.indicators()] + reuse.sql_reads(
            con, read_sql(SQL_DIR / "indicator_values_base.sql"))
        made, was_reused = reuse.made_or_reused(con, "indicator_values", reads, ["indicator_values"],
                                                context.run_id, make, config.ci_level)
        values = con.execute("select * from indicator_values").df()
    impossible = made["impossible"]
    if impossible:
        context.log.warning(f"{impossible} proportion rows have a numerator above the denominator: "
                            "no interval given")
    heads = values[values["is_headline"] & (values["breakdown"] == "all")]
    return dg.MaterializeResult(metadata={
        **frame_metadata(values, heads.groupby("measure_id").tail(1)[
            ["measure_id", "period", "numerator", "denominator", "value", "ci_lower", "ci_upper"]]),
        "rows_without_interval": impossible,
        "ci_level": config.ci_level, reuse.REUSED: was_reused,
    })


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[indicator_values, "lookup_wards"])
def indicator_values_published(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """indicator_values fit to publish: counts of 1-5 and what could reveal them shown as "c" (secondary suppression, across every set of published cells that add up, the wards within localities of the lookups and every earlier release still public)."""
    data_dir = warehouse.paths().data_dir
    with warehouse.connect() as con:
        def make() -> dict:
            earlier = releases.public(data_dir)
            values = con.execute("select * from indicator_values").df()
            published = disclosure.publishable(values, releases.read_lookups(con), releases.pairs(earlier))
            for c in ("numerator", "denominator", "value", "ci_lower", "ci_upper"):
                published[c] = published[c].map(_publish_text)
            # Counts and everything derived from them are text: a number or "c".
            tables.write(con, "indicator_values_published", published)
            return {"earlier": len(earlier)}

        made, was_reused = reuse.made_or_reused(
            con, "indicator_values_published", ["indicator_values", *releases.LOOKUP_TABLES],
            ["indicator_values_published"], context.run_id, make, reuse.folder_digest(releases.folder(data_dir)))
        published = con.execute("select * from indicator_values_published").df()
    return dg.MaterializeResult(metadata={
        **frame_metadata(published, published[published["is_suppressed"]].head(8)),
        "rows_suppressed": int(published["is_suppressed"].sum()),
        "earlier_releases_protected_with": made["earlier"],
        "rows_revision_held": int(published[disclosure.HELD].sum()), reuse.REUSED: was_reused,
    })


@dg.asset_check(asset=indicator_values_published, name="no_hidden_count_recoverable", blocking=True,
                description="Attacks the published cells, together with every earlier release still public, "
                            "by every relation between them (totals and parts, wards within localities, "
                            "complementary measures, count and percentage versions, gaps and their sides, "
                            "rates) with whole counts; fails, and so holds back publication, if any hidden "
                            "count of 1 to 5 comes out exactly or narrowed below the band, or a count of 1-5 "
                            "or a count an earlier release hid is shown.")
def no_hidden_count_recoverable(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
    data_dir = warehouse.paths().data_dir
    with warehouse.connect() as con:
        cert, was_reused = reuse.certificate(con, context.run.run_id, releases.CERTIFIED_TABLES, releases.folder(data_dir),
                                             lambda parts: releases.certify_warehouse(con, data_dir, parts))
    a = cert["attack"]
    # Where, never what: the recovered figure itself is not repeated here.
    where = [f"{f['measure_id']} {f['period']} {f['breakdown']}={f['breakdown_value']} ({f['series']}): {f['problem']}"
             for f in cert["failures"]]
    text = (f"{len(where)} failure(s): hidden counts of 1-5 recovered ({a['recovered']}) or narrowed below the "
            f"band ({a['narrowed_below_band']}), or small / earlier-hidden counts shown"
            if where else "no hidden count of 1-5 can be worked out or narrowed below the band from the published "
                          "cells and the earlier releases")
    return dg.AssetCheckResult(passed=cert["passed"], description=text, metadata={
        "cells_tried": a["counts_tried"], "cells_recovered": a["recovered"],
        "cells_narrowed": a["narrowed_below_band"], "hidden_counts": cert["cells"]["counts_hidden"],
        "relations_used": a["relations_used"],
        "measure_relations_found": len(cert["relations"]["measure_relations_found"]),
        "earlier_releases": len(cert["releases_included"]) - 1, "attack_seconds": a["seconds"], reuse.REUSED: was_reused,
        # Groups of hidden cells the relations tie together: solved now, or unchanged since the last attack.
        "attack_groups_attacked": a.get("groups", {}).get("attacked", -1),
        "attack_groups_reused": a.get("groups", {}).get("reused", -1),
        "recovered_cells": dg.MetadataValue.md("\n".join(f"- {w}" for w in where[:50]) or "none"),
    })


asset_checks = [no_hidden_count_recoverable]


def _publish_text(x) -> str | None:
    """A published cell as text: "c", a whole number, or the number at full precision (the
    shortest text that reads back as the same float). Rounding happens once, where a figure
    is shown (``pipelines.outputs.fmt``): a bound of 7.6475 is never published as 7.65 and
    shown as 7.7."""
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return None
    x = float(x)
    return str(int(round(x))) if x == round(x) else repr(x)


assets = [*indicator_assets, indicator_catalogue, indicator_values, indicator_values_published,
          *scorecard.assets]
