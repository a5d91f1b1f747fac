"""Local spellings (Annex A referral sources as councils type them) map through the explicit,
editable table in the settings folder, matched whole after normalising, never by substring;
every value not in it is counted and named (issue 23)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelines.prepare import PrepareError, prepare, spellings
from pipelines.prepare.annex_a import referral_source
from pipelines.settings import paths as resolve_paths
from sources.generate.writers import write_workbook


def test_normalising_and_whole_matches_only(tmp_path):
    table = spellings.load(resolve_paths(tmp_path / "data"))
    assert referral_source("Mother", table) == ("individual", False)        # never 'other'
    assert referral_source("Nursery", table) == ("school", False)           # never 'nurse' (health)
    assert referral_source("  CHILDREN'S   social-care ", table) == ("la_services", False)
    assert referral_source("A&E", table) == ("health", False)
    assert referral_source("q) 6: Police", table) == ("police", False)      # a CIN code, by the code table
    assert referral_source("3", table) == ("health", False)                 # 3A-3F are all health
    assert referral_source("Mothers union outreach", table) == (None, True) # no substring match
    assert referral_source("Otherwise engaged", table) == (None, True)
    assert referral_source("", table) == (None, False)


def test_unmapped_counted_named_and_the_table_is_the_councils_to_extend(tmp_path, key):
    p = resolve_paths(tmp_path / "data")
    rows = [["Child ID", "Gender", "Date of Birth", "Date of Referral", "Referral Source"]]
    values = ["Mother", "Nursery", "Mothers union outreach", "Mothers union outreach", "Police"]
    for i, value in enumerate(values * 10):
        rows.append([100 + i, "M", "2015-01-01", f"2024-{(i % 12) + 1:02d}-0{1 + i % 9}" if i % 12 < 9
                     else f"2025-{(i % 12) - 8:02d}-0{1 + i % 9}", value])
    book = tmp_path / "annex.xlsx"
    write_workbook({"List 3": rows}, book)
    result = prepare("annex-a", [book], p, partial_years=True)
    assert result.run["unmapped"] == {"referral_source": {"Mothers union outreach": 20}}
    assert "referral_source 'Mothers union outreach': 20 row(s)" in result.report()
    assert result.status == "set_aside"
    manifest = json.loads((p.data_dir / "prepare_manifest.json").read_text())
    assert manifest["runs"][-1]["unmapped"] == {"referral_source": {"Mothers union outreach": 20}}
    out = pd.concat(pd.read_csv(f, dtype=str) for f in sorted(p.landing.glob("*.csv")))
    assert out["referral_source"].value_counts().to_dict() == {"individual": 10, "school": 10, "police": 10}
    # The table was copied into the settings folder; the officer adds the value there.
    table = p.settings / spellings.NAME
    assert table.is_file()
    with table.open("a", encoding="utf-8") as f:
        f.write("referral_source,Mothers' Union outreach,other\n")
    result = prepare("annex-a", [book], p, partial_years=True)
    assert "unmapped" not in result.run
    out = pd.concat(pd.read_csv(f, dtype=str) for f in sorted(p.landing.glob("*_v2.csv")))
    assert out["referral_source"].value_counts().to_dict()["other"] == 20
    # A code that is not the catalogue's is refused, naming the row.
    with table.open("a", encoding="utf-8") as f:
        f.write("referral_source,Granny,grandma\n")
    with pytest.raises(PrepareError, match=r"row \d+: 'grandma' is not a referral_source code"):
        prepare("annex-a", [book], p, partial_years=True)


def test_a_workbook_given_as_a_cin_census_is_refused_with_the_command_to_use(tmp_path, key):
    book = tmp_path / "Annex_A.xlsx"
    write_workbook({"List 3": [["Child ID", "Date of Referral", "Referral Source"], ["1", "2024-05-01", "Police"]]},
                   book)
    with pytest.raises(PrepareError, match=r"Annex_A.xlsx: this looks like an annex-a file, not cin-census: "
                                           r"give it to `oba prepare annex-a`"):
        prepare("cin-census", [book], resolve_paths(tmp_path / "data"))

