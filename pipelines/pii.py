"""The personal-identifier guard: a file carrying direct identifiers is refused whole.

Two tests, both on the file as delivered (every column, not only the catalogue's):
by column name (name, address, postcode, date of birth, UPN, NHS number, email, phone)
and by value pattern (UPN, NHS number with a valid mod-11 check digit, email, UK phone
number, full postcode, and dates of birth hidden under another header are caught by
name only: a date alone is not an identifier).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def normalise_header(name: str) -> str:
    """'Ward Code ' -> 'ward_code'; what analysts' spreadsheets do to headers, undone."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")

# Header words that name a direct identifier. Matched against normalised headers
# (lower case, '_' separated) as whole words so that e.g. 'programme' or 'surname_initial'
# are judged on their parts.
NAME_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(^|_)(first|fore|sur|last|given|family|full|child|parent|carer|middle)_?names?($|_)"),
     "a person's name"),
    (re.compile(r"^names?$|(^|_)name$"), "a person's name"),
    (re.compile(r"(^|_)(address|addr|street|house_number)($|_)|(^|_)address_line"), "an address"),
    (re.compile(r"(^|_)post_?code($|_)|(^|_)zip($|_)"), "a postcode"),
    (re.compile(r"(^|_)(dob|date_of_birth|birth_?date|birthday|d_o_b)($|_)"), "a date of birth"),
    (re.compile(r"(^|_)upn($|_)|unique_pupil_number"), "a unique pupil number (UPN)"),
    (re.compile(r"(^|_)nhs_?(no|num|number)?($|_)"), "an NHS number"),
    (re.compile(r"(^|_)e_?mail($|_)"), "an email address"),
    (re.compile(r"(^|_)(phone|telephone|tel|mobile|mob_no)($|_)"), "a phone number"),
    (re.compile(r"(^|_)(ni_number|national_insurance)($|_)"), "a National Insurance number"),
]
# Column names the catalogue uses that would otherwise trip a rule.
ALLOWED_HEADERS = {"school_name_anon"}

UPN = re.compile(r"^[A-Za-z]\d{11}[0-9A-Za-z]$")
NHS = re.compile(r"^\d{3}[ -]?\d{3}[ -]?\d{4}$")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")  # searched, so free text is covered too
PHONE = re.compile(r"^(?:\+44\s?|0)(?:7\d{3}\s?\d{6}|[1-3]\d{2,4}\s?\d{5,6}|[1-3]\d{1,3}\s?\d{3}\s?\d{4})$")
POSTCODE = re.compile(r"^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$")


def nhs_number_valid(text: str) -> bool:
    """The NHS number mod-11 check digit (weights 10..2); 10 = invalid."""
    digits = [int(c) for c in text if c.isdigit()]
    if len(digits) != 10:
        return False
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


@dataclass(frozen=True)
class Finding:
    column: str
    reason: str
    count: int = 0
    example: str = ""

    def __str__(self) -> str:
        where = f"column '{self.column}'"
        if self.count:
            return f"{where} holds {self.count} value(s) shaped like {self.reason} (e.g. {self.example})"
        return f"{where} is named like {self.reason}"


def mask(value: str) -> str:
    """Show enough of a value to find it, not enough to disclose it."""
    value = str(value)
    return value[:2] + "*" * max(len(value) - 3, 1) + value[-1:] if len(value) > 3 else "***"


_VALUE_CHECKS = [
    (UPN, "a unique pupil number (UPN)", None),
    (NHS, "an NHS number", nhs_number_valid),
    (EMAIL, "an email address", None),
    (PHONE, "a phone number", None),
    (POSTCODE, "a full postcode", None),
]
# Every value any anchored pattern matches also matches this alternation (EMAIL needs an '@').
_ANY_ANCHORED = "|".join(f"(?:{p.pattern})" for p in (UPN, NHS, PHONE, POSTCODE))


def _distinct(values: pd.Series) -> pd.Series:
    distinct = pd.Series(values.dropna().astype(str).str.strip().unique())
    return distinct[distinct != ""]


def _candidates(series: list[pd.Series]) -> list[pd.Series]:
    """Per column, the distinct cells that could match a value pattern (almost none in an
    anonymised extract), found in Arrow (RE2): each column's distinct cells, then one pass
    over all of them.

    The pass: one regex for the four anchored shapes after trimming, and a plain '@' search.
    Where RE2 and Python's ``re`` / ``str.strip`` could disagree (non-ASCII digits or spaces,
    control characters such as a vertical tab or the separators Python strips but Arrow does
    not), the cell goes on to the exact tests too.
    """
    arrays = [pc.unique(pa.array(values.astype("string"))) for values in series]
    cells = pa.chunked_array(arrays, type=pa.large_string())
    trimmed = pc.utf8_trim_whitespace(cells)
    maybe = pc.or_(pc.or_(pc.match_substring_regex(trimmed, _ANY_ANCHORED), pc.match_substring(cells, "@")),
                   pc.or_(pc.invert(pc.string_is_ascii(cells)), pc.match_substring_regex(cells, "[\\x00-\\x1f\\x7f]")))
    maybe = pc.fill_null(maybe, False).to_numpy(zero_copy_only=False)  # a missing cell is not a candidate
    if not maybe.any():
        return []
    bounds = np.cumsum([0, *(len(a) for a in arrays)])
    return [pd.Series(a.filter(pa.array(maybe[lo:hi])).to_pylist(), dtype="string")
            for a, lo, hi in zip(arrays, bounds[:-1], bounds[1:])]


def _frame_value_findings(columns: list[str], series: list[pd.Series]) -> list[Finding]:
    """Every value pattern over every column; findings in column order, then pattern order.

    Only candidate cells (``_candidates``) meet the exact patterns, each distinct value once.
    """
    parts = [_distinct(values) for values in _candidates(series)]
    lengths = [len(p) for p in parts]
    if not sum(lengths):
        return []
    stacked = pd.concat(parts, ignore_index=True)
    owner = np.repeat(np.arange(len(parts)), lengths)
    hits_at: list[tuple[int, int, pd.Series]] = []  # (column position, check position, hits)
    for k, (pattern, _reason, extra) in enumerate(_VALUE_CHECKS):
        matcher = stacked.str.contains if pattern is EMAIL else stacked.str.match
        hit = matcher(pattern).to_numpy(dtype=bool, na_value=False)
        if not hit.any():
            continue
        for i in np.unique(owner[hit]):
            hits = stacked[hit & (owner == i)]
            if extra is not None:
                hits = hits[hits.map(extra).astype(bool)]
            if not hits.empty:
                hits_at.append((int(i), k, hits))
    found = []
    for i, k, hits in sorted(hits_at, key=lambda h: (h[0], h[1])):
        values = series[i]
        found.append(Finding(columns[i], _VALUE_CHECKS[k][1],
                             int(values.astype(str).str.strip().isin(set(hits)).sum()), mask(hits.iloc[0])))
    return found


@functools.lru_cache(maxsize=4096)
def _name_reason(header: str) -> str | None:
    """Why a column named ``header`` would carry a direct identifier, or None (headers repeat
    across deliveries, so each is judged once)."""
    norm = normalise_header(header)
    if norm in ALLOWED_HEADERS:
        return None
    return next((reason for rule, reason in NAME_RULES if rule.search(norm)), None)


def scan(header: list[str], frame: pd.DataFrame) -> list[Finding]:
    """Every reason the file must be refused: by header name (all delivered columns) and by value."""
    findings = [Finding(str(col), reason) for col in header if (reason := _name_reason(str(col)))]
    findings.extend(_frame_value_findings([str(c) for c in frame.columns],
                                          [frame.iloc[:, i] for i in range(frame.shape[1])]))
    return findings
