"""People's names in text: the part of the identifier guard that reads words, not numbers.

A name is found three ways, each with a first name from public open data (the ONS baby-name
statistics, ``sources/lookups/first_names.txt``; the rarer names of the US 1990 census's
first-name lists, public domain, ``first_names_census.txt``; the names of many communities from
the Faker package's lists, MIT, ``first_names_faker.txt``; a council adds its own in
``first_names.txt`` in its settings folder):

* ``Forename Surname``: a first name followed by a capitalised word (``Lily Smith``,
  ``OLIVER JONES``, ``Amelia-Rose O'Brien``);
* ``SURNAME, Forename``: a capitalised word, a comma, then a first name (``SMITH, Lily``), or
  a surname in capitals and a first name with no comma (``SMITH Lily``);
* ``Forename`` with an age (``Lily (aged 7)``, ``Oliver, 14``, ``Ava age 3``), and a first name
  and a word with an age in any case (``grace smith (aged 7)``).

Place, school, service and other organisations' names are not people: a run of capitalised
words holding an organisation word (``School``, ``Primary``, ``Centre``, ...), or after
``St``/``Saint``, or a first name whose next word is a place or street word (``Victoria
Park``, ``Mark Lane``, ``Florence Court``, ``Grace Church``), or a phrase of the lookups
(ward, locality and authority names, and the places, schools and agencies of ``places.txt``,
packaged and the authority's own) is left alone. A place word after a first name is still a
surname when the text says it is a person: an age after it, a title (``Mrs``) or a word for a
person (``daughter``, ``pupil``, ``named``) before it (``Lily Green (aged 7)``, ``her son Jack
Hall``), or both words are in capitals (``LILY HALL``, how case systems write a name).

``in_identifier`` judges a short cell of an identifier or coded column, where a name has no
business at all: any first name as a whole word, or nothing but words where an id belongs.
"""

from __future__ import annotations

import csv
import functools
import os
import re

from pipelines.settings import PROJECT_ROOT, local_file

NAMES_FILE = "first_names.txt"
LOOKUPS = PROJECT_ROOT / "sources" / "lookups"
PACKAGED_NAMES = LOOKUPS / NAMES_FILE
# The rarer and older names (US 1990 census, public domain) and the names of the communities
# families come from (the Faker package's lists, MIT): licences in each file's header.
MORE_NAMES = (LOOKUPS / "first_names_census.txt", LOOKUPS / "first_names_faker.txt")
WARDS = LOOKUPS / "wards.csv"
PLACES_FILE = "places.txt"
PACKAGED_PLACES = LOOKUPS / PLACES_FILE
AUTHORITIES = PROJECT_ROOT / "sources" / "published" / "ks2_la.csv"

# Words that make a run of capitalised words the name of a place, organisation or thing.
ORG_WORDS = frozenset("""
school schools primary secondary academy academies college nursery nurseries infant infants junior juniors
centre center centres church chapel cathedral abbey street st saint road roads avenue lane close crescent
drive terrace square gardens estate house hall court trust hospital surgery practice clinic team teams
service services hub project partnership foundation council university federation community communities
group panel board committee forum network unit ward wards park library leisure sports club station
office department directorate agency police housing health nhs cic ltd limited plc charity society
association fund programme program network way place row walk mews view rise grove green hill vale
""".split())
# Capitalised words that are not surnames (what follows a first name that is also a word:
# 'May Half Term', 'Grace Period', 'June Panel').
NOT_SURNAMES = frozenset("""
the a an and or of in on at to for by with from as is was are be been has have had not no yes
half term terms holiday holidays camp day days week weeks month months year years quarter report review update plan plans
meeting meetings data total totals summary note notes target targets action actions period periods
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec
mr mrs ms miss dr mx sir
""".split())
# What a case system writes where it has no id: judged by validation, never a name.
PLACEHOLDERS = frozenset({"unknown", "none", "null", "nil", "na", "n.a.", "tbc", "tba", "missing", "blank", "not known",
                          "not recorded", "not applicable", "test", "other", "pending", "n a"})
# Organisation words that are also common surnames (Jade Hall, Lily Green): after a first name
# they make a place (Victoria Park, Mark Lane) unless the text says a person is meant (an age
# after, a title or a word for a person before); the other organisation words always make a place.
SURNAME_TOO = frozenset({"hall", "hill", "green", "wood", "park", "ward", "lane", "way", "grove", "vale", "rise", "view",
                         "walk", "row", "bell", "wells"})
STRONG_ORG = ORG_WORDS - SURNAME_TOO
# Words that make a first name and a place word one person ('her daughter Lily Green', 'Mrs Jade Hall').
PERSON_BEFORE = re.compile(r"(?:\b(?:mr|mrs|ms|miss|mx|master|dr|named|called|child|pupil|student|girl|boy|son|daughter"
                           r"|sister|brother|sibling|mum|mother|dad|father|baby|infant|toddler|teenager|carer|parent"
                           r"|grandparent|grandmother|grandfather|nan|aunt|uncle|cousin|niece|nephew|stepson"
                           r"|stepdaughter|client|resident|victim|witness|known\s+as|aka)\.?)\s*$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*(?:-[A-Za-z][A-Za-z'\u2019]*)*")
# An age written after a first name: 'Lily (7)', 'Lily (aged 7)', 'Lily, 7', 'Lily aged 7', 'Lily 7yo'.
_AGE = re.compile(r"\s*(?:\(\s*(?:aged?\s*)?\d{1,2}\s*(?:y(?:ea)?rs?|yo)?\s*\)|,\s*(?:aged?\s*)?\d{1,2}\b"
                  r"|\s+aged?\s*\d{1,2}\b|\s*\d{1,2}\s*(?:yo|-?years?-old|y(?:ea)?rs?)\b)", re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _first_names(extra: str | None) -> frozenset[str]:
    names = set()
    for path in (PACKAGED_NAMES, *MORE_NAMES, extra):
        if path is None:
            continue
        try:
            lines = open(path, encoding="utf-8").read().splitlines()
        except OSError:
            continue
        found = {line.split("#", 1)[0].strip().lower() for line in lines}
        # The larger lists' months and days ('September', 'Sunday') are dates here.
        names.update(found - NOT_SURNAMES if path in MORE_NAMES else found)
    names.discard("")
    return frozenset(names)


def first_names() -> frozenset[str]:
    """Lower-case first names: the packaged lists (ONS, census, Faker) and the authority's own additions."""
    return _first_names(_own_file(os.environ.get("OBA_DATA_DIR"), os.getcwd()))


@functools.lru_cache(maxsize=8)
def _own_file(data_dir: str | None, cwd: str) -> str | None:
    """The authority's first_names.txt, if it has one (judged once per data folder: every
    cell of a delivery asks)."""
    own = local_file(NAMES_FILE, PACKAGED_NAMES)
    return str(own) if own != PACKAGED_NAMES else None


def place_words() -> frozenset[str]:
    """Lower-case words of the authority's ward and locality names (never surnames here)."""
    return _place_words(_wards_file(os.environ.get("OBA_DATA_DIR"), os.getcwd()))


def place_pairs() -> frozenset[str]:
    """Each two words running together in a name of the lookups ('victoria park'): ward,
    locality and authority names and the places, schools and agencies of ``places.txt``."""
    return _places()[1]


def place_names() -> frozenset[str]:
    """The lookups' names themselves, lower case ('chew magna', 'bristol', 'somer valley')."""
    return _places()[0]


def _places() -> tuple[frozenset[str], frozenset[str]]:
    data_dir, cwd = os.environ.get("OBA_DATA_DIR"), os.getcwd()
    return _place_phrases(_wards_file(data_dir, cwd), _places_files(data_dir, cwd))


@functools.lru_cache(maxsize=8)
def _wards_file(data_dir: str | None, cwd: str) -> str:
    return str(local_file("wards.csv", WARDS))


@functools.lru_cache(maxsize=8)
def _places_files(data_dir: str | None, cwd: str) -> tuple[str, ...]:
    own = local_file(PLACES_FILE, PACKAGED_PLACES)
    return tuple(dict.fromkeys((str(PACKAGED_PLACES), str(own))))


def _csv_values(path, keys) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return [row.get(key) or "" for row in csv.DictReader(fh) for key in keys]
    except OSError:
        return []


@functools.lru_cache(maxsize=8)
def _place_words(path: str) -> frozenset[str]:
    return frozenset(w.lower() for value in _csv_values(path, ("ward_name", "locality_name")) for w in _WORD.findall(value))


@functools.lru_cache(maxsize=8)
def _place_phrases(wards: str, places: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    phrases = _csv_values(wards, ("ward_name", "locality_name")) + _csv_values(AUTHORITIES, ("la_name",))
    for path in places:
        try:
            phrases += [line.split("#", 1)[0] for line in open(path, encoding="utf-8").read().splitlines()]
        except OSError:
            continue
    whole, pairs = set(), set()
    for phrase in phrases:
        for part in [phrase, *phrase.split(",")]:          # 'Bristol, City of'
            words = [_base(w) for w in _WORD.findall(part)]
            whole.add(" ".join(words))
            pairs.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    whole.discard("")
    return frozenset(whole), frozenset(pairs)


def _capitalised(word: str) -> bool:
    return word[0].isupper() and (word.isupper() or word[1:2].islower() or word[1:2] in ("'", "\u2019"))


def _base(word: str) -> str:
    return word.lower().replace("\u2019", "'")


def _runs(text: str) -> list[list[re.Match]]:
    """Runs of capitalised words separated by nothing but spaces (a comma or other word ends one)."""
    runs, current, last_end = [], [], None
    for m in _WORD.finditer(text):
        joined = last_end is not None and text[last_end:m.start()].strip(" ") == ""
        if _capitalised(m.group(0)) and (joined or not current):
            current.append(m)
        else:
            if current:
                runs.append(current)
            current = [m] if _capitalised(m.group(0)) else []
        last_end = m.end()
    if current:
        runs.append(current)
    return runs


def _is_forename(word: str, names: frozenset[str]) -> bool:
    base = _base(word)                        # 'Qay-Yoom' listed whole, or 'Amelia-Rose' of two
    return base in names or all(p in names for p in base.split("-"))


def _a_person(text: str, run: list[re.Match], i: int) -> bool:
    """Whether the text says the first name at ``run[i]`` and the word after it are a person:
    an age after the pair, or a title or a word for a person just before it."""
    after = text[run[i + 1].end():] if i + 1 < len(run) else ""
    return bool(_AGE.match(after) or PERSON_BEFORE.search(text[max(0, run[i].start() - 40):run[i].start()]))


def _a_place(pair: list[str], places: frozenset[str]) -> bool:
    """A first name and a place or street word ('Victoria Park'; not in capitals, how case systems
    write a name: 'LILY HALL'), or two words of a name in the lookups."""
    if " ".join(_base(w) for w in pair) in places:
        return True
    return _base(pair[1]) in ORG_WORDS and not all(w.isupper() for w in pair)


def _surname_first(before: str, word: str) -> bool:
    """'SMITH Grace': a surname in capitals, then a first name written in title case."""
    return (len(before) > 2 and before.isupper() and not word.isupper() and _base(before) not in NOT_SURNAMES
            and _base(before) not in ORG_WORDS and _base(before) not in place_words())


def find_names(text: str) -> list[str]:
    """The people's names in ``text`` (as written), by the rules above."""
    text = str(text)
    found = _with_an_age(text)
    if not any(c.isupper() for c in text):
        return found
    names, places, pairs = first_names(), place_words(), place_pairs()
    for run in _runs(text):
        words = [m.group(0) for m in run]
        lower = [_base(w) for w in words]
        before = text[max(0, run[0].start() - 12):run[0].start()].rstrip()
        if any(w in STRONG_ORG for w in lower) or re.search(r"\b(?:st|saint)\.?$", before, re.IGNORECASE):
            continue
        for i, word in enumerate(words):
            if not _is_forename(word, names):
                continue
            if i and _surname_first(words[i - 1], word):
                found.append(f"{words[i - 1]} {word}")      # 'SMITH Grace', as case systems list people
                break
            nxt = words[i + 1] if i + 1 < len(words) else None
            after = text[run[i].end():]
            if nxt and len(nxt) > 1 and _base(nxt) not in NOT_SURNAMES and _base(nxt) not in places:
                if _a_place(words[i:i + 2], pairs) and not _a_person(text, run, i):
                    break
                found.append(f"{word} {nxt}")
                break
            if _AGE.match(after):
                found.append(word)
                break
    # SURNAME, Forename
    for surname, forename, whole in _comma_pairs(text):
        if (len(surname) > 1 and _capitalised(surname) and _capitalised(forename) and _is_forename(forename, names)
                and _base(surname) not in NOT_SURNAMES and _base(surname) not in STRONG_ORG
                and _base(surname) not in places):
            found.append(whole)
    return list(dict.fromkeys(found))


# An age written out after a name in any case: '(aged 7)', '(7)', 'aged 7', '7 years old', '7yo'.
_AGE_WRITTEN = re.compile(r"\s*(?:\(\s*(?:aged?\s*)?\d{1,2}\s*(?:y(?:ea)?rs?|yo)?\s*\)|,?\s*aged?\s*\d{1,2}\b"
                          r"|\s*\d{1,2}\s*(?:yo|-?years?-old|y(?:ea)?rs?\s+old)\b)", re.IGNORECASE)


def _with_an_age(text: str) -> list[str]:
    """A first name, alone or with the word after it, followed by an age, in any case
    ('grace smith (aged 7)', 'LILY aged 4')."""
    if not re.search(r"\d", text):
        return []
    names, found, words = first_names(), [], list(_WORD.finditer(text))
    for i, m in enumerate(words):
        if len(m.group(0)) < 3 or not _is_forename(m.group(0), names):
            continue
        if _AGE_WRITTEN.match(text, m.end()):
            found.append(m.group(0))
            continue
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt and text[m.end():nxt.start()].strip(" ") == "" and _base(nxt.group(0)) not in NOT_SURNAMES \
                and _AGE_WRITTEN.match(text, nxt.end()):
            found.append(text[m.start():nxt.end()])
    return found


_BEFORE_COMMA = re.compile(r"([A-Za-z][A-Za-z'\u2019-]*)\s*$")
_AFTER_COMMA = re.compile(r"\s*([A-Za-z][A-Za-z'\u2019-]*)")


def _comma_pairs(text: str):
    """(word before, word after, both as written) around each comma: found from the commas,
    so a long cell without one costs one pass (a pattern searching for 'word, word' from
    every letter would take quadratic time on a 5 MB cell)."""
    at = text.find(",")
    while at >= 0:
        before = _BEFORE_COMMA.search(text, max(0, at - 64), at)
        after = _AFTER_COMMA.match(text, at + 1, at + 65)
        if before and after:
            yield before.group(1), after.group(1), text[before.start(1):after.end(1)]
        at = text.find(",", at + 1)


def in_identifier(cell: str, id_format: str | None = None) -> str | None:
    """Why a cell of an identifier or coded column looks like a person's name, or None:
    a first name as a whole word, a name by ``find_names``, or (where the column declares
    an id format the cell does not match) nothing but capitalised words where an id belongs
    ('Smith', 'SMITH', 'Lily Smith'; not 'abc', nor a placeholder such as 'Unknown')."""
    text = str(cell).strip()
    if not text or not any(c.isalpha() for c in text):
        return None
    if find_names(text):
        return "a person's name"
    names, cells = first_names(), _WORD.findall(text)
    if " ".join(_base(w) for w in cells) in place_names():      # 'Weston', 'Chew Magna', 'Bristol'
        return None
    # A first name alone, or among up to three capitalised words none of which makes it a place.
    if 1 <= len(cells) <= 3 and all(_capitalised(w) for w in cells) and re.fullmatch(r"[A-Za-z'\u2019\- ,.]+", text) \
            and any(_is_forename(w, names) and len(w) > 2 for w in cells) \
            and not any(_base(w) in STRONG_ORG or _base(w) in ("st", "saint") for w in cells):
        return "a person's name"
    words = [_base(w) for w in _WORD.findall(text)]
    if id_format and not any(c.isdigit() for c in text) \
            and not all(w in PLACEHOLDERS or w in NOT_SURNAMES or w in ORG_WORDS or "total" in w for w in words) \
            and re.fullmatch(r"[A-Z][A-Za-z'\u2019\-]+(?:[ ,.]+[A-Z][A-Za-z'\u2019\-]*)*", text):
        return "a person's name (words where an identifier belongs)"
    return None
