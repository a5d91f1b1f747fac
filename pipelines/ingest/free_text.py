"""Free text officers write (turn-the-curve files, the paper's cover in ``paper.yaml``), screened
sentence by sentence before it reaches a paper, a workbook or a table.

A sentence is held when it could identify a child or family:

* a small number of people, in digits or words: 1 to 5 before a word for people ("two large
  families", "3 children", "one (1) family", "three LAC"), a group of that size ("a sibling
  group of three", "a family of four"), or one alone ("the only child in the ward", "the
  sole care leaver", "a single young carer");
* an age that singles someone out ("a 14-year-old girl", "she was aged 7");
* a person's name (``pipelines.ingest.names``: "Lily Smith", "SMITH, Lily", "Lily (aged 7)");
* anything the identifier guard finds (``pipelines.ingest.pii``: postcodes, NHS numbers,
  UPNs, ULNs, phone numbers, e-mail addresses, dates of birth, written in any of their forms).

Rates ("one in five children"), school years ("Year 5 children") and groups by age ("children
aged 5 to 11") are not counts of people.
"""

from __future__ import annotations

import re

from pipelines.ingest import names, pii

NUMBER = r"(?:[1-5]|one|two|three|four|five|a\s+couple\s+of|a\s+handful\s+of|a\s+pair\s+of|a\s+single)"
PEOPLE = (r"(?:people|persons?|individuals?|famil(?:y|ies)|child(?:ren)?|kids?|young\s+(?:people|persons?|parents?"
          r"|carers?)|youngsters?|teenagers?|adolescents?|pupils?|students?|learners?|parents?|carers?|mothers?|"
          r"mums?|fathers?|dads?|households?|siblings?|brothers?|sisters?|boys?|girls?|bab(?:y|ies)|infants?|"
          r"toddlers?|care\s+leavers?|residents?|cases?|clients?|victims?|offenders?|men|women|adults?|twins|triplets|"
          r"lac|cla|cin|cyp|uasc|neets?|yp|looked[\s-]after(?:\s+children)?|care[\s-]experienced)")
# Words that make the number a measurement, not a count of people ("2 points", "3 months").
UNITS = (r"(?:points?|pp|percentage|per|times|fold|years?|months?|weeks?|days?|hours?|sessions?|places?|"
         r"localities|wards?|schools?|teams?|quarters?|terms?)")
# A people word naming a service, not people ('three family hubs', "two children's centres").
NOT_A_SERVICE = (r"(?!'?s?'?\s+(?:hubs?|centres?|centers?|services?|support|workers?|practitioners?|teams?|courts?|homes?"
                 r"|meetings?|sessions?|plans?|networks?|panels?|programmes?|projects?|rooms?|groups?|zones?|partnerships?"
                 r"|boards?|forums?|units?|offices?|clinics?|events?|days?))")
# The number, up to three words describing them ("two large families", "3 looked-after
# children"), then the people. Not a rate ("one in five children") nor a year group.
SMALL_NUMBER = re.compile(
    rf"(?<![\w.,£$%-])(?<!\bin\s)(?<!\bof\s)(?<!\byear\s)(?<!\byr\s)(?<!\bstage\s)(?<!\bks\s)(?<!\baged\s)"
    rf"(?<!\bage\s)(?<!\bunder\s)(?<!\bover\s)\b({NUMBER})\b(?:\s*\(\s*[1-5]\s*\))?(?!\s*(?:%|per\s*cent|percent|in\s|of\s+every))"
    rf"((?:\s+(?!in\b|per\b|for\b|(?!years?\s+\d){UNITS}\b)[\w'-]+){{0,3}}?)\s+{PEOPLE}\b{NOT_A_SERVICE}"
    rf"|\bboth\s+(?:of\s+(?:the|their)\s+)?{PEOPLE}\s+(?:in|from|of|at)\s+(?:the|this|that|one|a)\b", re.IGNORECASE)
# A sentence ends after a word or figure, not after an abbreviation ('D.O.B. 12 March', 'b. 2012').
SENTENCE = re.compile(r"(?:(?<=[a-z][a-z][.!?])|(?<=[0-9)][.!?])|(?<=[!?]))\s+")



_WORD_NUMBER = r"(?:[1-5]|one|two|three|four|five)"
# A group of a small size: 'a sibling group of three', 'a family of four', 'a household of 5', twins.
SMALL_GROUP = re.compile(rf"\b(?:(?:sibling\s+)?group|famil(?:y|ies)|household|sibling\s+set|set)\s+of\s+{_WORD_NUMBER}\b"
                         r"|\b(?:twins|triplets|quadruplets)\b", re.IGNORECASE)
# One alone: 'the only child in the ward', 'the only family on a plan'.
ONLY = re.compile(rf"\b(?:the|an?)\s+(?:only|sole|one|single|lone)\s+"
                  rf"(?:(?!(?:way|time|thing|things|place|option|reason|service|team|route|means)\b)[\w'-]+\s+){{0,2}}?"
                  rf"{PEOPLE}\b", re.IGNORECASE)
# An age that singles someone out: 'a 14-year-old girl', 'a fourteen-year-old', 'a 14yo boy', 'the
# 15 y/o', 'Seven-year-old twins', 'a boy of 14', 'a teenage mother aged 15', 'she is 14', 'he
# turned 15', 'our youngest referral, aged 3'. Not a range ('aged 5 to 11', 'children 5-11 years old').
AGE_NUMBER = (r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
              r"|sixteen|seventeen|eighteen|nineteen|twenty(?:[\s-](?:one|two|three|four|five))?)")
YEARS_OLD = rf"{AGE_NUMBER}[\s-]*(?:(?:year|yr)s?[\s-]*old|y\s*/?\s*o)\b"
PERSON = (r"(?:he|she|him|her|boy|girl|child|kid|baby|infant|toddler|teenager|young\s+person|youngster|pupil|student"
          r"|son|daughter|brother|sister|sibling|mother|father|mum|dad|parent|carer|twins?|referral|youngest|oldest"
          r"|who|care\s+leaver)")
NOT_A_RANGE = r"(?!\s*(?:-|to|and|or|&)\s*\d)"
# What follows 'the two-year-old' when it is an entitlement or a check, not a child.
NOT_A_CHILD = (r"(?!\s+(?:funded|funding|offer|entitlement|childcare|check|checks|review|reviews|programme|places?"
               r"|provision|health|development|progress|assessments?|cohort|population|rates?|take-?up|data|eligible))")
AGE = re.compile(rf"\b(?:a|an|the|one|this|that|our|their|his|her)\s+(?:[\w'-]+\s+)?{YEARS_OLD}{NOT_A_CHILD}"
                 rf"|(?<!\bto\s)(?<![\d-]\s)(?<![\d-]){YEARS_OLD}\s+(?:[\w'-]+\s+)?{PERSON}s?\b"
                 rf"|\b{PERSON}s?\b[^.;]{{0,30}}?\baged?\s+{AGE_NUMBER}\b{NOT_A_RANGE}"
                 rf"|\b{PERSON}\s+of\s+{AGE_NUMBER}\b{NOT_A_RANGE}(?!\s*%)"
                 rf"|\b(?:he|she|who)\s+(?:is|was|turned|turns|had\s+turned|will\s+be|has\s+just\s+turned)\s+"
                 rf"(?:now\s+|only\s+|just\s+)?{AGE_NUMBER}\b{NOT_A_RANGE}(?!\s*(?:%|per|times|points|days|weeks|months))",
                 re.IGNORECASE)


def screen_text(text: str) -> list[tuple[str, str]]:
    """(sentence, reason) for each sentence of ``text`` that could identify someone; the
    sentence as shown has its identifiers and names masked."""
    out = []
    mailboxes = pii.allowed_mailboxes()
    for sentence in SENTENCE.split(pii.normalise(str(text)).strip()):
        found = pii.find_identifiers(sentence, mailboxes)
        reasons = [pii.REASONS[k] for k, _ in found]
        if names.find_names(sentence):
            reasons.append(pii.REASONS["name"])
        for rule, what in ((SMALL_NUMBER, "a small number of people"), (SMALL_GROUP, "a small group of people"),
                           (ONLY, "one person or family alone"), (AGE, "an age that singles someone out")):
            hit = rule.search(sentence)
            if hit:
                reasons.insert(0, f"{what} ('{pii.masked(hit.group(0).strip(), mailboxes)}')")
        if reasons:
            out.append((pii.masked(sentence, mailboxes), "; ".join(dict.fromkeys(reasons))))
    return out


def screen_identifiers(text: str) -> list[tuple[str, str]]:
    """(text, reason) when ``text`` holds an identifier (a phone number, an e-mail address that
    is not an allowed mailbox, an NHS number, ...): the screen for fields that name officers
    (a turn-the-curve action's owner, its author; the paper's author and contact), where a
    name is expected but an identifier never is."""
    mailboxes = pii.allowed_mailboxes()
    found = pii.find_identifiers(str(text), mailboxes)
    if not found:
        return []
    return [(pii.masked(str(text), mailboxes), "; ".join(dict.fromkeys(pii.REASONS[k] for k, _ in found)))]


def held(text: str) -> bool:
    """Whether any sentence of ``text`` is held (what never reaches an output or a table)."""
    return bool(text) and bool(screen_text(text))


def withhold(frame, column: str, officer: str | None = None):
    """``frame`` with every held text of ``column`` blanked (None), and of ``officer`` (a field
    naming an officer, the author) every text holding an identifier: what the scorecard keeps
    of the turn-the-curve commentary, so held text never reaches a table."""
    if frame.empty:
        return frame
    if officer in frame:
        frame = frame.assign(**{officer: [None if isinstance(t, str) and screen_identifiers(t) else t
                                          for t in frame[officer]]})
    if column not in frame:
        return frame
    return frame.assign(**{column: [None if isinstance(t, str) and held(t) else t for t in frame[column]]})
