"""Free text officers write: what is held (small numbers in words and digits, groups, one
alone, ages that single out, names, identifiers in any written form) and what is not."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.ingest import free_text
from pipelines.outputs import screening
from tests.ingest.identifier_corpus import hostile

HELD = [
    "Action owner: 07700\u00a0900\u00a0123.", "Owner 07700.900.123", "A 14-year-old girl moved into the area.",
    "Lily Smith (aged 7) moved into Twerton.", "SMITH, Lily was stepped down.", "Oliver, 14, was excluded.",
    "the only child in the ward on a plan", "The sole care leaver in Keynsham.", "a sibling group of three",
    "a family of four moved", "one (1) family", "three LAC placed out of area", "two large families",
    "3 children were referred", "a couple of young carers", "She was aged 7 at referral.", "DOB 12-Mar-2012",
    "born 12 March 2012", "NHS 943 476 5919", "UPN A123 4567 89012", "email jo.bloggs [at] example [dot] com",
    "lives at BA2-4HD", "twins were placed together", "one young person", "Contact 01225\u2013477\u2013000.",
]
NOT_HELD = [
    "One in five children are NEET.", "Year 5 children improved their reading.", "Children aged 5 to 11 attend.",
    "Rates rose 3 points since 2024-25.", "The only way families engage is early help.",
    "Referrals rose by 12% in Twerton.", "Ralph Allen School and Grace Academy joined the partnership.",
    "Health visiting and the Youth Service lead the action.", "Review due 31/03/2027.",
    "Over 200 families were supported in 2025.", "Keynsham and Somer Valley improved most.",
]


@pytest.mark.parametrize("text", HELD)
def test_held(text):
    assert free_text.held(text), text


@pytest.mark.parametrize("text", NOT_HELD)
def test_not_held(text):
    assert not free_text.held(text), free_text.screen_text(text)


def test_every_generated_identifier_is_held_in_free_text():
    corpus = hostile(seed=11, per_kind=60)
    missed = [v for forms in corpus.values() for v in forms if not free_text.held(f"Update from the team: {v}.")]
    print(f"\nfree text: {sum(map(len, corpus.values())) - len(missed)}/{sum(map(len, corpus.values()))} "
          f"generated identifiers held")
    assert not missed, missed[:10]


def test_held_sentences_are_shown_masked():
    [(sentence, reason)] = free_text.screen_text("Call 07700\u00a0900\u00a0123 about Lily Smith.")
    assert "900" not in sentence and "Lily Smith" not in sentence and "phone" in reason and "name" in reason


def test_held_commentary_never_reaches_a_table():
    frame = pd.DataFrame({"measure_id": ["EH01", "EH02"], "commentary": ["A 14-year-old girl moved.", "Rates rose."]})
    kept = free_text.withhold(frame, "commentary")
    assert kept["commentary"].isna().tolist() == [True, False] and kept["commentary"][1] == "Rates rose."


def test_the_cover_is_screened():
    cover = {"purpose": "To report on Lily Smith.", "decide": ["Agree the plan."], "note": ["Note the annex."]}
    findings = screening.screen(screening.cover_text(cover))
    assert [f.part for f in findings] == ["purpose"]
