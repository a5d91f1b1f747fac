"""Reading a delivered extract into text, exactly as delivered, with each record's origin.

Decoding: a UTF-8 byte-order mark is honoured; otherwise UTF-8 is tried and Windows-1252
used when the bytes are not valid UTF-8 (what Excel on a council laptop writes). Nothing
is typed here: every cell stays text so the loader can report a bad cell by its value.
Records with the wrong number of fields are kept aside as *malformed* (to be quarantined),
never dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines import pii
from pipelines.pii import normalise_header
from sources.catalogue import Source

ROW = "source_row"  # the row as a spreadsheet shows it: header = 1, first record = 2


class ExtractError(Exception):
    """A whole file cannot be used (unreadable, empty of a header, wrong columns, ...)."""

    def __init__(self, path: Path, message: str, status: str = "failed"):
        super().__init__(f"{path.name}: {message}")
        self.path = path
        self.message = message
        self.status = status


@dataclass
class Extract:
    path: Path
    file_hash: str
    encoding: str
    frame: pd.DataFrame                       # catalogue columns, text, plus ``source_row``
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw text)
    dropped_columns: list[str] = field(default_factory=list)
    renamed_columns: dict[str, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    pii: list = field(default_factory=list)  # pii.Finding: any one refuses the whole file
    rows_delivered: int | None = None  # set when the frame was not kept (refused file)

    @property
    def rows_read(self) -> int:
        kept = len(self.frame) if self.rows_delivered is None else self.rows_delivered
        return kept + len(self.malformed)


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _read_csv_records(path: Path, raw: bytes) -> tuple[list[str], list[list[str]], str]:
    text, encoding = decode(raw)
    # The csv module refuses fields over 128 KiB; a huge field is one bad record, which
    # validation quarantines (field_too_long), not a reason to refuse the whole delivery.
    csv.field_size_limit(max(csv.field_size_limit(), len(raw) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ExtractError(path, "the file is empty (no header row)", "empty") from None
    except csv.Error as exc:
        raise ExtractError(path, f"not a readable CSV file: {exc}") from None
    records = []
    try:
        for rec in reader:
            records.append(rec)
    except csv.Error as exc:
        raise ExtractError(path, f"not a readable CSV file at line {reader.line_num}: {exc}") from None
    return header, records, encoding


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx_records(path: Path) -> tuple[list[str], list[list[str]], str]:
    # calamine (Rust) reads cell values ~13x faster than openpyxl's read-only mode.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several types for a damaged workbook
        raise ExtractError(path, f"not a readable Excel workbook: {exc}") from None
    if not rows or not any(_cell_text(v).strip() for v in rows[0]):
        raise ExtractError(path, "the workbook's first sheet is empty (no header row)", "empty")
    header = [_cell_text(h) for h in rows[0]]
    width = len(header)
    while width and not header[width - 1].strip():  # trailing empty header cells
        width -= 1
    records = []
    for row in rows[1:]:
        cells = [_cell_text(v) for v in row]
        extra = cells[width:]
        # A spreadsheet has no field count: trailing cells not returned are empty.
        cells += [""] * (width - len(cells))
        records.append(cells[:width] if not any(e.strip() for e in extra) else cells)
    return header[:width], records, "xlsx"


def read_extract(path: Path, source: Source) -> Extract:
    """Read ``path`` as a delivery of ``source``: text frame of the catalogue columns.

    Raises ExtractError when the file as a whole cannot be used (unreadable, no header,
    required columns missing).
    """
    path = Path(path)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() == ".xlsx":
        header, records, encoding = _read_xlsx_records(path)
    else:
        header, records, encoding = _read_csv_records(path, raw)

    names = [normalise_header(h) for h in header]
    width = len(names)
    good, rows, malformed = [], [], []
    for number, rec in enumerate(records, start=2):
        if not any(cell.strip() for cell in rec):
            continue  # a blank line or an Excel formatted-but-empty row holds no data
        if len(rec) == width:
            good.append(rec)
            rows.append(number)
        else:
            malformed.append((number, f"has {len(rec)} fields, the header has {width}", ",".join(rec)[:2000]))

    # The guard looks at every delivered column, including ones the catalogue drops.
    delivered = pd.DataFrame(good, columns=[f"{i}:{h}" for i, h in enumerate(header)], dtype="string")
    findings = pii.scan(header, delivered.set_axis(list(header), axis=1))
    if findings:
        return Extract(path=path, file_hash=digest, encoding=encoding, frame=delivered.iloc[:0],
                       malformed=malformed, header=list(header), pii=findings,
                       rows_delivered=len(good))

    aliases = {a: c.name for c in source.columns for a in c.aliases}
    renamed = {}
    for i, n in enumerate(names):
        if n in aliases and aliases[n] not in names:
            renamed[header[i]] = aliases[n]
            names[i] = aliases[n]
    wanted = source.column_names
    missing = [c for c in wanted if c not in names]
    if missing:
        raise ExtractError(
            path,
            f"required column(s) missing: {', '.join(missing)} (found: {', '.join(header) or 'none'})",
            "rejected",
        )
    dupes = sorted({n for n in names if names.count(n) > 1 and n in wanted})
    if dupes:
        raise ExtractError(path, f"column(s) appear more than once: {', '.join(dupes)}", "rejected")
    frame = delivered.iloc[:, [names.index(c) for c in wanted]].set_axis(wanted, axis=1)
    frame = frame.reset_index(drop=True)
    frame.insert(0, ROW, pd.array(rows, dtype="Int64"))
    return Extract(
        path=path, file_hash=digest, encoding=encoding, frame=frame, malformed=malformed,
        dropped_columns=[h for h, n in zip(header, names) if n not in wanted],
        renamed_columns=renamed, header=list(header),
    )
