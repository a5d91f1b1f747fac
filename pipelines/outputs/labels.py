"""Words for breakdown codes: a board reads 'Bath City', not 'bath_city', and a ward by its
name, never its GSS code. Places come from the authority's ward lookup
(``sources.lookups``: the packaged demo one, or ``<data dir>/settings/wards.csv``)."""

from __future__ import annotations

from sources import codes
from sources import lookups

_BY_BREAKDOWN = {
    "locality": codes.LOCALITIES, "agency": codes.AGENCIES, "category": codes.EXCLUSION_CATEGORIES,
    "phase": codes.SCHOOL_PHASES, "panel": codes.PANELS, "programme": codes.PROGRAMMES,
    "respondent": codes.RESPONDENTS, "service": codes.ADULT_SERVICES,
    "sex": {**codes.SHEU_SEXES, **codes.SEXES},
    "reason": {**codes.CME_REASONS, "persistent_disruption": "Persistent disruptive behaviour",
               "semh_other_reason": "SEMH pupil, other reason"},
    "fsm": {"fsm": "FSM eligible", "non_fsm": "Not FSM eligible"},
    "level": {**{k: f"Level {k}" for k in codes.EARLY_HELP_LEVELS}},
    "vulnerable_group": {"send": "SEND", "care_leaver": "Care leaver", "young_parent": "Young parent",
                         "youth_justice": "Youth justice"},
    "imd_quintile": {"1": "1 (most deprived)", "5": "5 (least deprived)"},
    "year_group": {g: f"Year {g}" for g in ("6", "8", "10", "12")},
}


def places(data_dir=None) -> dict[str, dict[str, str]]:
    """Ward and locality names from the lookup in force for ``data_dir`` (read once per
    call: the caller holds on to it for a paper)."""
    return {"ward": lookups.ward_names(data_dir),
            "locality": {**codes.LOCALITIES, **lookups.locality_names(data_dir)}}


def label(breakdown: str, value, names: dict[str, dict[str, str]] | None = None) -> str:
    """The readable name of a breakdown value; the value itself when no better name is
    known. ``names``: ``places()`` (read from the lookup when not given)."""
    text = str(value)
    if text == "unknown":
        return "Not recorded"
    if breakdown in ("ward", "locality"):
        known = (names or places())[breakdown]
        if text in known:
            return known[text]
        return f"{text} (not in the ward lookup)" if breakdown == "ward" else text
    return _BY_BREAKDOWN.get(breakdown, {}).get(text, text)
