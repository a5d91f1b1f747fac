"""The scorecard workbook: the scorecard and the published indicator values, one sheet per
indicator, for partners who want the numbers behind the paper.

Only published (suppressed) figures go in; "c" cells stay text so a filter on a column
shows them, and numbers stay numbers so partners can chart them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
from openpyxl.utils import get_column_letter

from pipelines.papers import gather

SCORECARD = {
    "indicator_id": "Indicator", "indicator_title": "What success looks like", "measure_id": "Measure id",
    "is_headline": "Headline", "title": "Measure", "oba_question": "OBA question", "unit": "Unit",
    "polarity": "Polarity", "period": "Period", "value": "Value", "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper", "numerator": "Numerator", "denominator": "Denominator",
    "previous_period": "Previous period", "previous_value": "Previous value", "trend": "Trend",
    "forecast_period": "Forecast period", "forecast_value": "Forecast", "forecast_lower": "Forecast lower",
    "forecast_upper": "Forecast upper", "target": "Target", "tolerance": "Tolerance", "rag": "RAG",
    "england_value": "England", "vs_england": "Compared with England", "region_value": "South West",
    "sn_value": "Statistical neighbours (mean)", "vs_sn": "Compared with neighbours",
    "quartile_band": "Quartile band", "national_rank": "National rank", "commentary": "Commentary",
}
VALUES = ["measure_id", "period", "period_start", "period_end", "breakdown", "breakdown_value",
          "numerator", "denominator", "value", "ci_lower", "ci_upper", "unit", "polarity"]
NOTES = [
    ["About this workbook"],
    ["Figures are the published indicator values: counts from 1 to 5 are shown as c, with further cells "
     "suppressed where a hidden count could be worked out from a total; values and intervals built on a "
     "hidden count are hidden too."],
    ["Numerators of mean scores and gaps are blank: they are sums of scores or one side of a gap, not counts."],
    ["Forecasts of counts that fall between 1 and 5 are shown as c."],
    ["Definitions, methods and caveats: sheet Definitions and docs/methods.md."],
]


def _sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, name: str) -> None:
    frame.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
    ws = writer.sheets[name]
    ws.auto_filter.ref = ws.dimensions
    for i, col in enumerate(frame.columns, start=1):
        longest = max([len(str(col)), *(len(str(v)) for v in frame[col].head(200))])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))


def write(con: duckdb.DuckDBPyConnection, out_file: Path, period: str | None = None) -> dict:
    """Write the workbook for ``period`` (default: latest); returns sheet -> rows."""
    data = gather.gather(con, period)
    pub = gather.published_values(con)
    pub = pub[pd.to_datetime(pub["period_end"]) <= pd.Timestamp(data.period.end)]
    score = data.rows.reindex(columns=list(SCORECARD)).rename(columns=SCORECARD)
    sheets = {"Scorecard": score}
    pub = pub.drop(columns=["indicator_id"], errors="ignore").merge(
        data.catalogue[["measure_id", "indicator_id"]], on="measure_id")
    # Every indicator gets its sheet, empty (headers only) before its first complete period.
    for ind in sorted(data.catalogue["indicator_id"].unique()):
        g = pub[pub["indicator_id"] == ind]
        sheets[ind] = g[VALUES].sort_values(["measure_id", "period_start", "breakdown", "breakdown_value"])
    defs = data.catalogue.reindex(columns=["indicator_id", "measure_id", "title", "numerator_definition",
                                           "denominator_definition", "unit", "polarity", "oba_question",
                                           "period_type", "ci_method", "caveats"])
    sheets["Definitions"] = defs
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.stem + ".tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        pd.DataFrame(NOTES).to_excel(writer, sheet_name="Notes", index=False, header=False)
        writer.sheets["Notes"].column_dimensions["A"].width = 120
        for name, frame in sheets.items():
            _sheet(writer, frame, name)
    tmp.replace(out_file)
    return {name: len(frame) for name, frame in sheets.items()}
