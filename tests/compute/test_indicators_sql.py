"""Each indicator's SQL on a tiny hand-made input whose answer is worked out in the comments.

Rows are (measure_id, period, breakdown, breakdown_value) -> (numerator, denominator).
"""

import math
import re

import pandas as pd
import pytest

from indicator_fixtures import create_stg_tables, d
from indicators import catalogue as cat
from pipelines.compute.assets import run_indicator


def run(con, indicator_id: str, frames: dict, quarantine: list[dict] | None = None) -> pd.DataFrame:
    create_stg_tables(con, {k: pd.DataFrame(v) for k, v in frames.items()}, quarantine)
    ind = cat.indicator(indicator_id)
    run_indicator(con, ind)
    return con.execute(f"select * from {ind.table}").df()


def get(frame, measure, period, breakdown="all", value="all"):
    hit = frame[(frame.measure_id == measure) & (frame.period == period) & (frame.breakdown == breakdown)
                & (frame.breakdown_value == value)]
    assert len(hit) == 1, f"{measure} {period} {breakdown}={value}: {len(hit)} rows"
    r = hit.iloc[0]
    return (r.numerator, None if pd.isna(r.denominator) else r.denominator)


def periods(frame, measure):
    return sorted(frame.loc[(frame.measure_id == measure) & (frame.breakdown == "all"), "period"])


def ep(i, child, start, close=None, reason=None, locality="bath_city", agency="school", contrib=None,
       level=2):
    return dict(episode_id=f"E{i}", child_id=child, family_id="F", start_date=d(start),
                closure_date=d(close) if close else None, closure_reason=reason, locality=locality,
                initiating_agency=agency, contributing_agencies=contrib, level=level, ward_code="E05000001",
                age=8, sex="F", imd_decile=3)


EH01_EPISODES = [
    # The extract begins in April 2021, 24 months before 2023-24: its closures are whole.
    ep(0, "C0", "2021-04-01", "2021-05-01", "transferred"),
    ep(1, "C1", "2023-05-01", "2023-09-01", "transferred"),
    ep(2, "C2", "2023-06-01", "2024-01-10", "outcomes_achieved", locality="keynsham"),
    ep(3, "C3", "2023-04-10", "2024-03-31", "stepped_up"),
    ep(4, "C4", "2024-04-02"),  # open; makes the episodes "as at" 30 April 2024
]
EH01_REFERRALS = [
    # C1: child protection plan 6 months after closure -> stepped up
    dict(referral_id="R1", child_id="C1", referral_date=d("2024-02-01"), referral_source="school",
         outcome="cp_plan", outcome_date=d("2024-03-01")),
    # C2: no further action (not statutory), then a CIN plan 13 months after closure -> not counted
    dict(referral_id="R2", child_id="C2", referral_date=d("2024-02-01"), referral_source="school",
         outcome="nfa", outcome_date=None),
    dict(referral_id="R3", child_id="C2", referral_date=d("2025-01-20"), referral_source="school",
         outcome="cin_plan", outcome_date=d("2025-02-15")),
    # C3: CIN plan during the episode (why it closed as stepped up) -> counted
    dict(referral_id="R4", child_id="C3", referral_date=d("2024-03-01"), referral_source="early_help",
         outcome="cin_plan", outcome_date=d("2024-03-20")),
    # someone else: makes the referrals "as at" 30 April 2025, 12 months after 2023-24 ended
    dict(referral_id="R5", child_id="C9", referral_date=d("2025-04-15"), referral_source="police",
         outcome="nfa", outcome_date=None),
]
EH01_FEEDBACK = [
    dict(response_id="F1", episode_id="E1", respondent="parent", response_date=d("2023-10-01"),
         support_helpful=5, better_supported_wellbeing=4),
    dict(response_id="F2", episode_id="E2", respondent="child", response_date=d("2023-11-01"),
         support_helpful=2, better_supported_wellbeing=None),
    dict(response_id="F3", episode_id="E3", respondent="parent", response_date=d("2024-03-01"),
         support_helpful=None, better_supported_wellbeing=2),
]


def test_eh01_step_up_outcomes_starts_and_feedback(con):
    f = run(con, "EH01", {"early_help_episodes": EH01_EPISODES, "social_care_referrals": EH01_REFERRALS,
                          "family_feedback": EH01_FEEDBACK})
    # 3 episodes closed in 2023-24; C1 (after closure) and C3 (during) stepped up.
    assert get(f, "eh01_step_up_pct", "2023-24") == (2, 3)
    assert get(f, "eh01_step_up_pct", "2023-24", "locality", "bath_city") == (2, 2)
    assert get(f, "eh01_step_up_pct", "2023-24", "locality", "keynsham") == (0, 1)
    assert get(f, "eh01_outcomes_achieved_pct", "2023-24") == (1, 3)
    assert get(f, "eh01_children_starting_count", "2023-24") == (3, None)
    assert get(f, "eh01_children_starting_count", "2023-24", "level", "2") == (3, None)
    # helpful answered by F1 (5) and F2 (2): 1 of 2; wellbeing by parents F1 (4), F3 (2): 1 of 2.
    assert get(f, "eh01_support_helpful_pct", "2023-24") == (1, 2)
    assert get(f, "eh01_support_helpful_pct", "2023-24", "respondent", "child") == (0, 1)
    assert get(f, "eh01_parents_better_supported_pct", "2023-24") == (1, 2)
    # 2024-25 has not ended in the episodes data (as at April 2024): no row.
    assert periods(f, "eh01_children_starting_count") == ["2021-22", "2023-24"]
    # 2021-22 and 2022-23, the extract's first two closure years (left-truncated): not reported.
    assert periods(f, "eh01_step_up_pct") == periods(f, "eh01_outcomes_achieved_pct") == ["2023-24"]


def test_eh01_first_closure_years_of_an_extract_are_not_reported(con):
    # Episodes are delivered by year of start: in an extract beginning April 2016, 2016-17's
    # closures are only the episodes that began in 2016-17, and 2017-18's miss those of a year
    # or more that began before April 2016 (left-truncated). 2018-19 is the first closure year
    # starting 24 months after the extract.
    episodes = [ep(1, "A1", "2016-04-05", "2016-09-01", "outcomes_achieved"),
                ep(2, "A2", "2016-10-01", "2017-06-01", "outcomes_achieved"),
                ep(3, "A3", "2017-05-01", "2018-08-01", "transferred"),
                ep(4, "A4", "2018-05-01", "2018-09-01", "outcomes_achieved"),
                ep(5, "A5", "2019-04-02")]
    referrals = [dict(referral_id="R1", child_id="Z9", referral_date=d("2020-04-15"), referral_source="school",
                      outcome="nfa", outcome_date=None)]
    f = run(con, "EH01", {"early_help_episodes": episodes, "social_care_referrals": referrals})
    assert periods(f, "eh01_outcomes_achieved_pct") == ["2018-19"]
    assert get(f, "eh01_outcomes_achieved_pct", "2018-19") == (1, 2)
    assert periods(f, "eh01_step_up_pct") == ["2018-19"]
    # Starts are counted by start year: the first year of starts is whole.
    assert periods(f, "eh01_children_starting_count") == ["2016-17", "2017-18", "2018-19"]
    g = run(con, "EH02", {"early_help_episodes": [dict(e, initiating_agency="housing") for e in episodes]})
    assert periods(g, "eh02_joint_outcomes_achieved_pct") == ["2018-19"]


def test_eh01_step_up_window_is_calendar_months_from_the_start_day_inclusive(con):
    def referral(i, child, outcome_date):
        return dict(referral_id=f"R{i}", child_id=child, referral_date=d(outcome_date), referral_source="school",
                    outcome="cin_plan", outcome_date=d(outcome_date))
    episodes = [ep(0, "X0", "2021-04-01", "2021-05-01"),
                ep(1, "D1", "2023-05-10", "2023-09-15"), ep(2, "D2", "2023-05-10", "2023-09-15"),
                ep(3, "D3", "2023-05-10", "2023-09-15"), ep(4, "D4", "2023-05-10", "2023-09-15"),
                ep(5, "D5", "2023-06-01", "2024-02-29"), ep(6, "X6", "2024-04-02")]
    referrals = [
        referral(1, "D1", "2024-09-15"),  # 12 calendar months after closure: counts (365 days ends 14 Sep)
        referral(2, "D2", "2024-09-16"),  # a day later: does not
        referral(3, "D3", "2023-05-10"),  # on the start day: counts
        referral(4, "D4", "2023-05-09"),  # the day before the start: does not
        referral(5, "D5", "2025-02-28"),  # closed 29 February: 12 months ends 28 February 2025
        dict(referral_id="R9", child_id="Z9", referral_date=d("2025-04-15"), referral_source="school",
             outcome="nfa", outcome_date=None),
    ]
    f = run(con, "EH01", {"early_help_episodes": episodes, "social_care_referrals": referrals})
    assert get(f, "eh01_step_up_pct", "2023-24") == (3, 5)


def test_eh01_step_up_waits_for_twelve_months_of_social_care_data(con):
    f = run(con, "EH01", {"early_help_episodes": EH01_EPISODES, "social_care_referrals": EH01_REFERRALS[:4],
                          "family_feedback": EH01_FEEDBACK})
    # Referrals now end in February 2025: 2023-24 + 12 months (March 2025) has not elapsed.
    assert periods(f, "eh01_step_up_pct") == []
    assert periods(f, "eh01_outcomes_achieved_pct") == ["2023-24"]


def test_eh02_joint_working(con):
    f = run(con, "EH02", {
        "early_help_episodes": [
            ep(0, "C0", "2021-04-01"),  # the extract begins 24 months before 2023-24 (whole closures)
            ep(1, "C1", "2023-05-01", agency="housing"),
            ep(2, "C2", "2023-06-01", contrib="health; police"),  # spaces around codes are trimmed
            ep(3, "C3", "2023-07-01", contrib="health"),
            ep(4, "C4", "2023-08-01", "2023-12-01", "outcomes_achieved", agency="adult_services"),
            ep(5, "C5", "2024-04-05"),  # next year, makes 2023-24 complete
        ],
        "assessment_audits": [dict(audit_id=f"A{i}", episode_id="E1", audit_date=d(day),
                                   information_sharing_evidenced=ok, overall_rating="good")
                              for i, (day, ok) in enumerate([("2023-06-01", True), ("2023-09-01", True),
                                                             ("2024-03-15", False)])],
        "practitioner_feedback": [dict(response_id=f"P{i}", agency="school", response_date=d(day),
                                       joint_working_score=s)
                                  for i, (day, s) in enumerate([("2023-03-01", 4), ("2023-06-01", 5),
                                                                ("2023-12-20", 3), ("2023-12-21", None)])],
    })
    # Joint: E1 (housing initiated), E2 (police contributing), E4 (adult services) of 4 started.
    assert get(f, "eh02_joint_assessments_pct", "2023-24") == (3, 4)
    assert get(f, "eh02_joint_assessments_count", "2023-24") == (3, None)
    assert get(f, "eh02_joint_outcomes_achieved_pct", "2023-24") == (1, 1)
    assert get(f, "eh02_info_sharing_pct", "2023-24") == (2, 3)
    # Mean score (4 + 5 + 3) / 3 = 4: numerator = sum 12, denominator 3, sd 1.
    assert get(f, "eh02_joint_working_score", "2023") == (12, 3)
    row = f[(f.measure_id == "eh02_joint_working_score") & (f.breakdown == "all")].iloc[0]
    assert row.sd == pytest.approx(1.0)
    assert row.period_type == "calendar_year"


def test_eh03_attainment_gaps(con):
    ks2 = [(True, True), (True, False), (True, False), (True, False),
           (False, True), (False, True), (False, True), (False, True), (False, False), (False, False),
           (False, None)]  # no result: excluded
    ks4 = [(True, 30.0), (True, 40.0), (False, 50.0), (False, 60.0), (False, 70.0)]
    rows = [dict(child_id=f"K2{i}", academic_year="2023/24", stage="KS2", fsm=fsm, disadvantaged=fsm,
                 ks2_rwm_expected=ok, sex="F" if i % 2 else "M", imd_decile=1) for i, (fsm, ok) in enumerate(ks2)]
    rows += [dict(child_id=f"K4{i}", academic_year="2023/24", stage="KS4", fsm=dis, disadvantaged=dis,
                  ks4_attainment8=s, sex="F", imd_decile=9) for i, (dis, s) in enumerate(ks4)]
    f = run(con, "EH03", {"attainment": rows})
    # KS2: FSM 1 of 4, non-FSM 4 of 6; gap row carries both sides.
    assert get(f, "eh03_ks2_rwm_fsm_pct", "2023/24") == (1, 4)
    assert get(f, "eh03_ks2_rwm_nonfsm_pct", "2023/24") == (4, 6)
    gap = f[(f.measure_id == "eh03_ks2_rwm_gap_pp") & (f.breakdown == "all")].iloc[0]
    assert (gap.numerator, gap.denominator, gap.comparator_numerator, gap.comparator_denominator) == (1, 4, 4, 6)
    # KS4: disadvantaged 30, 40 (sum 70, n 2, sd 7.07); others 50, 60, 70 (sum 180, n 3, sd 10).
    att8 = f[(f.measure_id == "eh03_ks4_att8_gap") & (f.breakdown == "all")].iloc[0]
    assert (att8.numerator, att8.denominator, att8.comparator_numerator, att8.comparator_denominator) == \
        (70, 2, 180, 3)
    assert att8.sd == pytest.approx(math.sqrt(50)) and att8.comparator_sd == pytest.approx(10)
    assert get(f, "eh03_ks4_att8_nondisadv", "2023/24", "imd_quintile", "5") == (180, 3)
    assert periods(f, "eh03_eyfs_gld_gap_pp") == []  # no EYFS rows, no EYFS measures


PUPILS_2023 = [dict(academic_year="2023/24", phase=ph, year_group=yg, fsm=fsm, sen_primary_need=None, headcount=n)
               for ph, yg, fsm, n in [("primary", 3, True, 100), ("primary", 3, False, 300),
                                      ("secondary", 9, True, 200), ("secondary", 9, False, 400)]]


def excl(i, child, phase, fsm, category, reason="VA", sen=None, start="2024-01-10"):
    return dict(exclusion_id=f"X{i}", child_id=child, school_id="S", phase=phase, academic_year="2023/24",
                start_date=d(start), category=category, sessions=2.0, reason_code=reason,
                sen_primary_need=sen, fsm=fsm, year_group=5)


def test_eh04_cme_and_exclusions(con):
    f = run(con, "EH04", {
        "pupil_population": PUPILS_2023,
        "cme": [dict(case_id="M1", child_id="A", referral_date=d("2023-10-01"), reason="moved_in",
                     resolved_date=d("2023-12-01"), age=9),
                dict(case_id="M2", child_id="B", referral_date=d("2024-02-01"), reason="removed_from_roll",
                     resolved_date=None, age=12),
                dict(case_id="M3", child_id="C", referral_date=d("2024-07-15"), reason="moved_in",
                     resolved_date=d("2024-09-10"), age=7),
                # The extract begins in 2022/23 (its first year's open snapshot is left-truncated).
                dict(case_id="M0", child_id="Z", referral_date=d("2022-09-05"), reason="moved_in",
                     resolved_date=d("2022-10-01"), age=9)],
        "exclusions": [excl(1, "X1", "primary", True, "suspension"),
                       excl(2, "X1", "primary", True, "suspension"),
                       excl(3, "X2", "secondary", False, "suspension", start="2024-07-05"),
                       excl(4, "X3", "secondary", True, "permanent")],
    })
    # 3 new CME cases per 1,000 pupils; open at 31 August 2024: M2 (never resolved), M3 (resolved later).
    assert get(f, "eh04_cme_per_1000", "2023/24") == (3, 1000)
    assert get(f, "eh04_cme_per_1000", "2023/24", "reason", "moved_in") == (2, 1000)
    assert get(f, "eh04_cme_open_count", "2023/24") == (2, None)
    # A case resolved on 31 August itself is not open at 31 August.
    g = run(con, "EH04", {"pupil_population": PUPILS_2023, "cme": [
        dict(case_id="M0", child_id="Z", referral_date=d("2022-09-05"), reason="moved_in",
             resolved_date=d("2022-10-01"), age=9),
        dict(case_id="M4", child_id="D", referral_date=d("2024-06-01"), reason="moved_in",
             resolved_date=d("2024-08-31"), age=9),
        dict(case_id="M5", child_id="E", referral_date=d("2024-08-31"), reason="moved_in",
             resolved_date=d("2024-09-01"), age=9)]})
    assert get(g, "eh04_cme_open_count", "2023/24") == (1, None)
    # 2022/23 is the extract's first year: its new referrals are whole, its open snapshot is not.
    assert periods(f, "eh04_cme_open_count") == ["2023/24"]
    assert get(f, "eh04_suspensions_per_100", "2023/24") == (3, 1000)
    assert get(f, "eh04_suspensions_per_100", "2023/24", "phase", "primary") == (2, 400)
    assert get(f, "eh04_suspensions_per_100", "2023/24", "fsm", "non_fsm") == (1, 700)
    assert get(f, "eh04_perm_excl_per_100", "2023/24", "fsm", "fsm") == (1, 300)
    assert get(f, "eh04_perm_excl_per_100", "2023/24", "phase", "primary") == (0, 400)
    # X1 suspended twice counts once: X1 and X2.
    assert get(f, "eh04_pupils_suspended_pct", "2023/24") == (2, 1000)


def test_eh04_school_year_incomplete_before_july(con):
    f = run(con, "EH04", {"pupil_population": PUPILS_2023,
                          "exclusions": [excl(1, "X1", "primary", True, "suspension", start="2024-05-10")]})
    # Exclusions data end in May 2024: the 2023/24 school year is not complete.
    assert periods(f, "eh04_suspensions_per_100") == []


def test_eh05_self_esteem_bands(con):
    rows = [(10, True, "F"), (11, False, "F"), (16, None, "M"), (None, True, "M"), (20, True, "M")]
    f = run(con, "EH05", {"sheu_survey": [
        dict(respondent_id=f"S{i}", survey_year=2023, school_id="S", year_group=8, sex=sex,
             self_esteem_score=s, someone_to_talk_to=t) for i, (s, t, sex) in enumerate(rows)]})
    # Scored: 10, 11, 16, 20 -> medium-high or high (>= 11): 3 of 4. Talk answered: 3 yes of 4.
    assert get(f, "eh05_high_self_esteem_pct", "2023") == (3, 4)
    assert get(f, "eh05_high_self_esteem_pct", "2023", "sex", "F") == (1, 2)
    assert get(f, "eh05_someone_to_talk_to_pct", "2023") == (3, 4)
    assert get(f, "eh05_someone_to_talk_to_pct", "2023", "year_group", "8") == (3, 4)


def test_eh06_two_year_olds_spring_term(con):
    rows = [("2024-AUT", True, True, 1), ("2024-SPR", True, True, 1), ("2024-SPR", True, True, 2),
            ("2024-SPR", True, False, 9), ("2024-SPR", True, True, 10), ("2024-SPR", False, False, 5)]
    f = run(con, "EH06", {"two_year_funding": [
        dict(child_id=f"T{i}", term=t, eligible=e, took_up=u, provider_type="nursery", imd_decile=dec,
             ward_code="E05000001") for i, (t, e, u, dec) in enumerate(rows)]})
    # Spring 2024: 4 eligible (the ineligible child and the autumn term are out), 3 took up.
    assert get(f, "eh06_two_year_takeup_pct", "2024") == (3, 4)
    assert get(f, "eh06_two_year_takeup_pct", "2024", "imd_quintile", "1") == (2, 2)
    assert get(f, "eh06_two_year_takeup_pct", "2024", "imd_quintile", "5") == (1, 2)
    assert get(f, "eh06_eligible_count", "2024") == (4, None)


def test_eh07_neet_december_to_february_average(con):
    activity = {"2023-12-01": ("110", "540", "810"), "2024-01-01": ("110", "110", "810"),
                "2024-02-01": ("110", "540", "110")}
    rows = []
    for month, codes_ in activity.items():
        for who, code in zip("ABC", codes_):
            rows.append(dict(extract_month=d(month), child_id=who, academic_age=16 if who != "C" else 17,
                             activity_code=code, send=False, care_leaver=who == "B", young_parent=False,
                             youth_justice=False, ward_code="E05000001", sex="F"))
        rows.append(dict(extract_month=d(month), child_id="D", academic_age=18, activity_code="540"))  # too old
        rows.append(dict(extract_month=d(month), child_id="E", academic_age=16, activity_code="910"))  # moved away
    rows.append(dict(extract_month=d("2024-12-01"), child_id="A", academic_age=17, activity_code="540"))
    f = run(con, "EH07", {"neet": rows})
    # NEET: Dec 1, Jan 0, Feb 1 -> 2/3; not known: 1, 1, 0 -> 2/3; cohort 3 each month.
    num, den = get(f, "eh07_neet_nk_pct", "2024")
    assert num == pytest.approx(4 / 3) and den == pytest.approx(3)
    assert get(f, "eh07_neet_pct", "2024")[0] == pytest.approx(2 / 3)
    assert get(f, "eh07_eet_pct", "2024")[0] == pytest.approx(5 / 3)
    assert get(f, "eh07_neet_pct", "2024", "vulnerable_group", "care_leaver") == (pytest.approx(2 / 3), 1)
    assert get(f, "eh07_not_known_pct", "2024", "age_band", "17") == (pytest.approx(2 / 3), 1)
    row = f[(f.measure_id == "eh07_neet_nk_pct") & (f.breakdown == "all")].iloc[0]
    assert (str(row.period_start)[:10], str(row.period_end)[:10]) == ("2023-12-01", "2024-02-29")
    assert periods(f, "eh07_neet_nk_pct") == ["2024"]  # 2025 has December only


def test_eh08_parenting_reliable_change(con):
    rows = [("P1", "triple_p", "2023-05-01", "2023-08-01", True, 20, 26),   # +6 >= 6 reliable
            ("P2", "triple_p", "2023-05-01", "2023-08-01", True, 20, 25),   # +5 < 6
            ("P3", "freedom", "2023-06-01", "2023-09-01", True, 30, 35),    # +5 >= 5 reliable
            ("P4", "freedom", "2023-06-01", None, False, 30, None),         # dropped out
            ("P5", "freedom", "2023-09-01", "2023-12-01", True, 30, None),  # no post score
            ("P6", "triple_p", "2024-10-01", None, False, 25, None),        # data as at October 2024
            # The extract begins in April 2022 with P7, who finished in 2022-23.
            ("P7", "triple_p", "2022-04-04", "2022-07-01", True, 20, 30)]
    f = run(con, "EH08", {"parenting_programmes": [
        dict(participant_id=p, programme=g, start_date=d(s), end_date=d(e) if e else None, completed=c,
             pre_score=pre, post_score=post) for p, g, s, e, c, pre, post in rows]})
    assert get(f, "eh08_reliable_improvement_pct", "2023-24") == (2, 3)
    assert get(f, "eh08_reliable_improvement_pct", "2023-24", "programme", "freedom") == (1, 1)
    assert get(f, "eh08_reliable_improvement_count", "2023-24") == (2, None)
    assert get(f, "eh08_mean_score_change", "2023-24") == (16, 3)  # 6 + 5 + 5
    assert get(f, "eh08_starts_count", "2023-24") == (5, None)
    assert get(f, "eh08_completions_count", "2023-24") == (4, None)
    assert get(f, "eh08_completion_pct", "2023-24") == (4, 5)
    # 2022-23, the extract's first year: starts are whole, completions (by end date) are not.
    assert get(f, "eh08_starts_count", "2022-23") == (1, None)
    for m in ("eh08_completions_count", "eh08_reliable_improvement_pct", "eh08_mean_score_change"):
        assert "2022-23" not in periods(f, m), m


def test_eh09_first_time_entrants_and_reoffending(con):
    def out(i, child, offence, outcome, age, sex="F"):
        return dict(outcome_id=f"O{i}", child_id=child, offence_date=d(offence), outcome_date=d(outcome),
                    outcome_type="youth_caution", age_at_offence=age, sex=sex, ward_code="E05000001")
    f = run(con, "EH09", {
        "yos_outcomes": [out(1, "K2", "2022-03-01", "2022-04-05", 15),   # K2 first: 2022
                         out(2, "K2", "2023-03-15", "2023-05-01", 16),   # re-offence within 12 months
                         out(3, "K1", "2023-02-01", "2023-03-01", 14),   # K1 first: 2023
                         out(4, "K3", "2023-07-01", "2023-08-01", 16, "M"),  # K3 first: 2023
                         out(5, "K4", "2024-09-01", "2024-10-05", 12)],  # data as at October 2024
        "population": [dict(year=2023, ward_code="E05000001", age=a, sex=s, population=125)
                       for a in range(10, 18) for s in "FM"],
    })
    # 2023: K1 and K3 per 2,000 children aged 10-17 (2022 and 2024 have no population).
    assert get(f, "eh09_fte_per_100k", "2023") == (2, 2000)
    assert get(f, "eh09_fte_per_100k", "2023", "sex", "F") == (1, 1000)
    assert get(f, "eh09_fte_per_100k", "2023", "age_band", "10-14") == (1, 1250)  # 5 ages x 2 x 125
    assert periods(f, "eh09_fte_per_100k") == ["2023"]
    assert get(f, "eh09_fte_count", "2023") == (2, None)
    # 2022-23 cohort: K2 (index 2022-04-05, re-offended) and K1 (2023-03-01, did not).
    assert get(f, "eh09_reoffending_pct", "2022-23") == (1, 2)
    assert get(f, "eh09_reoffences_per_reoffender", "2022-23") == (1, 1)
    # 2023-24 needs data to 30 September 2025: not yet.
    assert periods(f, "eh09_reoffending_pct") == ["2022-23"]


def test_eh09_quarantined_first_outcome_means_a_later_one_is_not_a_first_entry(con):
    def out(i, child, outcome, age=14):
        return dict(outcome_id=f"O{i}", child_id=child, offence_date=d(outcome), outcome_date=d(outcome),
                    outcome_type="youth_caution", age_at_offence=age, sex="F", ward_code="E05000001")
    population = [dict(year=2023, ward_code="E05000001", age=a, sex=s, population=125)
                  for a in range(10, 18) for s in "FM"]
    outcomes = [out(0, "Q0", "2022-01-10"), out(1, "Q1", "2023-03-01"), out(2, "Q2", "2023-04-01"),
                out(3, "Q3", "2023-05-01"),
                out(4, "Q4", "2024-12-20")]
    quarantine = [
        # Q1 had an outcome in 2022 whose record failed a check (age 8): 2023 is not Q1's first entry.
        dict(source="yos_outcomes", record=dict(outcome_id="OX", child_id="Q1", offence_date="01/02/2022",
                                                outcome_date="01/03/2022", age_at_offence="8")),
        # Q2's quarantined record is later than the loaded one: Q2 still entered in 2023.
        dict(source="yos_outcomes", record=dict(outcome_id="OY", child_id="Q2", outcome_date="2023-06-01")),
        # Unreadable date, a blank child, another source, a malformed line: no evidence of anything.
        dict(source="yos_outcomes", record=dict(child_id="Q3", outcome_date="not a date")),
        dict(source="yos_outcomes", record=dict(child_id=" ", outcome_date="01/01/2020")),
        dict(source="cme", record=dict(child_id="Q3", outcome_date="01/01/2020")),
        dict(source="yos_outcomes", record=dict(raw="Q3,01/01/2020,,")),
    ]
    f = run(con, "EH09", {"yos_outcomes": outcomes, "population": population}, quarantine)
    assert get(f, "eh09_fte_per_100k", "2023") == (2, 2000)  # Q2 and Q3; not Q1
    assert get(f, "eh09_fte_count", "2023") == (2, None)
    g = run(con, "EH09", {"yos_outcomes": outcomes, "population": population})
    assert get(g, "eh09_fte_count", "2023") == (3, None)


def test_eh09_reoffending_window_is_calendar_months_inclusive(con):
    def out(i, child, offence, outcome):
        return dict(outcome_id=f"O{i}", child_id=child, offence_date=d(offence), outcome_date=d(outcome),
                    outcome_type="youth_caution", age_at_offence=15, sex="M", ward_code="E05000001")
    f = run(con, "EH09", {"yos_outcomes": [
        out(0, "Z0", "2022-03-01", "2022-03-10"),                                      # the extract begins
        # Index dates 15 May 2023: the window for a further offence is 16 May 2023 - 15 May 2024,
        # proven (outcome dated) by 15 November 2024.
        out(1, "R1", "2023-05-01", "2023-05-15"), out(2, "R1", "2024-05-15", "2024-11-15"),  # both edges: yes
        out(3, "R2", "2023-05-01", "2023-05-15"), out(4, "R2", "2024-05-16", "2024-06-01"),  # a day late: no
        out(5, "R3", "2023-05-01", "2023-05-15"), out(6, "R3", "2024-01-10", "2024-11-16"),  # proven late: no
        out(7, "R4", "2023-05-01", "2023-05-15"), out(8, "R4", "2023-05-15", "2023-06-01"),  # same day: no
        out(9, "Z9", "2025-09-20", "2025-10-02")]})                                    # data to Oct 2025
    assert get(f, "eh09_reoffending_pct", "2023-24") == (1, 4)


def test_eh10_adult_services(con):
    f = run(con, "EH10", {
        "adult_referrals": [dict(referral_id=f"R{i}", referral_date=d(day), referring_service=s,
                                 parent_took_up_support=t)
                            for i, (day, s, t) in enumerate([("2023-05-01", "housing", True),
                                                             ("2023-09-01", "housing", False),
                                                             ("2024-01-01", "probation", True),
                                                             ("2024-04-02", "housing", True)])],
        "early_help_episodes": [ep(1, "C1", "2023-05-01", contrib="adult_services;school"),
                                ep(2, "C2", "2023-06-01", contrib="school"),
                                ep(3, "C3", "2024-04-03")],
        "practitioner_feedback": [dict(response_id=f"P{i}", agency="health", response_date=d("2023-12-31"),
                                       know_how_to_refer=s) for i, s in enumerate([5, 4, 2])],
    })
    assert get(f, "eh10_adult_referrals_count", "2023-24") == (3, None)
    assert get(f, "eh10_adult_referrals_count", "2023-24", "service", "housing") == (2, None)
    assert get(f, "eh10_parents_took_up_count", "2023-24") == (2, None)
    assert get(f, "eh10_parents_took_up_pct", "2023-24") == (2, 3)
    assert get(f, "eh10_adult_contribution_pct", "2023-24") == (1, 2)
    assert get(f, "eh10_know_how_to_refer_pct", "2023") == (2, 3)


def test_eh11_behaviour_and_semh_exclusions(con):
    f = run(con, "EH11", {
        "pupil_population": PUPILS_2023,
        "exclusions": [excl(1, "A", "secondary", False, "suspension", reason="PD"),
                       excl(2, "B", "primary", False, "suspension", reason="VA", sen="SEMH"),
                       excl(3, "C", "secondary", True, "permanent", reason="PD", sen="SEMH"),  # counted once
                       excl(4, "D", "secondary", True, "suspension", reason="DM", start="2024-07-02")],
        "behaviour_panels": [dict(referral_id=f"B{i}", child_id="A", referral_date=d(day), panel="fair_access",
                                  outcome=o, phase="secondary")
                             for i, (day, o) in enumerate([("2023-10-01", "alternative_provision"),
                                                           ("2024-01-01", "managed_move"),
                                                           ("2024-07-10", "no_action")])],
    })
    assert get(f, "eh11_behaviour_semh_excl_per_100", "2023/24") == (3, 1000)
    assert get(f, "eh11_behaviour_semh_excl_per_100", "2023/24", "reason", "persistent_disruption") == (2, 1000)
    assert get(f, "eh11_behaviour_semh_excl_per_100", "2023/24", "reason", "semh_other_reason") == (1, 1000)
    assert get(f, "eh11_behaviour_semh_excl_per_100", "2023/24", "phase", "secondary") == (2, 600)
    assert get(f, "eh11_behaviour_semh_excl_per_100", "2023/24", "category", "permanent") == (1, 1000)
    assert get(f, "eh11_panel_referrals_count", "2023/24") == (3, None)
    assert get(f, "eh11_ap_placements_count", "2023/24") == (1, None)


def test_eh12_audit_ratings(con):
    ratings = [("good", "good", "inadequate"), ("outstanding", "requires_improvement", "good"),
               ("requires_improvement", "good", "good"), ("inadequate", "inadequate", "outstanding")]
    f = run(con, "EH12", {
        "early_help_episodes": [ep(1, "C1", "2023-04-01", locality="keynsham"), ep(2, "C2", "2023-04-01")],
        "assessment_audits": [dict(audit_id=f"A{i}", episode_id=f"E{1 + i % 2}", audit_date=d(f"2024-0{i + 1}-01"),
                                   overall_rating=o, assessment_rating=o, plan_rating=p, review_rating=o,
                                   voice_of_child_rating=v, information_sharing_evidenced=True)
                              for i, (o, p, v) in enumerate(ratings)]})
    # Dates Jan-Apr 2024: the April audit is 2024-25 (incomplete); 2023-24 has the first three.
    assert get(f, "eh12_audits_good_pct", "2023-24") == (2, 3)
    assert get(f, "eh12_audits_good_pct", "2023-24", "locality", "keynsham") == (1, 2)  # A0, A2
    assert get(f, "eh12_audits_count", "2023-24") == (3, None)
    assert get(f, "eh12_plan_good_pct", "2023-24") == (2, 3)
    assert get(f, "eh12_voice_of_child_good_pct", "2023-24") == (2, 3)
    assert periods(f, "eh12_audits_good_pct") == ["2023-24"]


def test_a_source_is_as_at_the_month_end_of_its_latest_dated_event(con):
    # Episodes: latest start 5 Jan 2024, latest closure 2 Mar 2024 -> as at 31 Mar 2024.
    # Audits (one date column): latest audit 30 Apr 2024 -> as at 30 Apr 2024.
    create_stg_tables(con, {
        "early_help_episodes": pd.DataFrame({"start_date": [d("2023-06-01"), d("2024-01-05")],
                                             "closure_date": [d("2024-03-02"), None]}),
        "assessment_audits": pd.DataFrame({"audit_date": [d("2024-04-30"), d("2023-12-01")]}),
    })
    con.execute(cat.as_at_macros(("early_help_episodes", "assessment_audits")))
    got = con.execute("select early_help_episodes_as_at(), assessment_audits_as_at()").fetchone()
    assert got == (d("2024-03-31"), d("2024-04-30"))


def test_every_as_at_an_indicator_calls_is_a_rule_of_one_of_its_sources():
    from sources.catalogue import AsAt, Source

    for ind in cat.indicators():
        called = set(re.findall(r"\b(\w+)_as_at\(\)", cat.sql_text(ind)))
        assert called <= {s for s in ind.sources if cat.sources.BY_NAME[s].as_at}, ind.id
    with pytest.raises(ValueError, match="must be date columns"):
        Source("x", "X", "us", "a row", "month", 30, (), key=(), as_at=AsAt(("start_date",)))
