"""Free text that reaches a paper or workbook (commentary, the story behind the curve,
actions) is screened before it is published.

What holds a paper back is decided by ``pipelines.ingest.free_text`` (a small number of
people in digits or words, an age that singles someone out, a person's name, anything the
identifier guard finds), the same rule the scorecard applies before commentary reaches the
warehouse.

``screen`` takes the text as a frame (indicator, period, part, text) so that wherever the
text comes from (a CSV, per-indicator files) the same rule applies; ``hold_if_disclosive``
raises with every finding, naming indicator, period, part and sentence (identifiers in it
masked), so the paper is not written until the text changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.ingest.free_text import screen_identifiers, screen_text

@dataclass(frozen=True)
class TextFinding:
    indicator: str
    period: str
    part: str
    sentence: str       # identifiers masked
    reason: str

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} ({self.part}): {self.reason}: \"{self.sentence}\""


# Fields that name officers or the board (a turn-the-curve action's owner and the author; the
# cover's board, author and contact): a name is expected there, an identifier (a phone number,
# an e-mail address, ...) never; screened for identifiers only.
OFFICER_FIELDS = ("owner", "author", "board", "contact")


def screen(frame: pd.DataFrame) -> list[TextFinding]:
    """Every finding in ``frame`` (columns indicator, period, part, text; blank text skipped)."""
    findings = []
    for row in frame.itertuples(index=False):
        if row.text is None or (isinstance(row.text, float) and pd.isna(row.text)) or not str(row.text).strip():
            continue
        judge = screen_identifiers if str(row.part) in OFFICER_FIELDS else screen_text
        for sentence, reason in judge(row.text):
            findings.append(TextFinding(str(row.indicator), str(row.period), str(row.part), sentence, reason))
    return findings


# The cover's free text (paper.yaml): what the paper asks the board, not names of its officers.
COVER_FREE_TEXT = ("purpose", "decide", "note")


def officer_text(curve: pd.DataFrame, cover: dict) -> pd.DataFrame:
    """The fields naming officers, as rows ``screen`` reads: each turn-the-curve action's owner
    and each period's author, and the cover's board, author and contact."""
    rows = [{"indicator": r.indicator, "period": r.period, "part": field, "text": getattr(r, field)}
            for r in curve.itertuples(index=False) for field in ("owner", "author") if getattr(r, field, None)]
    rows += [{"indicator": "paper.yaml", "period": "cover", "part": key, "text": cover.get(key)}
             for key in ("board", "author", "contact") if cover.get(key)]
    return pd.DataFrame(rows, columns=["indicator", "period", "part", "text"]).drop_duplicates()


def cover_text(cover: dict) -> pd.DataFrame:
    """The cover's free text (``paper.yaml``) as the frame ``screen`` reads (indicator 'paper')."""
    rows = []
    for key in COVER_FREE_TEXT:
        value = cover.get(key)
        for text in value if isinstance(value, list) else [value]:
            rows.append({"indicator": "paper.yaml", "period": "cover", "part": key, "text": text})
    return pd.DataFrame(rows, columns=["indicator", "period", "part", "text"])


def drafted_text(drafts: pd.DataFrame) -> pd.DataFrame:
    """What the data show (``indicator_drafts``, drafted from the data) as the frame ``screen``
    reads: generated sentences pass the same screen as the officers'."""
    return pd.DataFrame({"indicator": drafts.get("indicator_id", pd.Series(dtype=object)),
                         "period": drafts.get("period", pd.Series(dtype=object)), "part": "drafted from the data",
                         "text": drafts.get("drafted", pd.Series(dtype=object))},
                        columns=["indicator", "period", "part", "text"])


class DisclosiveText(ValueError):
    """Free text that could identify a child or family: the paper is held back."""


def hold_if_disclosive(frame: pd.DataFrame) -> None:
    """Raise ``DisclosiveText`` naming every finding; nothing is written until the text changes."""
    findings = screen(frame)
    if findings:
        raise DisclosiveText("the paper is held back until this text changes (it could identify a child or "
                             "family):\n" + "\n".join(f"  - {f}" for f in findings))
