"""Turning a typed delivery into the bytes a council system would send.

Text conventions follow what the loader parses (pipelines/ingest/parsing.py): dd/mm/yyyy dates,
Y/N (or Yes/No) booleans, blank for missing. Encodings and quirks are per source and
documented in docs/demo-data.md. Everything here is deterministic: the same frame gives
the same bytes, including .xlsx files, whose internal timestamps are pinned.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from sources.catalogue import Source
from .calendar import format_dates

FIXED_TIME = datetime(2026, 10, 31, 9, 0, 0)
# Free text typed by practitioners: the characters (en dash, pound sign, accents, curly
# apostrophe) are exactly those that differ between Windows-1252 and UTF-8. No names,
# addresses or other identifiers, as the extracts are anonymised.
COMMENTS = np.array([
    "Drop-in at the family café – follow up next term",
    "Bus fare £4.50 paid from hardship fund",
    "Crèche provided; parent’s preferred contact is via school",
    "Naïve about entitlement – signposted to advice service",
    "Résumé help requested – referred to Youth Connect",
    "Agreed plan reviewed at TAF – “good progress”",
    "Interpreter booked (Português)",
    "Cost of travel £12 – reimbursed",
], dtype=object)


@dataclass
class Delivery:
    """One file: which source and period, the typed rows, and how it is written."""
    source: Source
    period: str
    frame: pd.DataFrame
    version: int = 1
    fmt: str = "csv"
    encoding: str = "utf-8"            # utf-8 | utf-8-sig (byte-order mark) | cp1252
    aliases: dict[str, str] = field(default_factory=dict)   # catalogue name -> header written
    bool_words: tuple[str, str] = ("Y", "N")
    comments: bool = False             # add a free-text column (Windows exports)
    total_row: str | None = None       # numeric column summed on a trailing "Total" row
    fault_rate: float = 0.0

    @property
    def filename(self) -> str:
        suffix = f"_v{self.version}" if self.version > 1 else ""
        return f"{self.source.name}_{self.period}{suffix}.{self.fmt}"


def to_text(delivery: Delivery) -> pd.DataFrame:
    """Every catalogue column as text (object dtype), formatted the way the sender writes it."""
    frame = delivery.frame
    out = {}
    for col in delivery.source.columns:
        values = frame[col.name]
        if col.type == "date":
            out[col.name] = format_dates(values.to_numpy())
        elif col.type == "bool":
            arr = values.to_numpy(dtype=object)
            yes, no = delivery.bool_words
            out[col.name] = np.where(pd.isna(arr), "", np.where(arr == True, yes, no)).astype(object)  # noqa: E712
        elif col.type == "int":
            num = pd.to_numeric(values).to_numpy(dtype=float)
            missing = np.isnan(num)
            text = np.where(missing, 0, num).astype(np.int64).astype(str).astype(object)
            text[missing] = ""
            out[col.name] = text
        elif col.type == "float":
            num = pd.to_numeric(values).to_numpy(dtype=float)
            text = pd.Series(num).map(lambda v: "" if np.isnan(v) else f"{v:g}").to_numpy(dtype=object)
            out[col.name] = text
        else:
            out[col.name] = values.fillna("").to_numpy(dtype=object)
    # Plain object columns: letting pandas infer its Arrow-backed str dtype here would cost
    # a conversion per column and another back when the CSV is written.
    return pd.DataFrame(out, dtype=object)


def finish(delivery: Delivery, text: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Add the presentation quirks after faults: free-text column, total row, aliased headers."""
    if delivery.comments:
        has = rng.random(len(text)) < 0.3
        text = text.assign(comments=np.where(has, rng.choice(COMMENTS, len(text)), "").astype(object))
    if delivery.total_row:
        col = delivery.total_row
        total = pd.to_numeric(text[col], errors="coerce").sum()
        row = {c: "" for c in text.columns}
        row[text.columns[0]] = "Total"
        row[col] = f"{total:g}"
        text = pd.concat([text, pd.DataFrame([row])], ignore_index=True)
    return text.rename(columns=delivery.aliases)


def write(delivery: Delivery, text: pd.DataFrame, landing: Path) -> Path:
    path = landing / delivery.filename
    if delivery.fmt == "csv":
        # Windows exports end lines with CRLF; the others with LF.
        eol = "\r\n" if delivery.encoding == "cp1252" else "\n"
        text.to_csv(path, index=False, encoding=delivery.encoding, lineterminator=eol)
    else:
        _write_xlsx(delivery, text, path)
    return path


def _native(delivery: Delivery, text: pd.DataFrame) -> list[list]:
    """Cells for Excel: real numbers and booleans where the text is one, text otherwise
    (a fault such as 'UNKNOWN' in a numeric column stays text, as in a real sheet). Blank
    cells are written as empty cells rather than left out: a write-only sheet has no
    dimension record, so a reader would otherwise see rows ending early as short rows."""
    columns = []
    for name in text.columns:
        col = next((c for c in delivery.source.columns if delivery.aliases.get(c.name, c.name) == name), None)
        values = text[name].to_numpy(dtype=object)
        if col is not None and col.type in ("int", "float"):
            num = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
            cells = [(int(v) if col.type == "int" and float(v).is_integer() else float(v))
                     if not np.isnan(v) else t for v, t in zip(num, values)]
        elif col is not None and col.type == "bool":
            yes, no = delivery.bool_words
            cells = [True if t == yes else False if t == no else t for t in values]
        else:
            cells = list(values)
        columns.append(cells)
    return [list(r) for r in zip(*columns)]


def _write_xlsx(delivery: Delivery, text: pd.DataFrame, path: Path) -> None:
    write_workbook({"Data": [list(text.columns), *_native(delivery, text)]}, path)


def write_workbook(sheets: dict[str, list[list]], path: Path, creator: str = "Business Support Team") -> None:
    """An .xlsx with one sheet per entry (rows of cells), byte-for-byte reproducible."""
    wb = Workbook(write_only=True)
    wb.properties.creator = creator
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    for title, rows in sheets.items():
        ws = wb.create_sheet(title=title)
        for row in rows:
            ws.append(row)
    # Workbook.save() would stamp "modified" with the clock, so drive the writer directly.
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    # openpyxl stamps each zip member with the current time; rewrite with a fixed one so
    # the same data always gives the same bytes.
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
