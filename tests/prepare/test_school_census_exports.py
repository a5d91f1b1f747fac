"""School census exports as the DfE delivers them (issue 23): a term's whole export folder is
one return, tables are told by their columns, SEN need comes from the spring census of the
same academic year (matched on the pupil's pseudonym), codes are checked against their
collection year, and ``oba prepare`` says by its exit code what happened."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicator_fixtures import create_stg_tables
from indicators import catalogue as cat
from pipelines.compute.assets import run_indicator
from pipelines.operations.cli import main
from pipelines.prepare import PrepareError, prepare
from pipelines.settings import paths as resolve_paths
from sources import catalogue, codes
from sources.generate import statutory


def csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def pupil(link, upn, year="8", sen="N", enrol="C", school="S1"):
    return {"pupilonrolltableid": link, "NativeId": school, "upn": upn, "surname": "SMITH",
            "dob": "2012-Jan-01 00:00:00", "ncyearactual": year, "enrolstatus": enrol, "senprovision": sen}


def exclusion(link, start, reason="DB", category="FIXD", sessions="2.0", link_column="pupilonrolltableid"):
    return {link_column: link, "NativeId": "S1", "startdate": start, "sessions": sessions, "reason1": reason,
            "reason2": "", "reason3": "", "category": category}


def export_year(root: Path) -> Path:
    """The three termly exports that carry academic year 2023/24's exclusions, in folders
    named as a council might ('Spring 2024', '2024 summer', 'autumn-2024'), with tables
    under names that are not the export's, an unused table and an empty one."""
    spring, summer, autumn = root / "Spring 2024", root / "2024 summer", root / "autumn-2024"
    # Spring: A (SEMH), B (SEN support, need ASD), C (no SEN), D (EHC plan, no ranked need).
    csv(spring / "pupils on roll.csv", [pupil("a1", "A100", sen="K"), pupil("b1", "B100", sen="E"),
                                        pupil("c1", "C100"), pupil("d1", "D100", sen="E")])
    csv(spring / "needs.csv", [{"pupilonrolltableid": "a1", "sentype": "SEMH", "sentyperank": "1"},
                               {"pupilonrolltableid": "b1", "sentype": "ASD", "sentyperank": "1"},
                               {"pupilonrolltableid": "b1", "sentype": "SLCN", "sentyperank": "2"}])
    csv(spring / "excl.csv", [exclusion("a1", "2023-Oct-10 00:00:00", "DB"),
                              exclusion("c1", "2023-Nov-10 00:00:00", "PD")])     # PD: not a 2023/24 code
    csv(spring / "fsm.csv", [{"pupilonrolltableid": "c1", "fsmstartdate": "2023-Sep-01 00:00:00", "fsmenddate": ""}])
    (spring / "classes.csv").write_bytes(b"")                                       # an empty (0-byte) table
    # Summer (spring-term exclusions): new pupil E with SEN provision (not in spring: need
    # unknown), F with none; B's exclusion takes its need from the spring census.
    csv(summer / "p.csv", [pupil("b2", "B100", sen="E"), pupil("e2", "E100", sen="K"), pupil("f2", "F100")])
    csv(summer / "e.csv", [exclusion("b2", "2024-Feb-01 00:00:00", "PA"), exclusion("e2", "2024-Mar-01 00:00:00", "VA"),
                           exclusion("f2", "2024-Mar-02 00:00:00", "ZZ")])          # ZZ: no code at all
    csv(summer / "attendance.csv", [{"pupilonrolltableid": "b2", "sessionspossible": "120"}])
    # Autumn (summer-term exclusions): C was permanently excluded and is off roll; A is
    # suspended again and the autumn-term exclusion is reported a second time.
    csv(autumn / "leavers.csv", [{"pupilnolongeronrolltableid": "L1", "NativeId": "S1", "upn": "C100"}])
    csv(autumn / "leaver exclusions.csv", [exclusion("L1", "2024-Jun-03 00:00:00", "OW", "PERM", "0.5",
                                                     link_column="pupilnolongeronrolltableid")])
    csv(autumn / "pupils.csv", [pupil("a3", "A100", year="9", sen="K")])
    csv(autumn / "exclusions.csv", [exclusion("a3", "2024-Jul-15 00:00:00", "MT"),
                                    exclusion("a3", "2023-Oct-10 00:00:00", "DB")])
    return root


def test_a_year_of_export_folders_prepares_with_no_flags(tmp_path, key):
    p = resolve_paths(tmp_path / "data")
    result = prepare("school-census", [export_year(tmp_path / "exports")], p)
    excl = pd.read_csv(p.landing / "exclusions_2023-24.csv", dtype=str, keep_default_na=False)
    child = {c: n for n, c in zip(excl["reason_code"], excl["child_id"])}
    by_reason = excl.set_index("reason_code")
    assert sorted(excl["reason_code"]) == ["DB", "MT", "OW", "PA", "VA"]
    # Need from the spring census by pseudonym; UNKNOWN when the pupil was not in it with a
    # need; blank (no SEN) only when a census says no SEN.
    assert by_reason.loc["DB", "sen_primary_need"] == "SEMH"
    assert by_reason.loc["MT", "sen_primary_need"] == "SEMH"        # autumn census, spring need
    assert by_reason.loc["PA", "sen_primary_need"] == "ASD"         # rank 1 of two
    assert by_reason.loc["VA", "sen_primary_need"] == codes.SEN_NEED_UNKNOWN
    assert by_reason.loc["OW", "sen_primary_need"] == ""            # off roll, no SEN in spring
    assert by_reason.loc["OW", "category"] == "permanent"
    assert by_reason.loc["OW", "year_group"] == "8"                 # from the spring census
    assert by_reason.loc["MT", "year_group"] == "8"                 # autumn's year 9, moved up since
    assert by_reason.loc["OW", "fsm"] == "Y"                        # FSM from the spring census
    assert len(child) == 4
    tables = {t["file"]: t for i in result.run["inputs"] for t in i["tables"]}
    assert tables["classes.csv"]["table"] == "(empty table)"
    assert tables["attendance.csv"]["table"] == "(table not used)"
    assert tables["pupils on roll.csv"]["table"] == "pupilonroll"
    assert tables["leaver exclusions.csv"]["table"] == "termlyexclusionsoffroll"
    assert tables["leavers.csv"]["table"] == "pupiloffroll"
    dropped = {r: n for t in tables.values() for r, n in t["dropped"].items()}
    assert dropped["exclusion_reason 'PD' is not valid in 2023/24 (valid ...-2019)"] == 1
    assert dropped["exclusion_reason 'ZZ' is not a code of the DfE's list"] == 1
    assert dropped["the same exclusion reported by an earlier census: counted once"] == 1
    assert result.status == "set_aside" and result.set_aside == 2
    population = pd.read_csv(p.landing / "pupil_population_2023-24.csv", dtype=str, keep_default_na=False)
    assert dict(zip(population["sen_primary_need"], population["headcount"].astype(int))) == {
        "": 1, "ASD": 1, "SEMH": 1, codes.SEN_NEED_UNKNOWN: 1}
    # The manifest says where each extract came from and which months it covers.
    entry = json.loads((p.data_dir / "prepare_manifest.json").read_text())["outputs"]["exclusions 2023-24"]
    assert entry["months_covered"] == ["2023-09", "2024-08"]
    assert entry["origin"]["format"] == "school-census" and "e.csv" in entry["origin"]["files"]


def test_eh11_states_the_known_need_share_and_is_withheld_when_too_few(tmp_path, key):
    """EH11 counts DB like PD, reports the share of exclusions with need known, and has no
    rate (never a low one) for a year where need is mostly unknown."""
    p = resolve_paths(tmp_path / "data")
    prepare("school-census", [export_year(tmp_path / "exports")], p)
    frames = {s: pd.read_csv(p.landing / f"{s}_2023-24.csv", dtype=str, keep_default_na=False).replace("", None)
              for s in ("exclusions", "pupil_population")}
    frames = {k: v.astype({"headcount": int}) if k == "pupil_population" else v for k, v in frames.items()}

    def eh11(exclusions):
        con = duckdb.connect(":memory:")
        create_stg_tables(con, {"exclusions": exclusions[catalogue.get("exclusions").column_names],
                                "pupil_population": frames["pupil_population"]})
        ind = cat.indicator("EH11")
        run_indicator(con, ind)
        return con.execute(f"select measure_id, numerator, denominator from {ind.table} where breakdown = 'all'"
                           ).df().set_index("measure_id")

    out = eh11(frames["exclusions"])
    assert out.loc["eh11_sen_need_known_pct", ["numerator", "denominator"]].tolist() == [4, 5]
    # 4 of 5 known is under 90%: the behaviour / SEMH rate is withheld, not 0 and not low.
    assert "eh11_behaviour_semh_excl_per_100" not in out.index
    known = frames["exclusions"][frames["exclusions"]["sen_primary_need"] != codes.SEN_NEED_UNKNOWN]
    out = eh11(known)
    # DB (2023/24's persistent disruption) with SEMH counted once; MT of the SEMH pupil too.
    assert out.loc["eh11_behaviour_semh_excl_per_100", ["numerator", "denominator"]].tolist() == [2, 4]


def test_exit_codes_written_set_aside_refused(tmp_path, key, capsys):
    exports = export_year(tmp_path / "exports")
    data = str(tmp_path / "data")
    assert main(["--data-dir", data, "prepare", "school-census", str(exports)]) == 3
    out = capsys.readouterr().out
    assert "2 row(s) set aside" in out and "classes.csv" in out and "an empty table (0 bytes)" in out
    clean = tmp_path / "clean"
    for f in exports.rglob("*.csv"):
        target = clean / f.relative_to(exports)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.read_bytes().replace(b",PD,", b",DB,").replace(b",ZZ,", b",OT,"))
    assert main(["--data-dir", str(tmp_path / "data2"), "prepare", "school-census", str(clean)]) == 0
    assert main(["--data-dir", data, "prepare", "annex-a", str(clean)]) == 1
    err = capsys.readouterr().err
    assert "no annex-a file among those given" in err and "looks like a school-census file" in err
    assert main(["--data-dir", data, "prepare", "annex-a", str(next(clean.rglob("p.csv")))]) == 1
    assert "p.csv: this looks like a school-census file, not annex-a: give it to `oba prepare school-census`" in (
        capsys.readouterr().err)


def test_tables_told_by_columns_and_held_when_incomplete(tmp_path, key):
    p = resolve_paths(tmp_path / "data")
    folder = tmp_path / "2025_spring"
    csv(folder / "x.csv", [pupil("a", "A1")])
    # An exclusions table with no pupil record id at all: held, saying how they are joined.
    csv(folder / "y.csv", [{k: v for k, v in exclusion("a", "2025-Jan-05 00:00:00").items()
                            if k != "pupilonrolltableid"}])
    with pytest.raises(PrepareError, match=r"y.csv.*without a pupil record id.*pupiloffrolltableid"):
        prepare("school-census", [folder], p)
    # Most of an exclusions table's columns, sessions missing: held naming it.
    csv(folder / "y.csv", [{k: v for k, v in exclusion("a", "2025-Jan-05 00:00:00").items() if k != "sessions"}])
    with pytest.raises(PrepareError, match=r"y.csv, termlyexclusionsonroll, column 'sessions'"):
        prepare("school-census", [folder], p)
    assert not p.landing.exists() or not list(p.landing.iterdir())


def test_code_table_by_collection_year():
    """One table gives every coded field's codes, their years and categories."""
    assert codes.lookup("exclusion_reason", "db", 2022)[0].category == "persistent_disruption"
    assert codes.lookup("exclusion_reason", "PD", 2018)[0].category == "persistent_disruption"
    assert codes.lookup("exclusion_reason", "PD", 2021)[0] is None
    assert codes.lookup("exclusion_reason", "WP", 2018)[0] is None      # the demo's own code, not the DfE's
    assert codes.lookup("sen_primary_need", "BESD", 2012)[0].category == "semh"
    assert codes.lookup("sen_provision", "S", 2019)[0] is None
    assert codes.lookup("ncyear", "R")[0].category == "0"
    assert codes.lookup("cin_referral_source", "5D", 2024)[0].category == "early_help"
    assert cat.PARAMETERS["persistent_disruption_reasons"] == ["DB", "PD"]
    # Every category a field feeds is one of the catalogue's codes where the extract has one.
    assert {c.category for c in codes.CODE_YEARS["cin_referral_source"].values()} <= set(codes.REFERRAL_SOURCES)
    assert set(codes.EXCLUSION_REASONS) == set(catalogue.get("exclusions").column("reason_code").codes)


def test_generated_exports_prepare_whole_with_every_exclusion(tmp_path, key):
    """The demo generator's exports (senneeds in spring only, older and current codes, off-roll
    tables, an unused and an empty table) prepare with no flags and keep every exclusion."""
    truth = statutory.truth(0.02)
    returns = tmp_path / "returns"
    returns.mkdir()
    pid_of = dict(zip(truth.pop.people["child_id"], truth.pop.people.index))
    statutory._school_census(returns, truth, pid_of)
    p = resolve_paths(tmp_path / "data")
    result = prepare("school-census", [returns / "school_census"], p, school_phases=returns / "school_phases.csv")
    assert result.status == "written", result.report()
    excl = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False)
                     for f in sorted(p.landing.glob("exclusions_*.csv")))
    assert len(excl) == len(truth.exclusions)
    assert {"PD", "DB"} <= set(excl["reason_code"])
    assert codes.SEN_NEED_UNKNOWN not in set(excl["sen_primary_need"])     # every pupil in its spring census
    expected = truth.exclusions["sen_primary_need"].fillna("").sort_values().tolist()
    assert excl["sen_primary_need"].sort_values().tolist() == expected
    kinds = {t["table"] for i in result.run["inputs"] for t in i["tables"]}
    assert {"(empty table)", "(table not used)", "termlyexclusionsoffroll", "pupiloffroll"} <= kinds
    permanent = excl[excl["category"] == "permanent"]
    assert len(permanent) == (truth.exclusions["category"] == "permanent").sum() > 0
    assert (permanent["sessions"] == "").all()                             # as the census writes them


def test_a_permanent_exclusion_needs_no_sessions_a_suspension_does(tmp_path, key):
    """The census measures suspensions in sessions and leaves a permanent exclusion's blank:
    permanent exclusions with blank (or 0) sessions are prepared and pass the loader's
    checks; a suspension without sessions, and any exclusion with a length that is not a
    number or below 0, is set aside with its reason."""
    from pipelines.ingest.extracts import read_extract
    from pipelines.ingest.validation import check

    root = export_year(tmp_path / "exports")
    autumn = root / "autumn-2024"
    csv(autumn / "pupils.csv", [pupil("a3", "A100", year="9", sen="K"), pupil("g3", "G100"),
                                pupil("h3", "H100"), pupil("i3", "I100"), pupil("j3", "J100")])
    csv(autumn / "exclusions.csv", [exclusion("a3", "2024-Jul-15 00:00:00", "MT"),
                                    exclusion("g3", "2024-Jun-10 00:00:00", "PA", "PERM", ""),
                                    exclusion("h3", "2024-Jun-11 00:00:00", "VA", "PERM", "0"),
                                    exclusion("i3", "2024-Jun-12 00:00:00", "PA", "FIXD", ""),
                                    exclusion("j3", "2024-Jun-13 00:00:00", "PA", "PERM", "two")])
    csv(autumn / "leaver exclusions.csv", [exclusion("L1", "2024-Jun-03 00:00:00", "OW", "PERM", "",
                                                     link_column="pupilnolongeronrolltableid")])
    p = resolve_paths(tmp_path / "data")
    result = prepare("school-census", [root], p)
    path = p.landing / "exclusions_2023-24.csv"
    excl = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("reason_code")
    permanent = excl[excl["category"] == "permanent"]
    assert sorted(permanent.index) == ["OW", "PA", "VA"]                    # off roll, blank and 0
    assert (permanent["sessions"] == "").all()
    assert excl.loc["MT", "sessions"] == "2"
    tables = {t["file"]: t for i in result.run["inputs"] for t in i["tables"]}
    assert tables["exclusions.csv"]["dropped"] == {"sessions missing for a suspension": 1,
                                                   "sessions not a number or not above 0 for a permanent": 1}
    assert tables["leaver exclusions.csv"]["rows_out"] == 1
    source = catalogue.get("exclusions")
    checked = check(read_extract(path, source), source)
    assert checked.rows_quarantined == 0, checked.quarantine.to_string()
    assert len(checked.valid) == len(excl)
