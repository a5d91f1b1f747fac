"""The loader's decisions about a landing file, without a warehouse (``pipelines.ingest.decisions``)."""

from __future__ import annotations

import pytest

from pipelines.ingest.decisions import (LOAD, REFUSE, SKIP, SUPERSEDE, Arrival, InForce, admit, decide,
                                        reissue_key)

V1 = InForce("h1", 1, "neet_2026-04.csv")


def test_a_new_file_is_loaded_under_its_content_hash():
    got = admit("neet_2026-05.csv", "h9", 1, None, handled=set(), seen={"h1"})
    assert (got.outcome, got.key, got.reread) == (LOAD, "h9", False)


@pytest.mark.parametrize("name, digest, version, in_force, handled, seen, why", [
    ("neet_2026-04.csv", "", 1, V1, set(), set(), "removed since"),
    ("neet_2026-04.csv", "h1", 1, V1, {("neet_2026-04.csv", "h1")}, {"h1"}, "already in the load log"),
    ("neet_2026-04_v3.csv", "h1", 3, V1, {("neet_2026-04_v3.csv", reissue_key("h1", "neet_2026-04_v3.csv"))},
     {"h1"}, "already in the load log"),
    ("copy of neet.csv", "h1", 1, V1, set(), {"h1"}, "a copy of a delivery"),       # same version: a copy
    ("neet_2026-04_v2.csv", "h1", 2, None, set(), {"h1"}, "a copy of a delivery"),  # nothing in force
    ("neet_2026-04_v2.csv", "h1", 2, V1, set(), {"h1", reissue_key("h1", "neet_2026-04_v2.csv")},
     "a copy of a re-issue"),
])
def test_files_skipped(name, digest, version, in_force, handled, seen, why):
    got = admit(name, digest, version, in_force, handled, seen)
    assert got.outcome == SKIP and why in got.reason


def test_a_higher_version_identical_to_an_earlier_delivery_is_a_reissue_read_again():
    got = admit("neet_2026-04_v2.csv", "h1", 2, V1, handled={("neet_2026-04.csv", "h1")}, seen={"h1"})
    assert got.outcome == LOAD and got.reread
    assert got.key == reissue_key("h1", "neet_2026-04_v2.csv") != "h1"


def test_an_older_version_is_superseded_whatever_else_is_wrong_with_it():
    for arrival in (Arrival("neet_2026-04.csv", "2026-04", 1, rows_read=5),
                    Arrival("neet_2026-04.csv", "2026-04", 1, problem_status="rejected", problem="columns"),
                    Arrival("neet_2026-04.csv", "2026-04", 1, identifiers=("child_id: an NHS number",))):
        got = decide(arrival, InForce("h2", 2, "neet_2026-04_v2.csv"))
        assert (got.outcome, got.status) == (SUPERSEDE, "superseded")
        assert got.reason == "older version than neet_2026-04_v2.csv, which is already loaded for 2026-04"


@pytest.mark.parametrize("status", ["refused", "rejected", "failed"])
def test_a_file_that_cannot_be_used_is_refused_with_its_status(status):
    got = decide(Arrival("neet_2026-05.csv", "2026-05", 1, problem_status=status, problem="why"), V1)
    assert (got.outcome, got.status, got.reason) == (REFUSE, status, "why")


def test_identifiers_refuse_the_file_whole_and_are_named():
    got = decide(Arrival("neet_2026-05.csv", "2026-05", 1, identifiers=("a", "b"), rows_read=3), None)
    assert (got.outcome, got.status) == (REFUSE, "refused")
    assert got.reason == "neet_2026-05.csv: personal identifiers found (refused whole): a; b"


def test_a_readable_delivery_loads_pending_or_empty():
    assert decide(Arrival("x", "2026-05", 2, rows_read=4), V1) == decide(Arrival("x", "2026-05", 1, rows_read=4), V1)
    assert decide(Arrival("x", "2026-05", 1, rows_read=4), None).status == "pending"
    empty = decide(Arrival("x", "2026-05", 1), None)
    assert (empty.outcome, empty.status) == (LOAD, "empty") and "no records" in empty.reason
    assert "no bytes or no header" in decide(Arrival("x", "2026-05", 1, has_encoding=False), None).reason
