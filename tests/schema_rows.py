"""One valid delivered row per source, as text, and helpers to type rows exactly as the loader does.

Rows are written the way extracts arrive (``dd/mm/yyyy`` dates, ``Y``/``N`` flags) and typed
with ``pipelines.ingest.parsing.parse_frame``, so the schemas are tested on the loader's dtypes.
"""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.parsing import parse_frame
from sources.catalogue import get as source

VALID: dict[str, dict[str, str]] = {
    "early_help_episodes": {
        "episode_id": "EH0001", "child_id": "c1a2b3", "family_id": "f9e8d7", "start_date": "03/05/2023",
        "level": "3", "initiating_agency": "school", "contributing_agencies": "health; housing;police",
        "needs_identified": "domestic_abuse;parental_mental_health", "plan_date": "17/05/2023",
        "last_review_date": "20/09/2023", "closure_date": "15/12/2023", "closure_reason": "outcomes_achieved",
        "ward_code": "E05001950", "locality": "bath_city", "age": "9", "sex": "F", "imd_decile": "2",
    },
    "social_care_referrals": {
        "referral_id": "R0001", "child_id": "c1a2b3", "referral_date": "01/02/2024", "referral_source": "police",
        "outcome": "cin_plan", "outcome_date": "20/02/2024",
    },
    "family_feedback": {
        "response_id": "FF001", "episode_id": "EH0001", "respondent": "parent", "response_date": "10/01/2024",
        "support_helpful": "5", "better_supported_wellbeing": "4",
    },
    "practitioner_feedback": {
        "response_id": "PF001", "agency": "health", "response_date": "2024-06-30", "joint_working_score": "4",
        "know_how_to_refer": "5",
    },
    "neet": {
        "extract_month": "01/03/2024", "child_id": "c1a2b3", "academic_age": "17", "activity_code": "540",
        "send": "N", "care_leaver": "N", "young_parent": "Y", "youth_justice": "N", "ward_code": "E05001950",
        "sex": "M",
    },
    "cme": {
        "case_id": "CME01", "child_id": "c1a2b3", "referral_date": "04/10/2023", "reason": "moved_in",
        "resolved_date": "01/11/2023", "outcome": "back_in_school", "age": "11", "ward_code": "E05001950",
    },
    "exclusions": {
        "exclusion_id": "X0001", "child_id": "c1a2b3", "school_id": "S017", "phase": "secondary",
        "academic_year": "2023/24", "start_date": "12/03/2024", "category": "suspension", "sessions": "2.5",
        "reason_code": "PD", "sen_primary_need": "SEMH", "fsm": "Y", "year_group": "9",
    },
    "pupil_population": {
        "academic_year": "2023/24", "phase": "primary", "year_group": "3", "fsm": "N", "sen_primary_need": "",
        "headcount": "1,412",
    },
    "yos_outcomes": {
        "outcome_id": "Y0001", "child_id": "c1a2b3", "offence_date": "14/07/2023", "outcome_date": "02/10/2023",
        "outcome_type": "youth_caution", "age_at_offence": "15", "sex": "M", "ward_code": "E05001950",
    },
    "sheu_survey": {
        "respondent_id": "SH0001", "survey_year": "2023", "school_id": "S017", "year_group": "10", "sex": "O",
        "self_esteem_score": "14", "someone_to_talk_to": "yes",
    },
    "attainment": {
        "child_id": "c1a2b3", "academic_year": "2022/23", "stage": "KS4", "fsm": "N", "disadvantaged": "Y",
        "gld": "", "ks2_rwm_expected": "", "ks4_attainment8": "44.5", "sex": "F", "imd_decile": "7",
    },
    "two_year_funding": {
        "child_id": "c1a2b3", "term": "2024-SPR", "eligible": "Y", "took_up": "Y", "provider_type": "nursery",
        "imd_decile": "1", "ward_code": "E05001950",
    },
    "parenting_programmes": {
        "participant_id": "P0001", "programme": "triple_p", "start_date": "09/01/2024", "end_date": "26/03/2024",
        "completed": "Y", "pre_score": "31", "post_score": "42",
    },
    "adult_referrals": {
        "referral_id": "A0001", "referral_date": "15/08/2023", "referring_service": "adult_mental_health",
        "parent_took_up_support": "N",
    },
    "assessment_audits": {
        "audit_id": "AU001", "episode_id": "EH0001", "audit_date": "30/11/2023", "overall_rating": "good",
        "assessment_rating": "good", "plan_rating": "requires_improvement", "review_rating": "good",
        "voice_of_child_rating": "outstanding", "information_sharing_evidenced": "Y",
    },
    "behaviour_panels": {
        "referral_id": "BP001", "child_id": "c1a2b3", "referral_date": "06/02/2024", "panel": "fair_access",
        "outcome": "managed_move", "phase": "secondary",
    },
    "population": {
        "year": "2022", "ward_code": "E05001950", "age": "7", "sex": "F", "population": "143",
    },
}


def row(name: str, **changes: str) -> dict[str, str]:
    """The valid text row of ``name`` with some cells changed."""
    unknown = set(changes) - set(VALID[name])
    if unknown:
        raise KeyError(f"{name} has no column(s) {sorted(unknown)}")
    return {**VALID[name], **changes}


def typed(name: str, *rows: dict[str, str], index=None) -> pd.DataFrame:
    """Type text rows with the loader's parser; every cell must parse (these are schema tests)."""
    text = pd.DataFrame(list(rows) or [VALID[name]], index=index, dtype="string")
    frame, errors = parse_frame(text, source(name).columns)
    if len(errors):
        raise ValueError(f"test row for {name} does not parse: {errors.to_dict('records')}")
    return frame
