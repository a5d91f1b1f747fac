"""Hand-made staged tables for the indicator tests.

``create_stg_tables`` builds every ``stg_<source>`` table exactly as the ingestion does
(catalogue columns with their DuckDB types, plus the load metadata columns), empty unless
rows are given. ``synthetic_frames`` makes several years of plausible random rows for the
whole-pipeline tests and the timing check; its numbers are not used as expected answers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.ingest.parsing import DUCKDB_TYPES
from pipelines.warehouse import read_sql, registered

ROOT = Path(__file__).resolve().parents[1]
from sources import codes
from sources.catalogue import SOURCES

META = {"source_file": "VARCHAR", "file_hash": "VARCHAR", "source_row": "BIGINT",
        "delivery_period": "VARCHAR", "loaded_at": "TIMESTAMP"}
BENCHMARK_COLUMNS = {
    "measure_id": "VARCHAR", "period": "VARCHAR", "period_start": "DATE", "period_end": "DATE",
    "published_measure": "VARCHAR", "la_published_value": "DOUBLE", "england_value": "DOUBLE",
    "region_value": "DOUBLE", "sn_mean": "DOUBLE", "sn_median": "DOUBLE", "sn_n": "BIGINT",
    "quartile_band": "VARCHAR", "national_rank": "BIGINT", "n_las": "BIGINT",
    "is_plausible": "BOOLEAN", "other_la_values": "DOUBLE[]",
}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def create_stg_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame] | None = None,
                      quarantine: list[dict] | None = None) -> None:
    """Create all 17 staged tables; fill those named in ``frames`` (missing columns NULL).
    The ingestion tables (load_log, quarantine) exist as after any ingest; ``quarantine``
    rows (source, record as a dict of the delivered fields) are the only quarantined records:
    each is a quarantine row and its row as delivered in raw_<source>."""
    frames = frames or {}
    con.execute(read_sql(ROOT / "pipelines" / "ingest" / "sql" / "ingest_tables.sql"))
    con.execute("delete from quarantine")
    for s in SOURCES:
        # Rows as delivered: every column text, with the origin columns.
        cols = ", ".join(f'"{c}" VARCHAR' for c in s.column_names)
        con.execute(f'create or replace table "raw_{s.name}" ({cols}, source_file VARCHAR, file_hash VARCHAR, '
                    'source_row BIGINT, delivery_period VARCHAR, loaded_at TIMESTAMP)')
    for i, q in enumerate(quarantine or []):
        # A quarantined record: its row as delivered in raw_<source>, and one failed check.
        con.execute("insert into quarantine (source, source_file, file_hash, source_row, check_name, reason, "
                    "quarantined_at) values (?, 'test.csv', 'test', ?, 'test', 'test', now())", [q["source"], i + 2])
        # A malformed record (wrong number of fields) never reaches raw_<source>.
        known = {c for s in SOURCES if s.name == q["source"] for c in s.column_names}
        names = [n for n in q["record"] if n in known]
        if not names:
            continue
        con.execute(f'insert into "raw_{q["source"]}" ({", ".join(chr(34) + n + chr(34) for n in names)}, '
                    f'source_file, file_hash, source_row) values ({", ".join("?" for _ in names)}, '
                    "'test.csv', 'test', ?)", [None if q["record"][n] is None else str(q["record"][n])
                                               for n in names] + [i + 2])
    unknown = set(frames) - {s.name for s in SOURCES}
    if unknown:
        raise KeyError(f"not sources: {sorted(unknown)}")
    for s in SOURCES:
        cols = {c.name: DUCKDB_TYPES[c.type] for c in s.columns} | META
        ddl = ", ".join(f'"{n}" {t}' for n, t in cols.items())
        con.execute(f"create or replace table stg_{s.name} ({ddl})")
        frame = frames.get(s.name)
        if frame is None or frame.empty:
            continue
        extra = set(frame.columns) - set(cols)
        if extra:
            raise KeyError(f"{s.name}: not catalogue columns: {sorted(extra)}")
        full = frame.copy()
        full["source_file"] = f"{s.name}_test.csv"
        full["file_hash"] = "test"
        full["source_row"] = range(2, len(full) + 2)
        full["delivery_period"] = "test"
        full["loaded_at"] = pd.Timestamp("2026-01-01")
        select = ", ".join(f'cast("{n}" as {t}) as "{n}"' if n in full.columns
                           else f'cast(null as {t}) as "{n}"' for n, t in cols.items())
        with registered(con, "_frame", full):
            con.execute(f"insert into stg_{s.name} select {select} from _frame")


def create_benchmark_values(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame | None = None) -> None:
    ddl = ", ".join(f"{n} {t}" for n, t in BENCHMARK_COLUMNS.items())
    con.execute(f"create or replace table benchmark_values ({ddl})")
    if frame is not None and not frame.empty:
        select = ", ".join(f"cast({n} as {t})" if n in frame.columns else f"cast(null as {t})"
                           for n, t in BENCHMARK_COLUMNS.items())
        with registered(con, "_b", frame):
            con.execute(f"insert into benchmark_values select {select} from _b")


# ------------------------------------------------------------------------------------------
# Synthetic volumes: ten years at roughly B&NES scale (the whole-pipeline and timing tests)
# ------------------------------------------------------------------------------------------

WARDS = [f"E0500{n:04d}" for n in range(1, 34)]
LOCALITIES = list(codes.LOCALITIES)


def _dates(rng, start: dt.date, end: dt.date, n: int) -> np.ndarray:
    days = (end - start).days
    return (np.datetime64(start) + rng.integers(0, days + 1, n).astype("timedelta64[D]")).astype(
        "datetime64[D]")


def synthetic_frames(first_year: int = 2015, last_year: int = 2024, scale: float = 1.0,
                     seed: int = 7) -> dict[str, pd.DataFrame]:
    """Random staged rows covering financial / academic / calendar years first..last.

    Periods are complete: event data run to 31 March / 31 August / 31 December of the
    last year's period, and the follow-up sources run 18 months further.
    """
    rng = np.random.default_rng(seed)
    start, end = dt.date(first_year, 4, 1), dt.date(last_year + 1, 3, 31)
    later = dt.date(last_year + 2, 12, 31)
    n = lambda k: max(1, int(k * scale * (last_year - first_year + 1)))  # noqa: E731
    f: dict[str, pd.DataFrame] = {}
    children = np.array([f"C{i:06d}" for i in range(n(5000))])

    k = n(1800)
    starts = _dates(rng, start, end - dt.timedelta(days=30), k)
    length = rng.integers(30, 400, k).astype("timedelta64[D]")
    closes = starts + length
    reason = rng.choice(list(codes.CLOSURE_REASONS), k, p=[.5, .1, .1, .1, .05, .1, .05])
    f["early_help_episodes"] = pd.DataFrame({
        "episode_id": [f"E{i}" for i in range(k)], "child_id": rng.choice(children, k),
        "family_id": [f"F{i}" for i in rng.integers(0, k // 2, k)], "start_date": starts,
        "level": rng.choice([2, 3], k),
        "initiating_agency": rng.choice(list(codes.AGENCIES), k),
        "contributing_agencies": rng.choice(["school;health", "housing", "police;school", None,
                                             "adult_services"], k),
        "closure_date": np.where(closes <= np.datetime64(end), closes, np.datetime64("NaT")),
        "closure_reason": reason, "ward_code": rng.choice(WARDS, k),
        "locality": rng.choice(LOCALITIES, k), "age": rng.integers(0, 18, k),
        "sex": rng.choice(["F", "M", "U"], k, p=[.48, .5, .02]), "imd_decile": rng.integers(1, 11, k),
    })
    f["early_help_episodes"].loc[f["early_help_episodes"]["closure_date"].isna(), "closure_reason"] = None

    k = n(1500)
    ref = _dates(rng, start, later, k)
    f["social_care_referrals"] = pd.DataFrame({
        "referral_id": [f"R{i}" for i in range(k)], "child_id": rng.choice(children, k),
        "referral_date": ref, "referral_source": rng.choice(list(codes.REFERRAL_SOURCES), k),
        "outcome": rng.choice(list(codes.REFERRAL_OUTCOMES), k, p=[.4, .3, .2, .07, .03]),
        "outcome_date": ref + rng.integers(5, 60, k).astype("timedelta64[D]"),
    })
    k = n(1000)
    f["family_feedback"] = pd.DataFrame({
        "response_id": [f"FB{i}" for i in range(k)],
        "episode_id": rng.choice(f["early_help_episodes"]["episode_id"], k),
        "respondent": rng.choice(list(codes.RESPONDENTS), k), "response_date": _dates(rng, start, end, k),
        "support_helpful": rng.integers(1, 6, k), "better_supported_wellbeing": rng.integers(1, 6, k),
    })
    k = n(300)
    f["practitioner_feedback"] = pd.DataFrame({
        "response_id": [f"P{i}" for i in range(k)], "agency": rng.choice(list(codes.AGENCIES), k),
        "response_date": _dates(rng, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31), k),
        "joint_working_score": rng.integers(1, 6, k), "know_how_to_refer": rng.integers(1, 6, k),
    })
    months = pd.date_range(f"{first_year}-09-01", f"{last_year + 1}-03-01", freq="MS")
    cohort = 3400
    f["neet"] = pd.DataFrame({
        "extract_month": np.repeat(months.values, cohort),
        "child_id": np.tile([f"Y{i}" for i in range(cohort)], len(months)),
        "academic_age": np.tile(rng.choice([16, 17], cohort), len(months)),
        "activity_code": rng.choice(["110", "130", "210", "540", "810", "910"], cohort * len(months),
                                    p=[.4, .38, .1, .03, .05, .04]),
        "send": False, "care_leaver": np.tile(rng.random(cohort) < .02, len(months)),
        "young_parent": False, "youth_justice": False,
        "ward_code": np.tile(rng.choice(WARDS, cohort), len(months)),
        "sex": np.tile(rng.choice(["F", "M"], cohort), len(months)),
    })
    ay0, ay1 = dt.date(first_year, 9, 1), dt.date(last_year + 1, 7, 20)
    k = n(300)
    cme_ref = _dates(rng, ay0, ay1, k)
    f["cme"] = pd.DataFrame({
        "case_id": [f"CME{i}" for i in range(k)], "child_id": rng.choice(children, k),
        "referral_date": cme_ref, "reason": rng.choice(list(codes.CME_REASONS), k),
        "resolved_date": cme_ref + rng.integers(5, 200, k).astype("timedelta64[D]"),
        "outcome": rng.choice(list(codes.CME_OUTCOMES), k), "age": rng.integers(5, 17, k),
        "ward_code": rng.choice(WARDS, k),
    })
    k = n(2500)
    ex_start = _dates(rng, ay0, ay1, k)
    ay_of = np.where(pd.DatetimeIndex(ex_start).month >= 9, pd.DatetimeIndex(ex_start).year,
                     pd.DatetimeIndex(ex_start).year - 1)
    f["exclusions"] = pd.DataFrame({
        "exclusion_id": [f"X{i}" for i in range(k)], "child_id": rng.choice(children, k),
        "school_id": rng.choice([f"S{i}" for i in range(80)], k),
        "phase": rng.choice(["primary", "secondary", "special"], k, p=[.3, .65, .05]),
        "academic_year": [f"{y}/{(y + 1) % 100:02d}" for y in ay_of], "start_date": ex_start,
        "category": rng.choice(["suspension", "permanent"], k, p=[.98, .02]),
        "sessions": rng.integers(1, 10, k).astype(float),
        "reason_code": rng.choice(list(codes.EXCLUSION_REASONS), k),
        "sen_primary_need": rng.choice(["SEMH", "ASD", None], k, p=[.15, .1, .75]),
        "fsm": rng.random(k) < .3, "year_group": rng.integers(0, 12, k),
    })
    years = range(first_year, last_year + 1)
    ays = [f"{y}/{(y + 1) % 100:02d}" for y in years]
    pop_rows = [(a, ph, yg, fsm, sen, int(rng.integers(100, 400)))
                for a in ays for ph, ygs in (("primary", range(0, 7)), ("secondary", range(7, 12)))
                for yg in ygs for fsm in (True, False) for sen in (None, "SEMH")]
    f["pupil_population"] = pd.DataFrame(pop_rows, columns=["academic_year", "phase", "year_group",
                                                            "fsm", "sen_primary_need", "headcount"])
    k = n(150)
    off = _dates(rng, dt.date(first_year, 1, 1), later, k)
    f["yos_outcomes"] = pd.DataFrame({
        "outcome_id": [f"O{i}" for i in range(k)], "child_id": rng.choice(children[:400], k),
        "offence_date": off, "outcome_date": off + rng.integers(10, 90, k).astype("timedelta64[D]"),
        "outcome_type": rng.choice(list(codes.YOS_OUTCOME_TYPES), k), "age_at_offence": rng.integers(10, 18, k),
        "sex": rng.choice(["F", "M"], k), "ward_code": rng.choice(WARDS, k),
    })
    k = n(2000)
    f["sheu_survey"] = pd.DataFrame({
        "respondent_id": [f"SH{i}" for i in range(k)], "survey_year": rng.choice(list(years), k),
        "school_id": "S1", "year_group": rng.choice([6, 8, 10, 12], k), "sex": rng.choice(["F", "M", "O"], k),
        "self_esteem_score": rng.integers(0, 21, k), "someone_to_talk_to": rng.random(k) < .8,
    })
    rows = []
    for a in ays:
        for stage, m in (("EYFS", 1800), ("KS2", 1800), ("KS4", 1700)):
            fsm = rng.random(m) < .2
            rows.append(pd.DataFrame({
                "child_id": [f"A{a}{stage}{i}" for i in range(m)], "academic_year": a, "stage": stage,
                "fsm": fsm, "disadvantaged": fsm | (rng.random(m) < .05),
                "gld": (rng.random(m) < np.where(fsm, .5, .72)) if stage == "EYFS" else None,
                "ks2_rwm_expected": (rng.random(m) < np.where(fsm, .4, .68)) if stage == "KS2" else None,
                "ks4_attainment8": rng.normal(np.where(fsm, 35, 50), 15).clip(0, 90) if stage == "KS4" else None,
                "sex": rng.choice(["F", "M"], m), "imd_decile": rng.integers(1, 11, m)}))
    f["attainment"] = pd.concat(rows, ignore_index=True)
    rows = []
    for y in range(first_year, last_year + 2):
        for term in ("AUT", "SPR", "SUM"):
            m = int(300 * scale)
            rows.append(pd.DataFrame({
                "child_id": [f"T{y}{i}" for i in range(m)], "term": f"{y}-{term}", "eligible": True,
                "took_up": rng.random(m) < .75, "provider_type": rng.choice(list(codes.PROVIDER_TYPES), m),
                "imd_decile": rng.integers(1, 11, m), "ward_code": rng.choice(WARDS, m)}))
    f["two_year_funding"] = pd.concat(rows, ignore_index=True)
    k = n(400)
    p_start = _dates(rng, start, end, k)
    done = rng.random(k) < .75
    pre = rng.integers(10, 45, k)
    f["parenting_programmes"] = pd.DataFrame({
        "participant_id": [f"PP{i}" for i in range(k)], "programme": rng.choice(list(codes.PROGRAMMES), k),
        "start_date": p_start, "end_date": p_start + rng.integers(60, 120, k).astype("timedelta64[D]"),
        "completed": done, "pre_score": pre,
        "post_score": np.where(done, np.clip(pre + rng.integers(-3, 15, k), 0, 60), None),
    })
    k = n(300)
    f["adult_referrals"] = pd.DataFrame({
        "referral_id": [f"AR{i}" for i in range(k)], "referral_date": _dates(rng, start, end, k),
        "referring_service": rng.choice(list(codes.ADULT_SERVICES), k),
        "parent_took_up_support": rng.random(k) < .6,
    })
    k = n(150)
    ratings = list(codes.AUDIT_RATINGS)
    f["assessment_audits"] = pd.DataFrame({
        "audit_id": [f"AU{i}" for i in range(k)],
        "episode_id": rng.choice(f["early_help_episodes"]["episode_id"], k),
        "audit_date": _dates(rng, start, end, k),
        **{c: rng.choice(ratings, k, p=[.1, .5, .3, .1]) for c in
           ("overall_rating", "assessment_rating", "plan_rating", "review_rating", "voice_of_child_rating")},
        "information_sharing_evidenced": rng.random(k) < .7,
    })
    k = n(200)
    f["behaviour_panels"] = pd.DataFrame({
        "referral_id": [f"BP{i}" for i in range(k)], "child_id": rng.choice(children, k),
        "referral_date": _dates(rng, ay0, ay1, k), "panel": rng.choice(list(codes.PANELS), k),
        "outcome": rng.choice(list(codes.PANEL_OUTCOMES), k), "phase": rng.choice(["primary", "secondary"], k),
    })
    f["population"] = pd.DataFrame(
        [(y, w, a, s, int(rng.integers(40, 80))) for y in range(first_year, last_year + 2)
         for w in WARDS for a in range(0, 26) for s in ("F", "M")],
        columns=["year", "ward_code", "age", "sex", "population"])
    return f
