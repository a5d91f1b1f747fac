"""``oba prepare``: the public statutory-format fixtures prepare, validate and run; no input
identifier reaches any output; one pseudonym per child; bad files are refused clearly."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from pipelines.operations.cli import main
from pipelines.prepare import PrepareError, prepare
from pipelines.prepare.common import sex_code
from pipelines.prepare.keys import KeyError_, Pseudonymiser, load_key
from pipelines.settings import paths as resolve_paths
from pipelines.ingest.validate_file import report
from sources import catalogue, codes

FIX = Path(__file__).parents[1] / "fixtures" / "statutory"
CIN = sorted((FIX / "cin_census").glob("*.xml"))
ANNEX = FIX / "annex_a" / "Annex_A.xlsx"
SCHOOL = sorted((FIX / "school_census").glob("*.csv"))


def landing_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "landing").glob("*.csv"))


def assert_validates(path: Path) -> None:
    """The loader would take every row, and the file has exactly the catalogue's columns
    (so no birth date, name or other column of the return can travel with it)."""
    source, _, _ = catalogue.identify(path.name)
    assert pd.read_csv(path, nrows=0).columns.tolist() == source.column_names
    text, ok = report(path, source.name)
    assert ok, text


# --- identifiers in the inputs -----------------------------------------------------------

def cin_identifiers() -> tuple[set[str], dict[str, set[str]]]:
    """Child ids, UPNs and birth dates (per child id) in the CIN fixtures."""
    ids, births = set(), {}
    for f in CIN:
        for child in ET.parse(f).getroot().iter("Child"):
            ci = child.find("ChildIdentifiers")
            la = ci.findtext("LAchildID").strip()
            ids |= {la} | {(ci.findtext(t) or "").strip() for t in ("UPN", "FormerUPN")} - {""}
            births.setdefault(la, set()).add((ci.findtext("PersonBirthDate") or "").strip())
    return ids, births


def annex_identifiers() -> set[str]:
    """Child ids, names (workers, adopters) and birth dates of the Annex A fixture."""
    wb = CalamineWorkbook.from_path(str(ANNEX))
    out = set()
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        header = rows[0]
        for row in rows[1:]:
            for h, v in zip(header, row):
                if re.search(r"Child Unique ID|Worker|Date of Birth|adopter identifier", str(h)) and v not in ("", None):
                    out.add(str(int(v)) if isinstance(v, float) else str(v))
    return out


def school_identifiers() -> set[str]:
    p = pd.read_csv(FIX / "school_census" / "2025_spring_pupilonroll.csv", dtype=str, keep_default_na=False)
    cols = ["upn", "formerupn", "surname", "forename", "middlenames", "preferredsurname", "formersurname",
            "uniquelearnernumber", "pupilonrolltableid"]
    return {v for c in cols for v in p[c] if v}


def outputs_text(data_dir: Path) -> list[str]:
    """Every cell of every file prepare wrote, and the manifest."""
    cells = []
    for f in landing_files(data_dir):
        cells += pd.read_csv(f, dtype=str, keep_default_na=False).to_numpy().ravel().tolist()
    cells.append((data_dir / "prepare_manifest.json").read_text())
    return cells


def found(identifiers: set[str], cells: list[str]) -> set[str]:
    """Identifiers present as a whole cell, or inside one when long enough to be unambiguous."""
    whole = set(cells)
    blob = "\n".join(cells)
    return {i for i in identifiers if i in whole or (len(i) >= 8 and not i.isdigit() and i in blob)}


# --- the fixtures ------------------------------------------------------------------------

def test_cin_census_fixtures_prepare_and_validate(data_dir, key):
    p = resolve_paths(data_dir)
    result = prepare("cin-census", CIN, p)
    # fake_CIN_data.xml was made on 21 July 2022: 2022-23 is only partly covered.
    assert landing_files(data_dir) == []
    notes = " ".join(n for i in result.run["inputs"] for t in i["tables"] for n in t["notes"])
    assert "reference date 2022-07-21 is before the census year ends (31 March 2023)" in notes
    result = prepare("cin-census", CIN, p, partial_years=True)
    files = landing_files(data_dir)
    # Every year with a referral, 2004-05 to 2025-26 (the fixture's dates are random).
    assert files[0].name == "social_care_referrals_2004-05.csv" and len(files) == 19
    for f in files:
        assert_validates(f)
    tables = [t for i in result.run["inputs"] for t in i["tables"]]
    for t in tables:   # every CINdetails read is written or dropped with a reason
        assert t["rows_in"] == t["rows_out"] + t["rows_dropped"]
    assert sum(t["rows_in"] for t in tables) == 404
    frame = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False) for f in files)
    assert sum(t["rows_out"] for t in tables) == len(frame) == 394   # 10 dated after the reference date
    # Both XSD variants were read: GenderCurrent (2022) and Sex (2024).
    notes = " ".join(n for t in tables for n in t["notes"])
    assert "GenderCurrent" in notes and "Sex" in notes
    ids, _ = cin_identifiers()
    assert not found(ids, outputs_text(data_dir))
    pz = Pseudonymiser(load_key(key, p))
    # The 2024 return's one child: referral 2022-10-06 from 1A (individual), RC1 closure,
    # a CIN plan from 2023-01-24 (its CP plan started before the referral: not its outcome).
    row = frame[frame["child_id"] == pz.child("DfEX0000001")]
    assert row[["referral_date", "referral_source", "outcome", "outcome_date"]].values.tolist() == [
        ["2022-10-06", "individual", "cin_plan", "2023-01-24"]]


def test_annex_a_fixture_prepares_only_covered_years_unless_asked(data_dir, key):
    p = resolve_paths(data_dir)
    result = prepare("annex-a", [ANNEX], p)
    assert landing_files(data_dir) == []          # a few days of 2020-21: no complete year
    dropped = {r for i in result.run["inputs"] for t in i["tables"] for r in t["dropped"]}
    assert "in a financial year the list covers only in part" in dropped
    prepare("annex-a", [ANNEX], p, partial_years=True)
    files = landing_files(data_dir)
    assert [f.name for f in files] == ["early_help_episodes_2020-21.csv", "social_care_referrals_2020-21.csv"]
    for f in files:
        assert_validates(f)
    assert not found(annex_identifiers(), outputs_text(data_dir))
    episodes = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    # Ages at the assessment from the birth date (the 'Age' column is the child's age today).
    assert sorted(episodes[["start_date", "age", "sex"]].values.tolist()) == [
        ["2020-09-16", "11", "M"], ["2020-09-17", "12", "F"], ["2020-09-17", "5", "F"],
        ["2020-09-17", "8", "U"], ["2020-09-18", "5", "M"]]
    referrals = pd.read_csv(files[1], dtype=str, keep_default_na=False)
    assert set(referrals["referral_source"]) <= set(catalogue.get("social_care_referrals").column(
        "referral_source").codes)


def test_school_census_fixture_prepares_with_no_flags_need_unknown_not_no_sen(data_dir, key):
    """A spring export without its senneeds table: pupils with SEN provision get need
    UNKNOWN (never blank = no SEN); the exclusions wait for their other two terms."""
    p = resolve_paths(data_dir)
    result = prepare("school-census", SCHOOL, p)
    assert result.status == "set_aside"
    names = [f.name for f in landing_files(data_dir)]
    assert names == ["pupil_population_2024-25.csv"]     # exclusions: one termly return of three
    reasons = {r for i in result.run["inputs"] for t in i["tables"] for r in t["dropped"]}
    assert any(r.startswith("academic year 2024/25 needs its three termly returns; missing "
                            "summer 2025, autumn 2025") for r in reasons)
    pupils = pd.read_csv(FIX / "school_census" / "2025_spring_pupilonroll.csv", dtype=str, keep_default_na=False)
    counted = pupils["enrolstatus"].isin(["C", "M"]) & pupils["ncyearactual"].isin(
        ["R"] + [str(i) for i in range(1, 14)])
    population = pd.read_csv(landing_files(data_dir)[0], dtype=str, keep_default_na=False)
    assert population["headcount"].astype(int).sum() == counted.sum()
    # SEN provision (E, K; S, A, P are no longer codes of 2024/25) or none recorded: need unknown
    sen = counted & (pupils["senprovision"] != "N")
    unknown = population.loc[population["sen_primary_need"] == "UNKNOWN", "headcount"].astype(int).sum()
    assert unknown == sen.sum() > 0
    assert population.loc[population["sen_primary_need"] == "", "headcount"].astype(int).sum() == (counted & ~sen).sum()
    prepare("school-census", SCHOOL, p, partial_years=True)
    files = landing_files(data_dir)
    assert [f.name for f in files] == ["exclusions_2024-25.csv", "pupil_population_2024-25.csv"]
    for f in files:
        assert_validates(f)
    assert not found(school_identifiers(), outputs_text(data_dir))
    # The real codes of the year load: DB (persistent or general disruptive behaviour) is one.
    excl = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    assert "DB" in set(excl["reason_code"])


def test_fixtures_prepare_validate_and_run(data_dir, key, tmp_path, capsys):
    """All three fixtures into one landing folder, then a real ``oba run``: every prepared
    row loads, nothing is refused or quarantined, and no input identifier is in any table."""
    assert main(["prepare", "cin-census", *map(str, CIN), "--partial-years"]) == 3    # impossible dates set aside
    assert main(["prepare", "school-census", *map(str, SCHOOL), "--partial-years"]) == 3   # rows set aside
    # Annex A's List 3 covers 2020-21, which the CIN census already gave: one return may not
    # replace another's period. Its List 2 (early help) is taken from a run of its own.
    assert main(["prepare", "annex-a", str(ANNEX), "--partial-years"]) == 1
    assert "social_care_referrals for 2020-21 was prepared before from cin-census" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "annex"), "prepare", "annex-a", str(ANNEX), "--partial-years"]) == 0
    shutil.copy(tmp_path / "annex" / "landing" / "early_help_episodes_2020-21.csv", data_dir / "landing")
    for f in landing_files(data_dir):
        assert main(["validate", str(f), "--source", catalogue.identify(f.name)[0].name]) == 0
    capsys.readouterr()
    # A first night from prepared statutory extracts alone: nothing is complete enough to
    # publish a figure, yet the run succeeds, makes the paper, and says what each awaits.
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Not computed yet" in out
    assert "EH01 eh01_step_up_pct: awaits early_help_episodes" not in out     # given, from Annex A
    assert "EH07 eh07_neet_nk_pct: awaits neet (nothing loaded yet)" in out
    assert "awaits a complete" in out
    assert list((data_dir / "papers").glob("*/board_paper_*.html"))
    assert main(["status"]) == 0
    assert "EH07 eh07_neet_nk_pct: awaits neet (nothing loaded yet)" in capsys.readouterr().out
    with duckdb.connect(str(data_dir / "warehouse" / "oba.duckdb"), read_only=True) as con:
        log = con.execute("select source_file, rows_read, rows_loaded, rows_quarantined, rows_refused "
                          "from load_log").df()
        assert set(log["source_file"]) == {f.name for f in landing_files(data_dir)}
        assert (log["rows_read"] == log["rows_loaded"]).all(), log
        assert con.execute("select count(*) from quarantine").fetchone()[0] == 0
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        cells = []
        for t in tables:
            frame = con.execute(f'select * from "{t}"').df()
            cells += [str(v) for v in frame.astype(str).to_numpy().ravel()]
    ids, _ = cin_identifiers()
    assert not found(ids | annex_identifiers() | school_identifiers(), cells)


# --- pseudonyms --------------------------------------------------------------------------

def test_one_pseudonym_per_child_across_files_formats_and_runs(data_dir, key, tmp_path):
    p = resolve_paths(data_dir)
    prepare("cin-census", CIN, p, partial_years=True)
    first = {f.name: f.read_bytes() for f in landing_files(data_dir)}
    # Another data directory, same key: the same pseudonyms, byte for byte.
    other = resolve_paths(tmp_path / "other")
    prepare("cin-census", CIN, other, partial_years=True)
    assert {f.name: f.read_bytes() for f in landing_files(other.data_dir)} == first
    # The CIN census links child id and UPN: a school census pupil with that UPN gets the
    # child's social care pseudonym.
    pz = Pseudonymiser(load_key(key, p), key.with_name(key.name + ".links.csv"))
    assert pz.pupil("A850728973744") == pz.child("RND000215205141")
    assert pz.pupil(" a850728973744 ") == pz.child("rnd000215205141")      # spelling normalised
    assert pz.child(612306.0) == pz.child("612306") == pz.child("00612306")   # Excel's number
    assert pz.child("A1") != pz.child("A01")
    register = key.with_name(key.name + ".links.csv").read_text()
    assert "A850728973744" not in register and "RND000215205141" not in register
    # A different key gives different pseudonyms.
    other_key = Pseudonymiser(load_key(tmp_path / "k2" / "key", p))
    assert other_key.child("612306") != pz.child("612306")


def test_key_file_private_and_outside_the_data(data_dir, key):
    p = resolve_paths(data_dir)
    prepare("cin-census", CIN[:1], p, partial_years=True)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    assert len(secret) == 64
    for f in [*landing_files(data_dir), data_dir / "prepare_manifest.json"]:
        assert secret not in f.read_text()
    key.chmod(0o644)
    with pytest.raises(KeyError_, match="readable by others"):
        prepare("cin-census", CIN[:1], p)
    with pytest.raises(KeyError_, match="must not be inside the landing folder"):
        prepare("cin-census", CIN[:1], p, key_path=data_dir / "landing" / "key")


def test_link_register_mode_is_checked_whenever_it_is_read(tmp_path):
    register = tmp_path / "private" / "oba.key.links.csv"
    register.parent.mkdir()
    pz = Pseudonymiser(b"k" * 32, register)
    pz.link(pz.child("612306"), "A123456789012")
    assert pz.save_links() == 1 and stat.S_IMODE(register.stat().st_mode) == 0o600
    register.chmod(0o644)                      # widened after it was made
    with pytest.raises(KeyError_, match="link register .* readable by others"):
        Pseudonymiser(b"k" * 32, register).links()
    register.chmod(0o600)
    assert len(Pseudonymiser(b"k" * 32, register).links()) == 1


# --- refusals ----------------------------------------------------------------------------

def test_refusals_name_file_sheet_and_column(data_dir, key, tmp_path):
    p = resolve_paths(data_dir)
    bad = tmp_path / "not_cin.xml"
    bad.write_text("<Return><Children/></Return>")
    with pytest.raises(PrepareError, match=r"not_cin.xml: not a CIN census message \(root element <Return>"):
        prepare("cin-census", [bad], p)
    no_year = tmp_path / "no_year.xml"
    no_year.write_text("<Message><Header/><Children><Child/></Children></Message>")
    with pytest.raises(PrepareError, match=r"no_year.xml, Header, column 'ReferenceDate'"):
        prepare("cin-census", [no_year], p)
    # An Annex A whose List 3 has no referral source column.
    from sources.generate.writers import write_workbook
    book = tmp_path / "annex.xlsx"
    write_workbook({"List 3": [["Child ID", "Gender", "Date of Referral", "Team"], ["1", "a) Male", "01/05/2024", "x"]]},
                   book)
    with pytest.raises(PrepareError, match=r"annex.xlsx, List 3, column 'source': no column recognised as source"):
        prepare("annex-a", [book], p)
    write_workbook({"List 3": [["Child ID", "Child Unique ID", "Date of Referral", "Referral Source"]]}, book)
    with pytest.raises(PrepareError, match=r"List 3, column 'Child Unique ID': two columns could be child"):
        prepare("annex-a", [book], p)
    write_workbook({"Sheet1": [["a"]]}, book)
    with pytest.raises(PrepareError, match="neither 'List 2'"):
        prepare("annex-a", [book], p)
    # A school census table without its census in the file name.
    renamed = tmp_path / "pupils.csv"
    shutil.copy(SCHOOL[1], renamed)
    with pytest.raises(PrepareError, match=r"pupils.csv: cannot tell which census"):
        prepare("school-census", [renamed], p)
    # A pupil table missing a column the mapping needs.
    frame = pd.read_csv(SCHOOL[1], dtype=str).drop(columns=["enrolstatus"])
    cut = tmp_path / "2025_spring_pupilonroll.csv"
    frame.to_csv(cut, index=False)
    with pytest.raises(PrepareError, match=r"pupilonroll, column 'enrol'"):
        prepare("school-census", [cut], p)
    assert landing_files(data_dir) == []
    # The command line says 'Refused' and exits 1.
    assert main(["prepare", "cin-census", str(bad)]) == 1


def test_header_variants_recognised(data_dir, key, tmp_path):
    """'Child ID' / 'Child Unique ID', 'Sex' / 'Gender', 'a) Male' / 'Male' / 'M' / '1'."""
    from sources.generate.writers import write_workbook
    rows = [["Child ID", "Sex", "Date of Birth", "Date of Referral", "Referral Source", "Referral NFA?"]]
    sources = ["q) 6: Police", "3D: Health services", "2A", "Anonymous", "p) 5D: LA services - early help"]
    for i, src in enumerate(sources * 30):
        rows.append([1000 + i, ["a) Male", "Female", "M", "2", "Unknown"][i % 5], "2015-01-01",
                     f"2024-{(i % 12) + 1:02d}-15" if i % 12 < 9 else f"2025-{(i % 12) - 8:02d}-15", src,
                     "a) Yes" if i % 2 else "No"])
    book = tmp_path / "variants.xlsx"
    write_workbook({"List 3 - Referrals": rows}, book)
    prepare("annex-a", [book], resolve_paths(data_dir), partial_years=True)
    frame = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False) for f in landing_files(data_dir))
    assert len(frame) == 150
    assert frame["referral_source"].value_counts().to_dict() == {
        "police": 30, "health": 30, "school": 30, "anonymous": 30, "early_help": 30}
    assert frame["outcome"].value_counts().to_dict() == {"nfa": 75, "": 75}


def test_period_guard_and_versions(data_dir, key, tmp_path):
    """A period prepared from several returns is not replaced by one of them; identical
    content is not written twice; a corrected return of the same year replaces (v2)."""
    p = resolve_paths(data_dir)
    prepare("cin-census", CIN, p, partial_years=True)
    with pytest.raises(PrepareError, match="prepared before from cin-census 2023-24"):
        prepare("cin-census", [CIN[1]], p, partial_years=True)
    again = prepare("cin-census", CIN, p, partial_years=True)
    assert {o["status"] for o in again.run["outputs"]} == {"unchanged"}
    fixed = tmp_path / "fake_CIN_data.xml"
    fixed.write_text(CIN[1].read_text().replace("<ReferralSource>4</ReferralSource>",
                                                "<ReferralSource>5D</ReferralSource>"))
    result = prepare("cin-census", [CIN[0], fixed], p, partial_years=True)
    changed = [o["file"] for o in result.run["outputs"] if o["status"] == "written"]
    assert changed and all(f.endswith("_v2.csv") for f in changed)
    assert len(changed) < len(result.run["outputs"])           # years without a source 4 referral
    v2 = pd.concat(pd.read_csv(data_dir / "landing" / f, dtype=str) for f in changed)
    assert "early_help" in set(v2["referral_source"])
    manifest = json.loads((data_dir / "prepare_manifest.json").read_text())
    assert len(manifest["runs"]) == 3
    assert {i["sha256"] for i in manifest["runs"][-1]["inputs"]} == {
        __import__("hashlib").sha256(f.read_bytes()).hexdigest() for f in (CIN[0], fixed)}
    assert os.environ["OBA_KEY_FILE"] == str(key)


def test_ward_from_the_councils_postcode_lookup(data_dir, key, tmp_path):
    """A list with a postcode column: ward and locality from the lookup, never the postcode;
    without a lookup (or for a postcode it lacks) ward and locality stay blank."""
    from sources.generate.writers import write_workbook
    from sources.lookups import wards
    ward = wards().iloc[0]
    rows = [["Child Unique ID", "Gender", "Date of Birth", "Post Code", "Assessment start date"]]
    rows += [[f"C{i}", "b) Female", "2016-05-01", ["BA2 1AA", "ba21aa", "BS1 9ZZ"][i % 3], f"2024-{4 + i % 9:02d}-10"]
             for i in range(30)]
    rows += [[f"C{i}", "a) Male", "2016-05-01", "BA2 1AA", f"2025-{1 + i % 3:02d}-10"] for i in range(30, 40)]
    book = tmp_path / "annex.xlsx"
    write_workbook({"List 2": rows}, book)
    lookup = tmp_path / "postcodes.csv"
    lookup.write_text(f"Postcode,Ward Code\nBA2 1AA,{ward.ward_code}\n")
    p = resolve_paths(data_dir)
    prepare("annex-a", [book], p, postcode_lookup=lookup)
    files = landing_files(data_dir)
    assert [f.name for f in files] == ["early_help_episodes_2024-25.csv"]
    assert_validates(files[0])
    frame = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    assert len(frame) == 40
    known = frame["ward_code"] == ward.ward_code
    assert known.sum() == 30 and (frame.loc[known, "locality"] == ward.locality).all()
    assert (frame.loc[~known, ["ward_code", "locality"]] == "").all().all()
    cells = {c.replace(" ", "").upper() for c in frame.to_numpy().ravel()}
    assert not cells & {"BA21AA", "BS19ZZ"}
    with pytest.raises(PrepareError, match="column 'ward_code'"):
        bad = tmp_path / "bad.csv"
        bad.write_text("postcode,ward\nBA2 1AA,x\n")
        prepare("annex-a", [book], p, postcode_lookup=bad)


def test_annex_a_workbooks_together_cover_a_year_and_the_same_file_twice_is_refused(data_dir, key, tmp_path):
    """Two Annex A snapshots, April-October and October-March: neither covers 2024-25 alone,
    together they do (a gap between them would not)."""
    from sources.generate.writers import write_workbook

    def book(name, months):
        rows = [["Child Unique ID", "Gender", "Date of Birth", "Assessment start date"]]
        rows += [[f"{name}{m}", "a) Male", "2015-01-01", f"{y}-{m:02d}-{d:02d}"]
                 for (y, m) in months for d in (2, 27)]
        path = tmp_path / f"{name}.xlsx"
        write_workbook({"List 2": rows}, path)
        return path

    first = book("a", [(2024, m) for m in range(4, 11)])
    second = book("b", [(2024, m) for m in range(10, 13)] + [(2025, m) for m in range(1, 4)])
    gap = book("c", [(2024, 12)] + [(2025, m) for m in range(1, 4)])
    p = resolve_paths(data_dir)
    alone = prepare("annex-a", [first], p)
    assert landing_files(data_dir) == []
    assert "2024-25 only partly covered" in alone.run["inputs"][0]["tables"][0]["notes"][0]
    prepare("annex-a", [first, gap], p)
    assert landing_files(data_dir) == []
    prepare("annex-a", [first, second], p)
    files = landing_files(data_dir)
    assert [f.name for f in files] == ["early_help_episodes_2024-25.csv"]
    assert len(pd.read_csv(files[0])) == 14 + 12
    with pytest.raises(PrepareError, match="prepared before from annex-a workbook"):
        prepare("annex-a", [second], p, partial_years=True)
    copy = tmp_path / "copy.xlsx"
    shutil.copy(first, copy)
    with pytest.raises(PrepareError, match="a.xlsx, copy.xlsx: the same file"):
        prepare("annex-a", [first, copy], p)


@pytest.mark.parametrize("value,expected", [
    ("M", "M"), ("f", "F"), ("U", "U"), ("1", "M"), ("2.0", "F"), ("0", "U"), ("9", "U"),
    ("a) Male", "M"), ("b) Female", "F"), ("1 - Male", "M"), (" FEMALE ", "F"), ("Not known", "U"),
    ("", "U"), (None, "U"), ("Mother", "U"), ("3", "U"),
])
def test_sex_is_read_through_the_code_table(value, expected):
    assert sex_code(value) == expected


def test_sex_codes_come_from_the_one_table(monkeypatch):
    """A code added to sources/code_years.csv is read: no second list of sex codes."""
    from sources.codes import Code
    monkeypatch.setitem(codes.CODE_YEARS, "sex", {**codes.CODE_YEARS["sex"],
                                                  "X": Code("sex", "X", "Indeterminate", None, None, "U", "dfe"),
                                                  "W": Code("sex", "W", "Woman", None, None, "F", "dfe")})
    assert sex_code("W") == "F" and sex_code("x") == "U"
