"""The catalogue of extracts: one declarative entry per source.

Each entry says what the extract is, who sends it, how its files are named, how often it
arrives, which period a delivery covers, and its columns with their types. The column
list is the contract shared by the demo generator (``sources.generate``), the pandera
schemas (``schemas.<name>``), the loader and the indicator SQL (``stg_<name>`` tables).

File naming: ``<name>_<period>[_v<N>].<csv|xlsx>``. A later version (``_v2``) or a file
with new content for the same period is a *re-issue*: it replaces the earlier delivery.
The whole name must match (no trailing line break, no " (1)" copy suffix): anything else
in the landing folder is recorded as *unrecognised* (``pipelines.ingest.landing``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field, replace

from sources import codes, periods

TYPES = ("str", "int", "float", "date", "bool")
# How a delivered date may be written, tried in this order (part of the extract contract: the
# loader parses with them, ``pipelines.ingest.parsing``, and the indicator SQL binds them).
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%d-%m-%Y %H:%M:%S")

FY = r"(?P<period>\d{4}-\d{2})"          # financial / academic year written 2024-25
CAL = r"(?P<period>\d{4})"               # calendar or survey year
# The form of a record id as case systems write them (a short prefix and a number: EH0123456,
# REF1234567) or as ``oba prepare`` makes them (16 hexadecimal characters): a cell of an id
# column that is not written so is read by the identifier guard as text (a name where an id
# belongs is refused).
RECORD_ID = r"[A-Za-z]{0,6}[-_/]?[0-9]{1,9}|[0-9a-f]{16}"   # never 10+ digits: an NHS number or ULN is no id
MAX_VERSION = 9999                       # a delivery's _v<N>: 1 to this, else the name is unrecognised
MONTH = r"(?P<period>\d{4}-\d{2})"       # month written 2024-03


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = False
    codes: dict[str, str] | None = None
    aliases: tuple[str, ...] = ()  # other headers seen in real deliveries, mapped to ``name``
    # The source's own reference format (a regular expression a whole cell matches, RE2 syntax):
    # such a cell is not read as a personal identifier, e.g. ten-digit case numbers that happen
    # to pass the NHS check digit. Configuration reviewed like code (pipelines/ingest/pii.py).
    id_format: str | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


# How an "as at" date is rounded: extracts are taken at month end, so the latest event dates
# the month it falls in, not the day.
AS_AT_ROUNDINGS = ("month_end",)


@dataclass(frozen=True)
class AsAt:
    """What date an extract's data run to ("as at"): the latest value of these date columns,
    rounded. A period counts only once it has ended by then (the indicator SQL calls
    ``<source>_as_at()``, made from this rule by ``indicators.catalogue.as_at_macros``), so the
    rule lives here, once per source, not in each indicator that reads the source. Two other
    dates are different things: the paper's "data as at" is read from the deliveries loaded
    (``pipelines.outputs.period.data_as_at``), freshness from the day the check runs
    (``pipelines.ingest.delivery_checks.as_at``)."""
    columns: tuple[str, ...]
    rounding: str = "month_end"

    def __post_init__(self):
        if not self.columns or self.rounding not in AS_AT_ROUNDINGS:
            raise ValueError(f"as at: needs date columns and a rounding in {AS_AT_ROUNDINGS}")


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    delivered_by: str
    grain: str
    period_type: str          # financial_year | academic_year | calendar_year | month
    cadence_days: int         # a delivery is expected at least this often (freshness)
    columns: tuple[Column, ...]
    key: tuple[str, ...]      # unique within a delivery; duplicates are quarantined
    period_regex: str = FY
    formats: tuple[str, ...] = ("csv",)
    max_quarantine_share: float = 0.05  # blocking check threshold
    notes: str = ""
    extra: dict = field(default_factory=dict)
    sheet: str | None = None  # xlsx: the one sheet to read; None = every sheet carrying the header
    as_at: AsAt | None = None  # the extract's "as at" rule, for sources whose periods wait on it

    def __post_init__(self):
        dates = {c.name for c in self.columns if c.type == "date"}
        if self.as_at and not set(self.as_at.columns) <= dates:
            raise ValueError(f"{self.name}: as at columns {self.as_at.columns} must be date columns")

    @functools.cached_property
    def file_regex(self) -> re.Pattern:
        exts = "|".join(self.formats)
        # re.ASCII: periods and versions are ASCII digits only ('２０２５' is no year).
        return re.compile(rf"{self.name}_{self.period_regex}(?:_v(?P<version>\d+))?\.(?:{exts})",
                          re.IGNORECASE | re.ASCII)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def match(self, filename: str) -> tuple[str, int] | None:
        """(period, version) if ``filename`` is a delivery of this source, else None."""
        m = self.file_regex.fullmatch(filename)
        if not m or self.period_bounds(m.group("period")) is None:   # neet_2026-13.csv is no month
            return None
        version = int(m.group("version") or 1)
        if not 1 <= version <= MAX_VERSION:     # _v9434765919 (a timestamp?) is no version
            return None
        return m.group("period"), version

    def period_bounds(self, period: str) -> tuple[dt.date, dt.date] | None:
        """First and last day of the period a delivery covers (``2024-25``, ``2024``, ``2024-03``),
        by the source's period type (``sources.periods``); None if ``period`` is not written that way.
        A two-year period is written as its file name writes it (``periods.file_name_key``)."""
        try:
            if self.period_type == "month":
                y, m = map(int, period.split("-"))
                return periods.months_bounds(y, m, 1)
            y = int(period[:4])
            if self.period_type != "calendar_year" and (len(period) != 7 or not periods.names_next_year(y, period[5:])):
                return None                                                    # 2024-25, not 2024-26
            return periods.year_start(self.period_type, y), periods.year_end(self.period_type, y)
        except ValueError:
            return None


def C(name, type, description, nullable=False, codes=None, aliases=(), id_format=None):
    return Column(name, type, description, nullable, codes, tuple(aliases), id_format)


SEN_NEED_TEXT = "SEN primary need type (blank = no SEN; UNKNOWN = SEN provision, need not known)"
WARD = C("ward_code", "str", "ONS electoral ward code (E05...) of the child's home address", aliases=("ward",))
LOCALITY = C("locality", "str", "The partnership's locality for the ward", codes=codes.LOCALITIES)
SEX = C("sex", "str", "Sex as recorded (F, M, U = unknown)", codes=codes.SEXES, aliases=("gender",))
IMD = C("imd_decile", "int", "IMD 2019 decile of the home LSOA (1 = most deprived)", aliases=("imd",))
CHILD = C("child_id", "str", "Pseudonymous child id (salted hash made at source, same across extracts)",
          id_format="[0-9a-f]{16}")

SOURCES: tuple[Source, ...] = (
    Source(
        "early_help_episodes", "Early Help episodes (CAF)", "Early Help module", "one Early Help episode",
        "financial_year", 45,
        (
            C("episode_id", "str", "Episode identifier", id_format=RECORD_ID),
            CHILD,
            # Blank where the source cannot say: an Annex A list has no family, level, agency or
            # address (docs/formats.md); the indicator SQL reports these as 'unknown'.
            C("family_id", "str", "Pseudonymous family id", nullable=True, id_format="[0-9a-f]{16}"),
            C("start_date", "date", "Date the Early Help assessment started", aliases=("assessment_date",)),
            C("level", "int", "Level of need on the continuum (2 or 3)", nullable=True,
              codes=codes.EARLY_HELP_LEVELS),
            C("initiating_agency", "str", "Agency that initiated the assessment", nullable=True,
              codes=codes.AGENCIES),
            C("contributing_agencies", "str", "Other agencies contributing, ';'-separated agency codes",
              nullable=True, codes=codes.AGENCIES),
            C("needs_identified", "str", "Needs identified at assessment, ';'-separated need codes",
              nullable=True, codes=codes.NEEDS),
            C("plan_date", "date", "Date the plan was agreed", nullable=True),
            C("last_review_date", "date", "Date of the latest review", nullable=True),
            C("closure_date", "date", "Date the episode closed (blank while open)", nullable=True),
            C("closure_reason", "str", "Why the episode closed", nullable=True, codes=codes.CLOSURE_REASONS),
            replace(WARD, nullable=True), replace(LOCALITY, nullable=True),
            C("age", "int", "Age in years at start"),
            SEX, replace(IMD, nullable=True),
        ),
        key=("episode_id",),
        as_at=AsAt(("start_date", "closure_date")),
        notes="Delivered per financial year of start; monthly re-issues carry updated closures.",
    ),
    Source(
        "social_care_referrals", "Children's social care referrals", "Social care case management system",
        "one referral", "financial_year", 45,
        (
            C("referral_id", "str", "Referral identifier (the case system's number, 6-10 digits)",
              id_format=r"(?:REF)?\d{6,10}|[0-9a-f]{16}"),
            CHILD,
            C("referral_date", "date", "Date the referral was received"),
            C("referral_source", "str", "Who referred", codes=codes.REFERRAL_SOURCES, aliases=("source",)),
            C("outcome", "str", "Outcome of the referral", nullable=True, codes=codes.REFERRAL_OUTCOMES),
            C("outcome_date", "date", "Date of the outcome (plan start or became looked after)", nullable=True),
        ),
        key=("referral_id",),
        as_at=AsAt(("referral_date", "outcome_date")),
    ),
    Source(
        "family_feedback", "Family feedback on Early Help", "Early Help services", "one survey response",
        "financial_year", 120,
        (
            C("response_id", "str", "Response identifier", id_format=RECORD_ID),
            C("episode_id", "str", "Early Help episode the feedback is about", id_format=RECORD_ID),
            C("respondent", "str", "Who answered", codes=codes.RESPONDENTS),
            C("response_date", "date", "Date of the response"),
            C("support_helpful", "int", "'The support was helpful' (1 strongly disagree - 5 strongly agree)",
              nullable=True),
            C("better_supported_wellbeing", "int",
              "'I feel better supported with my mental health / wellbeing' (1-5)", nullable=True),
        ),
        key=("response_id",),
        as_at=AsAt(("response_date",)),
    ),
    Source(
        "practitioner_feedback", "Partnership practitioner survey", "Early Help partnership", "one response",
        "calendar_year", 400,
        (
            C("response_id", "str", "Response identifier", id_format=RECORD_ID),
            C("agency", "str", "Respondent's agency", codes=codes.AGENCIES),
            C("response_date", "date", "Date of the response"),
            C("joint_working_score", "int", "'Joint working with other services is good' (1-5)", nullable=True),
            C("know_how_to_refer", "int", "'I know how to refer a family for Early Help' (1-5)", nullable=True),
        ),
        key=("response_id",), period_regex=CAL,
        as_at=AsAt(("response_date",)),
    ),
    Source(
        "neet", "Young people's activity (NEET / Youth Connect, NCCIS)", "Youth Connect careers service",
        "one young person per month", "month", 40,
        (
            C("extract_month", "date", "First day of the month the activity refers to", aliases=("month",)),
            CHILD,
            C("academic_age", "int", "Age at the start of the academic year (16, 17 or 18)"),
            C("activity_code", "str", "NCCIS current activity code", codes=codes.NCCIS_ACTIVITY,
              aliases=("activity",)),
            C("send", "bool", "Has SEND (EHC plan)"),
            C("care_leaver", "bool", "Is a care leaver"),
            C("young_parent", "bool", "Is a young parent"),
            C("youth_justice", "bool", "Known to the youth justice service"),
            WARD, SEX,
        ),
        key=("extract_month", "child_id"), period_regex=MONTH, max_quarantine_share=0.05,
    ),
    Source(
        "cme", "Children missing education", "Education welfare service", "one CME case",
        "academic_year", 120,
        (
            C("case_id", "str", "CME case identifier", id_format=RECORD_ID),
            CHILD,
            C("referral_date", "date", "Date the child was reported missing education"),
            C("reason", "str", "Why the child was missing education", codes=codes.CME_REASONS),
            C("resolved_date", "date", "Date the case was resolved (blank while open)", nullable=True),
            C("outcome", "str", "How the case was resolved", nullable=True, codes=codes.CME_OUTCOMES),
            C("age", "int", "Age in years at referral (compulsory school age 5-16)"),
            WARD,
        ),
        key=("case_id",),
        as_at=AsAt(("referral_date", "resolved_date")),
    ),
    Source(
        "exclusions", "Suspensions and permanent exclusions", "Schools, via the local authority",
        "one suspension or permanent exclusion", "academic_year", 120,
        (
            C("exclusion_id", "str", "Exclusion identifier", id_format=RECORD_ID),
            CHILD,
            C("school_id", "str", "Anonymised school identifier", id_format=RECORD_ID),
            C("phase", "str", "School phase", codes=codes.SCHOOL_PHASES),
            C("academic_year", "str", "Academic year, written 2024/25"),
            C("start_date", "date", "First day of the exclusion"),
            C("category", "str", "Suspension or permanent exclusion", codes=codes.EXCLUSION_CATEGORIES),
            C("sessions", "float", "Length in sessions (half days); blank for a permanent exclusion, which the "
              "school census does not measure in sessions", nullable=True),
            C("reason_code", "str", "DfE reason code", codes=codes.EXCLUSION_REASONS),
            C("sen_primary_need", "str", SEN_NEED_TEXT, nullable=True, codes=codes.SEN_PRIMARY_NEED),
            C("fsm", "bool", "Eligible for free school meals"),
            C("year_group", "int", "National curriculum year group (0 = reception .. 13)"),
        ),
        key=("exclusion_id",),
        as_at=AsAt(("start_date",)),
    ),
    Source(
        "pupil_population", "Pupil population (January school census)", "School census",
        "phase x year group x FSM x SEN need, per census", "academic_year", 400,
        (
            C("academic_year", "str", "Academic year of the January census, written 2024/25"),
            C("phase", "str", "School phase", codes=codes.SCHOOL_PHASES),
            C("year_group", "int", "National curriculum year group (0 = reception .. 13)"),
            C("fsm", "bool", "Eligible for free school meals"),
            C("sen_primary_need", "str", SEN_NEED_TEXT, nullable=True, codes=codes.SEN_PRIMARY_NEED),
            C("headcount", "int", "Number of pupils"),
        ),
        # a blank sen_primary_need (no SEN) is a key value like any other
        key=("academic_year", "phase", "year_group", "fsm", "sen_primary_need"),
    ),
    Source(
        "yos_outcomes", "Youth Offending Service substantive outcomes", "YOS case management system",
        "one substantive outcome (caution, conditional caution, conviction)", "calendar_year", 120,
        (
            C("outcome_id", "str", "Outcome identifier", id_format=RECORD_ID),
            CHILD,
            C("offence_date", "date", "Date of the offence"),
            C("outcome_date", "date", "Date of the caution or conviction"),
            C("outcome_type", "str", "Type of substantive outcome", codes=codes.YOS_OUTCOME_TYPES),
            C("age_at_offence", "int", "Age at the offence (10-17)"),
            SEX, WARD,
        ),
        key=("outcome_id",), period_regex=CAL,
        as_at=AsAt(("offence_date", "outcome_date")),
    ),
    Source(
        "sheu_survey", "SHEU school health-related behaviour survey", "Schools Health Education Unit",
        "one respondent", "calendar_year", 800,
        (
            C("respondent_id", "str", "Respondent identifier", id_format=RECORD_ID),
            C("survey_year", "int", "Year the survey ran"),
            C("school_id", "str", "Anonymised school identifier", id_format=RECORD_ID),
            C("year_group", "int", "Year group surveyed (6, 8, 10 or 12)"),
            C("sex", "str", "Sex (F, M, O = other / prefer not to say)", codes=codes.SHEU_SEXES),
            C("self_esteem_score", "int", "Self-esteem / resilience score, 0-20 (sum of five 0-4 items)",
              nullable=True),
            C("someone_to_talk_to", "bool", "Has someone to talk to when worried", nullable=True),
        ),
        key=("respondent_id",), period_regex=CAL, formats=("csv", "xlsx"),
    ),
    Source(
        "attainment", "Attainment (EYFS, KS2, KS4)", "Schools data team", "one pupil per assessment",
        "academic_year", 400,
        (
            CHILD,
            C("academic_year", "str", "Academic year, written 2024/25"),
            C("stage", "str", "Assessment stage", codes={"EYFS": "EYFS profile", "KS2": "Key stage 2",
                                                           "KS4": "Key stage 4"}),
            C("fsm", "bool", "Eligible for free school meals (EYFS, KS2)"),
            C("disadvantaged", "bool", "Disadvantaged: FSM in last six years or looked after (KS2, KS4)"),
            C("gld", "bool", "EYFS: reached a good level of development", nullable=True),
            C("ks2_rwm_expected", "bool", "KS2: expected standard in reading, writing and maths", nullable=True),
            C("ks4_attainment8", "float", "KS4: Attainment 8 score (0-90)", nullable=True),
            SEX, IMD,
        ),
        key=("child_id", "academic_year", "stage"),
    ),
    Source(
        "two_year_funding", "Two-year-old funded early education", "Business Support Team",
        "one eligible child per term", "academic_year", 150,
        (
            CHILD,
            C("term", "str", "Funding term, written 2024-SPR (AUT, SPR, SUM)"),
            C("eligible", "bool", "Eligible for a funded place (DWP list)"),
            C("took_up", "bool", "Took up a funded place"),
            C("provider_type", "str", "Type of provider", codes=codes.PROVIDER_TYPES),
            IMD, WARD,
        ),
        key=("child_id", "term"), formats=("csv", "xlsx"),
    ),
    Source(
        "parenting_programmes", "Parenting programme evaluations", "Commissioned services", "one participant",
        "financial_year", 200,
        (
            C("participant_id", "str", "Participant identifier", id_format=RECORD_ID),
            C("programme", "str", "Programme attended", codes=codes.PROGRAMMES),
            C("start_date", "date", "Date the participant started"),
            C("end_date", "date", "Date the programme ended for the participant", nullable=True),
            C("completed", "bool", "Completed the programme"),
            C("pre_score", "int", "Parenting confidence score at the start (0-60)"),
            C("post_score", "int", "Parenting confidence score at the end (0-60)", nullable=True),
        ),
        key=("participant_id",),
        as_at=AsAt(("start_date", "end_date")),
    ),
    Source(
        "adult_referrals", "Adult services referrals to Early Help", "Adult services", "one referral",
        "financial_year", 120,
        (
            C("referral_id", "str", "Referral identifier (adult services' number, zero-padded)",
              id_format=r"(?:AR)?\d{6,11}|[0-9a-f]{16}"),
            C("referral_date", "date", "Date of the referral"),
            C("referring_service", "str", "Adult service that referred", codes=codes.ADULT_SERVICES),
            C("parent_took_up_support", "bool", "The parent took up the support offered"),
        ),
        key=("referral_id",),
        as_at=AsAt(("referral_date",)),
    ),
    Source(
        "assessment_audits", "Early Help assessment quality audits", "Quality assurance group",
        "one audited assessment", "financial_year", 120,
        (
            C("audit_id", "str", "Audit identifier", id_format=RECORD_ID),
            C("episode_id", "str", "Early Help episode audited", id_format=RECORD_ID),
            C("audit_date", "date", "Date of the audit"),
            C("overall_rating", "str", "Overall rating", codes=codes.AUDIT_RATINGS),
            C("assessment_rating", "str", "Rating of the assessment", codes=codes.AUDIT_RATINGS),
            C("plan_rating", "str", "Rating of the plan", codes=codes.AUDIT_RATINGS),
            C("review_rating", "str", "Rating of the reviews", codes=codes.AUDIT_RATINGS),
            C("voice_of_child_rating", "str", "Rating of how the child's voice is heard", codes=codes.AUDIT_RATINGS),
            C("information_sharing_evidenced", "bool", "Good information sharing evidenced"),
        ),
        key=("audit_id",),
        as_at=AsAt(("audit_date",)),
    ),
    Source(
        "behaviour_panels", "Behaviour, attendance and fair access panel referrals", "Inclusion service",
        "one panel referral", "academic_year", 150,
        (
            C("referral_id", "str", "Panel referral identifier", id_format=RECORD_ID),
            CHILD,
            C("referral_date", "date", "Date referred to the panel"),
            C("panel", "str", "Panel", codes=codes.PANELS),
            C("outcome", "str", "Panel decision", nullable=True, codes=codes.PANEL_OUTCOMES),
            C("phase", "str", "School phase", codes=codes.SCHOOL_PHASES),
        ),
        key=("referral_id",),
        as_at=AsAt(("referral_date",)),
    ),
    Source(
        "population", "Population estimates (ONS mid-year, by ward)", "ONS via the council's research team",
        "ward x single year of age x sex", "calendar_year", 800,
        (
            C("year", "int", "Mid-year (30 June) the estimate refers to"),
            WARD,
            C("age", "int", "Single year of age (0-25)"),
            C("sex", "str", "Sex (F, M)", codes={"F": "Female", "M": "Male"}),
            C("population", "int", "Estimated population"),
        ),
        key=("year", "ward_code", "age", "sex"), period_regex=CAL,
    ),
)

BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}


def get(name: str) -> Source:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(BY_NAME)}") from None


def identify(filename: str) -> tuple[Source, str, int] | None:
    """Which source a landing file belongs to: (source, period, version), or None."""
    for s in SOURCES:
        hit = s.match(filename)
        if hit:
            return s, hit[0], hit[1]
    return None
