"""Every row of docs/operations.md's table of bad deliveries, delivered among good ones: the
loader gives it the status the table says, and the blocking Great Expectations suites on
load_log and the staged tables (whose invariants are the loader's own) still pass. A row added
to the table without a case here fails the first test."""

from __future__ import annotations

import codecs
import re

import duckdb
import pytest

from pipelines.compute import expectations
from pipelines.ingest.loading import ingest
from pipelines.operations.cli import main
from pipelines.settings import PROJECT_ROOT, paths as resolve_paths
from neet_runs import HEADER, NEET, neet_rows

DOCS = PROJECT_ROOT / "docs" / "operations.md"
# Rows about the run rather than a file: tested where the run is.
RUN_LEVEL = {
    "the disk fills": "tests/operations/test_runs.py, tests/outputs/test_output_space.py",
    "a check guarding what is published": "tests/compute/test_officer_quality.py",
    "a workbook whose rows continue": "tests/ingest/test_deliveries.py (workbooks)",
}
# Rows about a file of another kind (a workbook's parts, its size), about what officers write
# or about `oba prepare` and `oba sql` rather than a NEET delivery: tested where that is.
ELSEWHERE = {
    "a person's name": "tests/ingest/test_pii_corpus.py::test_a_name_where_an_identifier_belongs_is_refused_but_not_a_placeholder",
    "personal identifiers written any way": "tests/ingest/test_pii_corpus.py::test_every_generated_identifier_is_refused_in_every_column",
    "a date in an age column": "tests/ingest/test_pii_corpus.py::test_a_date_where_an_age_belongs_is_a_date_of_birth",
    "identifiers or names anywhere else": "tests/ingest/test_hostile_files.py::test_every_workbook_part_is_screened",
    "a workbook over a stated bound": "tests/ingest/test_hostile_files.py::test_a_zip_bomb_is_refused_unread_and_named",
    "a workbook carrying an embedded": "tests/ingest/test_reattack_files.py::test_a_part_nothing_can_screen_is_refused_with_a_message",
    "a file, folder or link whose name": "tests/ingest/test_hostile_files.py::test_names_in_the_landing_folder_are_masked_and_bidi_escaped",
    "a name with bidirectional": "tests/ingest/test_hostile_files.py::test_names_in_the_landing_folder_are_masked_and_bidi_escaped",
    "free text officers write": "tests/ingest/test_free_text.py::test_held_commentary_never_reaches_a_table",
    "`oba prepare` when the pseudonymisation key": "tests/prepare/test_keys_in_use.py::test_a_lost_key_stops_oba_prepare_until_new_key_is_asked_for",
    "a key anywhere inside": "tests/prepare/test_keys_in_use.py::test_a_key_anywhere_inside_the_data_folder_is_refused",
    "`oba sql`": "tests/operations/test_sql_reach.py::test_copy_and_export_are_refused_and_write_nothing",
}


def table_rows() -> list[list[str]]:
    text = DOCS.read_text()
    part = text[text.index("## Bad deliveries"):text.index("## The identifier guard")]
    rows = [ln for ln in part.splitlines() if ln.startswith("| ") and not ln.startswith("| delivery |")]
    return [[c.strip() for c in r.strip("|").split(" | ")] for r in rows]


def csv(month: str, n: int = 40, start: int = 0, rows: list[str] | None = None) -> str:
    return "\n".join([HEADER, *(rows if rows is not None else neet_rows(month, n, start))]) + "\n"


def _quarantined(month: str, bad: int) -> str:
    rows = neet_rows(month, 40, 700)
    rows[:bad] = [r.replace(",140,", ",999,").replace(",130,", ",999,").replace(",540,", ",999,") for r in rows[:bad]]
    return csv(month, rows=rows)


def _extra_fields(month: str) -> str:
    rows = neet_rows(month, 40, 800)
    rows[3] += ",surplus"
    return csv(month, rows=[*rows, "Total,,,,,,,,,"])


# docs row (its first words) -> (files of the second night: name -> bytes or a callable(landing)),
# the status each file gets (None: not logged))
def cases(landing) -> dict:
    def link(name):
        def make():
            (landing.parent / "elsewhere.csv").write_text(csv("2024-07"))
            (landing / name).symlink_to(landing.parent / "elsewhere.csv")
        return make

    return {
        "name matches no source": ({"neet_2024-06 (1).csv": csv("2024-06", start=90)}, {"neet_2024-06 (1).csv": "unrecognised"}),
        "symbolic link": ({"neet_2024-07.csv": link("neet_2024-07.csv")}, {"neet_2024-07.csv": "refused"}),
        "name with control characters": ({"neet_2024-08.csv\n": csv("2024-08")}, {"neet_2024-08.csv\\x0a": "refused"}),
        "UTF-8, with or without": ({"neet_2024-09.csv": codecs.BOM_UTF8 + csv("2024-09").encode()},
                                   {"neet_2024-09.csv": "loaded"}),
        "bytes that are neither": ({"neet_2024-10.csv": csv("2024-10").encode("utf-16")}, {"neet_2024-10.csv": "failed"}),
        "month-first dates": ({"neet_2024-11.csv": csv("2024-11").replace("01/11/2024", "11/30/2024", 1)},
                              {"neet_2024-11.csv": "rejected"}),
        "ambiguous dates": ({"neet_2024-12.csv": csv("2024-12")}, {"neet_2024-12.csv": "loaded"}),
        "ISO dates": ({"neet_2025-01.csv": csv("2025-01").replace("01/01/2025", "2025-01-01")},
                      {"neet_2025-01.csv": "loaded"}),
        "a date beyond the years": ({"neet_2025-02.csv": csv("2025-02").replace("01/02/2025", "31/12/9999", 1)},
                                    {"neet_2025-02.csv": "loaded"}),
        "last record cut": ({"neet_2025-03.csv": csv("2025-03").rstrip("\n")[:-1]}, {"neet_2025-03.csv": "loaded"}),
        "records with the wrong number": ({"neet_2025-04.csv": _extra_fields("2025-04")}, {"neet_2025-04.csv": "loaded"}),
        "a delivery with more than": ({"neet_2025-05.csv": _quarantined("2025-05", 10)}, {"neet_2025-05.csv": "held"}),
        "missing required columns": ({"neet_2025-06.csv": "\n".join(
            [HEADER.rsplit(",", 2)[0], *(r.rsplit(",", 2)[0] for r in neet_rows("2025-06", 10))]) + "\n"},
            {"neet_2025-06.csv": "rejected"}),
        "personal identifiers": ({"neet_2025-07.csv": csv("2025-07") + "01/07/2025,00000000000000aa,16,140,0,0,0,0,"
                                                                       "E05012437,jo.bloggs@example.com\n"},
                                 {"neet_2025-07.csv": "refused"}),
        "an identical copy": ({"neet_2025-08.csv": "copy:neet_2024-01.csv"}, {"neet_2025-08.csv": None}),
        "a re-issue (`_v2`": ({"neet_2024-02_v2.csv": csv("2024-02", 40, 2000)},
                              {"neet_2024-02_v2.csv": "loaded", "neet_2024-02.csv": "superseded"}),
        "a re-issue that would replace": ({"neet_2024-03_v2.csv": csv("2024-03", 10, 3000)},
                                          {"neet_2024-03_v2.csv": "held", "neet_2024-03.csv": "loaded"}),
        "a corrected re-issue": ({"neet_2024-04_v2.csv": csv("2024-04", 5, 4000),
                                  "neet_2024-04_v3.csv": csv("2024-04", 39, 4100)},
                                 {"neet_2024-04_v2.csv": "superseded", "neet_2024-04_v3.csv": "loaded",
                                  "neet_2024-04.csv": "superseded"}),
        "a held delivery an officer released": ({"neet_2024-05_v2.csv": csv("2024-05", 10, 5000)},
                                                {"neet_2024-05_v2.csv": "loaded", "neet_2024-05.csv": "superseded"}),
        "an empty re-issue": ({"neet_2024-06_v2.csv": b""}, {"neet_2024-06_v2.csv": "held", "neet_2024-06.csv": "loaded"}),
        "a version outside 1-9999": ({"neet_2024-07_v10000.csv": csv("2024-07", 40, 7000)},
                                     {"neet_2024-07_v10000.csv": "unrecognised"}),
        "digits that are not ASCII": ({"neet_\uff12\uff10\uff12\uff14-08.csv": csv("2024-08", 40, 7100)},
                                      {"neet_\uff12\uff10\uff12\uff14-08.csv": "unrecognised"}),
        "refused, rejected or unreadable re-issue": (
            {"neet_2024-01_v2.csv": csv("2024-01", 40, 6000).replace(",E05012437,M", ",BA2 4HD,M", 1)},
            {"neet_2024-01_v2.csv": "refused", "neet_2024-01.csv": "loaded"}),
    }


def _case(first_cell: str, known) -> str | None:
    return next((k for k in known if first_cell.startswith(k)), None)


def test_every_row_of_the_table_has_a_case_here(tmp_path):
    known = [*cases(tmp_path), *RUN_LEVEL, *ELSEWHERE]
    missing = [r[0][:60] for r in table_rows() if _case(r[0], known) is None]
    assert not missing, f"rows of docs/operations.md's table with no case here: {missing}"
    assert all(len(r) == 5 for r in table_rows()), "each row says whether it holds or blocks, and what to do next"


def _status_column(first: str) -> str:
    return next(r[1] for r in table_rows() if r[0].startswith(first))


def test_each_bad_delivery_gets_the_status_the_table_gives_and_the_suites_still_pass(data_dir, tmp_path):
    p = resolve_paths(data_dir).ensure()
    landing = p.landing
    for month in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"):
        (landing / f"neet_{month}.csv").write_text(csv(month, 40, int(month[-2:]) * 100))
    with duckdb.connect(str(p.build)) as con:
        ingest(con, NEET, landing)
    all_cases = cases(landing)
    for files, _ in all_cases.values():
        for name, content in files.items():
            if callable(content):
                content()
            elif isinstance(content, str) and content.startswith("copy:"):
                (landing / name).write_bytes((landing / content[5:]).read_bytes())
            else:
                (landing / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with duckdb.connect(str(p.build)) as con:
        ingest(con, NEET, landing)
    assert main(["release", "neet_2024-05_v2.csv"]) == 0             # checked by an officer: next run applies it
    with duckdb.connect(str(p.build)) as con:
        ingest(con, NEET, landing)
        log = dict(con.execute("select source_file, status from load_log").fetchall())
        reconciles = con.execute("select count(*) from load_log where rows_read <> rows_loaded + rows_quarantined "
                                 "+ rows_refused + rows_superseded + rows_held").fetchone()[0]
        suites = [s for s in expectations.staged_suites(con) if s.name in ("staged_deliveries", "load_log")]
        frames = [len(s.frame) for s in suites]      # read while the warehouse is open (a suite reads it lazily)
    assert reconciles == 0
    for first, (_, expected) in all_cases.items():
        for name, status in expected.items():
            assert log.get(name) == status, (first, name, log.get(name))
        # the table's status column names what the new file of the case becomes
        new = next(iter(expected.items()))
        if new[1] and new[1] not in ("loaded", "superseded") and _status_column(first) != "as above":
            assert new[1] in _status_column(first), (first, new[1], _status_column(first))
    quality = expectations.validate_suites(suites, tmp_path / "docs")
    assert quality.success, quality.failures
    assert {s.name for s in suites} == {"staged_deliveries", "load_log"} and all(frames)


@pytest.mark.parametrize("first", sorted(RUN_LEVEL))
def test_run_level_rows_name_the_tests_that_cover_them(first):
    for path in re.findall(r"tests/[\w/]+\.py", RUN_LEVEL[first]):
        assert (PROJECT_ROOT / path).exists(), path


@pytest.mark.parametrize("first", sorted(ELSEWHERE))
def test_rows_tested_elsewhere_name_a_test_that_exists(first):
    path, name = ELSEWHERE[first].split("::")
    assert f"def {name}(" in (PROJECT_ROOT / path).read_text(encoding="utf-8"), ELSEWHERE[first]
