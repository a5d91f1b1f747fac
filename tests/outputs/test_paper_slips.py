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
    shown[("m", "2025", "us")].append(("5.04%", False, "bd-m"))    # the same figure to two places
    assert not shown_values.conflicts(shown)
    shown[("m", "2025", "us")].remove(("5.04%", False, "bd-m"))
    shown[("m", "2025", "us")].append(("4.6%", False, "sn-m"))
    assert shown_values.conflicts(shown) == [(("m", "2025", "us"), [("4.6%", "sn-m"), ("5.0%", "ttc-m")])]


def test_reasons_beside_verdicts():
    from pipelines.outputs import reasons

    row = dict(period="2025", value=88.4, trend_reason="rising, but not significant at 99.8% over 5 points "
               "(2021 to 2025): chi-square 0.27, not above 9.5495", rag_reason="target met (the value is at or "
               "below the target); the confidence interval spans the target, so it is not certainly met",
               published_equivalent="LAIT fte", benchmark_period="2024", england_value=None, sn_value=106.5,
               region_value=None)
    brief = reasons.notes(row, "South West", ("england_value", "sn_value"), brief=True)
    assert brief == ["Trend: rising, but not significant at 99.8% over 5 points (2021 to 2025)",
                     "RAG: the confidence interval spans the target, so it is not certainly met",
                     "Comparators: no England figure is published for 2024, so there is no comparison with it"]
    whole = reasons.notes(row, "South West")
    assert whole[0].endswith("not above 9.5495") and "no England or South West figure" in whole[2]
    none = dict(row, benchmark_period=None, published_equivalent=None, rag_reason="no RAG: no target set")
    assert reasons.notes(none)[1:] == ["No RAG: no target set", "Comparators: no published equivalent of this measure"]
    assert reasons.comparator_missing(dict(none, published_equivalent="x")) == \
        "no comparator is published for 2025 or earlier yet"
    assert reasons.notes(dict(row, value="c", trend_reason="c", rag_reason="c")) == []
    assert reasons.notes(dict(row, period=None, awaits="awaits audits")) == [
        "No complete period yet, so no verdict: awaits audits"]
