"""The Ofsted ILACS Annex A workbook -> ``early_help_episodes`` and ``social_care_referrals``.

- List 2 (early help assessments) -> one Early Help episode per child and assessment start
  date. Annex A says nothing of the episode's closure, level, agencies, needs or family:
  those columns are left blank (docs/formats.md says what EH01 and EH02 become).
- List 3 (referrals) -> one referral each, its outcome read from the child's later records:
  the earliest child protection plan start (List 7) or start of being looked after (List 8)
  from the referral until the child's next referral; else a child in need plan (List 6 case
  status, undated); else 'no further action' when the referral was NFA; else unknown.

Headers differ between councils ('Child Unique ID' / 'Child ID', 'Gender' / 'Sex') and
answers carry list prefixes ('a) Male', 'q) 6: Police'): the variants below are
recognised and anything else is refused, naming file, sheet and column. Names, staff,
teams, ethnicity and free text are never read. A financial year is written only when the
list spans all of it (an Annex A covers the months before an inspection), unless
``partial_years`` is given.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from pipelines.ingest.extracts import file_hash
from pipelines.ingest.pii import normalise_header
from pipelines.prepare.common import (PrepareError, TableCount, blank, find_columns, plausible, sex_code, to_date,
                                      yes_no)
from pipelines.prepare import spellings
from pipelines.prepare.keys import Pseudonymiser, age_on
from pipelines.prepare.wards import PostcodeWards
from sources import codes, periods

FY = "financial_year"        # the year each list's rows land in
CHILD = (r"(la_)?child_?(unique_?)?id(entifier)?", r"unique_child_id(entifier)?", r"child_?ref(erence)?(_no)?")
COMMON = {
    "child": CHILD,
    "sex": (r"gender", r"sex", r"gender_current", r"child_s_(gender|sex)"),
    "birth": (r"date_of_birth", r"dob", r"birth_?date", r"d_o_b", r"person_birth_date"),
    "postcode": (r"(home_)?post_?code",),
}
LISTS = {
    2: {"start": (r"(early_help_|eh_)?assessment_start(_date)?", r"date_(of_)?(early_help_)?assessment(_start(ed)?)?",
                  r"start_date_of_(early_help_)?assessment")},
    3: {"referral_date": (r"date_of_referral", r"referral_date", r"date_referral_received"),
        "source": (r"referral_source", r"source_of_referral"),
        "nfa": (r"referral_nfa", r"nfa", r"referral_no_further_action", r"was_the_referral_nfa")},
    6: {"cin_start": (r"cin_start_date", r"date_cin_started", r"cin_referral_date"),
        "status": (r"case_status",)},
    7: {"cpp_start": (r"child_protection_plan_start_date", r"cp_?p?_?plan_start_date", r"cpp_start_date",
                      r"date_(of_)?cp_plan_start(ed)?")},
    8: {"lac_start": (r"date_started_to_be_looked_after", r"date_started_looked_after",
                      r"date_(child_)?became_looked_after", r"date_entered_care", r"lac_start_date",
                      r"date_child_entered_care")},
}
REQUIRED = {2: {"child", "start", "birth"}, 3: {"child", "referral_date", "source"}, 6: {"child", "cin_start"},
            7: {"child", "cpp_start"}, 8: {"child", "lac_start"}}
SUFFIXES = (".xlsx", ".xlsm", ".xls")   # what a folder given is searched for
SLACK = dt.timedelta(days=31)


def referral_source(value, table: dict) -> tuple[str | None, bool]:
    """'q) 6: Police', '3D: Health services', '2A' -> the CIN census code's category
    (sources/code_years.csv); words ('Police', 'Mother') -> the local spellings table, matched
    whole after normalising. Returns (code or None, whether the value was looked up in the
    spellings table and not found there)."""
    if blank(value):
        return None, False
    text = re.sub(r"^[a-z]\)\s*", "", str(value).strip(), flags=re.I)
    m = re.match(r"^(\d{1,2})([A-F]?)\s*(?:[:\-.)]|$)", text, flags=re.I)
    if m:
        code = (m.group(1) + m.group(2)).upper()
        hit, _ = codes.lookup("cin_referral_source", code)
        if hit is not None:
            return hit.category, False
        family = {c.category for k, c in codes.CODE_YEARS["cin_referral_source"].items()
                  if re.fullmatch(re.escape(code) + "[A-F]", k)}
        if len(family) == 1:          # '3' for any of 3A-3F: one category
            return family.pop(), False
        rest = text[m.end():].strip()
        if not rest:
            return None, True
        text = rest
    found = spellings.lookup(table, "referral_source", text)
    return found, found is None


def _sheets(path: Path) -> dict[int, tuple[str, list[list]]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for non-workbooks
        raise PrepareError(path.name, f"not a readable Excel workbook ({type(exc).__name__})") from None
    out = {}
    for name in wb.sheet_names:
        m = re.match(r"^\s*list\s*_?0?(\d{1,2})\b", name, flags=re.I)
        if m and int(m.group(1)) in LISTS:
            out[int(m.group(1))] = (name, wb.get_sheet_by_name(name).to_python())
    return out


def _table(path: Path, sheet: str, rows: list[list], n: int) -> tuple[dict[str, int], list[list]]:
    """Header row (the first of the first ten with a child id column) and the rows after it."""
    spec = {**COMMON, **LISTS[n]}
    for i, row in enumerate(rows[:10]):
        names = [normalise_header(h) for h in row if not blank(h)]
        if any(re.fullmatch(p, h) for p in CHILD for h in names):
            found = find_columns(list(row), spec, REQUIRED[n], path.name, sheet)
            body = [r for r in rows[i + 1:] if any(not blank(c) for c in r)]
            return found, body
    raise PrepareError(path.name, "no header row with a child identifier ('Child Unique ID', 'Child ID', ...) "
                       "in the first ten rows", sheet, "Child Unique ID")


def _cell(row: list, cols: dict[str, int], name: str):
    i = cols.get(name)
    return row[i] if i is not None and i < len(row) else None


def _covered(spans: list[tuple[dt.date, dt.date]], partial: bool) -> tuple[set[int], str | None]:
    """Financial years the lists span from start to end (31 days' slack each side), the
    workbooks' spans joined where they overlap; and a note naming the years only partly
    covered (all years are kept with ``partial``)."""
    merged: list[list[dt.date]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + SLACK:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    years = {y for first, last in merged for y in range(periods.year_of(FY, first), periods.year_of(FY, last) + 1)}
    full = {y for y in years for first, last in merged
            if first <= dt.date(y, 4, 1) + SLACK and last >= dt.date(y + 1, 3, 31) - SLACK}
    if partial or not years - full:
        return years, None
    return full, ("financial year(s) " + ", ".join(periods.year_key(FY, y) for y in sorted(years - full))
                  + " only partly covered by the dates in the list(s); --partial-years writes them")


def read(files: list[Path], pz: Pseudonymiser, partial_years: bool = False, postcode_lookup: Path | None = None,
         paths=None, **_):
    wards = PostcodeWards.load(postcode_lookup) if postcode_lookup else None
    table = spellings.load(paths) if paths is not None else {}
    episodes, referrals, events, counts, covers = [], [], {}, [], {}
    for path in files:
        sheets = _sheets(path)
        if 2 not in sheets and 3 not in sheets:
            raise PrepareError(path.name, "neither 'List 2' (early help) nor 'List 3' (referrals) found; sheets "
                               "are recognised by names starting 'List <n>'")
        # Each workbook is a snapshot of its own: a period built from several is not replaced from fewer.
        covers[path] = (f"annex-a workbook {file_hash(path)[:12]}",)
        for n in (6, 7, 8):
            if n in sheets:
                _events(path, n, *sheets[n], pz, events, counts)
        if 2 in sheets:
            episodes += _list2(path, *sheets[2], pz, wards, counts)
        if 3 in sheets:
            referrals += _list3(path, *sheets[3], pz, counts, table)
    outputs = {}
    _emit(outputs, "early_help_episodes", episodes, "start_date", "episode_id", partial_years)
    dates: dict[str, list[dt.date]] = {}
    for row in referrals:
        dates.setdefault(row["child_id"], []).append(row["referral_date"])
    for row in referrals:
        row.update(_outcome(row, dates[row["child_id"]], events))
    _emit(outputs, "social_care_referrals", referrals, "referral_date", "referral_id", partial_years)
    return outputs, counts, covers


def _events(path, n, sheet, rows, pz, events, counts) -> None:
    """Statutory events per child from Lists 6-8 (read for the referral outcome, not written)."""
    cols, body = _table(path, sheet, rows, n)
    count = TableCount(path.name, sheet, rows_in=len(body))
    counts.append(count)
    for row in body:
        child = pz.child(_cell(row, cols, "child"))
        if n == 6:
            status = str(_cell(row, cols, "status") or "").lower()
            when = to_date(_cell(row, cols, "cin_start"))
            kind = "cin_plan" if re.search(r"child\s*in\s*need\s*plan|\bcin\s*plan", status) else None
        else:
            when = to_date(_cell(row, cols, "cpp_start" if n == 7 else "lac_start"))
            kind = "cp_plan" if n == 7 else "looked_after"
        if child is None or when is None or not plausible(when):
            count.drop("no child identifier, or no date from 2000 to today")
            continue
        if kind is None:
            count.drop("case status is not a child in need plan")
            continue
        events.setdefault(child, []).append((when, kind))
        count.drop("read for referral outcomes (not an extract of its own)")
    count.notes.append("Lists 6-8 give referral outcomes only")


def _list2(path, sheet, rows, pz, wards, counts) -> list[dict]:
    cols, body = _table(path, sheet, rows, 2)
    count = TableCount(path.name, sheet, rows_in=len(body))
    counts.append(count)
    out = []
    for row in body:
        child = pz.child(_cell(row, cols, "child"))
        start = to_date(_cell(row, cols, "start"))
        birth = to_date(_cell(row, cols, "birth"))
        if child is None:
            count.drop("no child identifier")
            continue
        if start is None:
            count.drop("assessment start date missing or not a date")
            continue
        if not plausible(start):
            count.drop("assessment start date before 2000 or in the future")
            continue
        if birth is None:
            count.drop("no date of birth: age at the assessment cannot be worked out")
            continue
        if not 0 <= age_on(birth, start) <= 18:
            count.drop("age at the assessment outside 0-18")
            continue
        ward, locality = wards.ward(_cell(row, cols, "postcode")) if wards else (None, None)
        out.append({"episode_id": pz.record("episode", child, start.isoformat()), "child_id": child,
                    "start_date": start, "age": age_on(birth, start), "sex": sex_code(_cell(row, cols, "sex")),
                    "ward_code": ward, "locality": locality, "_count": count})
    return out


def _list3(path, sheet, rows, pz, counts, table) -> list[dict]:
    cols, body = _table(path, sheet, rows, 3)
    count = TableCount(path.name, sheet, rows_in=len(body))
    counts.append(count)
    out = []
    for row in body:
        child = pz.child(_cell(row, cols, "child"))
        when = to_date(_cell(row, cols, "referral_date"))
        raw = _cell(row, cols, "source")
        source, unmapped = referral_source(raw, table)
        if child is None:
            count.drop("no child identifier")
        elif when is None:
            count.drop("referral date missing or not a date")
        elif not plausible(when):
            count.drop("referral date before 2000 or in the future")
        elif source is None and unmapped:
            shown = count.note_unmapped("referral_source", raw)
            count.drop(f"referral source '{shown}' not in the local spellings table "
                       f"(settings/{spellings.NAME}): add it there and prepare again")
        elif source is None:
            count.drop("referral source blank, or not a CIN census code")
        else:
            out.append({"referral_id": pz.record("referral", child, when.isoformat()), "child_id": child,
                        "referral_date": when, "referral_source": source,
                        "_nfa": yes_no(_cell(row, cols, "nfa")), "_count": count})
    return out


def _outcome(row: dict, child_referrals: list[dt.date], events: dict) -> dict:
    """The referral's outcome from the child's events up to the child's next referral."""
    start = row["referral_date"]
    end = min((d for d in child_referrals if d > start), default=dt.date.max)
    mine = sorted(e for e in events.get(row["child_id"], []) if start <= e[0] < end)
    dated = [e for e in mine if e[1] != "cin_plan"]
    if dated:
        return {"outcome": dated[0][1], "outcome_date": dated[0][0]}
    if mine:
        return {"outcome": "cin_plan", "outcome_date": None}   # List 6 has no plan start date
    if row["_nfa"]:
        return {"outcome": "nfa", "outcome_date": None}
    return {"outcome": None, "outcome_date": None}


def _emit(outputs: dict, source: str, rows: list[dict], date_col: str, key: str, partial: bool) -> None:
    """One extract per financial year the lists cover; duplicates and uncovered years dropped."""
    groups: dict[int, list[dict]] = {}
    for r in rows:
        groups.setdefault(id(r["_count"]), []).append(r)
    spans = [(min(r[date_col] for r in g), max(r[date_col] for r in g)) for g in groups.values()]
    years, note = _covered(spans, partial)
    kept = []
    for group in groups.values():
        count = group[0]["_count"]
        if note:
            count.notes.append(note)
        seen = set()
        for r in group:
            if r[key] in seen:
                count.drop(f"the same child and {date_col.replace('_', ' ')} twice")
            elif periods.year_of(FY, r[date_col]) not in years:
                count.drop("in a financial year the list covers only in part")
            else:
                seen.add(r[key])
                kept.append(r)
    merged = {}
    for r in kept:   # the same record in two workbooks: the later workbook given wins
        if r[key] in merged:
            merged[r[key]]["_count"].drop("superseded by the same record in a later workbook")
        merged[r[key]] = r
    for r in merged.values():
        r["_count"].rows_out += 1
    if not merged:
        return
    frame = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in merged.values()])
    frame = frame.sort_values([date_col, key], ignore_index=True)
    fy = frame[date_col].map(lambda d: periods.year_of(FY, d))
    for y in sorted(set(fy)):
        outputs[(source, periods.file_name_key(FY, y))] = frame[fy == y].reset_index(drop=True)
