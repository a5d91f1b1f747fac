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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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


def _read_csv_records(path: Path, text: str) -> tuple[list[str], list[list[str]]]:
    # The csv module refuses fields over 128 KiB; a huge field is one bad record, which
    # validation quarantines (field_too_long), not a reason to refuse the whole delivery.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
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
    return header, records


# What str.strip() strips: a cell of only these is blank, exactly as the csv path judges it.
_WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
_TEXT = {pa.string(): pd.StringDtype(na_value=pd.NA), pa.large_string(): pd.StringDtype(na_value=pd.NA)}


def _read_plain_csv(text: str) -> tuple[list[str], pd.DataFrame, list[int]] | None:
    """The common case, parsed by Arrow: a file with no quote character at all (so no quoted
    commas or line breaks) and no record of the wrong width. Returns (header, frame of every
    record that is not blank, their spreadsheet rows), or None when the file is not that
    simple: the csv module then reads it, and judges its malformed records, as before.

    Without quotes, a record is a line ended by CR, LF or CRLF and a field is what lies
    between commas, for Arrow and the csv module alike; a line of the wrong width makes Arrow
    raise, and a blank line (one field) is the wrong width unless the file has one column."""
    if not text or '"' in text or "\x00" in text:
        return None
    first = len(text)
    for end in ("\r", "\n"):
        at = text.find(end)
        first = at if 0 <= at < first else first
    header = text[:first].split(",")
    if first == 0 or first == len(text) or len(header) < 2:
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                                 strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    blank = None
    for column in table.columns:
        empty = pc.equal(pc.utf8_length(pc.utf8_trim(column, _WHITESPACE)), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
    rows = np.arange(2, table.num_rows + 2)
    if blank is not None and pc.any(blank).as_py():  # a blank line or an Excel formatted-but-empty row
        keep = pc.invert(blank)
        table, rows = table.filter(keep), rows[keep.to_numpy(zero_copy_only=False)]
    return header, table.to_pandas(types_mapper=_TEXT.get), rows.tolist()


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


def _split_records(header: list[str], records: list[list[str]]) -> tuple[pd.DataFrame, list[int], list]:
    """Records as a text frame of those with the header's width (blank ones skipped), their
    spreadsheet rows, and the malformed ones kept aside: (row, why, raw text)."""
    width = len(header)
    good, rows, malformed = [], [], []
    for number, rec in enumerate(records, start=2):
        if not any(cell.strip() for cell in rec):
            continue  # a blank line or an Excel formatted-but-empty row holds no data
        if len(rec) == width:
            good.append(rec)
            rows.append(number)
        else:
            malformed.append((number, f"has {len(rec)} fields, the header has {width}", ",".join(rec)[:2000]))
    return pd.DataFrame(good, columns=[f"{i}:{h}" for i, h in enumerate(header)], dtype="string"), rows, malformed


def read_extract(path: Path, source: Source, raw: bytes | None = None, digest: str | None = None) -> Extract:
    """Read ``path`` as a delivery of ``source``: text frame of the catalogue columns.
    ``raw`` / ``digest``: the file's bytes and their SHA-256, if the caller already has them.

    Raises ExtractError when the file as a whole cannot be used (unreadable, no header,
    required columns missing).
    """
    path = Path(path)
    raw = path.read_bytes() if raw is None else raw
    digest = digest or hashlib.sha256(raw).hexdigest()
    delivered, records = None, None
    if path.suffix.lower() == ".xlsx":
        header, records, encoding = _read_xlsx_records(path)
    else:
        text, encoding = decode(raw)
        plain = _read_plain_csv(text)
        if plain is None:
            header, records = _read_csv_records(path, text)
        else:
            header, delivered, rows = plain
            malformed = []

    if delivered is None:
        delivered, rows, malformed = _split_records(header, records)
    else:
        delivered.columns = [f"{i}:{h}" for i, h in enumerate(header)]
    names = [normalise_header(h) for h in header]

    # The guard reads every cell before anything is written: every delivered column (those
    # the catalogue drops too) and every record, malformed ones field by field.
    odd = [] if records is None else [(n, r) for n, r in enumerate(records, start=2) if len(r) != len(header)]
    findings = pii.scan(header, delivered.set_axis(list(header), axis=1), rows=rows, malformed=odd, source=source)
    if findings:
        return Extract(path=path, file_hash=digest, encoding=encoding, frame=delivered.iloc[:0],
                       malformed=malformed, header=list(header), pii=findings,
                       rows_delivered=len(delivered))

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
