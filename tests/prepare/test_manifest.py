"""What a prepared extract carries in the manifest (origin, months covered, what it replaces),
and that a partial year written over a fuller delivery is never silent (issue 23)."""

from __future__ import annotations

from pathlib import Path

from pipelines.prepare import prepare
from pipelines.settings import paths as resolve_paths


def test_a_partial_year_written_over_a_fuller_delivery_says_so(tmp_path, key):
    """Nothing replaces more than it brings without a word: a prepared partial year written as
    a re-issue of a fuller delivery names both, with rows and months (the loader holds it)."""
    from sources import catalogue

    p = resolve_paths(tmp_path / "data")
    p.landing.mkdir(parents=True)
    columns = catalogue.get("early_help_episodes").column_names
    fuller = p.landing / "early_help_episodes_2020-21.csv"
    fuller.write_text(",".join(columns) + "\n" + "".join(",".join(["x"] * len(columns)) + "\n" for _ in range(300)))
    annex = Path(__file__).parents[1] / "fixtures" / "statutory" / "annex_a" / "Annex_A.xlsx"
    result = prepare("annex-a", [annex], p, partial_years=True)
    out = next(o for o in result.run["outputs"] if o["source"] == "early_help_episodes")
    assert out["file"] == "early_help_episodes_2020-21_v2.csv"
    assert out["replaces"] == {"file": fuller.name, "rows": 300, "fewer": True}
    assert out["months_covered"] == ["2020-09", "2020-09"]
    assert out["origin"] == {"format": "annex-a", "files": ["Annex_A.xlsx"], "partial": True}
    assert "WARNING: 5 rows where 300 were delivered" in result.report()
