"""The identifier guard on generated corpora: every written form of every identifier kind is
refused in every kind of column (identifier, coded, typed, extra free text, a field of a
malformed record, the header), and ordinary text is not refused anywhere. Figures are printed
(``pytest -s`` shows them)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.ingest import pii
from sources import catalogue
from tests.ingest.identifier_corpus import hostile, ordinary

CME = catalogue.get("cme")
HEADER = ["case_id", "child_id", "reason", "age", "Notes"]
PLACES = {"identifier column (case_id)": "case_id", "coded column (reason)": "reason",
          "typed column (age)": "age", "extra free-text column (Notes)": "Notes"}


def _scan(cells: dict[str, str], header=HEADER, malformed=()):
    row = {c: cells.get(c, "") for c in header}
    row.setdefault("child_id", "0123456789abcdef")
    frame = pd.DataFrame([row], columns=header, dtype="string")
    return pii.scan(header, frame, malformed=malformed, source=CME, mailboxes=frozenset())


def _refused_where(value: str) -> dict[str, bool]:
    out = {}
    for where, column in PLACES.items():
        text = value if column != "Notes" else f"Spoke to family; {value} noted."
        out[where] = any(f.column == column for f in _scan({column: text}))
    # The value written as a header (judged as text; a header *named* like an identifier,
    # 'Home address', is refused by the header rule, tested in test_pii.py).
    out["header cell"] = any(f.column.startswith("header cell") for f in _scan({}, header=[*HEADER, value]))
    out["field of a malformed record"] = bool(_scan({}, malformed=[(3, ["x", value])]))
    return out


def test_every_generated_identifier_is_found_by_the_one_model():
    """The finders the loader, ``oba validate``, ``oba prepare`` and the free-text screens
    share, on a large generated corpus (per kind 400 written forms)."""
    from pipelines.ingest import names
    corpus = hostile(seed=2026, per_kind=400)
    missed = {k: [v for v in forms if not (names.find_names(v) if k == "name" else pii.find_identifiers(v))]
              for k, forms in corpus.items()}
    print("\ngenerated corpus, the finders: found / written forms")
    for kind, forms in corpus.items():
        print(f"  {kind:<9} {len(forms) - len(missed[kind])}/{len(forms)}")
    assert not any(missed.values()), {k: v[:5] for k, v in missed.items() if v}


def test_every_generated_identifier_is_refused_in_every_column():
    corpus = hostile(per_kind=40)
    missed, table = [], []
    for kind, forms in corpus.items():
        counts = {}
        for value in forms:
            for where, refused in _refused_where(value).items():
                counts.setdefault(where, 0)
                counts[where] += refused
                if not refused:
                    missed.append(f"{kind} in {where}: {value!r}")
        table.append((kind, len(forms), counts))
    print("\ngenerated identifier corpus: refused / written forms, per place")
    for kind, n, counts in table:
        print(f"  {kind:<9} " + "; ".join(f"{where} {c}/{n}" for where, c in counts.items()))
    total = sum(n for _, n, _ in table) * len(table[0][2])
    print(f"  all: {total - len(missed)}/{total} refused")
    assert not missed, f"{len(missed)} not refused, e.g.: " + "; ".join(missed[:15])


def _refused_in_batch(texts: list[str]) -> bool:
    """Whether any of ``texts`` is refused in any place, each place scanned once with every
    text a row (a clean batch proves every text in it clean)."""
    for column in ("reason", "age", "Notes"):
        frame = pd.DataFrame({c: [""] * len(texts) for c in HEADER}, dtype="string")
        frame[column] = texts
        frame["child_id"] = "0123456789abcdef"
        if pii.scan(HEADER, frame, source=CME, mailboxes=frozenset()):
            return True
    header = [*HEADER, *texts]
    if any(f.column.startswith("header cell") for f in pii.scan(header, pd.DataFrame(columns=header, dtype="string"),
                                                                source=CME, mailboxes=frozenset())):
        return True
    return bool(_scan({}, malformed=[(i + 3, ["x", t]) for i, t in enumerate(texts)]))


def test_the_ordinary_corpus_is_not_refused_anywhere():
    wrongly, table = [], []
    for kind, texts in ordinary().items():
        bad = []
        if _refused_in_batch(texts):   # then say which, one at a time
            bad = [t for t in texts if any(r for w, r in _refused_where(t).items()
                                           if not w.startswith("identifier column"))]
        wrongly += [f"{kind}: {t!r}" for t in bad]
        table.append((kind, len(texts), len(bad)))
    print("\nordinary corpus: refused / texts (coded, typed and free-text columns, header, malformed field)")
    for kind, n, bad in table:
        print(f"  {kind:<28} {bad}/{n}")
    print(f"  all: {sum(b for *_, b in table)}/{sum(n for _, n, _ in table)} refused")
    assert not wrongly, "; ".join(wrongly[:20])


@pytest.mark.parametrize("text", ["943 - 476 - 5919", "943.476.5919", "943\u00a0476\u00a05919", "943\u2013476\u20135919",
                                  "A123 4567 89012", "DOB 12-Mar-2012", "b. 12/03/2012", "Birthday 12/03/2012",
                                  "DOB: 12 03 2012", "07700\u00a0900\u00a0123", "07700.900.123", "BA2-4HD",
                                  "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19"])
def test_the_issue_forms_are_found(text):
    assert pii.find_identifiers(text)


def test_a_name_where_an_identifier_belongs_is_refused_but_not_a_placeholder():
    assert [f.reason for f in _scan({"case_id": "Smith"})] == ["a person's name (words where an identifier belongs)"]
    assert _scan({"case_id": "Oliver"})
    assert not _scan({"case_id": "CME0123456"})
    assert not _scan({"case_id": "Unknown"})
    assert not _scan({"case_id": "Total"})


def test_a_date_where_an_age_belongs_is_a_date_of_birth():
    for value in ("12/03/2012", "2012-03-12", "12 March 2012", "12.03.2012"):
        assert [f.reason for f in _scan({"age": value})] == ["a date of birth (a date where an age belongs)"], value
    assert not _scan({"age": "12"}) and not _scan({"age": "12.5"})


def test_the_written_out_dashes_spaces_and_invisible_characters_are_every_one():
    import unicodedata
    every = list(map(chr, range(0x110000)))
    assert {c for c in every if unicodedata.category(c) == "Pd"} <= set(pii._DASHES)
    assert {c for c in every if c.isspace() or unicodedata.category(c) in ("Zs", "Zl", "Zp")} <= set(pii._SPACES)
    assert {c for c in every if unicodedata.category(c) == "Cf"} <= set(pii._INVISIBLE)
    assert not set(pii._DASHES) & set(pii._SPACES + pii._INVISIBLE)
