"""``landing/published/`` is where an authority drops its own copies of published (DfE / ONS)
files for the benchmarks (docs/benchmarks.md): the landing scan never takes it for a
delivery, so it is not refused (and logged) on every run. Anything else that is a folder is."""

from __future__ import annotations

from pipelines.ingest.landing import REFUSED, scan


def test_the_published_folder_is_not_a_delivery(tmp_path):
    landing = tmp_path / "landing"
    (landing / "published").mkdir(parents=True)
    (landing / "published" / "ks2_la_2026.csv").write_text("a,b\n1,2\n")
    (landing / "population").mkdir()
    (landing / "neet_2026-01.csv").write_text("x\n")
    entries = {e.name: e for e in scan(landing)}
    assert "published" not in entries
    assert entries["population"].kind == REFUSED and "a folder" in entries["population"].message
    assert "neet_2026-01.csv" in entries
