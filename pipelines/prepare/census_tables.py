"""The tables of a school census export: which census (year and term) a file belongs to, and
what kind of table it is, told by its columns whatever the export calls the file
(docs/formats.md, "School census")."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.ingest.pii import normalise_header
from pipelines.prepare.common import PrepareError
from sources import periods

TERMS = ("spring", "summer", "autumn")
# The census day of each term: the n-th Thursday of a month (school_census.census_day).
CENSUS_DAY = {"spring": (1, 3), "summer": (5, 3), "autumn": (10, 1)}
ON_ROLL = ("pupilonrolltableid",)
OFF_ROLL = ("pupiloffrolltableid", "pupilnolongeronrolltableid", "pupilnolongeronrollid", "pupiloffrollid")
EXCLUSION = {"start": ("startdate", "exclusionstartdate"), "category": ("category", "exclusioncategory"),
             "reason": ("reason1", "reason", "exclusionreason"), "sessions": ("sessions", "actualsessions")}
PUPIL = {"upn": ("upn", "uniquepupilnumber"),
         "ncyear": ("ncyearactual", "ncyear", "actualncyear", "nationalcurriculumyear", "ncyearleaving"),
         "enrol": ("enrolstatus", "enrolmentstatus"), "senprovision": ("senprovision",),
         "school": ("nativeid", "laestab", "urn", "schoolid", "dfenumber")}


@dataclass(frozen=True)
class Table:
    """A kind of census table: the columns that make it (all required), and those read if there."""
    name: str
    link: tuple[str, ...]
    required: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]] = field(default_factory=dict)
    without: tuple[str, ...] = ()       # columns it never has (a pupil table has no exclusion category)


TABLES = [   # the first that fits a table's columns is what it is; order matters
    Table("termlyexclusionsonroll", ON_ROLL, EXCLUSION, {"senprovision": ("senprovision",)}),
    Table("termlyexclusionsoffroll", OFF_ROLL, EXCLUSION, {"senprovision": ("senprovision",)}),
    Table("pupilonroll", ON_ROLL, {k: PUPIL[k] for k in ("upn", "ncyear", "enrol", "senprovision")},
          {"school": PUPIL["school"]}, without=EXCLUSION["category"]),
    Table("pupiloffroll", OFF_ROLL, {"upn": PUPIL["upn"]},
          {k: PUPIL[k] for k in ("ncyear", "senprovision", "school")}, without=EXCLUSION["category"]),
    Table("fsmperiod", ON_ROLL, {"fsmstart": ("fsmstartdate", "fsmstart")}, {"fsmend": ("fsmenddate", "fsmend")}),
    Table("senneeds", ON_ROLL, {"sentype": ("sentype", "senneed", "senneedtype")},
          {"rank": ("sentyperank", "senneedrank", "rank")}),
]


def census_of_name(name: str) -> tuple[int, str] | None:
    """(calendar year of the census, term) from a file or folder name: '2025_spring_x.csv',
    'Spring 2025', 'autumn-2024', '2024-25 summer' (an academic year: autumn is its first
    calendar year, spring and summer its second); None when the name does not say."""
    low = name.lower()
    term = re.search(r"(spring|summer|autumn)", low)
    if not term:
        return None
    term = term.group(1)
    academic = re.search(r"(?<!\d)(20\d\d)\s*[-_/]\s*(\d\d)(?!\d)", low)
    if academic and periods.names_next_year(int(academic.group(1)), academic.group(2)):
        first = int(academic.group(1))
        return periods.calendar_year_of("academic_year", first, CENSUS_DAY[term][0]), term
    year = re.search(r"(?<!\d)(20\d\d)(?!\d)", low)
    return (int(year.group(1)), term) if year else None


def census_of(path: Path) -> tuple[int, str]:
    for part in [path.name, *(p.name for p in path.parents)]:
        found = census_of_name(part)
        if found:
            return found
    raise PrepareError(path.name, "cannot tell which census (year and term) this table belongs to: keep the "
                       "export's names, <year>_<spring|summer|autumn>_<table>.csv, or put each term's tables in "
                       "a folder named for it (e.g. '2025 spring/')")


def duplicate_scope(path: Path) -> tuple[int, str] | None:
    """Tables that would count twice if the same: those of one census (two censuses may
    carry the same table; an exclusion they both report is counted once)."""
    try:
        return census_of(path)
    except PrepareError:
        return None


def header_and_rows(path: Path) -> tuple[list[str], int, str]:
    """The header, the number of data rows and the text (UTF-8, else Windows-1252)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    return header, sum(1 for r in rows if any(c.strip() for c in r)), text


def classify(header: list[str]) -> tuple[Table | None, dict[str, str]]:
    """The kind of table these columns make, and the header of each column read."""
    keys = {normalise_header(h).replace("_", ""): h for h in header if h is not None}

    def hit(alts):
        return next((keys[a] for a in alts if a in keys), None)

    for table in TABLES:
        link = hit(table.link)
        cols = {name: hit(alts) for name, alts in table.required.items()}
        if link is None or None in cols.values() or hit(table.without) is not None:
            continue
        cols.update({name: h for name, alts in table.optional.items() if (h := hit(alts)) is not None})
        return table, {"link": link, **cols}
    for table in TABLES:     # most of a table's columns but not all: hold it, naming what is missing
        if hit(table.link) is None or hit(table.without) is not None:
            continue
        missing = [name for name, alts in table.required.items() if hit(alts) is None]
        if len(missing) < len(table.required) / 2:
            alts = table.required[missing[0]]
            raise PrepareError("", f"a {table.name} table without a column for {missing[0]} (one of "
                               f"{', '.join(alts)})", table.name, missing[0])
    if all(hit(alts) for alts in EXCLUSION.values()):
        raise PrepareError("", "an exclusions table without a pupil record id: pupils on roll are joined by "
                           "pupilonrolltableid, pupils no longer on roll by pupiloffrolltableid or "
                           "pupilnolongeronrolltableid; give the table as the census export writes it",
                           column="pupilonrolltableid")
    return None, {}


def classify_quietly(path: Path) -> Table | None:
    """The kind of census table a file is by its columns (None: none, or not readable as one)."""
    try:
        return classify(header_and_rows(path)[0])[0]
    except PrepareError:
        return TABLES[0]          # an exclusions table that cannot be joined: a census table still
