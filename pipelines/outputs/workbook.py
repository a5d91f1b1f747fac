"""The scorecard workbook: the scorecard and the published indicator values, one sheet per
indicator, for partners who want the numbers behind the paper.

Only published (suppressed) figures go in; "c" cells stay text so a filter on a column
shows them, and numbers stay numbers so partners can chart them.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from pipelines.outputs import atomic
from pipelines.outputs import figure_ids
from pipelines.outputs import fmt
from pipelines.outputs import gather
from pipelines.outputs import labels
from pipelines.outputs import reasons

SCORECARD = {
    "indicator_id": "Indicator", "indicator_title": "What success looks like", "measure_id": "Measure id",
    "is_headline": "Headline", "title": "Measure", "oba_question": "OBA question", "unit": "Unit",
    "polarity": "Polarity", "period": "Period", "period_start": "Period starts", "period_end": "Period ends",
    "value": "Value", "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper", "numerator": "Numerator", "denominator": "Denominator",
    "previous_period": "Previous period", "previous_value": "Previous value", "trend": "Trend",
    "trend_reason": "Why (trend)",
    "forecast_period": "Forecast period", "forecast_value": "Forecast", "forecast_lower": "Forecast lower",
    "forecast_upper": "Forecast upper", "forecast_flag": "Forecast note", "target": "Target",
    "tolerance": "Tolerance", "rag": "RAG", "rag_reason": "Why (RAG)",
    "benchmark_period": "Comparator period (our value of it compared)", "england_value": "England", "vs_england": "Compared with England",
    "region_value": "Region", "vs_region": "Compared with region",
    "sn_value": "Statistical neighbours (mean)", "vs_sn": "Compared with neighbours",
    "quartile_band": "Quartile band", "national_rank": "National rank", "n_las": "Authorities ranked",
    "band_basis": "What band and rank place", "comparator_reason": "Why a comparator is missing",
    "story": "Story behind the curve",
    "figure_id": "Figure id (oba explain)",
}
VALUES = ["measure_id", "period", "period_start", "period_end", "breakdown", "breakdown_value", "breakdown_label",
          "numerator", "denominator", "value", "ci_lower", "ci_upper", "unit", "polarity", "figure_id"]
FORECASTS = ("forecast_value", "forecast_lower", "forecast_upper")
NOTES = [
    ["About this workbook"],
    ["Figures are the published indicator values: counts from 1 to 5 are shown as c, with further cells "
     "suppressed where a hidden count could be worked out from a total; values and intervals built on a "
     "hidden count are hidden too."],
    ["Numerators of mean scores and gaps are blank: they are sums of scores or one side of a gap, not counts."],
    ["Forecasts of counts that fall between 1 and 5 are shown as c."],
    ["Definitions, methods and caveats: sheet Definitions and docs/methods.md."],
    ["Every figure has an id (last column, as printed in the board paper): `oba explain ID` shows its "
     "definition, the SQL that made it, the deliveries and rows behind it and its disclosure status."],
    ["Forecasts are rounded like their measure, as the paper shows them: whole numbers for counts, two "
     "decimals for mean scores, one decimal otherwise, and at least two significant figures for a small "
     "figure (0.014, not 0.0). Forecasts on fewer than five points have no interval."],
    ["For officers (kept out of the board's paper): a turn-the-curve part the paper prints as awaited is "
     "added to the indicator's file in the turn-the-curve folder (<data dir>/settings/turn_the_curve/EHNN.yaml); "
     "a local value the paper's data-quality annex lists as not mapped is added to "
     "settings/local_spellings.csv and the returns prepared again (oba prepare), which brings its rows in; "
     "docs/board-paper.md says more."],
]


# Number formats pandas' ExcelWriter gives dates and datetimes (its defaults).
DATE_FORMAT, DATETIME_FORMAT = "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS"


def _cell(value):
    """``value`` as pandas' ``to_excel`` writes it (the workbook was written with it before):
    missing as "", numpy scalars as Python numbers, infinities as text, dates with pandas'
    formats, anything else as text. Returns (value, number format or None)."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return "", None
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None
    if isinstance(value, (int, np.integer)):
        return int(value), None
    if isinstance(value, (float, np.floating)):
        return (float(value), None) if np.isfinite(value) else ("inf" if value > 0 else "-inf", None)
    if isinstance(value, Decimal):
        return value, None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("Excel does not support datetimes with timezones")
        return value, DATETIME_FORMAT
    if isinstance(value, dt.date):
        return value, DATE_FORMAT
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400, "0"
    return str(value), None


def _rows(ws, rows) -> None:
    """Append ``rows`` to a write-only sheet, dates and datetimes as styled cells."""
    for row in rows:
        out = []
        for v in row:
            kind = type(v)
            # Most cells are plain text, whole numbers or finite floats: written as they are.
            if kind is str or kind is int or (kind is float and -math.inf < v < math.inf):
                out.append(v)
                continue
            value, number_format = _cell(v)
            if number_format is not None:
                value = WriteOnlyCell(ws, value)
                value.number_format = number_format
            out.append(value)
        ws.append(out)


def _sheet(book: Workbook, frame: pd.DataFrame, name: str) -> None:
    """One sheet: header row frozen and filtered, columns as wide as their first 200 values."""
    ws = book.create_sheet(name)
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        longest = max([len(str(col)), *(len(str(v)) for v in frame[col].head(200))])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    _rows(ws, [list(frame.columns), *frame.itertuples(index=False, name=None)])


def write(con: duckdb.DuckDBPyConnection, out_file: Path, period: str | None = None,
          data: gather.PaperData | None = None) -> dict:
    """Write the workbook for ``period`` (default: latest; or for ``data`` already gathered);
    returns sheet -> rows."""
    data = gather.gather(con, period) if data is None else data
    pub = gather.published_values(con)
    pub = pub[pd.to_datetime(pub["period_end"]) <= pd.Timestamp(data.period.end)]
    places = data.places
    pub["breakdown_label"] = [labels.label(b, v, places) if b != "all" else "All"
                              for b, v in zip(pub["breakdown"], pub["breakdown_value"])]
    pub["figure_id"] = [figure_ids.make(m, p, b, v) for m, p, b, v in
                        zip(pub["measure_id"], pub["period"], pub["breakdown"], pub["breakdown_value"])]
    rows = data.rows.copy()
    rows["figure_id"] = [figure_ids.maybe(m, p) for m, p in zip(rows["measure_id"], rows["period"])]
    # A forecast is shown to the measure's own precision (a count of 320.47 children is 320).
    for c in FORECASTS:
        rows[c] = [round(float(v), fmt.places(v, u)) if isinstance(v, (int, float)) and not fmt.missing(v) else v
                   for v, u in zip(rows[c], rows["unit"])]
    # Every verdict with its reason: trend and RAG carry theirs; a missing comparator says why.
    rows["comparator_reason"] = [reasons.comparator_missing(r, data.region) for r in rows.to_dict("records")]
    story = data.curve[data.curve["part"] == "story"].set_index(["indicator", "period"])["text"]
    rows["story"] = [story.get((i, str(p))) if head else None
                     for i, p, head in zip(rows["indicator_id"], rows["period"], rows["is_headline"].astype(bool))]
    score = rows.reindex(columns=list(SCORECARD)).rename(columns=SCORECARD)
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
    # Write-only: rows stream to the file as they are appended (about twice as fast as
    # pandas' to_excel building every cell in memory first); values and formats are the same.
    book = Workbook(write_only=True)
    notes = book.create_sheet("Notes")
    notes.column_dimensions["A"].width = 120
    _rows(notes, [[f"Period {data.period.label} ({data.period.title}): for each measure, the latest period ended "
                   f"by {data.period.end:%d %B %Y}. Data as at {data.data_as_at:%d %B %Y}."], *NOTES])
    for name, frame in sheets.items():
        _sheet(book, frame, name)
    atomic.replace_atomically(out_file, book.save)    # whole or not at all, its folder's space named
    return {name: len(frame) for name, frame in sheets.items()}
