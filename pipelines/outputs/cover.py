"""The cover of a board paper: board, meeting, author, purpose and what the board is asked
to decide or note, from ``paper.yaml`` (the authority's own copy in
``<data dir>/settings/paper.yaml`` replaces the packaged one)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from pipelines.settings import local_file

DEFAULT = Path(__file__).parent / "paper.yaml"
TEXT_KEYS = ("board", "authority", "authority_short", "author", "contact", "purpose")
LIST_KEYS = ("decide", "note")


def settings_file(data_dir=None) -> Path:
    return local_file("paper.yaml", DEFAULT, data_dir)


def load(data_dir=None) -> dict:
    """The cover settings, checked: every text present, decide / note lists of text,
    meeting dates real dates. A broken file raises naming the file and the key."""
    path = settings_file(data_dir)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected board, author, purpose, decide, note and meetings")
    out = {}
    for key in TEXT_KEYS:
        value = doc.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{path}: '{key}' must be some text")
        out[key] = " ".join(value.split())
    for key in LIST_KEYS:
        value = doc.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{path}: '{key}' must be a list of sentences")
        out[key] = [" ".join(v.split()) for v in value]
        _check_placeholders(path, key, out[key])
    meetings = doc.get("meetings") or {}
    if not isinstance(meetings, dict):
        raise ValueError(f"{path}: 'meetings' must list a date per period (\"2026-Q3\": 2026-11-19)")
    out["meetings"] = {}
    for period, day in meetings.items():
        try:
            out["meetings"][str(period).strip().upper()] = (
                day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day).strip()))
        except ValueError:
            raise ValueError(f"{path}: meeting date for {period} is not a date: {day!r}") from None
    return out


# What a decide / note item may name, filled from the paper's own content (``content.asks``).
# An item naming one that is empty this period is left out: the board is never asked to agree
# plans that do not exist, nor to chase parts that are all written.
FILLS = {
    "period": "the paper's period (2026-Q3)",
    "plans_to_agree": "indicators off target and getting worse that have an action plan for the period",
    "plans_missing": "indicators off target and getting worse with no action plan for the period",
    "awaited": "indicators with turn-the-curve parts awaited",
    "stale": "indicators whose story was written before the data it describes changed",
    "overdue": "indicators with an action past its due date and no status",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _check_placeholders(path: Path, key: str, items: list[str]) -> None:
    for text in items:
        unknown = sorted(set(PLACEHOLDER.findall(text)) - set(FILLS))
        if unknown:
            raise ValueError(f"{path}: '{key}' item {text!r} names {', '.join('{' + u + '}' for u in unknown)}; "
                             f"known: {', '.join('{' + f + '}' for f in FILLS)}")


def asks(items: list[str], fills: dict[str, str]) -> list[str]:
    """``items`` with their placeholders filled; an item naming an empty fill is left out."""
    out = []
    for text in items:
        names = PLACEHOLDER.findall(text)
        if all(fills.get(n) for n in names):
            out.append(PLACEHOLDER.sub(lambda m: fills[m.group(1)], text))
    return out


def meeting_date(cover: dict, period_label: str) -> str:
    day = cover["meetings"].get(period_label)
    return _day(day) if day else "to be confirmed"


def dates_note(cover: dict, period_label: str, paper_date: dt.date) -> str | None:
    """The paper's date against its meeting's: None when they agree (no meeting date set, or
    the paper dated on or before the meeting); otherwise a sentence the cover prints and
    ``oba paper`` repeats, so a paper dated after its meeting is never taken for the one the
    board received."""
    day = cover["meetings"].get(period_label)
    if day is None or paper_date <= day:
        return None
    return (f"Dated {_day(paper_date)}, after the meeting of {_day(day)} this paper is for: a copy written "
            f"again after the meeting, not the paper the board received.")


def _day(day: dt.date) -> str:
    return day.strftime("%d %B %Y").lstrip("0")
