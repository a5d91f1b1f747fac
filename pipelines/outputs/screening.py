"""Free text that reaches a paper or workbook (commentary, the story behind the curve,
actions) is screened before it is published.

Two things hold a paper back: a small number of people (1 to 5, in digits or words, before
a word for people, families or children: "two large families", "3 children", "one young
person"), and anything the identifier guard finds in an extract (``pipelines.ingest.pii``:
postcodes, NHS numbers, UPNs, ULNs, phone numbers, e-mail addresses, dates of birth). Rates
("one in five children") and school years ("Year 5 children") are not counts of people.

``screen`` takes the text as a frame (indicator, period, part, text) so that wherever the
text comes from (a CSV, per-indicator files) the same rule applies; ``hold_if_disclosive``
raises with every finding, naming indicator, period, part and sentence (identifiers in it
masked), so the paper is not written until the text changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pipelines.ingest import pii

NUMBER = r"(?:[1-5]|one|two|three|four|five|a\s+couple\s+of|a\s+handful\s+of|a\s+pair\s+of)"
PEOPLE = (r"(?:people|persons?|individuals?|famil(?:y|ies)|child(?:ren)?|kids?|young\s+(?:people|persons?|parents?"
          r"|carers?)|youngsters?|teenagers?|adolescents?|pupils?|students?|learners?|parents?|carers?|mothers?|"
          r"mums?|fathers?|dads?|households?|siblings?|brothers?|sisters?|boys?|girls?|bab(?:y|ies)|infants?|"
          r"toddlers?|care\s+leavers?|residents?|cases?|clients?|victims?|offenders?|men|women|adults?)")
# Words that make the number a measurement, not a count of people ("2 points", "3 months").
UNITS = (r"(?:points?|pp|percentage|per|times|fold|years?|months?|weeks?|days?|hours?|sessions?|places?|"
         r"localities|wards?|schools?|teams?|quarters?|terms?)")
# The number, up to three words describing them ("two large families", "3 looked-after
# children"), then the people. Not a rate ("one in five children") nor a year group.
SMALL_NUMBER = re.compile(
    rf"(?<![\w.,£$%-])(?<!\bin\s)(?<!\bof\s)(?<!\byear\s)(?<!\byr\s)(?<!\bstage\s)(?<!\bks\s)(?<!\baged\s)"
    rf"(?<!\bage\s)(?<!\bunder\s)(?<!\bover\s)\b({NUMBER})\b(?!\s*(?:%|per\s*cent|percent|in\s|of\s+every))"
    rf"((?:\s+(?!in\b|per\b|for\b|{UNITS}\b)[\w'-]+){{0,3}}?)\s+{PEOPLE}\b", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class TextFinding:
    indicator: str
    period: str
    part: str
    sentence: str       # identifiers masked
    reason: str

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} ({self.part}): {self.reason}: \"{self.sentence}\""


def _masked(sentence: str, found: list[tuple[str, str]]) -> str:
    for _, value in found:
        sentence = sentence.replace(value, pii.mask(value))
    return sentence


def screen_text(text: str) -> list[tuple[str, str]]:
    """(sentence, reason) for each sentence of ``text`` that could identify someone."""
    out = []
    for sentence in SENTENCE.split(str(text).strip()):
        found = pii.find_identifiers(sentence, pii.allowed_mailboxes())
        reasons = [pii.REASONS[k] for k, _ in found]
        small = SMALL_NUMBER.search(sentence)
        if small:
            reasons.insert(0, f"a small number of people ('{small.group(0).strip()}')")
        if reasons:
            out.append((_masked(sentence, found), "; ".join(dict.fromkeys(reasons))))
    return out


def screen(frame: pd.DataFrame) -> list[TextFinding]:
    """Every finding in ``frame`` (columns indicator, period, part, text; blank text skipped)."""
    findings = []
    for row in frame.itertuples(index=False):
        if row.text is None or (isinstance(row.text, float) and pd.isna(row.text)) or not str(row.text).strip():
            continue
        for sentence, reason in screen_text(row.text):
            findings.append(TextFinding(str(row.indicator), str(row.period), str(row.part), sentence, reason))
    return findings


class DisclosiveText(ValueError):
    """Free text that could identify a child or family: the paper is held back."""


def hold_if_disclosive(frame: pd.DataFrame) -> None:
    """Raise ``DisclosiveText`` naming every finding; nothing is written until the text changes."""
    findings = screen(frame)
    if findings:
        raise DisclosiveText("the paper is held back until this text changes (it could identify a child or "
                             "family):\n" + "\n".join(f"  - {f}" for f in findings))
