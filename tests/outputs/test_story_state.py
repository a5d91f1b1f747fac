"""Stories with a state: who wrote each turn-the-curve entry, when, for which data, whether it
was reviewed; a story written before the data it describes changed and an action past its due
date without a status are marked; the board's asks name only what exists."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml

from indicators import turn_the_curve as ttc
from pipelines.outputs import content, cover, story_state

CATALOGUE = pd.DataFrame([dict(indicator_id="EH01", is_headline=True, sources="early_help_episodes, social_care_referrals")])
NEW = """indicator: EH01
periods:
  "2024-25":
    author: Locality lead
    written: 2025-06-20
    data_as_at: 2025-05-31
    reviewed: yes
    reviewed_by: Head of Early Help
    story: Step-ups rose after a change of threshold.
    actions:
    - action: Review the threshold
      owner: Head of Early Help
      due: 2025-09-30
      status: done
    - action: Audit every step-up
      owner: Locality lead
      due: 2026-03-31
    - action: Report back to the board
      owner: Locality lead
      due: 2027-03-31
"""
OLD = """indicator: EH01
periods:
  "2024-25":
    author: Locality lead
    story: Step-ups rose after a change of threshold.
"""


def _read(tmp_path, text):
    path = tmp_path / "EH01.yaml"
    path.write_text(text, encoding="utf-8")
    return ttc.read_file(path, "EH01")


def _log(*rows):
    return pd.DataFrame([dict(zip(("source", "period", "version", "status", "received_at"), r)) for r in rows])


def test_the_state_is_read_and_described(tmp_path):
    frame = _read(tmp_path, NEW)
    state = ttc.state(frame, "EH01", "2024-25")
    assert state["recorded"] and state["reviewed"] is True and state["data_as_at"] == dt.date(2025, 5, 31)
    assert story_state.describe(state) == ("Written by Locality lead on 20 June 2025, for the data as at "
                                           "31 May 2025; reviewed by Head of Early Help.")


def test_an_old_file_without_the_state_is_read_and_shown_as_not_recorded(tmp_path):
    frame = _read(tmp_path, OLD)
    assert frame["text"].tolist() == ["Step-ups rose after a change of threshold."]
    got = story_state.entry(frame, "EH01", "2024-25", dt.date(2024, 4, 1), dt.date(2025, 3, 31), CATALOGUE, _log())
    assert not got["recorded"] and got["text"].startswith("State not recorded") and got["stale"] is None


@pytest.mark.parametrize("field, value, message", [
    ("reviewed", "perhaps", "reviewed: must be yes or no"),
    ("written", "last week", "written 'last week' is not a date"),
])
def test_a_broken_state_names_the_file_and_period(tmp_path, field, value, message):
    text = NEW.replace("    author: Locality lead\n", f"    author: Locality lead\n    {field}: {value}\n", 1)
    text = text.replace(f"    {field}: {'yes' if field == 'reviewed' else '2025-06-20'}\n", "", 1)
    with pytest.raises(ttc.TurnTheCurveError, match=f"period 2024-25 {message}"):
        _read(tmp_path, text)


def test_a_story_written_before_its_period_ended_or_before_a_reissue_is_stale(tmp_path):
    frame = _read(tmp_path, NEW)
    start, end = dt.date(2024, 4, 1), dt.date(2025, 3, 31)
    fresh = story_state.entry(frame, "EH01", "2024-25", start, end, CATALOGUE,
                              _log(("early_help_episodes", "2024-25", 1, "loaded", "2025-04-20"),
                                   # a re-issue of another period, or of another source, changes nothing here
                                   ("early_help_episodes", "2025-26", 2, "loaded", "2026-05-01"),
                                   ("neet", "2025-01", 2, "loaded", "2026-05-01")))
    assert fresh["stale"] is None
    reissued = story_state.entry(frame, "EH01", "2024-25", start, end, CATALOGUE,
                                 _log(("social_care_referrals", "2024-25", 2, "loaded", "2025-07-01 09:00")))
    assert "social_care_referrals 2024-25 re-issued (version 2) on 1 July 2025" in reissued["stale"]
    early = _read(tmp_path, NEW.replace("data_as_at: 2025-05-31", "data_as_at: 2025-02-28"))
    got = story_state.entry(early, "EH01", "2024-25", start, end, CATALOGUE, _log())
    assert "before 2024-25 was complete" in got["stale"]


def test_an_action_past_its_due_date_without_a_status_is_marked(tmp_path):
    frame = _read(tmp_path, NEW)
    parts = content.curve_parts(frame, "EH01", "2024-25", today=dt.date(2026, 12, 7))
    actions = next(p for p in parts["parts"] if p["key"] == "actions")
    assert [r[3] for r in actions["rows"]] == ["done", content.OVERDUE, "not recorded"]
    assert actions["overdue"] == 1


def test_the_board_is_asked_only_about_what_exists(tmp_path):
    items = cover.load(tmp_path)["decide"]
    none = dict(period="2026-Q3", plans_to_agree="", plans_missing="", awaited="", stale="", overdue="")
    assert cover.asks(items, none) == []
    got = cover.asks(items, {**none, "plans_missing": "EH11", "overdue": "EH01 and EH07"})
    assert len(got) == 2 and "EH11" in got[0] and "action plan" in got[0] and "EH01 and EH07" in got[1]
    assert not any("Agree the action plans" in t for t in got)
    own = tmp_path / "settings" / "paper.yaml"
    own.parent.mkdir(parents=True)
    doc = yaml.safe_load(cover.DEFAULT.read_text())
    own.write_text(yaml.safe_dump({**doc, "decide": ["Agree the plans for {plans}."]}))
    with pytest.raises(ValueError, match=r"names \{plans\}"):
        cover.load(tmp_path)
