"""What every statutory format shares: refusing clearly, recognising header variants,
reading dates and codes, and counting every row read (kept or dropped, and why)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.ingest import pii
from pipelines.ingest.pii import normalise_header
from schemas.checks import EARLIEST_DATE
from sources import codes


class PrepareError(Exception):
    """A file (or a table in it) cannot be mapped: nothing is written."""

    def __init__(self, file: str, message: str, sheet: str | None = None, column: str | None = None):
        where = file + (f", {sheet}" if sheet else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")
        self.file, self.sheet, self.column = file, sheet, column


# Rows dropped for these reasons are not set aside: they were read for another table's
# sake, belong to a table no extract uses, or are the same record counted once.
NOT_SET_ASIDE = ("read for ", "pupils are counted from the spring", "a census table the extracts do not use",
                 "superseded by the same record", "the same exclusion reported by an earlier census",
                 "enrolment status not sole or dual main", "NC year outside reception to year 13")


@dataclass
class TableCount:
    """Rows read from one sheet / table / element of one input file, and what became of them."""
    file: str
    table: str
    rows_in: int = 0
    rows_out: int = 0
    dropped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    unmapped: dict = field(default_factory=dict)      # field -> {local value: rows}
    flagged: Counter = field(default_factory=Counter)  # a note that holds for many rows, counted once each

    def flag(self, note: str) -> None:
        self.flagged[note] += 1

    def drop(self, reason: str, n: int = 1) -> None:
        if n:
            self.dropped[reason] += n

    def as_dict(self) -> dict:
        return {"file": self.file, "table": self.table, "rows_in": self.rows_in, "rows_out": self.rows_out,
                "rows_dropped": sum(self.dropped.values()), "dropped": dict(sorted(self.dropped.items())),
                "rows_set_aside": self.set_aside(),
                "notes": self.notes + [f"{n} row(s): {note}" for note, n in sorted(self.flagged.items())],
                **({"unmapped": self.unmapped} if self.unmapped else {})}

    def set_aside(self) -> int:
        return sum(n for reason, n in self.dropped.items() if not reason.startswith(NOT_SET_ASIDE))

    def note_unmapped(self, field_name: str, value) -> str:
        """Count a local value the mapping table lacks; returns it as reported: masked when
        the identifier guard takes it for an identifier (a name typed in the field)."""
        text = shown_value(field_name, value)
        values = self.unmapped.setdefault(field_name, {})
        values[text] = values.get(text, 0) + 1
        return text

    def balanced(self) -> bool:
        return self.rows_in == self.rows_out + sum(self.dropped.values())


HIDDEN_VALUE = "(a value that looks like an identifier, not shown)"


def shown_value(field_name: str, value) -> str:
    """A local value as reports show it: masked when the identifier guard takes it for an
    identifier (a name or number typed in the field)."""
    text = str(value).strip()
    return HIDDEN_VALUE if pii.scan([field_name], pd.DataFrame({field_name: [text]})) else text


def find_columns(header: list, spec: dict[str, tuple[str, ...]], required: set[str], file: str,
                 sheet: str | None = None) -> dict[str, int]:
    """Position of each wanted column, recognised by regular expressions on the normalised
    header ('Child Unique ID' -> 'child_unique_id'). A required column that no header
    matches, or a column two headers match, is refused with file, sheet and column."""
    norm = [normalise_header(h) if h is not None else "" for h in header]
    found: dict[str, int] = {}
    for name, patterns in spec.items():
        hits = [i for i, h in enumerate(norm) if h and any(re.fullmatch(p, h) for p in patterns)]
        if len(hits) > 1:
            raise PrepareError(file, f"two columns could be {name}: "
                               + ", ".join(f"'{header[i]}'" for i in hits), sheet, str(header[hits[1]]))
        if hits:
            found[name] = hits[0]
        elif name in required:
            raise PrepareError(file, f"no column recognised as {name} (headers: "
                               + ", ".join(f"'{h}'" for h in header if h not in (None, "")) + ")", sheet, name)
    return found


def expand_inputs(files: list[Path]) -> list[Path]:
    """The files given, a folder standing for every regular file under it (a census export
    folder, a folder of returns), in name order; hidden files are left out. Refuses what
    is neither."""
    out = []
    for f in files:
        if f.is_dir():
            inside = sorted(p for p in f.rglob("*") if p.is_file() and not p.is_symlink()
                            and not any(part.startswith(".") for part in p.relative_to(f).parts))
            if not inside:
                raise PrepareError(str(f), "an empty folder: give the folder the export wrote, or its files")
            out += inside
        elif f.is_file():
            out.append(f)
        else:
            raise PrepareError(str(f), "no such file or folder")
    return out


def looks_like(path: Path) -> str | None:
    """The format a file seems to be by its first bytes: an Excel workbook (annex-a), a CIN
    census XML message (cin-census), a school census CSV table (school-census); None when
    it cannot tell (the format's own reader then decides)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04") and path.suffix.lower() in (".xlsx", ".xlsm"):
        return "annex-a"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \r\n\t")
    if text.startswith("<") and re.search(r"<(\w+:)?Message\b", text):
        return "cin-census"
    first = text.splitlines()[0].lower() if text else ""
    if path.suffix.lower() == ".csv" and re.search(r"pupil(on|off|nolongeron)roll", first):
        return "school-census"
    return None


DATE_TEXT = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%b-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S",
             "%Y-%m-%dT%H:%M:%S", "%d-%b-%Y", "%d %b %Y", "%Y-%b-%d")


def to_date(value) -> dt.date | None:
    """A cell as a date (Excel date, ISO / dd/mm/yyyy text, census '2025-Feb-16 00:00:00'),
    or None when blank or not a date."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and 1 <= value < 2958466:   # an Excel serial day number
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = str(value).strip()
    if not text:
        return None
    for fmt in DATE_TEXT:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def plausible(d: dt.date | None) -> bool:
    """The loader's rule for every date (schemas.checks.plausible_date): from 2000 to today.
    A row failing it would only be quarantined at load, so prepare drops it with the reason."""
    return d is not None and EARLIEST_DATE.date() <= d <= dt.date.today()


def blank(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _sex_labels() -> dict[str, str]:
    """The sex code table's labels ('male', 'not known'; a bracketed note left off) -> the
    code they stand for; a label two codes of different meaning share is left out."""
    out: dict[str, set[str]] = {}
    for code in codes.CODE_YEARS["sex"].values():
        for label in {code.label.lower(), re.sub(r"\s*\(.*\)$", "", code.label).lower()}:
            out.setdefault(label.strip(), set()).add(code.category)
    return {label: meant.pop() for label, meant in out.items() if len(meant) == 1}


_SEX_LABELS = _sex_labels()


def sex_code(value) -> str:
    """F, M or U, through the one code table (``sources/code_years.csv``, field ``sex``): a
    code (M / F / U, the CIN census's 1 / 2 / 0 / 9) or a code's label ('Female', 'Not
    known'). Annex A prefixes answers with 'a) ', 'b) '; '1 - Male' is seen too. Anything
    else is U (unknown / not stated)."""
    if blank(value):
        return "U"
    text = re.sub(r"^[a-z]\)\s*", "", str(value).strip(), flags=re.IGNORECASE)
    text = re.sub(r"^\d\s*-\s*", "", text) if re.match(r"^\d\s*-\s*\D", text) else text
    code, _ = codes.lookup("sex", text)
    if code is not None:
        return code.category
    return _SEX_LABELS.get(re.sub(r"\s+", " ", text.strip().lower()), "U")


def yes_no(value) -> bool | None:
    if blank(value):
        return None
    text = re.sub(r"^[a-z]\)\s*", "", str(value).strip().lower())
    if text in ("y", "yes", "true", "1", "1.0"):
        return True
    if text in ("n", "no", "false", "0", "0.0"):
        return False
    return None

