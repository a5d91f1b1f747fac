"""The demo-data generator: coverage of the catalogue, naming, formats, reproducibility,
fault accounting and linking. One small generation per seed is shared by the module."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipelines.ingest.parsing import parse_column
from sources.catalogue import SOURCES, get, identify
from sources.generate import generate
from sources.generate.__main__ import main

SCALE = 0.05


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    text = raw[3:].decode("utf-8") if raw.startswith(b"\xef\xbb\xbf") else raw.decode(
        "utf-8" if not _is_cp1252(raw) else "cp1252")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo")
    manifest = generate(root / "landing", scale=SCALE, seed=2026)
    return root / "landing", manifest


def test_every_source_has_files_with_catalogue_names(demo):
    landing, manifest = demo
    seen = {}
    for path in landing.iterdir():
        hit = identify(path.name)
        assert hit is not None, f"{path.name} is not recognised by the catalogue"
        seen.setdefault(hit[0].name, set()).add(hit[1])
    assert set(seen) == {s.name for s in SOURCES}
    for name, periods in seen.items():
        assert len(periods) >= 5, f"{name} has only {len(periods)} periods"
    assert len(seen["neet"]) == 126 and min(seen["neet"]) == "2016-04" and max(seen["neet"]) == "2026-09"
    assert sorted(seen["early_help_episodes"])[0] == "2016-17" and sorted(seen["early_help_episodes"])[-1] == "2025-26"
    assert {f["file"] for f in manifest["files"]} == {p.name for p in landing.iterdir()}
    assert (landing.parent / "demo_manifest.json").exists()


def test_exactly_one_reissue_and_it_adds_closures(demo):
    landing, manifest = demo
    reissues = [f for f in manifest["files"] if f["version"] > 1]
    assert [f["file"] for f in reissues] == ["early_help_episodes_2025-26_v2.csv"]
    v1 = _read_csv(landing / "early_help_episodes_2025-26.csv")
    v2 = _read_csv(landing / "early_help_episodes_2025-26_v2.csv")
    assert (v2["closure_date"] != "").sum() > (v1["closure_date"] != "").sum()


def test_same_seed_same_bytes_other_seed_differs(demo, tmp_path):
    landing, _ = demo
    generate(tmp_path / "again" / "landing", scale=SCALE, seed=2026)
    assert _digests(tmp_path / "again" / "landing") == _digests(landing)
    generate(tmp_path / "other" / "landing", scale=SCALE, seed=7)
    other = _digests(tmp_path / "other" / "landing")
    assert set(other) == set(_digests(landing))
    # Header-only files (periods empty at this tiny scale) are the same whatever the seed.
    with_rows = {f["file"] for f in json.loads((landing.parent / "demo_manifest.json").read_text())["files"]
                 if f["rows"] > 0}
    same = [name for name, digest in _digests(landing).items() if name in with_rows and other[name] == digest]
    assert same == []


def test_encodings_and_formats_as_councils_send_them(demo):
    landing, manifest = demo
    by_encoding = {}
    for f in manifest["files"]:
        by_encoding.setdefault(f["encoding"], []).append(f["file"])
    assert {"utf-8", "utf-8-sig", "cp1252", "xlsx"} <= set(by_encoding)
    cp = landing / by_encoding["cp1252"][0]
    raw = cp.read_bytes()
    assert _is_cp1252(raw) and b"\r\n" in raw
    assert "comments" in raw.decode("cp1252").splitlines()[0]
    assert any(b in raw for b in (b"\x96", b"\xa3", b"\xe9")), "cp1252 file should carry non-ASCII text"
    assert (landing / by_encoding["utf-8-sig"][0]).read_bytes().startswith(b"\xef\xbb\xbf")
    xlsx = {f["source"] for f in manifest["files"] if f["format"] == "xlsx"}
    assert xlsx == {"sheu_survey", "two_year_funding"}


def test_xlsx_has_typed_cells_and_pinned_timestamps(demo):
    from openpyxl import load_workbook

    landing, _ = demo
    path = next(landing.glob("sheu_survey_*.xlsx"))
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 10, 31, 9, 0, 0)}
    wb = load_workbook(path, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    years = [r[header.index("survey_year")] for r in rows[1:]]
    assert all(isinstance(y, int) for y in years)
    assert all(len(r) == len(header) for r in rows)


def test_dates_are_dd_mm_yyyy_and_aliases_used_in_old_years(demo):
    landing, _ = demo
    old = _read_csv(landing / "early_help_episodes_2016-17.csv")
    new = _read_csv(landing / "early_help_episodes_2024-25.csv")
    assert {"assessment_date", "gender", "ward"} <= set(old.columns)
    assert {"start_date", "sex", "ward_code"} <= set(new.columns)
    dates = new["start_date"]
    assert dates.str.fullmatch(r"\d{2}/\d{2}/\d{4}").mean() > 0.98


def test_trailing_total_rows_are_declared(demo):
    landing, manifest = demo
    flagged = [f for f in manifest["files"] if f["trailing_total_row"]]
    assert flagged
    for f in flagged:
        frame = _read_csv(landing / f["file"])
        assert frame.iloc[-1, 0] == "Total"
        assert len(frame) == f["rows"] + 1


def test_manifest_fault_counts_match_the_files(demo):
    """Recount two kinds independently: impossible dates (cells that are not blank and do
    not parse as dates) and duplicates (exact repeated rows)."""
    landing, manifest = demo
    checked = 0
    for f in manifest["files"]:
        if f["format"] != "csv":
            continue
        source = get(f["source"])
        frame = _read_csv(landing / f["file"])
        if f["trailing_total_row"]:
            frame = frame.iloc[:-1]
        frame = frame.rename(columns={a: c.name for c in source.columns for a in c.aliases})
        bad_dates = 0
        for col in source.columns:
            if col.type == "date":
                bad_dates += int(parse_column(frame[col.name], "date")[1].sum())
        assert bad_dates == f["faults"].get("impossible_date", 0), f["file"]
        assert int(frame.duplicated().sum()) == f["faults"].get("duplicate", 0), f["file"]
        assert len(frame) == f["rows"]
        checked += 1
    assert checked > 200
    assert manifest["faults"].get("impossible_date", 0) > 0 and manifest["faults"].get("duplicate", 0) > 0
    shares = [f["faulty_rows"] / f["rows"] for f in manifest["files"] if f["rows"] >= 1000]
    assert max(shares) < 0.02 and min(shares) == 0


def test_child_ids_link_across_extracts(demo):
    landing, _ = demo

    def ids(pattern: str, column: str = "child_id") -> set[str]:
        return set(pd.concat([_read_csv(p)[column] for p in landing.glob(pattern)]))

    eh = ids("early_help_episodes_*.csv")
    assert len(eh & ids("social_care_referrals_*.csv")) > 0
    assert len(ids("exclusions_*.csv") & ids("attainment_*.csv")) > 0
    assert len(ids("neet_*.csv") & ids("yos_outcomes_*.csv")) > 0
    episodes = ids("early_help_episodes_*.csv", "episode_id")
    assert ids("family_feedback_*.csv", "episode_id") - {""} <= episodes
    assert ids("assessment_audits_*.csv", "episode_id") - {""} <= episodes
    assert all(len(i) == 16 for i in eh if i)


def test_no_personal_identifiers(demo):
    landing, _ = demo
    banned = {"name", "forename", "surname", "dob", "date_of_birth", "postcode", "upn", "nhs_number", "address"}
    for path in landing.glob("*.csv"):
        with open(path, encoding="cp1252" if _is_cp1252(path.read_bytes()) else "utf-8-sig") as fh:
            header = {h.strip().lower() for h in next(csv.reader(fh))}
        assert not header & banned, path.name


def test_cli_writes_files_and_manifest(tmp_path, capsys):
    out = tmp_path / "landing"
    assert main(["--out", str(out), "--scale", "0.01", "--seed", "3", "--manifest", str(tmp_path / "m.json")]) == 0
    manifest = json.loads((tmp_path / "m.json").read_text())
    assert manifest["seed"] == 3 and len(manifest["files"]) == len(list(out.iterdir()))
    assert "Wrote" in capsys.readouterr().out


def test_scale_must_be_positive(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "landing", scale=0)
