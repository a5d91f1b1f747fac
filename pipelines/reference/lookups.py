"""Lookup tables officers join to: wards and localities, periods, the authority and its neighbours.

``indicator_values`` holds codes (``breakdown_value`` = a ward code, a locality code; a
period key); these tables give the names and dates, so "which ward has the highest step-up
rate" can be answered by name. The ward lookup is the authority's own (``<data dir>/settings/
wards.csv``, else the packaged demo one: ``sources.lookups``); the others are derived from the
warehouse. SQL in ``pipelines/reference/sql/lookups/``; columns, types and comments in its ``tables.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines import settings, tables
from pipelines.warehouse import Warehouse, read_sql, registered, table_metadata
from sources import lookups

SQL = Path(__file__).parent / "sql" / "lookups"
GROUP = "lookups"


def write_wards(con: duckdb.DuckDBPyConnection, data_dir=None) -> str:
    """``lookup_wards`` and ``lookup_localities`` from the ward lookup in force; returns its path."""
    frame = lookups.wards(data_dir)
    with registered(con, "_oba_wards", frame):
        con.execute(tables.create_sql("lookup_wards", "_oba_wards"))
    localities = con.execute("select locality from lookup_wards group by locality "
                             "having count(distinct locality_name) > 1").fetchall()
    if localities:
        raise ValueError(f"{lookups.wards_file(data_dir)}: locality {localities[0][0]!r} has more than one "
                         f"locality_name; give each locality one name")
    con.execute(tables.create_sql("lookup_localities", "(select locality, any_value(locality_name) as locality_name, "
                                                       "count(*) as wards from lookup_wards group by locality)"))
    con.execute(tables.comment_sql("lookup_wards"))
    con.execute(tables.comment_sql("lookup_localities"))
    return str(lookups.wards_file(data_dir))


def write_periods(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(tables.create_sql("lookup_periods", f"({read_sql(SQL / 'lookup_periods.sql')})"))
    con.execute(tables.comment_sql("lookup_periods"))


def write_authorities(con: duckdb.DuckDBPyConnection, la_code: int) -> None:
    con.execute(tables.create_sql("lookup_authorities", f"({read_sql(SQL / 'lookup_authorities.sql')})"), {"la_code": str(la_code)})
    if not con.execute("select count(*) from lookup_authorities where role = 'authority'").fetchone()[0]:
        raise ValueError(f"OBA_LA_CODE {la_code} is not an authority in the DfE statistical neighbours file "
                         f"(pub_statistical_neighbours): use the authority's old DfE LA code, e.g. 800")
    con.execute(tables.comment_sql("lookup_authorities"))


@dg.asset(group_name=GROUP, kinds={"duckdb"},
          description="Wards and their localities (lookup_wards) and the localities (lookup_localities), from the "
                      "ward lookup in the settings folder (<data dir>/settings/wards.csv) or the packaged demo one.")
def lookup_wards(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        source = write_wards(con, warehouse.paths().data_dir)
        return dg.MaterializeResult(metadata={
            **table_metadata(con, "lookup_wards"), "lookup": dg.MetadataValue.path(source),
            "localities": con.execute("select count(*) from lookup_localities").fetchone()[0]})


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["indicator_values", "indicator_forecasts"],
          description="Every reporting period: key, type, start, end and a label in words.")
def lookup_periods(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        write_periods(con)
        return dg.MaterializeResult(metadata=table_metadata(con, "lookup_periods"))


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["pub_statistical_neighbours", "pub_values"],
          description="The authority reported on (OBA_LA_CODE) and its ten DfE statistical neighbours.")
def lookup_authorities(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        write_authorities(con, settings.la_code())
        return dg.MaterializeResult(metadata=table_metadata(con, "lookup_authorities"))


assets = [lookup_wards, lookup_periods, lookup_authorities]
