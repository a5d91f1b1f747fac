"""School census exports (as a council's census export writes them) -> ``pupil_population``
and ``exclusions``.

A term's whole export folder is one return: every table in it is read (or noted and
skipped), whatever the export calls the files. Tables are recognised by their columns
(``census_tables.TABLES``): pupils on roll, pupils no longer on roll, termly exclusions of each, FSM
periods and SEN needs; anything else (and an empty, 0-byte table) is noted and skipped.
Pupils on roll and their tables are joined by the census's ``pupilonrolltableid``, pupils
no longer on roll by their own record id. Each table's census (year and term) comes from its
file name or the name of a folder above it (``2025_spring_pupilonroll.csv``,
``Spring 2025/pupilonroll.csv``, ``2024-25 summer/...``).

- ``pupil_population``: from a spring (January) census, pupils with a sole or dual-main
  registration in reception to year 13, counted by phase, year group, FSM on census day and
  SEN primary need (the rank-1 SEN type of the same census).
- ``exclusions``: one row per termly exclusion of a pupil on or no longer on roll, the same
  exclusion reported by two censuses counted once. SEN primary need is the pupil's in the
  **spring census of the exclusion's academic year**, matched on the pupil's pseudonym (the
  DfE collects SEN type in spring only); a pupil with SEN provision and no need found there
  is ``UNKNOWN``, never "no SEN". An academic year is written only when its three termly
  returns are given (the spring, summer and autumn censuses after it), unless
  ``partial_years``.

Every code is checked against the DfE's list for its year (``sources.codes.lookup``,
``sources/code_years.csv``): a row with a code not valid in its year is set aside with the
field, the code and the year. Phase is the school's when a school-phase lookup is given
(``school_phases``: CSV school, phase), else it follows the year group (reception-6 primary,
7-13 secondary). Names, dates of birth, UPNs, addresses and every other column are never
written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from pathlib import Path

import pandas as pd

from pipelines.ingest.pii import normalise_header
from pipelines.prepare.census_tables import CENSUS_DAY, TERMS, census_of, classify, classify_quietly, header_and_rows
from pipelines.prepare.census_tables import duplicate_scope  # noqa: F401  (prepare asks the format for it)
from pipelines.prepare.common import PrepareError, TableCount, blank, plausible, to_date
from pipelines.prepare.keys import Pseudonymiser
from sources import codes, periods

SEN = codes.SEN_NEED_UNKNOWN
AY = "academic_year"


def census_day(year: int, term: str) -> dt.date:
    """Spring: third Thursday of January; summer: third Thursday of May; autumn: first
    Thursday of October."""
    month, nth = CENSUS_DAY[term]
    first = dt.date(year, month, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return thursday + dt.timedelta(weeks=nth - 1)


def _ncyear(value, moved_up: int = 0) -> int | None:
    """Reception -> 0, '7' -> 7; nursery, mixed, not followed and anything outside reception
    to year 13 -> None. ``moved_up``: years the pupil has moved up since the event (an
    autumn census records last summer's exclusions against this year's NC year)."""
    code, _ = codes.lookup("ncyear", value)
    if code is None or not code.category:
        return None
    year = int(code.category) - moved_up
    return year if 0 <= year <= 13 else None


def _phase(year_group: int, school, phases: dict[str, str]) -> str | None:
    if phases:
        return phases.get(str(school).strip()) if not blank(school) else None
    return "primary" if year_group <= 6 else "secondary"


def _school_phases(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    if not Path(path).is_file():
        raise PrepareError(str(path), "no such school-phase lookup file")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [normalise_header(c) for c in frame.columns]
    if not {"school", "phase"} <= set(frame.columns):
        raise PrepareError(Path(path).name, "the school-phase lookup needs columns school and phase", column="phase")
    bad = sorted(set(frame["phase"]) - set(codes.SCHOOL_PHASES))
    if bad:
        raise PrepareError(Path(path).name, f"phase must be one of {', '.join(codes.SCHOOL_PHASES)}", column="phase")
    return dict(zip(frame["school"].str.strip(), frame["phase"].str.strip()))


class Census:
    """The tables of one census (year, term), keyed by the census's pupil record ids."""

    def __init__(self, year: int, term: str):
        self.year, self.term = year, term
        self.day = census_day(year, term)
        self.pupils: dict[str, dict] = {}          # on roll and (prefixed 'off:') no longer on roll
        self.fsm: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
        self.sen: dict[str, list[tuple[float, str]]] = {}
        self.exclusions: list[tuple[dict, TableCount, str]] = []
        self.has_sen_table = False

    @property
    def academic_year(self) -> int:
        """The academic year of the census day: spring and summer censuses fall in the one that
        started the September before."""
        return periods.year_of(AY, self.day)

    @property
    def label(self) -> str:
        return f"school-census {self.year} {self.term}"

    @property
    def order(self) -> tuple[int, int]:
        return self.year, TERMS.index(self.term)

    def fsm_on(self, link: str, day: dt.date) -> bool:
        return any(s <= day and (e is None or e >= day) for s, e in self.fsm.get(link, []))

    def own_need(self, link: str) -> str | None:
        """The pupil's SEN primary need in this census: None (no SEN), a need code, or UNKNOWN
        (SEN provision but no need recorded here, or no SEN needs table in this export)."""
        pupil = self.pupils[link]
        if pupil["sen"] == "none":
            return None
        if pupil["sen"] != "sen" or not self.has_sen_table:
            return SEN
        ranked = sorted(self.sen.get(link, []))
        if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):   # none, or no single rank 1
            return SEN
        return ranked[0][1]


def read(files: list[Path], pz: Pseudonymiser, partial_years: bool = False, school_phases: Path | None = None,
         **_):
    phases = _school_phases(school_phases)
    censuses: dict[tuple[int, str], Census] = {}
    counts, covers, pending = [], {}, []
    for path in files:
        if path.suffix.lower() != ".csv":
            count = TableCount(path.name, "(not a table)")
            count.notes.append("not a CSV table: not read (the census export writes its tables as CSV)")
            counts.append(count)
            covers[path] = ()
            continue
        try:
            year, term = census_of(path)
        except PrepareError:
            if path.stat().st_size and classify_quietly(path) is not None:
                raise                    # a census table whose census cannot be told: held
            count = TableCount(path.name, "(not a census table)")
            count.notes.append("not a census table (its name says no census, its columns are none of the "
                               "tables read): not read")
            counts.append(count)
            covers[path] = ()
            continue
        census = censuses.setdefault((year, term), Census(year, term))
        covers[path] = (census.label,)
        if path.stat().st_size == 0:
            count = TableCount(path.name, "(empty table)")
            count.notes.append("an empty table (0 bytes): nothing to read, skipped")
            counts.append(count)
            continue
        header, n_rows, text = header_and_rows(path)
        try:
            table, cols = classify(header)
        except PrepareError as exc:
            message = str(exc).split(": ", 1)[1]
            raise PrepareError(path.name, message, exc.sheet, exc.column) from None
        count = TableCount(path.name, table.name if table else "(table not used)", rows_in=n_rows)
        counts.append(count)
        if table is None:
            count.drop("a census table the extracts do not use", n_rows)
            count.notes.append("not used: its columns are none of the tables read (docs/formats.md)")
            continue
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, usecols=list(cols.values()))
        except (pd.errors.ParserError, ValueError) as exc:
            raise PrepareError(path.name, f"not a readable CSV table ({str(exc).splitlines()[0]})") from None
        count.rows_in = len(frame)
        pending.append((census, table.name, cols, frame, count))
    if not any(kind in ("pupilonroll", "pupiloffroll") for _, kind, *_ in pending) and pending:
        raise PrepareError(", ".join(sorted({c.file for c in counts})), "no pupil table (pupilonroll: "
                           "pupilonrolltableid, upn, ncyearactual, enrolstatus, senprovision) among the tables "
                           "given: give the term's whole export folder")
    order = {"pupilonroll": 0, "pupiloffroll": 1, "fsmperiod": 2, "senneeds": 3,
             "termlyexclusionsonroll": 4, "termlyexclusionsoffroll": 5}
    for census, kind, cols, frame, count in sorted(pending, key=lambda p: order[p[1]]):
        LOADERS[kind](census, cols, frame, count, kind)
    spring = _spring_records(censuses, pz)
    outputs = {}
    for year, frame in _population(censuses, phases).items():
        outputs[("pupil_population", periods.file_name_key(AY, year))] = frame
    for year, frame in _exclusions(censuses, pz, phases, partial_years, spring).items():
        outputs[("exclusions", periods.file_name_key(AY, year))] = frame
    return outputs, counts, covers


def _sen_status(value, year: int, count: TableCount) -> str:
    """'sen', 'none' or 'unknown' (blank or not a code of the year: noted)."""
    if blank(value):
        return "unknown"
    code, problem = codes.lookup("sen_provision", value, year)
    if code is None:
        count.flag(problem + ": the pupil's SEN need is written UNKNOWN")
        return "unknown"
    return code.category


def _load_pupils(census, cols, frame, count, kind) -> None:
    prefix = "" if kind == "pupilonroll" else "off:"
    for rec in frame.to_dict("records"):
        link = rec[cols["link"]].strip()
        if not link:
            count.drop("no pupil record id")
            continue
        if prefix + link in census.pupils:
            count.drop("pupil record id twice in one census")
            continue
        census.pupils[prefix + link] = {
            "upn": rec[cols["upn"]], "ncyear": rec.get(cols.get("ncyear", ""), ""),
            "enrol": rec.get(cols.get("enrol", ""), "").strip().upper(),
            "sen": _sen_status(rec.get(cols.get("senprovision", ""), ""), census.academic_year, count),
            "school": rec.get(cols.get("school", ""), ""), "count": count, "on_roll": not prefix}
        if prefix:
            count.drop("read for the exclusions of pupils no longer on roll (not counted as pupils)")


def _load_fsmperiod(census, cols, frame, count, kind) -> None:
    for rec in frame.to_dict("records"):
        link, start = rec[cols["link"]].strip(), to_date(rec[cols["fsmstart"]])
        if link not in census.pupils:
            count.drop("FSM period of a pupil not in this census's pupil table")
        elif start is None:
            count.drop("FSM start date missing or not a date")
        else:
            census.fsm.setdefault(link, []).append((start, to_date(rec.get(cols.get("fsmend", ""), ""))))
            count.drop("read for the pupil's FSM eligibility (not an extract of its own)")


def _load_senneeds(census, cols, frame, count, kind) -> None:
    census.has_sen_table = True
    for rec in frame.to_dict("records"):
        link = rec[cols["link"]].strip()
        rank = pd.to_numeric(rec.get(cols.get("rank", ""), "1") or "1", errors="coerce")
        code, problem = codes.lookup("sen_primary_need", rec[cols["sentype"]], census.academic_year)
        if link not in census.pupils:
            count.drop("SEN need of a pupil not in this census's pupil table")
        elif code is None:
            count.drop(problem)
        elif pd.isna(rank):
            count.drop("SEN type rank not a number")
        else:
            census.sen.setdefault(link, []).append((float(rank), code.code))
            count.drop("read for the pupil's SEN primary need (not an extract of its own)")


def _load_exclusions(census, cols, frame, count, kind) -> None:
    prefix = "" if kind == "termlyexclusionsonroll" else "off:"
    for rec in frame.to_dict("records"):
        census.exclusions.append(({k: rec[v] for k, v in cols.items()}, count, prefix))


LOADERS = {"pupilonroll": _load_pupils, "pupiloffroll": _load_pupils, "fsmperiod": _load_fsmperiod,
           "senneeds": _load_senneeds, "termlyexclusionsonroll": _load_exclusions,
           "termlyexclusionsoffroll": _load_exclusions}


def _spring_records(censuses: dict, pz) -> dict[tuple[int, str], dict]:
    """(academic year, pupil pseudonym) -> the pupil's SEN need, NC year and FSM periods in
    that year's spring census (pupils on roll)."""
    out = {}
    for census in censuses.values():
        if census.term != "spring":
            continue
        for link, p in census.pupils.items():
            child = pz.pupil(p["upn"]) if p["on_roll"] else None
            if child:
                out[(census.academic_year, child)] = {"need": census.own_need(link), "ncyear": p["ncyear"],
                                                      "fsm": census.fsm.get(link, [])}
    return out


def _population(censuses: dict, phases: dict) -> dict[int, pd.DataFrame]:
    out = {}
    for census in censuses.values():
        on_roll = {k: p for k, p in census.pupils.items() if p["on_roll"]}
        if census.term != "spring":
            for p in on_roll.values():
                p["count"].drop("pupils are counted from the spring (January) census only; kept for exclusions")
            continue
        groups: Counter = Counter()
        for link, p in on_roll.items():
            yg = _ncyear(p["ncyear"])
            phase = _phase(yg, p["school"], phases) if yg is not None else None
            enrol, problem = codes.lookup("enrol_status", p["enrol"], census.academic_year)
            if enrol is None:
                p["count"].drop(problem)
            elif enrol.category != "counted":
                p["count"].drop("enrolment status not sole or dual main (C, M): counted where it is main")
            elif yg is None:
                p["count"].drop("NC year outside reception to year 13")
            elif phase is None:
                p["count"].drop("school not in the school-phase lookup")
            else:
                groups[(phase, yg, census.fsm_on(link, census.day), census.own_need(link))] += 1
                p["count"].rows_out += 1
        unknown = sum(n for key, n in groups.items() if key[3] == SEN)
        if unknown and on_roll:
            next(iter(on_roll.values()))["count"].notes.append(
                f"{unknown} pupil(s) with SEN provision (or none validly recorded) have no primary need in this "
                f"census ({'no senneeds table' if not census.has_sen_table else 'no single rank-1 SEN type'}): "
                f"their need is written {SEN}, never 'no SEN'")
        if groups:
            ay = census.academic_year
            out[ay] = pd.DataFrame(
                [{"academic_year": periods.year_key(AY, ay), "phase": ph, "year_group": yg, "fsm": fsm,
                  "sen_primary_need": sen, "headcount": n} for (ph, yg, fsm, sen), n in sorted(
                      groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3] or ""))])
    return out


def _needed(ay: int) -> set[tuple[int, str]]:
    """The censuses that carry an academic year's termly exclusions."""
    return {(ay + 1, "spring"), (ay + 1, "summer"), (ay + 1, "autumn")}


def _coded(fld: str, value, ay: int, collected: int):
    """A code valid in the exclusion's academic year, or in the year of the census that
    collected it (a census collects one and two terms in arrears, so a new code set reaches
    the last terms of the year before)."""
    code, problem = codes.lookup(fld, value, ay)
    if code is None and collected != ay:
        code = codes.lookup(fld, value, collected)[0]
    return code, problem


def _exclusion_problem(rec: dict, start, ay, collected: int) -> tuple[str | None, tuple]:
    """Why an exclusion row cannot be kept (None if it can), and its category and reason codes."""
    if not plausible(start):
        return "start date missing, not a date, before 2000 or in the future", ()
    category, problem = _coded("exclusion_category", rec["category"], ay, collected)
    if category is None:
        return problem, ()
    reason, problem = _coded("exclusion_reason", rec["reason"], ay, collected)
    if reason is None:
        return problem, ()
    sessions, problem = _sessions(rec["sessions"], category.category)
    if problem:
        return problem, ()
    return None, (category.category, reason.code, sessions)


def _sessions(value, category: str) -> tuple[float | None, str | None]:
    """An exclusion's length in sessions, or why it cannot be kept. The census collects
    sessions for a suspension (fixed period, lunchtime) and none for a permanent exclusion:
    a suspension needs a number above 0; a permanent exclusion's blank (or 0, as some
    systems write the empty field) is kept as blank, a number above 0 as given."""
    if blank(value):
        return (None, None) if category == "permanent" else (None, "sessions missing for a suspension")
    number = pd.to_numeric(str(value).strip(), errors="coerce")
    if pd.isna(number) or number < 0 or (number == 0 and category != "permanent"):
        return None, f"sessions not a number or not above 0 for a {category}"
    return (float(number) if number > 0 else None), None


def _exclusions(censuses: dict, pz, phases: dict, partial: bool, spring: dict) -> dict[int, pd.DataFrame]:
    given = set(censuses)
    rows, kept = [], Counter()
    for census in sorted(censuses.values(), key=lambda c: c.order):
        seen: Counter = Counter()
        for rec, count, prefix in census.exclusions:
            link = prefix + rec["link"].strip()
            pupil = census.pupils.get(link)
            start = to_date(rec["start"])
            ay = None if start is None else periods.year_of(AY, start)
            if pupil is None:
                count.drop("exclusion of a pupil not in this census's pupil table"
                           + (" (pupils no longer on roll)" if prefix else ""))
                continue
            problem, coded = _exclusion_problem(rec, start, ay, census.academic_year)
            if problem:
                count.drop(problem)
                continue
            child = pz.pupil(pupil["upn"]) if not blank(pupil["upn"]) else None
            if child is None:
                count.drop("no UPN for the pupil")
                continue
            in_spring = spring.get((ay, child))
            ncyear = pupil["ncyear"] if not blank(pupil["ncyear"]) else None
            moved = census.academic_year - ay
            if ncyear is None and in_spring:           # a leaver's table may not say: the spring census does
                ncyear, moved = in_spring["ncyear"], 0
            yg = None if ncyear is None else _ncyear(ncyear, moved)
            phase = _phase(yg, pupil["school"], phases) if yg is not None else None
            if yg is None:
                count.drop("NC year not recorded, or outside reception to year 13")
                continue
            if phase is None:
                count.drop("school not in the school-phase lookup")
                continue
            if not partial and not _needed(ay) <= given:
                missing = sorted(_needed(ay) - given, key=lambda c: (c[0], TERMS.index(c[1])))
                count.drop(f"academic year {periods.year_key(AY, ay)} needs its three termly returns; missing "
                           + ", ".join(f"{t} {y}" for y, t in missing))
                continue
            key = (child, start.isoformat(), *coded)
            seen[key] += 1
            if seen[key] <= kept[key]:       # reported again by a later census (two terms in arrears)
                count.drop("the same exclusion reported by an earlier census: counted once")
                continue
            kept[key] = seen[key]
            sen = _need_of(pupil, rec, in_spring, census.academic_year, count)
            category, reason, sessions = coded
            rows.append({"exclusion_id": pz.record("exclusion", *key, seen[key]), "child_id": child,
                         "school_id": pz.record("school", str(pupil["school"]).strip()), "phase": phase,
                         "academic_year": periods.year_key(AY, ay), "start_date": start, "category": category,
                         "sessions": sessions, "reason_code": reason, "sen_primary_need": sen,
                         "fsm": _fsm_on(census, link, pupil, in_spring, start), "year_group": yg, "_ay": ay})
            count.rows_out += 1
    out = {}
    if rows:
        frame = pd.DataFrame(rows).sort_values(["start_date", "exclusion_id"], ignore_index=True)
        for ay, part in frame.groupby("_ay"):
            out[int(ay)] = part.drop(columns="_ay").reset_index(drop=True)
    return out


def _fsm_on(census: Census, link: str, pupil: dict, in_spring: dict | None, day: dt.date) -> bool:
    """FSM on the day: the reporting census's FSM periods for a pupil on roll; for a pupil no
    longer on roll (whose FSM periods leave with them), the spring census's."""
    if pupil["on_roll"] or in_spring is None:
        return census.fsm_on(link, day)
    return any(s <= day and (e is None or e >= day) for s, e in in_spring["fsm"])


def _need_of(pupil: dict, rec: dict, in_spring: dict | None, year: int, count: TableCount) -> str | None:
    """SEN primary need at the exclusion: the spring census's of its academic year (matched on
    the pseudonym); a pupil not in it is 'no SEN' only when the reporting census says so."""
    if in_spring is not None:
        return in_spring["need"]
    status = pupil["sen"]
    if not blank(rec.get("senprovision")):
        status = _sen_status(rec["senprovision"], year, count)
    return None if status == "none" else SEN
