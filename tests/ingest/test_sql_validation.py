"""Validation in DuckDB (``sql_validation``) judges exactly as ``validation.check_many``: the same
records staged with the same typed values, the same quarantine rows (row, column, check, value,
reason), for random batches of hostile cells of every source, several deliveries at once.

Each batch is written to ``raw_<source>`` of a real DuckDB file, validated there, and compared
with ``check_many`` of the same text frames."""

from __future__ import annotations

import random

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.ingest import loading, sql_validation
from pipelines.ingest.extracts import ROW, Extract
from pipelines.ingest.validation import MAX_CELL_CHARS, check_many
from sources.catalogue import SOURCES, get

SPACES = ["", " ", "  ", "\t", "\u00a0", "\u2003", "\x1c", "\n"]
ODD = ["Total", " total ", "TOTAL", "Grand Total", "ＴＯＴＡＬ", "n/a", "-", "?", "NULL", "é", "E05０１２３４５",
       "٣", "\x00", "x\x00y", "'; drop table quarantine; --", "😀", "\u202eabc", "e\u0301",
       "x" * (MAX_CELL_CHARS + 1), "ü" * (MAX_CELL_CHARS // 2 + 1), "'quoted'", "a;b", ";", "\u200b"]
BY_TYPE = {
    "int": ["0", "1", "5", "16", "17", "18", "19", "-1", "+3", "1,000", "1,2", "3.0", "3.5", "1e3", "inf", "nan",
            "007", "99999999999999999999", "١٢", "１２", "2", "3", "10", "12"],
    "float": ["0", "1.5", "-0", "0.1", "90", "90.0", "90.5", "1e2", "nan", "-inf", ".5", "5.", "1,234.5",
              "12345678901234567", "45.25"],
    "date": ["01/04/2024", "1/4/2024", "31/04/2024", "29/02/2024", "29/02/2023", "2024-04-01", "2024-4-1",
             "01-04-2024", "01/04/24", "01/04/2024 00:00:00", "2024-04-01 10:30:00", "2024-04-01T10:30:00",
             "2024/04/01", "31/12/9999", "01/01/1999", "04/25/2024", "01/04/2099", "2024-02-30", "1.4.2024",
             "01/01/2000", "15/09/2023", "01/09/2023"],
    "bool": ["0", "1", "Y", "n", "yes", "NO", "true", "False", "t", "F", "2", "ja", "yes "],
}


def _pool(column) -> list[str]:
    base = BY_TYPE.get(column.type, [])
    if column.codes:
        base = base + [str(c) for c in column.codes] + [str(c).lower() for c in column.codes][:3] + ["ZZ", "99"]
    if column.type == "str":
        base = base + ["E05001234", "E0500123", "E05001234 ", "2024/25", "2024/26", "1999/00", "2024-SPR",
                       "2024-spr", "0123456789abcdef", "EH0001", "EH0001", "a b", "x"]
    return base + ODD[:6]


def _cell(rng: random.Random, pool: list[str]) -> str | None:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.12:
        return rng.choice(SPACES)
    if roll < 0.16:
        return rng.choice(ODD)
    value = rng.choice(pool)
    if roll < 0.25:
        value = rng.choice(SPACES) + value + rng.choice(SPACES)
    return value


def _frames(source, rng: random.Random, deliveries: int, rows: int) -> list[pd.DataFrame]:
    pools = {c.name: _pool(c) for c in source.columns}
    # A small pool of keys so that repeats happen within a delivery.
    keys = {k: [f"K{n}" for n in range(rows // 3 + 1)] for k in source.key}
    frames = []
    for _ in range(deliveries):
        data = {c.name: [(rng.choice(keys[c.name]) if c.name in keys and rng.random() < 0.9
                          else _cell(rng, pools[c.name])) for _ in range(rows)] for c in source.columns}
        frame = pd.DataFrame({c: pd.array(v, dtype="string") for c, v in data.items()})
        frame.insert(0, ROW, pd.array(np.arange(2, rows + 2), dtype="Int64"))
        frames.append(frame)
    return frames


def _normal(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple("<NA>" if pd.isna(v) else str(v) for v in row) for row in frame.itertuples(index=False))


def _by_sql(tmp_path, source, frames):
    db = tmp_path / f"{source.name}.duckdb"
    with duckdb.connect(str(db)) as con:
        loading.ensure_tables(con, source)
        hashes = [f"h{n}" for n in range(len(frames))]
        origins = [{"source_file": f"f{n}.csv", "file_hash": h, "delivery_period": "2024-25",
                    "loaded_at": pd.Timestamp("2026-01-01")} for n, h in enumerate(hashes)]
        loading._insert(con, f"raw_{source.name}", frames, origins)
        done = sql_validation.validate(con, source, hashes, origins)
        assert done is not None, "validation in DuckDB declined a catalogue source"
        cols = ", ".join(f'"{c}"' for c in [ROW, *source.column_names])
        staged = [con.execute(f'select {cols} from "stg_{source.name}" where file_hash = ?', [h]).df()
                  for h in hashes]
    return done, staged


@pytest.mark.parametrize("name", [s.name for s in SOURCES])
def test_duckdb_and_pandas_judge_every_record_alike(tmp_path, name):
    _compare(tmp_path, name, f"sql-validation-{name}", deliveries=2, rows=80)


@pytest.mark.parametrize("seed", range(1, 6))
def test_more_random_batches_judged_alike(tmp_path, seed):
    """More seeds, larger batches, every source (the slow tier)."""
    for source in SOURCES:
        _compare(tmp_path / source.name, source.name, f"{seed}-{source.name}", deliveries=3, rows=200)


def _compare(tmp_path, name, seed, deliveries, rows):
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = get(name)
    rng = random.Random(seed)
    frames = _frames(source, rng, deliveries=deliveries, rows=rows)
    want = check_many([Extract(path=None, file_hash=f"h{n}", encoding="utf-8", frame=f)
                       for n, f in enumerate(frames)], source)
    done, staged = _by_sql(tmp_path, source, frames)
    assert done.rows_loaded == [w.rows_loaded for w in want]
    for d, w in enumerate(want):
        got_q = done.quarantine[done.quarantine["_delivery"] == d].drop(columns="_delivery")
        assert _normal(got_q) == _normal(w.quarantine), (name, d)
        valid, got = w.valid.copy(), staged[d]
        for c in source.columns:
            if c.type == "date":
                valid[c.name] = pd.to_datetime(valid[c.name]).dt.strftime("%Y-%m-%d")
                got[c.name] = pd.to_datetime(got[c.name]).dt.strftime("%Y-%m-%d")
        assert _normal(got) == _normal(valid), (name, d)
    # The batches do exercise the rules: something typed, something failed of each kind.
    checks = set(done.quarantine["check_name"])
    assert any(c.startswith("type:") for c in checks) or all(c.type == "str" for c in source.columns)
    assert sum(done.rows_loaded) > 0 or not len(done.quarantine) == 0


def test_a_check_without_an_sql_form_is_left_to_pandera(tmp_path, monkeypatch):
    """A check that has no SQL form (a plain ``pa.Check`` some schema adds) makes the DuckDB
    path decline, writing nothing, so ``check_many`` judges the batch."""
    source = get("neet")
    frames = _frames(source, random.Random(1), deliveries=1, rows=30)
    monkeypatch.setattr(sql_validation.schema_sql, "predicate", lambda check, column, type_: None)
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        loading.ensure_tables(con, source)
        origins = [{"source_file": "f.csv", "file_hash": "h", "delivery_period": "2024-04",
                    "loaded_at": pd.Timestamp("2026-01-01")}]
        loading._insert(con, "raw_neet", frames, origins)
        assert sql_validation.validate(con, source, ["h"], origins) is None
        assert con.execute("select count(*) from stg_neet").fetchone()[0] == 0
        assert not con.execute("select table_name from duckdb_tables() where temporary").fetchall()


def test_the_setting_names_its_choices(monkeypatch):
    monkeypatch.setenv(sql_validation.SETTING, "pandas")
    assert sql_validation.engine() == "pandas"
    monkeypatch.setenv(sql_validation.SETTING, "spark")
    with pytest.raises(ValueError, match="duckdb, pandas"):
        sql_validation.engine()


def test_oba_validate_reports_alike_with_either_engine(tmp_path, monkeypatch):
    """``oba validate FILE`` judges in DuckDB as the pipeline does; its report is word for word
    the one ``check_many`` gives (malformed records, type failures, codes, keys, summary rows)."""
    from pipelines.ingest.validate_file import report

    header = "extract_month,child_id,academic_age,activity_code,send,care_leaver,young_parent,youth_justice,ward_code,sex\n"
    rows = [f"01/04/2024,{n:016x},17,110,0,0,0,0,E05001234,F\n" for n in range(40)]
    rows += ["01/04/2024,00000000000000aa,25,999,0,0,0,0,E0500123,X\n",      # range, code, ward, sex
             "31/04/2024,00000000000000ab,17,110,maybe,0,0,0,E05001234,F\n",  # no such day, not a yes/no
             "01/04/2024,0000000000000001,17,110,0,0,0,0,E05001234,F\n",      # a repeated key
             "Total,,,,,,,,,\n", "01/04/2024,00000000000000ac,17\n"]           # a summary row; a malformed record
    path = tmp_path / "neet_2024-04.csv"
    path.write_text(header + "".join(rows))
    monkeypatch.setenv(sql_validation.SETTING, "pandas")
    by_pandas = report(path, "neet")
    monkeypatch.setenv(sql_validation.SETTING, "duckdb")
    by_duckdb = report(path, "neet")
    assert by_duckdb == by_pandas
    assert "40 rows would load, 5 would be quarantined" in by_duckdb[0], by_duckdb[0]
