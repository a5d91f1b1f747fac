"""Lookups in the warehouse (wards, localities, periods, authorities), the EH01 ward breakdown,
and the settings folder for the authority's own configuration."""

import duckdb
import pandas as pd
import pytest

from indicators import catalogue as indicator_catalogue
from pipelines.reference import lookups
from pipelines.release.publish import definitions_digest
from sources import lookups as ward_lookup
from pipelines.reference import benchmark_files as published


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    return demo_warehouse


def test_ward_and_locality_lookups_hold_the_ward_lookup_in_force(wh):
    got = wh.execute("select * from lookup_wards order by ward_code").df()
    want = ward_lookup.wards().sort_values("ward_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.astype(str), want.astype(str))
    localities = dict(wh.execute("select locality, wards from lookup_localities").fetchall())
    assert localities == want.groupby("locality").size().to_dict()


def test_every_period_of_the_values_has_its_dates_and_a_label(wh):
    missing = wh.execute("""select count(*) from (select distinct measure_id, period, period_type, period_start,
                                                  period_end from indicator_values) as v
                            anti join lookup_periods as p
                            using (measure_id, period, period_type, period_start, period_end)""").fetchone()[0]
    assert missing == 0
    labels = dict(wh.execute("select measure_id || '|' || period, label from lookup_periods").fetchall())
    assert labels["eh01_step_up_pct|2024-25"] == "Financial year 2024-25 (1 April 2024 to 31 March 2025)"
    assert all(labels.values())
    # A plain join on the key keeps every row: no row of the values is paired twice.
    n, joined = wh.execute("select count(*), (select count(*) from indicator_values join lookup_periods "
                           "using (measure_id, period)) from indicator_values").fetchone()
    assert n == joined


# Each lookup's key, as its description in tables.yaml states it.
LOOKUP_KEYS = {"lookup_wards": ("ward_code",), "lookup_localities": ("locality",),
               "lookup_periods": ("measure_id", "period"), "lookup_authorities": ("la_code",)}


@pytest.mark.parametrize("table", sorted(LOOKUP_KEYS))
def test_every_lookup_key_is_unique(wh, table):
    from pipelines import tables

    key = ", ".join(LOOKUP_KEYS[table])
    assert f"Key: ({key})" in tables.table(table).description or f"Key: {key}," in tables.table(table).description
    rows, keys = wh.execute(f"select count(*), count(distinct ({key})) from {table}").fetchone()
    assert rows > 0 and rows == keys, (table, rows, keys)
    assert wh.execute(f"select count(*) from {table} where " +
                      " or ".join(f"{c} is null" for c in LOOKUP_KEYS[table])).fetchone()[0] == 0


def test_the_authority_and_its_ten_neighbours(wh):
    rows = wh.execute("select la_code, role, neighbour_rank, region_name from lookup_authorities "
                      "order by neighbour_rank").fetchall()
    assert rows[0][:3] == ("800", "authority", 0) and rows[0][3] == "South West"
    assert [r[2] for r in rows[1:]] == list(range(1, 11)) and {r[1] for r in rows[1:]} == {"statistical neighbour"}


def test_eh01_has_a_ward_breakdown_named_through_the_lookup_and_disclosure_controlled(wh):
    wards = wh.execute("""select v.breakdown_value, w.ward_name, v.numerator, p.numerator as shown
                          from indicator_values as v
                          join indicator_values_published as p using (measure_id, period, breakdown, breakdown_value)
                          left join lookup_wards as w on w.ward_code = v.breakdown_value
                          where v.measure_id = 'eh01_step_up_pct' and v.breakdown = 'ward'""").fetchall()
    assert wards
    assert all(name for code, name, _, _ in wards if code != "unknown")       # every ward code has a name
    assert all(shown == "c" for _, _, n, shown in wards if 1 <= n <= 5)      # small counts hidden
    assert "ward" in indicator_catalogue.measures_frame().set_index("measure_id").loc["eh01_step_up_pct",
                                                                                      "breakdowns"]


def test_a_ward_lookup_in_the_settings_folder_replaces_the_packaged_one(tmp_path):
    settings = tmp_path / "settings"
    settings.mkdir()
    (settings / "wards.csv").write_text("ward_code,ward_name,locality,locality_name\n"
                                        "E05000001,Northtown,north,North\nE05000002,Southby,south,South\n"
                                        "E05000003,Eastham,north,North\n")
    con = duckdb.connect()
    assert lookups.write_wards(con, tmp_path) == str(settings / "wards.csv")
    assert con.execute("select locality, locality_name, wards from lookup_localities order by 1").fetchall() == [
        ("north", "North", 2), ("south", "South", 1)]
    (settings / "wards.csv").write_text("ward_code,ward_name,locality,locality_name\n"
                                        "E05000001,Northtown,north,North\nE05000003,Eastham,north,Northern\n")
    with pytest.raises(ValueError, match=r"settings/wards.csv: locality 'north' has more than one locality_name"):
        lookups.write_wards(con, tmp_path)


def test_an_unknown_authority_code_is_refused(demo_run, tmp_path):
    import shutil

    p, _, _ = demo_run
    shutil.copy(p.warehouse, tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(ValueError, match="OBA_LA_CODE 1 is not an authority"):
        lookups.write_authorities(con, 1)


def test_targets_and_dfe_series_mappings_come_from_the_settings_folder(data_dir):
    settings = data_dir / "settings"
    settings.mkdir()
    assert indicator_catalogue.targets_file() == indicator_catalogue.TARGETS_FILE
    (settings / "targets.csv").write_text("measure_id,period,target,tolerance,set_by,notes\n"
                                          "eh01_step_up_pct,2025-26,9.5,1,board,local target\n")
    targets = indicator_catalogue.load_targets()
    assert targets[["measure_id", "target"]].values.tolist() == [["eh01_step_up_pct", 9.5]]

    series = published._yaml(published.DFE_CATALOGUE)
    first = next(iter(series))
    mine = {**series, "my_new_series": {**series[first], "title": "A series the authority added"}}
    import yaml
    (settings / "dfe_files.yaml").write_text(yaml.safe_dump(mine))
    assert "my_new_series" in [f.name for f in published.dfe_files()]

    bench = published._yaml(published.BENCHMARKS)
    measure = next(iter(bench["measures"]))
    bench["measures"][measure] = {**bench["measures"][measure], "tolerance": 99.5}
    (settings / "benchmarks.yaml").write_text(yaml.safe_dump(bench))
    assert {m.measure_id: m.tolerance for m in published.mappings()}[measure] == 99.5
    (settings / "benchmarks.yaml").write_text("measures: [unclosed")
    with pytest.raises(ValueError, match="settings/benchmarks.yaml: not valid YAML"):
        published.mappings()


def test_a_changed_setting_changes_the_definitions_digest(data_dir):
    before = definitions_digest()
    (data_dir / "settings").mkdir()
    (data_dir / "settings" / "targets.csv").write_text("measure_id,period,target,tolerance,set_by,notes\n")
    assert definitions_digest() != before


def test_the_documented_settings_commands_work_as_written(tmp_path, monkeypatch):
    """README's and operations' `mkdir -p data/settings && cp ...` in a project folder: the copy is
    then the targets file in force for that data directory."""
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    lines = re.findall(r"`(mkdir -p data/settings && cp [^`]+)`", (root / "README.md").read_text())
    lines += [ln.strip() for ln in (root / "docs" / "operations.md").read_text().splitlines()
              if ln.strip().startswith(("mkdir -p data/settings", "cp indicators/"))]
    assert len(lines) >= 3, lines
    folder = tmp_path / "clone"
    folder.mkdir()
    (folder / "indicators").symlink_to(root / "indicators")
    for line in lines:
        done = subprocess.run(["bash", "-c", line], cwd=folder, capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stderr)
    monkeypatch.setenv("OBA_DATA_DIR", str(folder / "data"))
    assert indicator_catalogue.targets_file() == folder / "data" / "settings" / "targets.csv"
    assert len(indicator_catalogue.load_targets()) == len(indicator_catalogue.load_targets(
        indicator_catalogue.TARGETS_FILE))
