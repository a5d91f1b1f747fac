"""The Power BI / Excel pack: the release's shareable data as tidy Parquet and CSV files with a
short guide, so an officer can load it into Power BI or Excel without an ODBC driver.

One fact table of values (numbers stay numbers: a suppressed cell is empty with a flag beside
it saying so, never the letter c in a numeric column), and dimension tables for measure,
period and area. Column names are words. Made from the same shareable tables as the explorer
(``release.read``), written to ``<exports>/powerbi_<period>/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from indicators.disclosure import SUPPRESSED
from pipelines.outputs import fmt
from pipelines.outputs.explorer import content

GUIDE = Path(__file__).with_name("powerbi_guide.md")
FIGURES = {"numerator": "Numerator", "denominator": "Denominator", "value": "Value",
           "ci_lower": "Lower 95% CI", "ci_upper": "Upper 95% CI"}
AUTHORITY = "authority"


def _number(v):
    return None if isinstance(v, str) or fmt.missing(v) else float(v)


def facts(data, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per measure x period x area x group: figures as numbers (empty when suppressed
    or not published) and, for each figure, a flag that is true where it is suppressed."""
    rows = content.published(data, con)
    area = [f"{b}:{v}" if b in ("ward", "locality") else AUTHORITY for b, v in zip(rows["breakdown"], rows["breakdown_value"])]
    out = pd.DataFrame({
        "Measure ID": rows["measure_id"], "Period": rows["period"].astype(str), "Area ID": area,
        "Breakdown": rows["breakdown"], "Group code": rows["breakdown_value"].astype(str),
        "Group": rows["breakdown_label"]})
    for column, name in FIGURES.items():
        out[name] = rows[column].map(_number).astype("Float64")
        out[f"{name} suppressed"] = rows[column].map(lambda v: v == SUPPRESSED).astype(bool)
    out["Any figure suppressed"] = rows["is_suppressed"].astype(bool)
    return out


def measures(data) -> pd.DataFrame:
    c = data.catalogue
    return pd.DataFrame({
        "Measure ID": c["measure_id"], "Indicator": c["indicator_id"], "What success looks like": c["indicator_title"],
        "Measure": c["title"], "Headline": c["is_headline"].astype(bool), "Unit": c["unit"].map(fmt.unit_label),
        "Polarity": c["polarity"].map(lambda p: fmt.POLARITY_LABEL.get(p, p)),
        "OBA question": c["oba_question"].map(lambda q: fmt.OBA_LABEL.get(q, q)),
        "Numerator definition": c["numerator_definition"], "Denominator definition": c["denominator_definition"],
        "Caveats": c.get("caveats")})


def periods(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    """The periods the facts use, with dates and a label (``lookup_periods`` where it has them)."""
    keys = keys.drop_duplicates(["period"]).rename(columns={"period": "Period"})
    look = con.execute("select period, any_value(label) as label from lookup_periods group by period").df() \
        if con.execute("select count(*) from information_schema.tables where table_name = 'lookup_periods'").fetchone()[0] \
        else pd.DataFrame(columns=["period", "label"])
    out = keys.merge(look.rename(columns={"period": "Period", "label": "Label"}), on="Period", how="left")
    return out.rename(columns={"period_type": "Period type", "period_start": "Start", "period_end": "End"})[
        ["Period", "Period type", "Start", "End", "Label"]].sort_values(["Start", "Period"]).reset_index(drop=True)


def areas(data, fact: pd.DataFrame) -> pd.DataFrame:
    authority = data.cover.get("authority", data.cover["authority_short"])
    out = [{"Area ID": AUTHORITY, "Area": authority, "Area type": "Authority"}]
    for key in sorted(set(fact["Area ID"]) - {AUTHORITY}):
        kind, code = key.split(":", 1)
        names = data.places.get(kind, {})
        out.append({"Area ID": key, "Area": names.get(code, code), "Area type": kind.capitalize()})
    return pd.DataFrame(out)


def write(data, con: duckdb.DuckDBPyConnection, exports: Path) -> Path:
    """Write the pack of ``data``'s period (Parquet and CSV of each table, and the guide)."""
    folder = exports / f"powerbi_{data.period.label}"
    folder.mkdir(parents=True, exist_ok=True)
    fact = facts(data, con)
    pub = content.published(data, con)
    tables = {"fact_values": fact, "dim_measure": measures(data),
              "dim_period": periods(con, pub[["period", "period_type", "period_start", "period_end"]].astype(
                  {"period": str})),
              "dim_area": areas(data, fact)}
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    guide = GUIDE.read_text(encoding="utf-8").replace("{period}", data.period.label).replace(
        "{made}", f"{dt.date.today():%d %B %Y}").replace("{as_at}", f"{data.data_as_at:%d %B %Y}")
    (folder / "README.md").write_text(guide, encoding="utf-8")
    return folder
