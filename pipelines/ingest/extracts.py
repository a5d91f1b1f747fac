"""Reading a delivered extract into text, exactly as delivered, with each record's origin.

Decoding is decided per file: UTF-8 (after a byte-order mark, if any), else Windows-1252
(what Excel on a council laptop writes, sometimes after a UTF-8 byte-order mark). A file
that is neither (NUL bytes, UTF-16, bytes Windows-1252 does not define, UTF-8 mixed with
other bytes) is refused by name, never half-decoded. Nothing is typed here: every cell stays text so the loader can report
a bad cell by its value. Records with the wrong number of fields, and a last record cut
off in transfer (inside an open quote, or with no line end), are kept aside as *malformed*
(to be quarantined), never dropped. Date columns are judged per file (``parsing.judge_dates``):
month-first dates refuse the file whole. A workbook's every sheet carrying the source's
header is read (or only the sheet the catalogue declares); other sheets are named.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.ingest import pii, workbook
from pipelines.ingest.landing import NotARegularFile, read_regular
from pipelines.ingest.parsing import judge_dates
from pipelines.ingest.pii import normalise_header
from sources.catalogue import Source

ROW = "source_row"  # the row as a spreadsheet shows it: header = 1, first record = 2
SHEET_ROWS = 10_000_000  # rows of a workbook's n-th sheet read are numbered (n - 1) x this + its row
BOM = b"\xef\xbb\xbf"
CUT_QUOTE = "the file ends inside an open quote: the last record was cut off in transfer"
CUT_LINE = "the file ends without a line end: the last record may have been cut off in transfer"


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
    # (row, reason, raw text, fields or None): the fields are what the identifier guard reads.
    malformed: list[tuple] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)
    renamed_columns: dict[str, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    pii: list = field(default_factory=list)  # pii.Finding: any one refuses the whole file
    rows_delivered: int | None = None  # set when the frame was not kept (refused file)
    notes: list[str] = field(default_factory=list)  # what a person should know: dates judged, sheets read

    @property
    def rows_read(self) -> int:
        kept = len(self.frame) if self.rows_delivered is None else self.rows_delivered
        return kept + len(self.malformed)


# A multi-byte UTF-8 character: in a file that is not UTF-8 as a whole, a sign of mixed encodings.
_UTF8_SEQUENCE = re.compile(rb"[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}")



def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (used by ``oba prepare`` for its manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def decode(raw: bytes, path: Path | None = None) -> tuple[str, str]:
    """(text, encoding). UTF-8 after an optional byte-order mark; else Windows-1252, strictly
    (a BOM followed by Windows-1252 bytes is one more thing Excel writes). Raises ExtractError
    naming the file when the bytes are neither: nothing is replaced or guessed."""
    name = path or Path("file")
    bom = raw.startswith(BOM)
    body = raw[3:] if bom else raw
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ExtractError(name, "the file is UTF-16 text: save it as CSV UTF-8 (or CSV) and deliver again", "failed")
    if b"\x00" in body:
        at = body.index(b"\x00")
        raise ExtractError(name, f"not a text file: it holds NUL bytes (first at byte {at + 3 * bom:,}); a binary "
                                 f"or corrupt file with a CSV name", "failed")
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_SEQUENCE.search(body):
        # Read as Windows-1252, its UTF-8 characters would load as mojibake ("cafÃ©"): refused.
        raise ExtractError(name, f"mixed encodings: UTF-8 text with byte 0x{body[bad]:02X} at offset {bad + 3 * bom:,} "
                                 f"that is not UTF-8 (a file pasted together from two sources?); save it as CSV "
                                 f"UTF-8 and deliver again", "failed")
    try:
        return body.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        byte = body[exc.start]
        raise ExtractError(name, f"cannot be decoded: not UTF-8, and byte 0x{byte:02X} at offset "
                                 f"{exc.start + 3 * bom:,} is not Windows-1252 either; save it as CSV UTF-8 "
                                 f"and deliver again", "failed") from None


# A quoted field where a field starts: its text ("" is an escaped quote), then its closing quote if any.
_QUOTED = re.compile(r'(?:(?<=^)|(?<=[,\r\n]))"[^"]*(?:""[^"]*)*("?)')


def cut_off(text: str) -> str | None:
    """Why the file's last record may be cut off in transfer, or None: it ends inside a quoted
    field that was never closed, or it ends without a line end after its last record."""
    if text.count('"') % 2:   # cheap test first: a complete file has its quotes in pairs...
        last = None
        for last in _QUOTED.finditer(text):  # noqa: B007 (the last match is kept) ...unless a quote inside a field is literal (5'11")
            pass
        if last is not None and not last.group(1) and last.end() == len(text):
            return CUT_QUOTE
    tail = text[max(text.rfind("\n"), text.rfind("\r")) + 1:]
    return CUT_LINE if tail.strip() else None


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
    # A record is blank when all its cells are, that is when its cells joined are nothing but
    # white space: one pass over the joined text instead of one per column.
    joined = pc.binary_join_element_wise(*table.columns, "")
    blank = pc.equal(pc.utf8_length(pc.utf8_trim(joined, _WHITESPACE)), 0)
    rows = np.arange(2, table.num_rows + 2)
    if pc.any(blank).as_py():  # a blank line or an Excel formatted-but-empty row
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


def _catalogue_names(header: list[str], source: Source) -> tuple[list[str], dict[str, str]]:
    """The header as catalogue column names (normalised, aliases mapped) and the renames made."""
    names = [normalise_header(h) for h in header]
    aliases = {a: c.name for c in source.columns for a in c.aliases}
    renamed = {}
    for i, n in enumerate(names):
        if n in aliases and aliases[n] not in names:
            renamed[header[i]] = aliases[n]
            names[i] = aliases[n]
    return names, renamed


def _sheet_records(rows: list[list]) -> tuple[list[str], list[list[str]]]:
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
    return header[:width], records


def _read_xlsx_sheets(path: Path, raw: bytes, source: Source) -> tuple[list[tuple[str, list[str], list[list[str]]]],
                                                                      list[str]]:
    """The sheets to read, as (sheet name, header, records), and notes naming those not read.

    Every sheet whose first row carries the source's columns is read (a delivery continued
    on a second sheet), or only the sheet the catalogue declares (``Source.sheet``)."""
    # calamine (Rust) reads cell values ~13x faster than openpyxl's read-only mode.
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = list(book.sheet_names)
        if source.sheet is not None and source.sheet not in names:
            raise ExtractError(path, f"the workbook has no sheet '{source.sheet}', the sheet the catalogue declares "
                                     f"for {source.name} (sheets: {', '.join(repr(n) for n in names)})", "rejected")
        wanted = [source.sheet] if source.sheet is not None else names
        sheets = {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wanted}
    except ExtractError:
        raise
    except Exception as exc:  # calamine raises several types for a damaged workbook
        raise ExtractError(path, f"not a readable Excel workbook: {exc}") from None
    read, skipped = [], [n for n in names if n not in sheets]
    for name, rows in sheets.items():
        if not rows or not any(_cell_text(v).strip() for v in rows[0]):
            skipped.append(name)
            continue
        header, records = _sheet_records(rows)
        names_in, _ = _catalogue_names(header, source)
        if source.sheet is not None or all(c in names_in for c in source.column_names):
            read.append((name, header, records))
        else:
            skipped.append(name)
    if not read:
        first = next(((n, *_sheet_records(r)) for n, r in sheets.items() if r and any(
            _cell_text(v).strip() for v in r[0])), None)
        if first is None:
            raise ExtractError(path, "the workbook's sheets are empty (no header row)", "empty")
        read, skipped = [first], [n for n in skipped if n != first[0]]  # its missing columns are reported
    notes = []
    if len(read) > 1:
        notes.append("read sheets " + ", ".join(
            f"'{n}' (rows {i * SHEET_ROWS + 2:,}-{i * SHEET_ROWS + len(r) + 1:,})" for i, (n, _, r) in enumerate(read))
            + f": rows of the n-th sheet are numbered (n - 1) x {SHEET_ROWS:,} + its row")
    if skipped:
        why = "not the declared sheet" if source.sheet is not None else f"no {source.name} header"
        notes.append(f"sheets not read ({why}): " + ", ".join(f"'{n}'" for n in skipped))
    return read, notes


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
            malformed.append((number, f"has {len(rec)} fields, the header has {width}", ",".join(rec)[:2000],
                              list(rec)))
    return pd.DataFrame(good, columns=[f"{i}:{h}" for i, h in enumerate(header)], dtype="string"), rows, malformed


def _cut_last(delivered: pd.DataFrame, rows: list[int], malformed: list, last_row: int, why: str,
              tail: str) -> pd.DataFrame:
    """Move the file's last record (spreadsheet row ``last_row``) to ``malformed``: it may be cut."""
    if rows and rows[-1] == last_row:
        # The cut record's fields as read: the identifier guard still reads every one of them.
        fields = [str(v) for v in delivered.iloc[-1].fillna("")]
        delivered, _ = delivered.iloc[:-1], rows.pop()
        malformed.append((last_row, why, tail[:2000], fields))
    elif malformed and malformed[-1][0] == last_row:
        malformed[-1] = (last_row, f"{why}; {malformed[-1][1]}", *malformed[-1][2:])
    return delivered


def _read_csv(path: Path, raw: bytes) -> tuple[list[str], pd.DataFrame, list[int], list, str]:
    """One CSV delivery: (header, text frame, spreadsheet rows, malformed records, encoding)."""
    text, encoding = decode(raw, path)
    cut = cut_off(text)
    plain = _read_plain_csv(text)
    if plain is None:
        header, records = _read_csv_records(path, text)
        delivered, rows, malformed = _split_records(header, records)
        last_row = len(records) + 1
    else:
        header, delivered, rows = plain
        malformed = []
        last_row = text.count("\n") + (text.count("\r") - text.count("\r\n")) + 1
    if cut:
        tail = text[max(text.rfind("\n"), text.rfind("\r")) + 1:] if cut == CUT_LINE else text[text.rfind('"'):]
        delivered = _cut_last(delivered, rows, malformed, last_row, cut, tail)
    return header, delivered, rows, malformed, encoding


def _workbook_screened(path: Path, raw: bytes, source: Source) -> tuple[list, list[str], list]:
    """A workbook's sheets and notes, and the findings of what it carries besides its cells:
    refused (``ExtractError``) over a bound, or when a part cannot be screened."""
    try:
        workbook.check_bounds(raw)      # before any reader allocates what the file declares
    except workbook.TooLarge as exc:
        raise ExtractError(path, f"refused unread, over a stated bound: {exc}", "refused") from None
    except workbook.Unscreenable as exc:
        raise ExtractError(path, f"refused unread: {exc}; it cannot be screened for personal data", "refused") \
            from None
    except zipfile.BadZipFile:
        raise ExtractError(path, "not a readable Excel workbook: not a zip file (an xlsx is one)") from None
    if hidden := workbook.unscreenable(raw):
        raise ExtractError(path, f"refused unread: the workbook carries {', '.join(hidden[:3])} (an embedded object, "
                                 f"file, macro or control), which cannot be screened for personal data; ask for "
                                 f"the data alone", "refused")
    sheets, notes = _read_xlsx_sheets(path, raw, source)
    try:
        carried = pii.scan_texts(workbook.carried_text(raw, {name for name, *_ in sheets}), "workbook")
    except workbook.Unscreenable as exc:
        raise ExtractError(path, f"refused: {exc}; it cannot be screened for personal data", "refused") from None
    return sheets, notes, carried


def read_extract(path: Path, source: Source, raw: bytes | None = None, digest: str | None = None) -> Extract:
    """Read ``path`` as a delivery of ``source``: text frame of the catalogue columns.
    ``raw`` / ``digest``: the file's bytes and their SHA-256, if the caller already has them.

    Raises ExtractError when the file as a whole cannot be used (not a regular file,
    undecodable, no header, required columns missing, month-first dates).
    """
    path = Path(path)
    try:
        if raw is None and (why := workbook.over_size(os.lstat(path).st_size)):
            raise ExtractError(path, why, "refused")
        raw = read_regular(path) if raw is None else raw
    except NotARegularFile as exc:
        raise ExtractError(path, exc.strerror.split(": ", 1)[-1], "refused") from None
    digest = digest or hashlib.sha256(raw).hexdigest()
    notes, carried = [], []
    if path.suffix.lower() == ".xlsx":
        sheets, notes, carried = _workbook_screened(path, raw, source)
        tables = []
        for i, (_, header, records) in enumerate(sheets):
            delivered, rows, malformed = _split_records(header, records)
            offset = i * SHEET_ROWS
            tables.append((header, delivered, [r + offset for r in rows],
                           [(m[0] + offset, *m[1:]) for m in malformed]))
        encoding = "xlsx"
    else:
        header, delivered, rows, malformed, encoding = _read_csv(path, raw)
        delivered.columns = [f"{i}:{h}" for i, h in enumerate(header)]
        tables = [(header, delivered, rows, malformed)]

    # The guard reads every cell before anything is written: every delivered column (those
    # the catalogue drops too) and every record, malformed or cut ones field by field.
    findings, malformed_all = list(carried), [m for t in tables for m in t[3]]
    for header, delivered, rows, malformed in tables:
        odd = [(m[0], m[3] if len(m) > 3 else [m[2]]) for m in malformed]
        findings += pii.scan(header, delivered.set_axis(list(header), axis=1), rows=rows, malformed=odd,
                             source=source)
    if findings:
        first = tables[0]
        return Extract(path=path, file_hash=digest, encoding=encoding, frame=first[1].iloc[:0],
                       malformed=malformed_all, header=list(first[0]), pii=findings,
                       rows_delivered=sum(len(t[1]) for t in tables), notes=notes)

    wanted = source.column_names
    frames, renamed, dropped = [], {}, []
    for header, delivered, rows, _ in tables:
        names, renames = _catalogue_names(header, source)
        renamed.update(renames)
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
        frames.append(frame)
        dropped += [h for h, n in zip(header, names) if n not in wanted and h not in dropped]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    hit = source.match(path.name)
    dates, problem = judge_dates(frame, source, hit[0] if hit else None)
    if problem:
        raise ExtractError(path, problem, "rejected")
    return Extract(
        path=path, file_hash=digest, encoding=encoding, frame=frame, malformed=malformed_all,
        dropped_columns=dropped, renamed_columns=renamed, header=list(tables[0][0]), notes=[*notes, *dates],
    )
