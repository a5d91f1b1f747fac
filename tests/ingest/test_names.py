"""The person-name detector on corpora generated here (not the identifier corpus): names drawn
from each packaged first-name list in the forms people write them, and ordinary text made of
a first name and a place, street or organisation word or of the lookups' names. Figures for
both are printed (run with -s)."""

from __future__ import annotations

import random

import pytest

from pipelines.ingest import free_text, names
from pipelines.settings import PROJECT_ROOT

LOOKUPS = PROJECT_ROOT / "sources" / "lookups"
LISTS = {"ONS": LOOKUPS / "first_names.txt", "US census": LOOKUPS / "first_names_census.txt",
         "Faker": LOOKUPS / "first_names_faker.txt"}
SURNAMES = ["Smith", "Khan", "Nowak", "Okonkwo", "Murphy", "O'Neill", "Nguyen", "Kowalczyk", "Popescu", "Begum",
            "Adeyemi", "Fraser", "Pritchard", "Yilmaz", "Da Silva", "McLeod", "Hughes", "Evans"]
PLACE_WORDS = ["Church", "Park", "Court", "Road", "Lane", "Street", "School", "Academy", "Centre", "House", "Ward",
               "Hill", "Close", "Gardens", "Avenue", "Primary", "Surgery", "Hall", "Green", "Way", "Terrace"]


def _listed(path) -> list[str]:
    return [line.strip() for line in open(path, encoding="utf-8") if line.strip() and not line.startswith("#")]


def _name_forms(first: str, surname: str, rng: random.Random) -> str:
    age = rng.randint(1, 17)
    return rng.choice([f"Referral for {first} {surname} from school", f"{surname.upper()}, {first}",
                       f"{first.upper()} {surname.upper()} seen today", f"{first.lower()} {surname.lower()} (aged {age})",
                       f"{first} {surname} ({age}) moved to Twerton", f"{surname}, {first} - closed",
                       f"her daughter {first} {rng.choice(['Hall', 'Green', 'Lane', 'Hill'])} attended"])


def _usable(first: str) -> bool:
    return first.lower() in names.first_names()


@pytest.mark.parametrize("source", sorted(LISTS))
def test_names_from_every_list_are_found(source):
    rng = random.Random(f"names-{source}")
    firsts = [f for f in _listed(LISTS[source]) if _usable(f)]
    cases = [_name_forms(rng.choice(firsts), rng.choice(SURNAMES), rng) for _ in range(300)]
    missed = [c for c in cases if not names.find_names(c) or not free_text.held(c)]
    print(f"\nnames from the {source} list ({len(firsts)} first names): found {len(cases) - len(missed)}/{len(cases)}")
    assert not missed, missed[:10]


def test_the_issue_forms_of_a_name_are_refused_and_place_pairs_are_not():
    for text in ("Grace Smith", "SMITH, Grace", "grace smith (aged 7)", "Lily Hall (aged 7)", "Mrs Jade Green",
                 "LILY HALL", "her son Jack Hill", "Wojciech Nowak moved in", "Mehmet Yilmaz"):
        assert names.find_names(text), text
    for text in ("Grace Church", "Victoria Park", "Florence Court", "Alexandra Park", "Mark Lane", "Peasedown St John",
                 "Met at Jade Hall", "September Guarantee", "P, Berry"):
        assert not names.find_names(text), text


def test_a_first_name_and_a_place_word_is_not_a_name_anywhere():
    """Every first name of the lists before each place word, in a sentence and in the
    free-text screen: none refused. The same pair with an age or a person word is."""
    rng = random.Random(2031)
    everyone = sorted(names.first_names())
    cases = [(rng.choice(everyone).title(), rng.choice(PLACE_WORDS)) for _ in range(600)]
    texts = [rng.choice(["Met the family at {}.", "Moved to {} last month.", "Sessions run from {} weekly.",
                         "{} has a new lead."]).format(f"{a} {b}") for a, b in cases]
    wrongly = [t for t in texts if names.find_names(t) or free_text.held(t)]
    print(f"\nordinary corpus, a first name and a place word: refused {len(wrongly)}/{len(texts)}")
    with_a_person = [f"{a} {b} (aged 9) was seen" for a, b in cases if b.lower() in names.SURNAME_TOO]
    missed = [t for t in with_a_person if not names.find_names(t)]
    print(f"  the same with an age (a surname-like place word): found {len(with_a_person) - len(missed)}/{len(with_a_person)}")
    assert not wrongly, wrongly[:10]
    assert not missed, missed[:10]


def test_the_lookups_names_are_not_names():
    texts = sorted(names.place_names())
    wrongly = [t for t in texts if names.find_names(t.title()) or names.in_identifier(t.title())]
    print(f"\nordinary corpus, the lookups' names (wards, localities, authorities, places): refused {len(wrongly)}/{len(texts)}")
    assert not wrongly, wrongly[:10]


def test_an_authority_adds_its_own_places_and_names(tmp_path, monkeypatch):
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "places.txt").write_text("Zebedee Meadows\n")
    (tmp_path / "settings" / "first_names.txt").write_text("Xanthippe\n")
    monkeypatch.setenv("OBA_DATA_DIR", str(tmp_path))
    assert not names.find_names("Family day at Zebedee Meadows")
    assert names.find_names("Xanthippe Brown")


@pytest.mark.parametrize("source", sorted(LISTS))
def test_names_from_every_list_are_refused_in_every_column(source):
    """Names of each list in identifier, coded and typed columns, an extra column, a header
    and a malformed record's field."""
    from tests.ingest.test_pii_corpus import _refused_where

    rng = random.Random(f"columns-{source}")
    firsts = [f for f in _listed(LISTS[source]) if _usable(f)]
    cases = [rng.choice([f"{first} {surname}", f"{surname.upper()}, {first}", f"{surname.upper()} {first}",
                         f"{first.lower()} {surname.lower()} (aged 6)"])
             for first, surname in zip(rng.sample(firsts, 8), rng.sample(SURNAMES, 8))]
    missed = [f"{c} in {where}" for c in cases for where, refused in _refused_where(c).items() if not refused]
    print(f"\nnames from the {source} list in every column: refused {len(cases) * 6 - len(missed)}/{len(cases) * 6}")
    assert not missed, missed[:10]
