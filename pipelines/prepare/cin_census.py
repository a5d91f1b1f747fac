"""The DfE Children in Need census (XML) -> ``social_care_referrals``.

One CIN episode (``CINdetails``) is one referral: its date, its source (the census codes
mapped onto the catalogue's), and its outcome, read from what the episode records:

- the earliest child protection plan (``CPPstartDate``) or CIN plan (``CINPlanStartDate``)
  on or after the referral -> ``cp_plan`` / ``cin_plan``, dated by the plan's start;
- else ``ReferralNFA`` true -> ``nfa`` (dated by the closure, when recorded);
- else an assessment and a closed episode -> ``assessment_no_plan`` (dated by the
  assessment's authorisation, else the closure);
- else the outcome is not yet known (blank).

The census cannot say a child became looked after (that is the SSDA903 return): such a
referral shows whatever CIN outcome the episode records. See docs/formats.md.

Every collection year's schema is read (2017-2026): the child's sex is ``Sex`` (M/F/U or
1/2/0/9) or, in some years, ``GenderCurrent``; blocks the catalogue does not need
(disabilities, section 47s, reviews, ...) are ignored. A referral is written for the
financial year of its date only when a return *for that year* is among the inputs (a
later return repeats only the episodes still open, which would make a partial year).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.prepare.common import PrepareError, TableCount, blank, plausible, to_date, yes_no
from pipelines.prepare.keys import Pseudonymiser
from sources import codes, periods

SUFFIXES = (".xml",)   # what a folder given is searched for
SOURCE = "social_care_referrals"
FY = "financial_year"        # a CIN census year, and the year its referrals land in


def _local(tag: str) -> str:
    """An element's name without its namespace (some systems add one)."""
    return tag.rsplit("}", 1)[-1]


def _text(elem: ET.Element | None, name: str):
    if elem is None:
        return None
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _all(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _dates(elem: ET.Element, block: str, name: str) -> list[dt.date]:
    out = []
    for b in _all(elem, block):
        d = to_date(_text(b, name))
        if d is not None:
            out.append(d)
    return out


@dataclass
class Return:
    path: Path
    census_year: int            # financial year the return covers (2023 = 2023-24)
    reference_date: dt.date
    variant: str                # which sex element the children carry
    rows: list[dict] = field(default_factory=list)
    count: TableCount | None = None


def _header(root: ET.Element, path: Path) -> tuple[int, dt.date]:
    header = next((c for c in root if _local(c.tag) == "Header"), None)
    details = next((c for c in header if _local(c.tag) == "CollectionDetails"), None) if header is not None else None
    ref = to_date(_text(details, "ReferenceDate"))
    year = _text(details, "Year")
    if ref is None and year and year.isdigit():
        ref = dt.date(int(year), 3, 31)      # the census year ends on 31 March of 'Year'
    if ref is None:
        raise PrepareError(path.name, "no Header/CollectionDetails/ReferenceDate or Year: cannot tell which "
                           "census year the return covers", "Header", "ReferenceDate")
    return periods.year_of(FY, ref), ref


def parse(path: Path, pz: Pseudonymiser) -> Return:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise PrepareError(path.name, f"not well-formed XML ({exc})") from None
    if _local(root.tag) != "Message":
        raise PrepareError(path.name, f"not a CIN census message (root element <{_local(root.tag)}>, "
                           f"expected <Message>)")
    census_year, ref = _header(root, path)
    children = [c for block in root if _local(block.tag) == "Children" for c in block if _local(c.tag) == "Child"]
    if not children:
        raise PrepareError(path.name, "no Children/Child elements", "Children")
    count = TableCount(path.name, "Children/Child/CINdetails")
    variants = set()
    rows = []
    for child in children:
        ids = next((c for c in child if _local(c.tag) == "ChildIdentifiers"), None)
        episodes = _all(child, "CINdetails")
        count.rows_in += len(episodes)
        la_id = _text(ids, "LAchildID")
        for tag in ("Sex", "GenderCurrent", "Gender"):
            if _text(ids, tag) is not None:
                variants.add(tag)
        if blank(la_id):
            count.drop("child without LAchildID", len(episodes))
            continue
        child_id = pz.child(la_id)
        pz.link(child_id, _text(ids, "UPN"))
        for cin in episodes:
            row = _episode(cin, count)
            if row is not None:
                row["child_id"] = child_id
                row["referral_id"] = pz.record("referral", child_id, row["referral_date"].isoformat())
                rows.append(row)
    if count.rows_in and not rows and count.dropped.get("child without LAchildID") == count.rows_in:
        raise PrepareError(path.name, "no child carries a LAchildID", "ChildIdentifiers", "LAchildID")
    variant = "/".join(sorted(variants)) or "no sex element"
    count.notes.append(f"census year {periods.year_key(FY, census_year)} (reference date {ref.isoformat()}); "
                       f"child sex recorded as {variant}")
    return Return(path, census_year, ref, variant, rows, count)


def _episode(cin: ET.Element, count: TableCount) -> dict | None:
    referral = to_date(_text(cin, "CINreferralDate"))
    if referral is None:
        count.drop("CINreferralDate missing or not a date")
        return None
    if not plausible(referral):
        count.drop("CINreferralDate before 2000 or in the future")
        return None
    # ReferralSource -> the catalogue's referral_source: the category of the code in
    # sources/code_years.csv (cin_referral_source), for the financial year of the referral.
    code, problem = codes.lookup("cin_referral_source", _text(cin, "ReferralSource"), periods.year_of(FY, referral))
    if code is None:
        count.drop("ReferralSource: " + problem)
        return None
    source = code.category
    closure = to_date(_text(cin, "CINclosureDate"))
    events = [(d, 0, "cp_plan") for d in _dates(cin, "ChildProtectionPlans", "CPPstartDate") if d >= referral]
    events += [(d, 1, "cin_plan") for d in _dates(cin, "CINPlanDates", "CINPlanStartDate") if d >= referral]
    if events:
        when, _, outcome = min(events)
    elif yes_no(_text(cin, "ReferralNFA")):
        outcome, when = "nfa", closure
    elif _all(cin, "Assessments") and closure is not None:
        authorised = _dates(cin, "Assessments", "AssessmentAuthorisationDate")
        outcome, when = "assessment_no_plan", min((d for d in authorised if d >= referral), default=closure)
    else:
        outcome, when = None, None
    if when is not None and when < referral:
        when = None            # a closure recorded before the referral: the outcome stands, undated
    if when is not None and not plausible(when):
        count.drop("outcome (plan start, assessment or closure) dated in the future")
        return None
    return {"referral_date": referral, "referral_source": source, "outcome": outcome, "outcome_date": when}


def read(files: list[Path], pz: Pseudonymiser, partial_years: bool = False, **_):
    """Every return parsed, referrals merged (a later return's version of an episode wins)."""
    returns = [parse(p, pz) for p in files]
    # A return made before its year ended (an in-year extract) covers only part of it.
    years = {r.census_year for r in returns if partial_years or r.reference_date >= dt.date(r.census_year + 1, 3, 31)}
    for r in returns:
        if r.census_year not in years:
            r.count.notes.append(f"reference date {r.reference_date.isoformat()} is before the census year ends "
                                 f"(31 March {r.census_year + 1}): its year is only partly covered; "
                                 "--partial-years writes it")
    best: dict[str, tuple[dt.date, dict, TableCount]] = {}
    for r in sorted(returns, key=lambda r: r.reference_date):
        seen = set()
        for row in r.rows:
            key = row["referral_id"]
            if key in seen:
                r.count.drop("the same child and referral date twice in one return")
                continue
            seen.add(key)
            y = periods.year_of(FY, row["referral_date"])
            if row["referral_date"] > r.reference_date:
                r.count.drop("referral dated after the return's reference date")
                continue
            if y not in years and not partial_years:
                r.count.drop("referral in a year without a complete return of its own among the files "
                             "(a later return repeats only episodes still open)")
                continue
            if key in best:
                best[key][2].drop("superseded by the same episode in a later return")
            best[key] = (r.reference_date, row, r.count)
    for _, _row, count in best.values():
        count.rows_out += 1
    frame = pd.DataFrame([row for _, row, _ in best.values()],
                         columns=["referral_id", "child_id", "referral_date", "referral_source", "outcome",
                                  "outcome_date"])
    outputs = {}
    if len(frame):
        frame = frame.sort_values(["referral_date", "referral_id"], ignore_index=True)
        fy = frame["referral_date"].map(lambda d: periods.year_of(FY, d))
        for y in sorted(set(fy)):
            outputs[(SOURCE, periods.file_name_key(FY, y))] = frame[fy == y].reset_index(drop=True)
    covers = {r.path: (f"cin-census {periods.year_key(FY, r.census_year)}",) for r in returns}
    return outputs, [r.count for r in returns], covers
