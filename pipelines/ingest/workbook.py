"""A delivered workbook (xlsx) judged before it is parsed, and everything it carries besides cells.

``check_bounds`` reads the zip's parts a chunk at a time, never holding one whole, and refuses
the workbook (``TooLarge``, naming the bound) before any spreadsheet reader sees it when

* the file is over ``MAX_FILE_BYTES``;
* its parts unpack to more than ``MAX_UNPACKED_BYTES`` in all (counted while unpacking, not
  taken from what the zip declares), or a part over 1 MiB unpacks to more than
  ``MAX_RATIO`` times its packed size (a zip bomb);
* a sheet declares (``<dimension>``) or uses (a cell's reference, its ``<row>`` count) more
  than ``MAX_COLUMNS`` columns, ``MAX_ROWS`` rows or ``MAX_CELLS`` cells (a single cell at
  XFD1048576 makes a reader allocate every cell before it).

``carried_text`` lists what a workbook carries besides its data cells, for the identifier
guard: sheet names, the cells of every sheet not read as data (hidden and very hidden sheets
included), every shared string, cell comments and their authors, defined names, printed
headers and footers, tables' names, drawings' text and the document properties.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

MAX_FILE_BYTES = 2 * 1024 ** 3          # any delivery, csv or xlsx
MAX_UNPACKED_BYTES = 1024 ** 3          # a workbook's parts, unpacked, in all
MAX_RATIO = 200                         # unpacked / packed, for a part over 1 MiB unpacked
MAX_COLUMNS = 1_000
MAX_ROWS = 1_048_576
MAX_CELLS = 50_000_000
_CHUNK = 1 << 20

_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"')
_ROW = re.compile(rb"<(?:\w+:)?row\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')


class TooLarge(ValueError):
    """The workbook exceeds a stated bound: refused unparsed."""


def over_size(size: int) -> str | None:
    """Why a delivery of ``size`` bytes is refused unread (any format), or None."""
    if size > MAX_FILE_BYTES:
        return f"refused unread, over a stated bound: the file is {size:,} bytes, over the bound of {MAX_FILE_BYTES:,}"
    return None


def _column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch.upper()) - 64
    return n


def _judge_extent(part: str, columns: int, rows: int, how: str) -> None:
    if columns > MAX_COLUMNS or rows > MAX_ROWS or columns * rows > MAX_CELLS:
        raise TooLarge(f"sheet part {part} {how} {columns:,} columns x {rows:,} rows; the bounds are "
                       f"{MAX_COLUMNS:,} columns, {MAX_ROWS:,} rows and {MAX_CELLS:,} cells (an empty cell far "
                       f"out, such as XFD1048576, counts): save the data alone on a sheet and deliver again")


def check_bounds(raw: bytes) -> None:
    """Raise ``TooLarge`` if the workbook is over a bound (above); ``zipfile.BadZipFile`` if it
    is not a zip at all."""
    if len(raw) > MAX_FILE_BYTES:
        raise TooLarge(f"the file is {len(raw):,} bytes, over the bound of {MAX_FILE_BYTES:,}")
    total = 0
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        for info in book.infolist():
            sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            unpacked, max_col, max_row, rows, tail = 0, 0, 0, 0, b""
            with book.open(info) as part:
                while chunk := part.read(_CHUNK):
                    unpacked += len(chunk)
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise TooLarge(f"its parts unpack to more than {MAX_UNPACKED_BYTES:,} bytes (part "
                                       f"{info.filename} alone {unpacked:,} so far, from {len(raw):,} bytes packed): "
                                       f"a zip bomb or far more than an extract")
                    if unpacked > _CHUNK and unpacked > MAX_RATIO * max(info.compress_size, 1):
                        raise TooLarge(f"part {info.filename} unpacks to more than {MAX_RATIO} times its packed "
                                       f"size ({info.compress_size:,} bytes packed, {unpacked:,} unpacked so far): "
                                       f"a zip bomb")
                    if sheet:
                        text = tail + chunk
                        if not max_col and (d := _DIMENSION.search(text)):
                            _judge_dimension(info.filename, d.group(1).decode("ascii", "replace"))
                        for m in _REF.finditer(text):
                            max_col = max(max_col, _column_number(m.group(1)))
                            max_row = max(max_row, int(m.group(2)))
                        rows += len(_ROW.findall(chunk if not tail else text[len(tail) - 8:]))
                        tail = text[-64:]
            if sheet:
                _judge_extent(info.filename, max_col, max(max_row, rows), "uses")


def _judge_dimension(part: str, ref: str) -> None:
    """A sheet's declared range ('A1:XFD1048576', 'XFD1048576')."""
    corners = [re.fullmatch(r"\$?([A-Za-z]{1,4})\$?([0-9]{1,8})", c) for c in ref.split(":")]
    if not corners or not all(corners):
        return                          # an odd declaration: the cells themselves are counted
    columns = [_column_number(c.group(1)) for c in corners]
    rows = [int(c.group(2)) for c in corners]
    _judge_extent(part, max(columns) - min(columns) + 1 if len(columns) > 1 else max(columns),
                  max(rows) - min(rows) + 1 if len(rows) > 1 else max(rows), "declares")


_NAMED_ATTRIBUTES = {"sheet": ("name",), "definedName": ("name",), "table": ("name", "displayName"),
                     "tableColumn": ("name",), "person": ("displayName", "userId"), "author": ()}
_FORMAT_CODE = re.compile(r'&(?:"[^"]*"|[0-9]{1,3}(?=\D|$)|[A-Za-z&+\-])')
_HEADER_FOOTER_TEXT = re.compile(rb"<(?:\w+:)?(?:odd|even|first)(?:Header|Footer)(?:\s[^>]*)?(?<!/)>([^<]*)(?=<)")
_STRING_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?(?<!/)>([^<]*)(?=<)")


def _texts(book: zipfile.ZipFile, info: zipfile.ZipInfo, pattern: re.Pattern) -> list[str]:
    """The text ``pattern`` captures in a part, read a chunk at a time (XML entities undone)."""
    out, tail = [], b""
    with book.open(info) as part:
        while chunk := part.read(_CHUNK):
            text = tail + chunk
            # Matches starting before the last-but-one '<' are whole in this window (a match ends
            # where a '<' follows); the rest is read again with the next chunk.
            last = text.rfind(b"<")
            keep = text.rfind(b"<", 0, last) if last > 0 else -1
            if keep <= 0:
                tail = text
                continue
            out += [html.unescape(m.group(1).decode("utf-8", "replace"))
                    for m in pattern.finditer(text, 0, last + 1) if m.start() < keep]
            tail = text[keep:]
    out += [html.unescape(m.group(1).decode("utf-8", "replace")) for m in pattern.finditer(tail)]
    return out


_HEADER_FOOTER = {"oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Sheet name -> (its part's path, its state: visible, hidden or veryHidden)."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
    out = {}
    for s in workbook.iter():
        if _local(s.tag) != "sheet":
            continue
        rid = next((v for k, v in s.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out[s.get("name", "")] = (path, s.get("state", "visible"))
    return out


def carried_text(raw: bytes, data_sheets: set[str]) -> dict[str, list[str]]:  # noqa: C901 (over the limit before it was set: to be split, docs/performance.md)
    """What the workbook carries besides the data cells of ``data_sheets`` (sheets read as the
    delivery): part label -> its texts. Call after ``check_bounds``."""
    out: dict[str, list[str]] = {}

    def add(label: str, text) -> None:
        if text is not None and str(text).strip():
            out.setdefault(label, []).append(str(text))

    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        sheets = _sheet_parts(book)
        for name, (_, _state) in sheets.items():
            add("sheet names", name)
        data_parts = {sheets[n][0] for n in data_sheets if n in sheets}
        label_of = {path: f"sheet '{name}'" + ("" if state == "visible" else f" ({state})")
                    for name, (path, state) in sheets.items()}
        for info in book.infolist():
            path = info.filename
            if not path.endswith((".xml", ".rels", ".vml")) or path.startswith("xl/styles") \
                    or path.startswith("xl/theme") or path.endswith(".rels"):
                continue
            if path.startswith("docProps/"):
                label = "document properties"
            elif path == "xl/sharedStrings.xml":
                label = "shared strings (every sheet's text)"
            elif "comment" in path.lower():
                label = "cell comments"
            elif path in label_of:
                label = label_of[path]
            elif path == "xl/workbook.xml":
                label = "defined names"
            else:
                label = f"part {path}"
            if path in data_parts or path == "xl/sharedStrings.xml":
                # Large parts, read a chunk at a time by pattern: a data sheet's printed headers and
                # footers (its cells are the delivery, screened as such), every shared string.
                pattern = _HEADER_FOOTER_TEXT if path in data_parts else _STRING_TEXT
                label = "headers and footers" if path in data_parts else label
                for text in _texts(book, info, pattern):
                    add(label, _FORMAT_CODE.sub(" ", text) if path in data_parts else text)
                continue
            try:
                with book.open(info) as part:
                    for _, element in ElementTree.iterparse(part, events=("end",)):
                        tag = _local(element.tag)
                        for attr in _NAMED_ATTRIBUTES.get(tag, ()):
                            if tag != "sheet":
                                add(label if tag != "definedName" else "defined names", element.get(attr))
                        if path in data_parts and tag in ("v", "t", "f", "c", "row", "is", "sheetData"):
                            if tag == "sheetData":
                                element.clear()
                            continue
                        if tag in _HEADER_FOOTER:
                            # '&C', '&"Arial,Bold"', '&12' are formatting codes, not text
                            add("headers and footers", _FORMAT_CODE.sub(" ", element.text or ""))
                        elif element.text and tag not in ("sheet",):
                            add(label, element.text)
                        if tag in ("row", "si", "comment"):
                            element.clear()
            except ElementTree.ParseError:
                add(label, "")
    return out
