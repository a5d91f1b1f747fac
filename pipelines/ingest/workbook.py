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
headers and footers, hyperlinks (text, tip and target) and data validations (prompts, lists),
external links' targets, every other part's text and attribute values (tables, drawings,
charts, pivot caches, custom XML, the document properties and custom properties), and any
other file put in the zip, read as text. ``unscreenable`` names the parts nothing can read
(embedded objects and files, macros, ActiveX controls): such a workbook is refused.
Pictures (``xl/media``) are not read.
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
MAX_OTHER_PART = 16 * 1024 * 1024       # read of a part that is not XML (a text file put in the zip)
_CHUNK = 1 << 20

_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"')
_ROW = re.compile(rb"<(?:\w+:)?row\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')


class TooLarge(ValueError):
    """The workbook exceeds a stated bound: refused unparsed."""


class Unscreenable(ValueError):
    """A part of the workbook cannot be read whole (a document type or entities declared, XML
    that does not parse): what it holds cannot be screened, so the workbook is refused."""


# OOXML parts never declare a document type or entities: one that does is built to expand
# ('billion laughs') or to read a file (an external entity), and its text cannot be screened.
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


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
            unpacked, max_col, max_row, rows, tail, edge = 0, 0, 0, 0, b"", b""
            with book.open(info) as part:
                while chunk := part.read(_CHUNK):
                    unpacked += len(chunk)
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise TooLarge(f"its parts unpack to more than {MAX_UNPACKED_BYTES:,} bytes (part "
                                       f"{info.filename} alone {unpacked:,} so far, from {len(raw):,} bytes packed): "
                                       f"a zip bomb or far more than an extract")
                    if _DOCTYPE.search(edge + chunk):
                        raise Unscreenable(f"part {info.filename} declares a document type or entities, which no "
                                           f"workbook part does (an entity expansion or external entity)")
                    if unpacked > _CHUNK and unpacked > MAX_RATIO * max(info.compress_size, 1):
                        raise TooLarge(f"part {info.filename} unpacks to more than {MAX_RATIO} times its packed "
                                       f"size ({info.compress_size:,} bytes packed, {unpacked:,} unpacked so far): "
                                       f"a zip bomb")
                    edge = chunk[-16:]          # a declaration split between two chunks is still found
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


_FORMAT_CODE = re.compile(r'&(?:"[^"]*"|[0-9]{1,3}(?=\D|$)|[A-Za-z&+\-])')
_HEADER_FOOTER_TEXT = re.compile(rb"<(?:\w+:)?(?:odd|even|first)(?:Header|Footer)(?:\s[^>]*)?(?<!/)>([^<]*)(?=<)")
# What a data sheet carries besides its cells and printed headers: hyperlinks (their text shown
# and tip), data validations (prompts, error messages) and their lists ('<formula1>').
_DATA_SHEET_EXTRAS = re.compile(rb"<(?:\w+:)?(?:hyperlink|dataValidation)\b([^>]*)>"
                                rb"|<(?:\w+:)?formula[12](?:\s[^>]*)?(?<!/)>([^<]*)(?=<)")
# How a workbook writes a character XML cannot hold ('_x0009_' is a tab): read as the character.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Parts nothing can screen: embedded objects and files, macros, ActiveX controls.
UNSCREENABLE = re.compile(r"(?:^|/)(?:embeddings|activeX|ctrlProps)/|vbaProject|\.bin$", re.IGNORECASE)
PICTURES = re.compile(r"^xl/media/.*\.(?:png|jpe?g|gif|bmp|emf|wmf|tiff?|svg)$", re.IGNORECASE)
# Elements whose attributes are a cell's or a layout's bookkeeping, never text.
_LAYOUT = frozenset({"c", "row", "col", "cols", "v", "f", "dimension", "sheetView", "selection", "pane", "pageMargins",
                     "pageSetup", "sheetFormatPr", "xf", "numFmt", "font", "fill", "border", "sz", "color"})
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
            out += [html.unescape(_captured(m).decode("utf-8", "replace"))
                    for m in pattern.finditer(text, 0, last + 1) if m.start() < keep]
            tail = text[keep:]
    out += [html.unescape(_captured(m).decode("utf-8", "replace")) for m in pattern.finditer(tail)]
    return out


def _captured(m: re.Match) -> bytes:
    return next((g for g in m.groups() if g is not None), b"")


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


def unscreenable(raw: bytes) -> list[str]:
    """The parts of a workbook nothing can screen (embedded objects and files, macros, ActiveX
    controls): a workbook carrying one is refused. Pictures (``xl/media``) are not read."""
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        return [i.filename for i in book.infolist() if UNSCREENABLE.search(i.filename)
                and "printerSettings" not in i.filename]


def carried_text(raw: bytes, data_sheets: set[str]) -> dict[str, list[str]]:
    """What the workbook carries besides the data cells of ``data_sheets`` (sheets read as the
    delivery): part label -> its texts. Call after ``check_bounds``."""
    out: dict[str, list[str]] = {}

    def add(label: str, text) -> None:
        if text is not None and str(text).strip():
            out.setdefault(label, []).append(_OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(text)))

    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        sheets = _sheet_parts(book)
        for name, (_, _state) in sheets.items():
            add("sheet names", name)
        data_parts = {sheets[n][0] for n in data_sheets if n in sheets}
        label_of = {path: f"sheet '{name}'" + ("" if state == "visible" else f" ({state})")
                    for name, (path, state) in sheets.items()}
        for info in book.infolist():
            path = info.filename
            if path.startswith(("xl/styles", "xl/theme")) or PICTURES.match(path) or UNSCREENABLE.search(path) \
                    or path.endswith("/"):
                continue
            if path.endswith(".rels"):
                _links(book, info, add)
            elif path in data_parts or path == "xl/sharedStrings.xml":
                # Large parts, read a chunk at a time by pattern: a data sheet's printed headers and
                # footers, hyperlinks and validations (its cells are the delivery, screened as
                # such), every shared string.
                if path in data_parts:
                    for text in _texts(book, info, _HEADER_FOOTER_TEXT):
                        add("headers and footers", _FORMAT_CODE.sub(" ", text))
                    for text in _texts(book, info, _DATA_SHEET_EXTRAS):
                        add(f"{label_of[path]}: hyperlinks and validations", text)
                else:
                    for text in _texts(book, info, _STRING_TEXT):
                        add("shared strings (every sheet's text)", text)
            elif path.endswith((".xml", ".vml")):
                _xml_texts(book, info, _label(path, label_of), add)
            else:
                # Any other part (a text file put in the zip): read as text.
                with book.open(info) as part:
                    add(f"part {path}", part.read(MAX_OTHER_PART).decode("utf-8", "replace"))
    return out


def _label(path: str, label_of: dict[str, str]) -> str:
    if path.startswith("docProps/"):
        return "document properties"
    if "comment" in path.lower():
        return "cell comments"
    if path in label_of:
        return label_of[path]
    if path == "xl/workbook.xml":
        return "defined names"
    return f"part {path}"


def _links(book: zipfile.ZipFile, info: zipfile.ZipInfo, add) -> None:
    """A relationship part's external targets: hyperlinks ('mailto:...'), linked files' paths."""
    try:
        root = ElementTree.fromstring(book.read(info))
    except ElementTree.ParseError:
        return
    for r in root.iter():
        if _local(r.tag) == "Relationship" and (r.get("TargetMode") or "").lower() == "external":
            add("links", r.get("Target"))


def _xml_texts(book: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, add) -> None:
    """Every text and attribute value of a part (not a cell's or a layout's bookkeeping)."""
    try:
        with book.open(info) as part:
            for _, element in ElementTree.iterparse(part, events=("end",)):
                tag = _local(element.tag)
                if tag not in _LAYOUT and tag != "sheet":      # sheet names are listed once, above
                    for value in element.attrib.values():
                        add("defined names" if tag == "definedName" else label, value)
                if tag in _HEADER_FOOTER:
                    # '&C', '&"Arial,Bold"', '&12' are formatting codes, not text
                    add("headers and footers", _FORMAT_CODE.sub(" ", element.text or ""))
                elif element.text and tag != "sheet":
                    add(label, element.text)
                if tag in ("row", "si", "comment"):
                    element.clear()
    except ElementTree.ParseError as exc:
        raise Unscreenable(f"part {info.filename} is not well-formed XML ({exc})") from None
