"""Turn-the-curve files (indicators/turn_the_curve/) and the paper's cover settings: plain
files officers edit, checked on load, overridable in <data dir>/settings/."""

import datetime as dt

import pandas as pd
import pytest
import yaml

from indicators import turn_the_curve as ttc
from indicators.catalogue import indicators
from pipelines.outputs import cover

IDS = [ind.id for ind in indicators()]


def _own(tmp_path, indicator: str, text: str):
    path = tmp_path / "settings" / "turn_the_curve" / f"{indicator}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_indicator_has_a_file_and_the_template_reads():
    assert sorted(p.stem for p in ttc.HERE.glob("*.yaml") if p != ttc.TEMPLATE) == sorted(IDS)
    frame = ttc.load()
    assert list(frame.columns) == ttc.COLUMNS
    assert set(frame["part"]) <= set(ttc.PARTS) and frame["text"].notna().all()
    # The template is a valid file once its id is filled in.
    text = ttc.TEMPLATE.read_text().replace("indicator: EHNN", "indicator: EH02")
    got = ttc.read_file(_tmp_file(text), "EH02")
    assert sorted(set(got["part"])) == sorted(ttc.PARTS)
    assert got.loc[got["part"] == "actions", "due"].iloc[0] == dt.date(2026, 3, 31)


def _tmp_file(text):
    import tempfile
    from pathlib import Path
    f = Path(tempfile.mkdtemp()) / "EH05.yaml"
    f.write_text(text)
    return f


def test_the_old_commentary_is_migrated():
    frame = ttc.load()
    stories = frame[frame["part"] == "story"].set_index(["indicator", "period"])["text"]
    assert "Twerton nursery closed" in stories[("EH06", "2024")]
    assert "Youth Connect's January tracking" in stories[("EH07", "2024")]
    assert "catch-up tutoring" in stories[("EH03", "2024/25")]
    assert len(frame[frame["part"] == "story"]) >= 6


def test_an_authoritys_own_file_replaces_the_packaged_one(tmp_path):
    _own(tmp_path, "EH02", """indicator: EH02
periods:
  "2025-26":
    author: Locality lead
    story: Joint assessments rose after the new front door.
    partners: [Police, Housing]
    what_works: One shared assessment form
    actions:
      - {action: Train housing officers, owner: Head of Early Help, due: 2026-06-30}
      - {action: Review the form}
""")
    frame = ttc.load(tmp_path)
    mine = frame[frame["indicator"] == "EH02"]
    assert mine["part"].value_counts().to_dict() == {"partners": 2, "actions": 2, "story": 1, "what_works": 1}
    acts = mine[mine["part"] == "actions"]
    assert acts["owner"].tolist() == ["Head of Early Help", None]
    assert acts["due"].tolist()[0] == dt.date(2026, 6, 30)
    # Every other indicator still reads the packaged file.
    assert (frame[frame["indicator"] == "EH07"]["file"].str.contains("turn_the_curve/EH07.yaml")).all()
    # A long frame a privacy screen can read row by row.
    assert {"indicator", "period", "part", "text"} <= set(frame.columns)


@pytest.mark.parametrize("text, message", [
    ("indicator: EH03\nperiods: {}\n", "says indicator 'EH03', file is for EH02"),
    ("indicator: EH02\nperiods:\n  '2025-26':\n    storey: typo\n", r"period 2025-26: unknown field\(s\) \['storey'\]"),
    ("indicator: EH02\nperiods:\n  '2025-26':\n    actions:\n      - {owner: me}\n", "action 1: the action itself is missing"),
    ("indicator: EH02\nperiods:\n  '2025-26':\n    actions:\n      - {action: x, due: next March}\n", "due 'next March' is not a date"),
    ("indicator: EH02\nperiods:\n  '2025-26':\n    actions: do things\n", "actions must be a list"),
    ("indicator: EH02\nperiods:\n  '2025-26':\n    story: [a, {b: c}]\n", "story: expected text"),
    ("indicator: EH02\nperiods: [\n", "line 3: not valid YAML"),
    # EH02's headline measure is a financial year: 2025-26, not 2025/26 or 2025.
    ("indicator: EH02\nperiods:\n  '2025/26':\n    story: x\n", "written like 2024-25 .financial year., not '2025/26'"),
    ("indicator: EH02\nperiods:\n  2025:\n    story: x\n", "not '2025'"),
    ("indicator: EH02\nperiods:\n  '2025-27':\n    story: x\n", "not '2025-27'"),
    ("indicator: EH02\nperiods:\n  '2025-26':\n    story: x\n  '2025-26':\n    story: y\n",
     "line 5: not valid YAML .'2025-26' is written twice"),
])
def test_a_broken_file_names_the_file_period_and_part(tmp_path, text, message):
    path = _own(tmp_path, "EH02", text)
    with pytest.raises(ttc.TurnTheCurveError, match=message) as err:
        ttc.load(tmp_path)
    assert str(path) in str(err.value)


def test_awaited_lists_every_missing_part_of_the_reported_period():
    frame = pd.DataFrame([dict(indicator="EH01", period="2024-25", part="story", item=1, text="x"),
                          dict(indicator="EH01", period="2023-24", part="partners", item=1, text="y")])
    got = ttc.awaited(frame, {"EH01": "2024-25", "EH02": "2025", "EH03": None})
    assert got == [("EH01", "2024-25", "partners"), ("EH01", "2024-25", "what_works"),
                   ("EH01", "2024-25", "actions"), *[("EH02", "2025", p) for p in ttc.PARTS],
                   *[("EH03", None, p) for p in ttc.PARTS]]
    assert ttc.describe_awaited(got)[0] == "EH01 2024-25: partners with a role to play, what works, action plan"


def test_cover_settings_are_checked_and_overridable(tmp_path):
    packaged = cover.load(tmp_path)
    assert packaged["board"] == "Early Help Partnership Board" and packaged["decide"] and packaged["note"]
    assert cover.meeting_date(packaged, "2026-Q3") == "19 November 2026"
    assert cover.meeting_date(packaged, "2019-Q1") == "to be confirmed"
    own = tmp_path / "settings" / "paper.yaml"
    own.parent.mkdir(parents=True)
    doc = yaml.safe_load(cover.DEFAULT.read_text())
    own.write_text(yaml.safe_dump({**doc, "board": "Children's Partnership", "meetings": {"2026-Q3": "2026-12-01"}}))
    mine = cover.load(tmp_path)
    assert mine["board"] == "Children's Partnership" and cover.meeting_date(mine, "2026-Q3") == "1 December 2026"
    own.write_text(yaml.safe_dump({**doc, "meetings": {"2026-Q3": "soon"}}))
    with pytest.raises(ValueError, match="paper.yaml: meeting date for 2026-Q3 is not a date"):
        cover.load(tmp_path)
    own.write_text(yaml.safe_dump({**doc, "purpose": ""}))
    with pytest.raises(ValueError, match="'purpose' must be some text"):
        cover.load(tmp_path)


def test_a_stray_file_in_the_settings_folder_is_refused(tmp_path):
    _own(tmp_path, "_template", "indicator: EHNN\n")          # a copied template is fine
    assert len(ttc.load(tmp_path)) == len(ttc.load())
    _own(tmp_path, "EH7", "indicator: EH07\nperiods: {}\n")  # a typo would otherwise be ignored
    with pytest.raises(ttc.TurnTheCurveError, match="EH7.yaml not an indicator's file"):
        ttc.load(tmp_path)
