"""Code lists used by the extracts: the real national ones where one exists, local ones otherwise.

National lists: NCCIS current-activity codes (DfE NCCIS management information
requirement), DfE suspension / permanent exclusion reason codes (school census, 2020/21
onwards), SEN primary need types (school census). Local lists (agencies, needs, closure
reasons...) are the partnership's own and are documented here once for every extract.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sources import periods

# --- National code lists by collection year ----------------------------------------------
# Every coded field an indicator reads from a statutory return (NCCIS activity, exclusion
# reason and category, SEN provision and primary need, NC year, enrolment status, sex,
# CIN referral source and closure reason) takes its codes from one table,
# ``sources/code_years.csv``: field, code, label, the first and last collection year the
# code is valid in (blank = open; a year is the academic or financial year it starts,
# 2020 = 2020/21), the indicator category it feeds, and whether it is the DfE's (``dfe``)
# or this project's own (``local``). docs/formats.md lists them.


@dataclass(frozen=True)
class Code:
    field: str
    code: str
    label: str
    first_year: int | None
    last_year: int | None
    category: str
    source: str

    def valid_in(self, year: int | None) -> bool:
        return year is None or ((self.first_year is None or year >= self.first_year)
                                and (self.last_year is None or year <= self.last_year))


CODE_YEARS_FILE = Path(__file__).with_name("code_years.csv")


def _read_code_years() -> dict[str, dict[str, Code]]:
    out: dict[str, dict[str, Code]] = {}
    with CODE_YEARS_FILE.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            year = {k: int(r[k]) if r[k].strip() else None for k in ("first_year", "last_year")}
            out.setdefault(r["field"], {})[r["code"]] = Code(r["field"], r["code"], r["label"], year["first_year"],
                                                              year["last_year"], r["category"], r["source"])
    return out


CODE_YEARS = _read_code_years()


def code_list(field: str, category: str | None = None) -> dict[str, str]:
    """code -> label of a field (every year), optionally of one category only."""
    return {c.code: c.label for c in CODE_YEARS[field].values() if category is None or c.category == category}


def lookup(field: str, value, year: int | None = None, statutory: bool = True) -> tuple["Code | None", str | None]:
    """The code a return's value stands for in ``year``, or why it does not: (code, None)
    when valid, (None, reason) naming the value, the field and the year otherwise. With
    ``statutory`` the project's own (local) codes are not accepted."""
    text = "" if value is None else str(value).strip().upper()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    code = CODE_YEARS[field].get(text)
    label = "" if year is None else f" in {periods.year_key('academic_year', year)}"   # a code year as 2020/21
    if code is None or (statutory and code.source != "dfe"):
        return None, f"{field} '{text}' is not a code of the DfE's list"
    if not code.valid_in(year):
        span = f"{code.first_year or '...'}-{code.last_year or '...'}"
        return None, f"{field} '{text}' is not valid{label} (valid {span})"
    return code, None


def categories(field: str, category: str) -> tuple[str, ...]:
    """Every code of a field feeding an indicator category (EH11: persistent_disruption)."""
    return tuple(sorted(code_list(field, category)))


# --- NCCIS current activity (academic age 16-18) --------------------------------------
# Grouped as DfE does for the 16-17 NEET / not-known headline.
NCCIS_EET = code_list("nccis_activity", "eet")
NCCIS_NEET = code_list("nccis_activity", "neet")
NCCIS_NOT_KNOWN = code_list("nccis_activity", "not_known")
NCCIS_OTHER = code_list("nccis_activity", "other")
NCCIS_ACTIVITY = {**NCCIS_EET, **NCCIS_NEET, **NCCIS_NOT_KNOWN, **NCCIS_OTHER}

# --- DfE suspension and permanent exclusion reasons (every collection year's) --------
EXCLUSION_REASONS = code_list("exclusion_reason")
EXCLUSION_CATEGORIES = {"suspension": "Suspension (formerly fixed-period exclusion)",
                        "permanent": "Permanent exclusion"}

# --- SEN primary need (school census), and UNKNOWN: SEN provision but need not known ---
SEN_PRIMARY_NEED = code_list("sen_primary_need")
SEN_NEED_UNKNOWN = "UNKNOWN"
SCHOOL_PHASES = {"primary": "Primary", "secondary": "Secondary", "special": "Special school",
                 "alternative_provision": "Alternative provision / pupil referral unit"}

# --- Partnership (local) code lists ----------------------------------------------------
AGENCIES = {
    "school": "School or college", "health": "Health (health visiting, school nursing, GP)",
    "early_years": "Early years setting", "police": "Police", "housing": "Housing",
    "adult_services": "Adult services (adult social care, adult mental health, substance misuse)",
    "social_care": "Children's social care (step-down)", "voluntary_sector": "Voluntary sector",
    "self_referral": "Family self-referral", "youth_service": "Youth service / Youth Connect",
    "other": "Other agency",
}
# Agencies that count as "adult services, housing or police" for EH02.
JOINT_WORKING_AGENCIES = ("adult_services", "housing", "police")

NEEDS = {
    "housing": "Housing", "domestic_abuse": "Domestic abuse",
    "parental_mental_health": "Parental mental health", "substance_misuse": "Parental drug misuse",
    "parental_alcohol": "Parental alcohol misuse", "child_mental_health": "Child emotional / mental health",
    "school_attendance": "School attendance", "behaviour": "Behaviour", "parenting": "Parenting capacity",
    "financial": "Financial hardship", "neglect": "Neglect concerns", "send": "Special educational needs / disability",
}
EARLY_HELP_LEVELS = {"2": "Level 2 (targeted / single agency)", "3": "Level 3 (multi-agency, TAF)"}
CLOSURE_REASONS = {
    "outcomes_achieved": "Outcomes achieved", "stepped_up": "Stepped up to children's social care",
    "moved_away": "Moved out of area", "disengaged": "Family disengaged",
    "consent_withdrawn": "Consent withdrawn", "transferred": "Transferred to universal services",
    "other": "Other",
}
REFERRAL_SOURCES = {
    "police": "Police", "school": "School", "health": "Health services", "la_services": "Local authority services",
    "early_help": "Early Help", "individual": "Individual (family, friend, self)", "anonymous": "Anonymous",
    "other": "Other",
}
REFERRAL_OUTCOMES = {
    "nfa": "No further action", "assessment_no_plan": "Assessed, no plan",
    "cin_plan": "Child in need plan", "cp_plan": "Child protection plan", "looked_after": "Became looked after",
}
STATUTORY_OUTCOMES = ("cin_plan", "cp_plan", "looked_after")
RESPONDENTS = {"child": "Child", "young_person": "Young person", "parent": "Parent or carer"}
CME_REASONS = {
    "not_started": "Never started at a school", "moved_in": "Moved into area", "removed_from_roll": "Removed from roll",
    "left_uk_unconfirmed": "Left, destination unknown", "ehe_unsuitable": "Home education not suitable",
    "other": "Other",
}
CME_OUTCOMES = {
    "back_in_school": "Back in school", "moved_away": "Moved away (confirmed)", "ehe": "Elective home education",
    "left_country": "Left the country", "alternative_provision": "Alternative provision", "other": "Other",
}
YOS_OUTCOME_TYPES = {
    "youth_caution": "Youth caution", "youth_conditional_caution": "Youth conditional caution",
    "referral_order": "Referral order", "youth_rehabilitation_order": "Youth rehabilitation order",
    "custody": "Custodial sentence", "fine": "Fine", "conditional_discharge": "Conditional discharge",
    "absolute_discharge": "Absolute discharge",
}
PROGRAMMES = {  # reliable-change threshold on the programme's parenting-confidence scale
    "incredible_years": "Incredible Years", "triple_p": "Triple P", "freedom": "Freedom Programme",
    "mellow_parenting": "Mellow Parenting", "strengthening_families": "Strengthening Families",
}
RELIABLE_CHANGE = {"incredible_years": 6, "triple_p": 6, "freedom": 5, "mellow_parenting": 5,
                   "strengthening_families": 6}
ADULT_SERVICES = {
    "adult_mental_health": "Adult mental health", "substance_misuse": "Drug and alcohol service",
    "housing": "Housing", "domestic_abuse_service": "Domestic abuse service",
    "adult_social_care": "Adult social care", "probation": "Probation", "other": "Other adult service",
}
AUDIT_RATINGS = {"outstanding": "Outstanding", "good": "Good",
                 "requires_improvement": "Requires improvement", "inadequate": "Inadequate"}
PROVIDER_TYPES = {"nursery": "Private or voluntary nursery", "preschool": "Pre-school / playgroup",
                  "childminder": "Childminder", "school": "School nursery", "none": "No place taken"}
PANELS = {"behaviour_attendance": "Behaviour and attendance panel", "fair_access": "Fair access panel"}
PANEL_OUTCOMES = {"alternative_provision": "Placed in alternative provision", "managed_move": "Managed move",
                  "in_school_support": "Support in school", "no_action": "No action"}
SEXES = {"F": "Female", "M": "Male", "U": "Unknown / not stated"}
SHEU_SEXES = {"F": "Female", "M": "Male", "O": "Other / prefer not to say"}
LOCALITIES = {"bath_city": "Bath City", "keynsham": "Keynsham", "somer_valley": "Somer Valley",
              "chew_valley": "Chew Valley", "bathavon": "Bathavon"}
