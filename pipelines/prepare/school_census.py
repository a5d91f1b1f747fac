"""School census tables (as a council's export writes them) -> ``pupil_population`` and
``exclusions``.

Tables are recognised by their columns, whatever the export calls the file:
``pupilonroll`` (UPN, NC year, SEN provision, enrolment status), ``termlyexclusionsonroll``
(start date, category, reasons, sessions), ``fsmperiod`` (free school meal periods) and
``senneeds`` (SEN types ranked). They are joined by the census's own pupil record id
(``pupilonrolltableid``). Each file's census comes from its name as the export writes it:
``<year>_<spring|summer|autumn>_<table>.csv``.

- ``pupil_population``: from a spring (January) census, pupils with a sole or dual-main
  registration (enrolment status C or M) in reception to year 13, counted by phase, year
  group, FSM on census day and SEN primary need (the rank-1 SEN type).
- ``exclusions``: one row per termly exclusion (FIXD and LNCH -> suspension, PERM ->
  permanent), the first reason, sessions, and the pupil's year group, SEN primary need and
  FSM on the day it started. An academic year is written only when its three termly
  returns are given (the spring, summer and autumn censuses after it), unless
  ``partial_years``.

Phase is the school's when a school-phase lookup is given (``school_phases``: CSV school,
phase), else it follows the year group (reception-6 primary, 7-13 secondary). Names, dates
of birth, UPNs, addresses and every other column are never written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from pipelines.ingest.pii import normalise_header
from pipelines.prepare.common import PrepareError, TableCount, ay_of, blank, plausible, to_date, year_label
from pipelines.prepare.keys import Pseudonymiser
from sources import codes

TERMS = ("spring", "summer", "autumn")
KINDS = {   # table -> its columns (normalised headers without '_'), the first alternatives required
    "pupilonroll": {"link": ("pupilonrolltableid", "pupilid", "pupilrecordid"), "upn": ("upn", "uniquepupilnumber"),
                    "ncyear": ("ncyearactual", "ncyear", "actualncyear", "nationalcurriculumyear"),
                    "enrol": ("enrolstatus", "enrolmentstatus"), "senprovision": ("senprovision",),
                    "school": ("nativeid", "laestab", "urn", "schoolid", "dfenumber")},
    "termlyexclusionsonroll": {"link": ("pupilonrolltableid", "pupilid", "pupilrecordid"),
                               "start": ("startdate", "exclusionstartdate"),
                               "category": ("category", "exclusioncategory"),
                               "reason": ("reason1", "reason", "exclusionreason"),
                               "sessions": ("sessions", "actualsessions")},
    "fsmperiod": {"link": ("pupilonrolltableid", "pupilid", "pupilrecordid"),
                  "fsmstart": ("fsmstartdate", "fsmstart"), "fsmend": ("fsmenddate", "fsmend")},
    "senneeds": {"link": ("pupilonrolltableid", "pupilid", "pupilrecordid"),
                 "sentype": ("sentype", "senneed", "senneedtype"), "rank": ("sentyperank", "senneedrank", "rank")},
}
REQUIRED = {"pupilonroll": {"link", "upn", "ncyear", "enrol", "senprovision"},
            "termlyexclusionsonroll": {"link", "start", "category", "reason", "sessions"},
            "fsmperiod": {"link", "fsmstart", "fsmend"}, "senneeds": {"link", "sentype", "rank"}}
SIGNATURE = {"pupilonroll": "ncyear", "termlyexclusionsonroll": "category", "fsmperiod": "fsmstart",
             "senneeds": "sentype"}
CATEGORIES = {"FIXD": "suspension", "LNCH": "suspension", "PERM": "permanent"}
SEN_PROVISION = {"E", "K", "S", "A", "P"}        # EHC plan, SEN support, and the pre-2015 codes
COUNTED_ENROLMENT = {"C", "M"}


def census_day(year: int, term: str) -> dt.date:
    """Spring: third Thursday of January; summer: third Thursday of May; autumn: first
    Thursday of October."""
    month, nth = {"spring": (1, 3), "summer": (5, 3), "autumn": (10, 1)}[term]
    first = dt.date(year, month, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return thursday + dt.timedelta(weeks=nth - 1)


def _census_of(path: Path) -> tuple[int, str]:
    m = re.match(r"^(\d{4})[_\- ](spring|summer|autumn)", path.name, flags=re.I)
    if not m:
        raise PrepareError(path.name, "cannot tell the census from the file name: name the files as the export "
                           "does, <year>_<spring|summer|autumn>_<table>.csv (e.g. 2025_spring_pupilonroll.csv)")
    return int(m.group(1)), m.group(2).lower()


def _kind(path: Path, header: list[str]) -> tuple[str | None, dict[str, str]]:
    keys = {normalise_header(h).replace("_", ""): h for h in header}
    for kind, spec in KINDS.items():
        if not any(alt in keys for alt in spec[SIGNATURE[kind]]):
            continue
        cols = {}
        for name, alts in spec.items():
            hit = next((keys[a] for a in alts if a in keys), None)
            if hit is not None:
                cols[name] = hit
            elif name in REQUIRED[kind]:
                raise PrepareError(path.name, f"a {kind} table without a column for {name} "
                                   f"(one of {', '.join(alts)})", kind, name)
        return kind, cols
    return None, {}


def _ncyear(value, moved_up: int = 0) -> int | None:
    """Reception -> 0, '7' -> 7; nursery (N1, N2, E1, E2), mixed (M) and anything outside
    reception to year 13 -> None. ``moved_up``: years the pupil has moved up since the
    event (an autumn census records last summer's exclusions against this year's NC year)."""
    text = "" if blank(value) else str(value).strip().upper()
    if text.endswith(".0"):
        text = text[:-2]
    year = 0 if text == "R" else int(text) if text.isdigit() else None
    if year is None:
        return None
    year -= moved_up
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
    """The tables of one census (year, term), keyed by the census's pupil record id."""

    def __init__(self, year: int, term: str):
        self.year, self.term = year, term
        self.day = census_day(year, term)
        self.pupils: dict[str, dict] = {}
        self.fsm: dict[str, list[tuple[dt.date, dt.date | None]]] = {}
        self.sen: dict[str, tuple[float, str]] = {}
        self.exclusions: list[tuple[dict, TableCount]] = []
        self.has_sen_table = False

    @property
    def academic_year(self) -> int:
        """Spring and summer censuses fall in the academic year that started the September before."""
        return self.year if self.term == "autumn" else self.year - 1

    @property
    def label(self) -> str:
        return f"school-census {self.year} {self.term}"

    def fsm_on(self, link: str, day: dt.date) -> bool:
        return any(s <= day and (e is None or e >= day) for s, e in self.fsm.get(link, []))

    def sen_need(self, link: str) -> str | None:
        pupil = self.pupils[link]
        if pupil["senprovision"] not in SEN_PROVISION:
            return None
        return self.sen.get(link, (0, None))[1]


def read(files: list[Path], pz: Pseudonymiser, partial_years: bool = False, school_phases: Path | None = None,
         without_sen_needs: bool = False, **_):
    phases = _school_phases(school_phases)
    censuses: dict[tuple[int, str], Census] = {}
    counts, covers, pending = [], {}, []
    for path in files:
        year, term = _census_of(path)
        census = censuses.setdefault((year, term), Census(year, term))
        covers[path] = (census.label,)
        if path.suffix.lower() != ".csv":
            raise PrepareError(path.name, "school census tables are read as CSV, as the census export writes them")
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise PrepareError(path.name, f"not a readable CSV table ({str(exc).splitlines()[0]})") from None
        kind, cols = _kind(path, list(frame.columns))
        count = TableCount(path.name, kind or "(table not used)", rows_in=len(frame))
        counts.append(count)
        if kind is None:
            count.drop("a census table the extracts do not use", len(frame))
            continue
        pending.append((census, kind, cols, frame, count, path))
    # Pupils first: every other table is joined to them.
    order = {"pupilonroll": 0, "fsmperiod": 1, "senneeds": 2, "termlyexclusionsonroll": 3}
    for census, kind, cols, frame, count, path in sorted(pending, key=lambda p: order[p[1]]):
        LOADERS[kind](census, cols, frame, count)
    outputs = {}
    population = _population(censuses, phases, without_sen_needs)
    for year, frame in population.items():
        outputs[("pupil_population", year_label(year))] = frame
    for year, frame in _exclusions(censuses, pz, phases, partial_years, without_sen_needs).items():
        outputs[("exclusions", year_label(year))] = frame
    return outputs, counts, covers


def _load_pupilonroll(census, cols, frame, count) -> None:
    for rec in frame.to_dict("records"):
        link = rec[cols["link"]].strip()
        if not link:
            count.drop("no pupil record id")
            continue
        if link in census.pupils:
            count.drop("pupil record id twice in one census")
            continue
        census.pupils[link] = {"upn": rec[cols["upn"]], "ncyear": rec[cols["ncyear"]],
                               "enrol": rec[cols["enrol"]].strip().upper(),
                               "senprovision": rec[cols["senprovision"]].strip().upper(),
                               "school": rec.get(cols.get("school", ""), ""), "count": count}


def _load_fsmperiod(census, cols, frame, count) -> None:
    for rec in frame.to_dict("records"):
        link, start = rec[cols["link"]].strip(), to_date(rec[cols["fsmstart"]])
        if link not in census.pupils:
            count.drop("FSM period of a pupil not in this census's pupil table")
        elif start is None:
            count.drop("FSM start date missing or not a date")
        else:
            census.fsm.setdefault(link, []).append((start, to_date(rec[cols["fsmend"]])))
            count.drop("read for the pupil's FSM eligibility (not an extract of its own)")


def _load_senneeds(census, cols, frame, count) -> None:
    census.has_sen_table = True
    for rec in frame.to_dict("records"):
        link, need = rec[cols["link"]].strip(), rec[cols["sentype"]].strip().upper()
        rank = pd.to_numeric(rec[cols["rank"]], errors="coerce")
        if link not in census.pupils:
            count.drop("SEN need of a pupil not in this census's pupil table")
        elif need not in codes.SEN_PRIMARY_NEED or pd.isna(rank):
            count.drop("SEN type not a census SEN type code, or no rank")
        else:
            if link not in census.sen or rank < census.sen[link][0]:
                census.sen[link] = (float(rank), need)
            count.drop("read for the pupil's SEN primary need (not an extract of its own)")


def _load_termlyexclusionsonroll(census, cols, frame, count) -> None:
    for rec in frame.to_dict("records"):
        census.exclusions.append(({k: rec[v] for k, v in cols.items()}, count))


LOADERS = {"pupilonroll": _load_pupilonroll, "fsmperiod": _load_fsmperiod, "senneeds": _load_senneeds,
           "termlyexclusionsonroll": _load_termlyexclusionsonroll}


def _sen_check(census: Census, without: bool, count: TableCount | None = None) -> None:
    if census.has_sen_table:
        unranked = sum(1 for link, p in census.pupils.items()
                       if p["senprovision"] in SEN_PROVISION and link not in census.sen)
        if unranked and count is not None:
            count.notes.append(f"{unranked} pupil(s) with SEN provision have no ranked SEN type: "
                               "their primary need is written blank")
        return
    if without:
        return
    if any(p["senprovision"] in SEN_PROVISION for p in census.pupils.values()):
        raise PrepareError(f"{census.year}_{census.term} census", "pupils have SEN provision but no senneeds table "
                           "was given, so their primary need is unknown; give the senneeds table, or "
                           "--without-sen-needs to write their need blank (EH11's SEMH part then undercounts)",
                           "senneeds", "sentype")


def _population(censuses: dict, phases: dict, without_sen: bool) -> dict[int, pd.DataFrame]:
    out = {}
    for census in censuses.values():
        if census.term != "spring":
            for p in census.pupils.values():
                p["count"].drop("pupils are counted from the spring (January) census only; kept for exclusions")
            continue
        _sen_check(census, without_sen, next(iter(census.pupils.values()))["count"] if census.pupils else None)
        groups: Counter = Counter()
        for link, p in census.pupils.items():
            yg = _ncyear(p["ncyear"])
            phase = _phase(yg, p["school"], phases) if yg is not None else None
            if p["enrol"] not in COUNTED_ENROLMENT:
                p["count"].drop("enrolment status not sole or dual main (C, M): counted where it is main")
            elif yg is None:
                p["count"].drop("NC year outside reception to year 13")
            elif phase is None:
                p["count"].drop("school not in the school-phase lookup")
            else:
                groups[(phase, yg, census.fsm_on(link, census.day), census.sen_need(link))] += 1
                p["count"].rows_out += 1
        if groups:
            ay = census.year - 1
            out[ay] = pd.DataFrame(
                [{"academic_year": f"{ay}/{(ay + 1) % 100:02d}", "phase": ph, "year_group": yg, "fsm": fsm,
                  "sen_primary_need": sen, "headcount": n} for (ph, yg, fsm, sen), n in sorted(
                      groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3] or ""))])
    return out


def _needed(ay: int) -> set[tuple[int, str]]:
    """The censuses that carry an academic year's termly exclusions."""
    return {(ay + 1, "spring"), (ay + 1, "summer"), (ay + 1, "autumn")}


def _exclusions(censuses: dict, pz, phases: dict, partial: bool, without_sen: bool) -> dict[int, pd.DataFrame]:
    given = set(censuses)
    rows, seen = [], Counter()
    for census in censuses.values():
        if census.exclusions:
            _sen_check(census, without_sen)
        for rec, count in census.exclusions:
            link = rec["link"].strip()
            start = to_date(rec["start"])
            category = CATEGORIES.get(rec["category"].strip().upper())
            reason = rec["reason"].strip().upper()
            sessions = pd.to_numeric(rec["sessions"], errors="coerce")
            pupil = census.pupils.get(link)
            if pupil is None:
                count.drop("exclusion of a pupil not in this census's pupil table")
                continue
            ay = None if start is None else ay_of(start)
            yg = None if ay is None else _ncyear(pupil["ncyear"], census.academic_year - ay)
            phase = _phase(yg, pupil["school"], phases) if yg is not None else None
            problem = ("start date missing, not a date, before 2000 or in the future" if not plausible(start)
                       else "category not FIXD, LNCH or PERM" if category is None
                       else "reason1 not a DfE suspension / exclusion reason code" if reason not in codes.EXCLUSION_REASONS
                       else "sessions missing, not a number or not above 0" if pd.isna(sessions) or sessions <= 0
                       else "NC year outside reception to year 13" if yg is None
                       else "school not in the school-phase lookup" if phase is None
                       else "no UPN for the pupil" if blank(pupil["upn"]) else None)
            if problem:
                count.drop(problem)
                continue
            if not partial and not _needed(ay) <= given:
                missing = sorted(_needed(ay) - given, key=lambda c: (c[0], TERMS.index(c[1])))
                count.drop(f"academic year {ay}/{(ay + 1) % 100:02d} needs its three termly returns; missing "
                           + ", ".join(f"{t} {y}" for y, t in missing))
                continue
            child = pz.pupil(pupil["upn"])
            key = (child, start.isoformat(), category, reason, float(sessions))
            seen[key] += 1
            rows.append({"exclusion_id": pz.record("exclusion", *key, seen[key]), "child_id": child,
                         "school_id": pz.record("school", str(pupil["school"]).strip()), "phase": phase,
                         "academic_year": f"{ay}/{(ay + 1) % 100:02d}", "start_date": start, "category": category,
                         "sessions": float(sessions), "reason_code": reason,
                         "sen_primary_need": census.sen_need(link), "fsm": census.fsm_on(link, start),
                         "year_group": yg, "_ay": ay})
            count.rows_out += 1
    out = {}
    if rows:
        frame = pd.DataFrame(rows).sort_values(["start_date", "exclusion_id"], ignore_index=True)
        for ay, part in frame.groupby("_ay"):
            out[int(ay)] = part.drop(columns="_ay").reset_index(drop=True)
    return out
