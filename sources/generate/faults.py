"""Fault injection: the faulty rows real extracts contain, each one counted.

Every fault is one a sensible schema catches (code list, type, range, required field,
key uniqueness, date order), so the loader quarantines it rather than loading it. Each
faulty row carries exactly one fault and the manifest reports how many of each kind a
file holds, so tests and data-quality reports can be reconciled with what was injected.
Faults are applied to the text of a delivery (after formatting), as a sender would have
typed or exported them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Source

KINDS = ("bad_code", "impossible_date", "date_order", "out_of_range", "missing_key", "duplicate")

# Per source: share of rows made faulty (0 = a clean source), out-of-range values per
# column, and the (earlier, later) date pair whose order can be broken.
RATES = {
    "early_help_episodes": 0.006, "social_care_referrals": 0.004, "family_feedback": 0.008,
    "practitioner_feedback": 0.01, "neet": 0.003, "cme": 0.008, "exclusions": 0.005,
    "pupil_population": 0.0, "yos_outcomes": 0.008, "sheu_survey": 0.004, "attainment": 0.003,
    "two_year_funding": 0.006, "parenting_programmes": 0.008, "adult_referrals": 0.0,
    "assessment_audits": 0.01, "behaviour_panels": 0.0, "population": 0.0,
}
OUT_OF_RANGE = {
    "early_help_episodes": {"age": "47", "imd_decile": "11"},
    "family_feedback": {"support_helpful": "9", "better_supported_wellbeing": "0"},
    "practitioner_feedback": {"joint_working_score": "7", "know_how_to_refer": "6"},
    "neet": {"academic_age": "25"},
    "cme": {"age": "47"},
    "exclusions": {"sessions": "-2", "year_group": "17"},
    "yos_outcomes": {"age_at_offence": "8"},          # under the age of criminal responsibility
    "sheu_survey": {"self_esteem_score": "27"},
    "attainment": {"ks4_attainment8": "104.5", "imd_decile": "0"},
    "two_year_funding": {"imd_decile": "11"},
    "parenting_programmes": {"pre_score": "75", "post_score": "-4"},
}
DATE_ORDER = {
    "early_help_episodes": ("start_date", "closure_date"),
    "social_care_referrals": ("referral_date", "outcome_date"),
    "cme": ("referral_date", "resolved_date"),
    "yos_outcomes": ("offence_date", "outcome_date"),
    "parenting_programmes": ("start_date", "end_date"),
}
IMPOSSIBLE_DAYS = ("31/02", "30/02", "31/04", "31/06", "31/09", "31/11")


def _kinds_for(source: Source) -> list[str]:
    kinds = ["duplicate"]
    if any(c.codes for c in source.columns):
        kinds.append("bad_code")
    if any(c.type == "date" for c in source.columns):
        kinds.append("impossible_date")
    if source.name in DATE_ORDER:
        kinds.append("date_order")
    if source.name in OUT_OF_RANGE:
        kinds.append("out_of_range")
    if any(source.column(k).type == "str" for k in source.key):
        kinds.append("missing_key")
    return kinds


def _bad_code(column) -> str:
    """A value a sender might type that is not in the code list (a legacy or mistyped code)."""
    if all(k.isdigit() for k in column.codes):
        return "999"
    return "UNKNOWN"


def inject(source: Source, text: pd.DataFrame, rng: np.random.Generator,
           rate: float) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return a copy of ``text`` (all cells str) with faults injected, and counts by kind."""
    counts: dict[str, int] = {}
    n = len(text)
    n_faulty = int(rng.binomial(n, rate)) if rate > 0 and n > 0 else 0
    if n_faulty == 0:
        return text, counts
    kinds = _kinds_for(source)
    out = text.copy()
    rows = rng.permutation(n)
    chosen = rng.choice(kinds, n_faulty)
    duplicates = []
    used = 0
    for kind, row in zip(chosen.tolist(), rows[:n_faulty].tolist()):
        done = _apply(kind, source, out, int(row), rng)
        if kind == "duplicate":
            duplicates.append(int(row))
            done = True
        if done:
            counts[kind] = counts.get(kind, 0) + 1
            used += 1
    if duplicates:
        # An exact copy placed right after the original, as a double export produces.
        order = np.concatenate([np.arange(n), np.array(duplicates)])
        pos = np.concatenate([np.arange(n, dtype=float), np.array(duplicates) + 0.5])
        out = out.iloc[order[np.argsort(pos, kind="stable")]].reset_index(drop=True)
    return out, counts


def _apply(kind: str, source: Source, out: pd.DataFrame, row: int, rng: np.random.Generator) -> bool:
    """Apply one fault to one row in place. False when the row has no cell it can spoil
    (e.g. a blank closure date cannot be put before the start), so it stays clean."""
    if kind == "duplicate":
        return True
    if kind == "bad_code":
        cols = [c for c in source.columns if c.codes and out.at[row, c.name] != ""]
        if not cols:
            return False
        col = cols[rng.integers(len(cols))]
        out.at[row, col.name] = _bad_code(col)
        return True
    if kind == "impossible_date":
        cols = [c.name for c in source.columns if c.type == "date" and out.at[row, c.name] != ""]
        if not cols:
            return False
        col = cols[rng.integers(len(cols))]
        year = out.at[row, col][-4:]
        out.at[row, col] = f"{IMPOSSIBLE_DAYS[rng.integers(len(IMPOSSIBLE_DAYS))]}/{year}"
        return True
    if kind == "date_order":
        first, later = DATE_ORDER[source.name]
        if out.at[row, later] == "" or out.at[row, first] == "":
            return False
        start = pd.to_datetime(out.at[row, first], format="%d/%m/%Y")
        out.at[row, later] = (start - pd.Timedelta(days=int(rng.integers(3, 60)))).strftime("%d/%m/%Y")
        return True
    if kind == "out_of_range":
        cols = [c for c in OUT_OF_RANGE[source.name] if out.at[row, c] != ""]
        if not cols:
            return False
        col = cols[rng.integers(len(cols))]
        out.at[row, col] = OUT_OF_RANGE[source.name][col]
        return True
    if kind == "missing_key":
        col = next(k for k in source.key if source.column(k).type == "str")
        out.at[row, col] = ""
        return True
    raise ValueError(kind)
