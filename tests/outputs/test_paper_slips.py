"""The paper's own slips (issue 26): its date against the meeting's, one meaning per period
label, the officers' instructions kept out of the board's pages."""

import datetime as dt

from pipelines.outputs import cover, fmt, workbook


def test_a_paper_dated_after_its_meeting_says_so():
    settings = {"meetings": {"2026-Q3": dt.date(2026, 11, 19)}}
    assert cover.dates_note(settings, "2026-Q3", dt.date(2026, 11, 5)) is None
    assert cover.dates_note(settings, "2026-Q3", dt.date(2026, 11, 19)) is None
    assert cover.dates_note(settings, "2026-Q4", dt.date(2027, 3, 1)) is None   # no meeting date set
    note = cover.dates_note(settings, "2026-Q3", dt.date(2026, 12, 7))
    assert note.startswith("Dated 7 December 2026, after the meeting of 19 November 2026")
    assert "paper.yaml" not in note     # an officer's instruction belongs to `oba paper`, not the cover


def test_a_period_label_names_its_months_when_its_key_does_not():
    # NEET's "2026" is December 2025 to February 2026; a calendar 2026 is January to December.
    assert fmt.period("2026", "calendar_year", "2025-12-01", "2026-02-28") == "2026 (Dec 2025 to Feb 2026)"
    assert fmt.period("2026", "calendar_year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == "2026"
    assert fmt.period("2025-26", "financial_year", "2025-04-01", "2026-03-31") == "2025-26"
    assert fmt.period("2025/26", "academic_year", "2025-09-01", "2026-08-31") == "2025/26"
    assert fmt.period("2025/26", "academic_year", "2026-01-01", "2026-08-31") == "2025/26 (Jan 2026 to Aug 2026)"
    assert fmt.period("2025-Q3", "quarter", "2025-07-01", "2025-09-30") == "2025-Q3"
    assert fmt.period(None) == fmt.MISSING and fmt.period("2026", "calendar_year") == "2026"


def test_the_officers_instructions_are_in_the_workbook_notes():
    notes = " ".join(n[0] for n in workbook.NOTES)
    assert "turn-the-curve folder" in notes and "local_spellings.csv" in notes


def test_two_unlabelled_values_of_one_figure_are_caught():
    import shown_values

    shown = {("m", "2025", "us"): [("5.0%", False, "ttc-m"), ("4.6%", True, "spine")],
             ("m", "2025", "England"): [("5.6%", False, "scorecard"), ("5.6%", False, "spine")]}
    assert not shown_values.conflicts(shown)       # ours and the published one, labelled
    shown[("m", "2025", "us")].append(("4.6%", False, "sn-m"))
    assert shown_values.conflicts(shown) == [(("m", "2025", "us"), [("4.6%", "sn-m"), ("5.0%", "ttc-m")])]
