"""The paper's data quality annex counts and names the local values the spellings table did
not map when statutory returns were prepared (issue 23), read from the prepare manifest:
identifier-like values masked, counts of 1 to 5 shown as c."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.outputs import gather, quality_annex, render
from pipelines.prepare import prepare, spellings
from pipelines.settings import paths as resolve_paths
from sample_warehouse import build_sample
from sources.generate.writers import write_workbook
from test_reports import tables_of

PHONE = "John Smith 07700 900123"     # a name and number typed in the field


def annex_a(path, values: list[str]):
    rows = [["Child ID", "Gender", "Date of Birth", "Date of Referral", "Referral Source"]]
    for i, value in enumerate(values):
        rows.append([100 + i, "M", "2015-01-01", f"2024-{(i % 12) + 1:02d}-{1 + i % 27:02d}", value])
    write_workbook({"List 3": rows}, path)
    return path


@pytest.fixture
def prepared(tmp_path, monkeypatch):
    monkeypatch.setenv("OBA_KEY_FILE", str(tmp_path / "private" / "oba.key"))   # a key outside the data
    p = resolve_paths(tmp_path / "data")
    values = ["Church group"] * 20 + ["Mother"] * 10 + ["Faith leader"] * 3 + [PHONE]
    prepare("annex-a", [annex_a(tmp_path / "annex.xlsx", values)], p, partial_years=True)
    return p


def test_unmapped_values_are_read_from_the_manifest_masked(prepared):
    got = quality_annex.unmapped_values(prepared.data_dir)
    assert {(r.field, r.value): r.rows for r in got.itertuples()} == {
        ("referral_source", "Church group"): 20, ("referral_source", "Faith leader"): 3,
        ("referral_source", "(a value that looks like an identifier, not shown)"): 1}
    assert set(got["format"]) == {"annex-a"}
    assert PHONE not in got.to_string()
    rows = quality_annex.unmapped_rows(got)
    assert rows[0] == ["annex-a", "referral_source", quality_annex.ALL_VALUES, "24"]
    shown = {r[2]: r[3] for r in rows[1:]}
    # 3 and 1 are hidden: 24 - 20 leaves 4 for the two, which cannot be split back.
    assert shown == {"Church group": "20", "Faith leader": "c",
                     "(a value that looks like an identifier, not shown)": "c"}


def test_the_same_file_prepared_again_counts_as_its_latest_run(prepared, tmp_path):
    with (prepared.settings / spellings.NAME).open("a", encoding="utf-8") as f:
        f.write("referral_source,Church group,other\n")
    prepare("annex-a", [tmp_path / "annex.xlsx"], prepared, partial_years=True)
    got = quality_annex.unmapped_values(prepared.data_dir)
    assert "Church group" not in set(got["value"]) and got["rows"].sum() == 4


def test_the_paper_names_them_in_the_quality_annex(prepared, tmp_path):
    db = build_sample(tmp_path / "sample" / "oba.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        html = render.html(gather.gather(con, data_dir=prepared.data_dir), dt.date(2026, 10, 5))[0]
        bare = render.html(gather.gather(con, data_dir=tmp_path / "none"), dt.date(2026, 10, 5))[0]
    table = tables_of(html)["unmapped-table"]
    assert table[0] == quality_annex.UNMAPPED_COLUMNS
    assert ["annex-a", "referral_source", "Church group", "20"] in table
    assert ["annex-a", "referral_source", "Faith leader", "c"] in table
    assert ["annex-a", "referral_source", quality_annex.ALL_VALUES, "24"] in table
    assert PHONE not in html and "07700" not in html
    assert "unmapped-table" not in bare           # nothing prepared: no table


def test_a_lone_hidden_value_is_not_left_to_subtraction():
    """One value of 1-5 beside a shown total would be the total minus the rest: the smallest
    other value is hidden too (the paper's secondary suppression)."""
    import pandas as pd

    frame = pd.DataFrame({"format": "annex-a", "field": "referral_source",
                          "value": ["Church group", "Faith leader", "Scout leader"], "rows": [20, 3, 9]})
    shown = {r[2]: r[3] for r in quality_annex.unmapped_rows(frame)}
    assert shown == {quality_annex.ALL_VALUES: "32", "Church group": "20", "Faith leader": "c", "Scout leader": "c"}
