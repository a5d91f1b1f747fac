"""What validation catches does not shrink: ingesting the corpus of faulty deliveries leaves
exactly the warehouse recorded from the code before validation was made faster."""

from __future__ import annotations

import json

from validation_corpus import EXPECTED, ingest_all, make, signature


def test_corpus_ingests_to_the_recorded_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("OBA_AS_AT", "2026-10-31")
    landing = tmp_path / "landing"
    make(landing)
    ingest_all(landing, tmp_path / "w.duckdb")
    got = signature(tmp_path / "w.duckdb")
    want = json.loads(EXPECTED.read_text())
    assert sorted(got) == sorted(want)
    for table in ("quarantine", "load_log"):
        assert got[table] == want[table], table
    assert got == want
