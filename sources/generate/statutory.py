"""The demo authority's statutory returns: CIN census XML, an Annex A workbook and school
census tables, written from the same synthetic children as the demo extracts.

They let the demo start where a council starts: ``oba generate --statutory DIR`` writes
them, ``oba prepare`` turns them into extracts, ``oba run`` computes the indicators. Like
any council's returns they identify children (invented names, birth dates, UPNs and child
ids, and allocated workers' names), so they are written outside the landing folder.
Every return is written with what the demo knows at its snapshot (31 October 2026).

What each return carries is what the real one carries (docs/formats.md): the CIN census
cannot say a child became looked after, Annex A has no closure of early help and no plan
start date for a child in need plan, the school census has no school phase (a school
phase lookup is written beside it, as a council would keep one).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import early_help, education, people, social_care
from .calendar import AS_AT, YEARS
from .streams import stream
from .writers import write_workbook
from sources import periods

LA = "800"
CIN_SOURCE = {"police": "6", "school": "2A", "health": "3A", "la_services": "5A", "early_help": "5D",
              "individual": "1A", "anonymous": "9", "other": "8"}
ANNEX_SOURCE = {"1A": "a) 1A: Individual", "2A": "e) 2A: Schools", "3A": "g) 3A: Health services - GP",
                "5A": "m) 5A: LA services - social care", "5D": "p) 5D: LA services - early help",
                "6": "q) 6: Police", "8": "s) 8: Other", "9": "t) 9: Anonymous"}
WORKERS = np.array(["Sam Taylor", "Alex Morgan", "Jo Fletcher", "Chris Dunn", "Pat Kelly"], dtype=object)
TERM_OF_MONTH = {9: "spring", 10: "spring", 11: "spring", 12: "spring", 1: "summer", 2: "summer", 3: "summer",
                 4: "summer", 5: "autumn", 6: "autumn", 7: "autumn", 8: "autumn"}


@dataclass
class Truth:
    """The clean frames the demo extracts are written from (before fault injection)."""
    pop: people.Population
    episodes: pd.DataFrame
    referrals: pd.DataFrame
    rolls: dict[int, pd.DataFrame]
    pupil_population: pd.DataFrame
    exclusions: pd.DataFrame


def truth(scale: float = 1.0, seed: int = 2026) -> Truth:
    """The same children, episodes, referrals, rolls and exclusions as ``generate`` makes
    (same random streams, same order)."""
    salt = f"bnes-demo-{seed}"
    pop = people.build(stream(seed, "people"), scale, salt)
    eh = early_help.episodes(stream(seed, "early_help"), pop, scale, salt)
    final = early_help.as_at(eh, AS_AT)
    refs = social_care.referrals(stream(seed, "referrals"), pop, eh, scale, salt)
    rng = stream(seed, "education")
    rolls = {y: education.roll(pop, y, rng) for y in YEARS}
    excl = education.exclusions(rng, pop, rolls, salt)
    return Truth(pop, final[final["_fy"].isin(YEARS)].reset_index(drop=True), refs, rolls,
                 education.pupil_population(rolls), excl)


def la_child_id(pid) -> str:
    return f"BN{int(pid):07d}"


def upn(pid) -> str:
    """A UPN-shaped identifier: check letter, LA number, eight digits, a final digit."""
    pid = int(pid)
    return f"{'ABCDEFGHJKLMNPQRTUVWXYZ'[pid % 23]}{LA}{pid:08d}{pid % 10}"


def _date(value) -> str:
    return pd.Timestamp(value).date().isoformat()


def _census_dates(values) -> list[str]:
    """Dates as the census export writes them: '2025-Feb-16 00:00:00'."""
    return list(pd.DatetimeIndex(np.asarray(values, dtype="datetime64[D]")).strftime("%Y-%b-%d 00:00:00"))


def write(out: Path, scale: float = 1.0, seed: int = 2026, t: Truth | None = None) -> dict:
    """Write every return into ``out``; returns a small manifest (file -> what it holds)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t = t or truth(scale, seed)
    pid_of = dict(zip(t.pop.people["child_id"], t.pop.people.index))
    files = {}
    for name, n in _cin_census(out, t, pid_of).items():
        files[name] = f"CIN census, {n} referrals"
    files.update(_annex_a(out, t, pid_of))
    files.update(_school_census(out, t, pid_of))
    return {"as_at": str(AS_AT), "scale": scale, "seed": seed, "files": files}


def _sub(parent: ET.Element, tag: str, text=None) -> ET.Element:
    e = ET.SubElement(parent, tag)
    if text is not None:
        e.text = str(text)
    return e


def _cin_census(out: Path, t: Truth, pid_of: dict) -> dict[str, int]:
    p = t.pop.people
    births = pd.DatetimeIndex(p["birth"].to_numpy()).strftime("%Y-%m-%d").to_numpy()
    sexes = p["sex"].to_numpy()
    written = {}
    for y in YEARS:
        refs = t.referrals[t.referrals["_fy"] == y]
        msg = ET.Element("Message")
        header = _sub(msg, "Header")
        details = _sub(header, "CollectionDetails")
        _sub(details, "Collection", "CIN")
        _sub(details, "Year", y + 1)
        _sub(details, "ReferenceDate", periods.year_end("financial_year", y).isoformat())
        src = _sub(header, "Source")
        for tag, value in (("SourceLevel", "L"), ("LEA", LA), ("SoftwareCode", "sources.generate"),
                           ("Release", "1"), ("SerialNo", "001"), ("DateTime", f"{y + 1}-05-01T09:00:00")):
            _sub(src, tag, value)
        children = _sub(msg, "Children")
        # Collection years to 2022 record GenderCurrent (1/2), later ones Sex (M/F), as the XSDs did.
        old = y + 1 <= 2022
        by_child: dict[str, list] = {}
        for r in refs.itertuples():
            by_child.setdefault(r.child_id, []).append(r)
        for child_id, group in by_child.items():
            pid = pid_of[child_id]
            child = _sub(children, "Child")
            ids = _sub(child, "ChildIdentifiers")
            _sub(ids, "LAchildID", la_child_id(pid))
            _sub(ids, "UPN", upn(pid))
            _sub(ids, "PersonBirthDate", births[pid])
            sex = sexes[pid]
            _sub(ids, "GenderCurrent" if old else "Sex", ("1" if sex == "M" else "2") if old else sex)
            _sub(_sub(child, "ChildCharacteristics"), "Ethnicity", "NOBT")
            for r in group:
                _cin_details(child, r)
        ET.indent(msg)
        name = f"cin_census_{y + 1}.xml"
        ET.ElementTree(msg).write(out / name, encoding="utf-8", xml_declaration=True)
        written[name] = len(refs)
    return written


def _cin_details(child: ET.Element, r) -> None:
    """One CIN episode recording the referral's outcome as the census can."""
    cin = _sub(child, "CINdetails")
    ref = _date(r.referral_date)
    when = None if pd.isna(r.outcome_date) else _date(r.outcome_date)
    _sub(cin, "CINreferralDate", ref)
    _sub(cin, "ReferralSource", CIN_SOURCE[r.referral_source])
    _sub(cin, "PrimaryNeedCode", "N1" if r.outcome == "cp_plan" else "N4")
    if r.outcome in ("nfa", "assessment_no_plan"):
        _sub(cin, "CINclosureDate", when)
        _sub(cin, "ReasonForClosure", "RC8")
    if r.outcome in ("assessment_no_plan", "cin_plan", "cp_plan", "looked_after"):
        a = _sub(cin, "Assessments")
        _sub(a, "AssessmentActualStartDate", ref)
        if r.outcome != "looked_after":       # a child looked after: no plan the census can show
            _sub(a, "AssessmentAuthorisationDate", when)
    if r.outcome == "cin_plan":
        _sub(_sub(cin, "CINPlanDates"), "CINPlanStartDate", when)
    if r.outcome == "cp_plan":
        s47 = _sub(cin, "Section47")
        _sub(s47, "S47ActualStartDate", ref)
        _sub(s47, "DateOfInitialCPC", when)
        _sub(s47, "ICPCnotRequired", "0")
    _sub(cin, "ReferralNFA", "1" if r.outcome == "nfa" else "0")
    if r.outcome == "cp_plan":
        cp = _sub(cin, "ChildProtectionPlans")
        _sub(cp, "CPPstartDate", when)
        _sub(cp, "InitialCategoryOfAbuse", "NEG")
        _sub(cp, "LatestCategoryOfAbuse", "NEG")
        _sub(cp, "NumberOfPreviousCPP", "0")


def _gender(sex: str) -> str:
    return {"M": "a) Male", "F": "b) Female"}.get(sex, "c) Not stated/recorded")


def _annex_a(out: Path, t: Truth, pid_of: dict) -> dict[str, str]:
    p = t.pop.people
    as_at = pd.Timestamp(AS_AT).date()
    births = [b.date() for b in pd.DatetimeIndex(p["birth"].to_numpy())]
    sexes = p["sex"].to_numpy()

    def person(child_id, sex=None):
        pid = pid_of[child_id]
        birth = births[pid]
        age = round((as_at - birth).days / 365.25, 2)
        return [la_child_id(pid), _gender(sex or sexes[pid]), "a) WBRI", birth, age]

    e = t.episodes
    list2 = [["Child ID", "Sex", "Ethnicity", "Date of Birth", "Age", "Assessment start date",
              "Assessment completion date", "Organisation completing assessment"]]
    for r in e.itertuples():
        plan = None if pd.isna(r.plan_date) else pd.Timestamp(r.plan_date).date()
        list2.append(person(r.child_id, r.sex) + [pd.Timestamp(r.start_date).date(), plan,
                                                  f"Early Help {r.locality.replace('_', ' ').title()}"])
    refs = t.referrals
    head = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
    list3 = [head + ["Date of Referral", "Referral Source", "Referral NFA?",
                     "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"]]
    list6 = [head + ["Does the Child have a Disability", "CIN Start Date", "Primary Need Code",
                     "Case Status", "Allocated Team", "Allocated Worker"]]
    list7 = [head + ["Does the Child have a Disability", "Child Protection Plan Start Date",
                     "Initial Category of Abuse", "Allocated Team", "Allocated Worker"]]
    list8 = [head + ["Does the Child have a Disability", "Date Started to be Looked After",
                     "Placement postcode", "Allocated Team", "Allocated Worker"]]
    for i, r in enumerate(refs.itertuples()):
        who = person(r.child_id)
        ref = pd.Timestamp(r.referral_date).date()
        when = None if pd.isna(r.outcome_date) else pd.Timestamp(r.outcome_date).date()
        worker = WORKERS[i % len(WORKERS)]
        list3.append(who + [ref, ANNEX_SOURCE[CIN_SOURCE[r.referral_source]],
                            "a) Yes" if r.outcome == "nfa" else "b) No", 0, "Duty team", worker])
        if r.outcome == "cin_plan":
            list6.append(who + ["b) No", ref, "N4 - Family in acute stress", "c) Child in need plan",
                                "Locality team", worker])
        elif r.outcome == "cp_plan":
            list7.append(who + ["b) No", when, "Neglect", "Locality team", worker])
        elif r.outcome == "looked_after":
            list8.append(who + ["b) No", when, "BA1 1AA", "Children in Care Team", worker])
    name = "annex_a.xlsx"
    write_workbook({"List 2": list2, "List 3": list3, "List 6": list6, "List 7": list7, "List 8": list8},
                   out / name, creator="Children's Services")
    return {name: f"Annex A: List 2 {len(list2) - 1} assessments, List 3 {len(list3) - 1} referrals"}


# Reason codes as the census of each year writes them (sources/code_years.csv): from 2020/21
# DB replaced PD and OW the weapons code; the older list had no LG, DS, MT or weapons code.
CURRENT_REASON = {"PD": "DB", "WP": "OW"}
OLDER_REASON = {"LG": "OT", "DS": "OT", "MT": "OT", "WP": "OT"}
FIRST_CURRENT_YEAR = 2020


def census_reason(code: str, academic_year: int) -> str:
    table = CURRENT_REASON if academic_year >= FIRST_CURRENT_YEAR else OLDER_REASON
    return table.get(code, code)


def _school_census(out: Path, t: Truth, pid_of: dict) -> dict[str, str]:
    """Thirty termly exports shaped like the DfE's, one folder per census
    (``school_census/<year>_<term>/``): SEN types (senneeds) in the spring census only,
    each year's reason codes, permanently excluded pupils in the tables of pupils no longer
    on roll (summer and autumn), a table the pipeline does not read and an empty (0-byte)
    one in every export."""
    p = t.pop.people
    files = {}
    phases = [(school, phase) for phase, ids in t.pop.schools.items() for school in ids]
    pd.DataFrame(phases, columns=["school", "phase"]).to_csv(out / "school_phases.csv", index=False)
    files["school_phases.csv"] = "the council's school-phase lookup"
    ex = t.exclusions.copy()
    ex["_pid"] = ex["child_id"].map(pid_of)
    month = pd.DatetimeIndex(ex["start_date"]).month
    ex["_term"] = [TERM_OF_MONTH[m] for m in month]
    for y in YEARS:
        roll = t.rolls[y]
        ey = ex[ex["_ay"] == y]
        for term in ("spring", "summer", "autumn"):
            folder = out / "school_census" / f"{y + 1}_{term}"
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"{y + 1}_{term}_"
            part = ey[ey["_term"] == term]
            # Pupils permanently excluded are off roll by the summer and autumn censuses.
            off = (part["category"] == "permanent").to_numpy() & (term != "spring")
            on_part, off_part = part[~off], part[off]
            if term == "spring":      # the January census: every pupil on roll
                records = pd.DataFrame({"pid": roll["pid"].to_numpy(), "school": roll["school_id"].to_numpy(),
                                        "year_group": roll["year_group"].to_numpy(), "fsm": roll["fsm"].to_numpy(),
                                        "sen": roll["sen"].to_numpy()})
            else:                     # later censuses: the excluded pupils' records only (the demo's trim)
                records = (on_part[["_pid", "school_id", "year_group", "fsm", "sen_primary_need"]]
                           .drop_duplicates(["_pid", "school_id"])
                           .rename(columns={"_pid": "pid", "school_id": "school", "sen_primary_need": "sen"}))
                records["sen"] = records["sen"].fillna("")
            shift = 1 if term == "autumn" else 0      # in October the pupil has moved up a year
            pids = records["pid"].to_numpy()
            link = [f"R{pid:08d}-{school}" for pid, school in zip(pids, records["school"])]
            ehcp = p["ehcp"].to_numpy()[pids]
            sen = records["sen"].to_numpy()
            yg = records["year_group"].to_numpy() + shift
            pupils = pd.DataFrame({
                "pupilonrolltableid": link, "NativeId": records["school"].to_numpy(),
                "upn": [upn(x) for x in pids], "surname": [f"SUR{x % 9973}" for x in pids],
                "forename": [f"FOR{x % 7919}" for x in pids],
                "dob": _census_dates(p["birth"].to_numpy()[pids]),
                "sex": p["sex"].to_numpy()[pids],
                "ncyearactual": np.where(yg == 0, "R", yg.astype(str)),
                "enrolstatus": "C", "senprovision": np.where(sen == "", "N", np.where(ehcp, "E", "K"))})
            pupils.to_csv(folder / f"{stem}pupilonroll.csv", index=False)
            start, end = (d.isoformat() for d in periods.bounds(periods.year_key("academic_year", y), "academic_year"))
            fsm = records["fsm"].to_numpy().astype(bool)
            pd.DataFrame({"pupilonrolltableid": np.array(link, dtype=object)[fsm],
                          "NativeId": records["school"].to_numpy()[fsm],
                          "fsmstartdate": _census_dates([start])[0], "fsmenddate": _census_dates([end])[0]}
                         ).to_csv(folder / f"{stem}fsmperiod.csv", index=False)
            if term == "spring":      # the DfE collects SEN type (primary need) in January only
                has = sen != ""
                pd.DataFrame({"pupilonrolltableid": np.array(link, dtype=object)[has],
                              "NativeId": records["school"].to_numpy()[has], "sentyperank": 1,
                              "sentype": sen[has]}).to_csv(folder / f"{stem}senneeds.csv", index=False)
            _exclusion_table(on_part, "pupilonrolltableid", y).to_csv(
                folder / f"{stem}termlyexclusionsonroll.csv", index=False)
            # Pupils no longer on roll: identifiers, no NC year or SEN (taken from the spring census).
            leavers = off_part.drop_duplicates(["_pid", "school_id"])
            pd.DataFrame({"pupilnolongeronrolltableid": [f"L{pid:08d}-{sch}" for pid, sch in
                                                         zip(leavers["_pid"], leavers["school_id"])],
                          "NativeId": leavers["school_id"].to_numpy(),
                          "upn": [upn(x) for x in leavers["_pid"]],
                          "surname": [f"SUR{x % 9973}" for x in leavers["_pid"]],
                          "dob": _census_dates(p["birth"].to_numpy()[leavers["_pid"].to_numpy()]),
                          "leavingdate": _census_dates(leavers["start_date"].to_numpy())}
                         ).to_csv(folder / f"{stem}pupilnolongeronroll.csv", index=False)
            _exclusion_table(off_part, "pupilnolongeronrolltableid", y, "L").to_csv(
                folder / f"{stem}termlyexclusionsoffroll.csv", index=False)
            # A table the extracts do not use, and one the export left empty (0 bytes).
            pd.DataFrame({"pupilonrolltableid": link, "termlysessionspossible": 130,
                          "termlysessionsauthorised": 2}).to_csv(folder / f"{stem}attendance.csv", index=False)
            (folder / f"{stem}learnersupport.csv").write_bytes(b"")
            files[f"school_census/{y + 1}_{term}/"] = (f"school census {term} {y + 1}: {len(pupils)} pupil records, "
                                                       f"{len(part)} exclusions ({len(off_part)} off roll)")
    return files


def _exclusion_table(part: pd.DataFrame, link_column: str, academic_year: int, prefix: str = "R") -> pd.DataFrame:
    return pd.DataFrame({
        link_column: [f"{prefix}{pid:08d}-{school}" for pid, school in zip(part["_pid"], part["school_id"])],
        "NativeId": part["school_id"].to_numpy(), "startdate": _census_dates(part["start_date"].to_numpy()),
        # The census measures suspensions in sessions; a permanent exclusion's field is blank.
        "sessions": np.where(part["category"] == "permanent", np.nan, part["sessions"].to_numpy()),
        "reason1": [census_reason(c, academic_year) for c in part["reason_code"]],
        "reason2": "", "reason3": "", "category": np.where(part["category"] == "permanent", "PERM", "FIXD")})
