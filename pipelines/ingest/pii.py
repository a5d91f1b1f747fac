"""The personal-identifier guard: a file carrying direct identifiers is refused whole.

It reads every cell of the file as delivered, before anything is written anywhere: every
column (catalogue columns, renamed ones and the extra columns that are never loaded) and
every record, including records with the wrong number of fields. Two tests:

* by header, whole words only (``Ward Name``, ``School Name``, ``Postcode District``,
  ``Email consent`` and ``Telephone contact made`` are not identifiers; ``Name``,
  ``Child Surname``, ``Home Postcode``, ``Parent Email`` and ``Mobile`` are);
* by value, searched inside free text: full unit postcodes (not districts or sectors),
  NHS numbers (mod-11 check digit, spaced or not), UPNs, ULNs (check digit), UK phone
  numbers as people write them, e-mail addresses and dates of birth ("DOB", "born" with
  a date).

Few false positives, by configuration reviewed like code, never by a flag at run time:
the catalogue declares a column's own id format (``Column.id_format``: a cell of that
column matching it whole is the source's own reference, not an identifier), and the
authority lists the organisational mailboxes its partners may name
(``allowed_mailboxes.txt`` in the settings folder, packaged default in
``sources/lookups``).

Every finding names the row and column; the value is masked wherever it is shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.ingest import names as person_names
from pipelines.settings import PROJECT_ROOT, local_file

MAILBOXES_FILE = "allowed_mailboxes.txt"
PACKAGED_MAILBOXES = PROJECT_ROOT / "sources" / "lookups" / MAILBOXES_FILE


def normalise_header(name: str) -> str:
    """'Ward Code ' -> 'ward_code'; what analysts' spreadsheets do to headers, undone."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


# ---------------------------------------------------------------------------------------------
# Headers: whole words of the normalised header ('_' separated).

# Words that make an identifier-sounding header a flag, a count or a preference about it
# ("Email consent", "Telephone contact made", "Address known"), not the identifier itself.
FLAG_WORDS = frozenset({
    "consent", "consented", "consents", "opt", "opted", "optin", "optout", "flag", "made", "sent",
    "received", "attempt", "attempted", "attempts", "preference", "preferred", "agreed", "permission",
    "yn", "recorded", "held", "provided", "available", "known", "verified", "valid", "present",
    "count", "counts", "total", "contacts", "calls", "call", "checked", "confirmed", "type", "method",
    "shared", "sharing", "status", "changed", "change", "missing", "flagged",
})
# Words that make '<x> name' the name of a place, organisation or thing, not of a person.
NOT_A_PERSON = frozenset({
    "ward", "school", "setting", "team", "service", "agency", "provider", "organisation",
    "organization", "org", "programme", "program", "locality", "area", "lsoa", "msoa", "district",
    "authority", "la", "file", "sheet", "course", "group", "panel", "project", "establishment",
    "practice", "gp", "hospital", "trust", "site", "centre", "center", "venue", "intervention",
    "outcome", "reason", "category", "code", "label", "variable", "field", "column", "academy",
    "nursery", "college", "anon", "county", "region", "country", "parish", "town", "city",
    "street",  # 'street name' is part of an address, caught by the address rule
    "product", "activity", "event", "form", "document", "report", "indicator", "measure",
})
PERSON_NAME_WORDS = frozenset({"surname", "surnames", "forename", "forenames", "firstname", "lastname",
                               "fullname", "givenname", "familyname", "middlename", "maidenname"})
POSTCODE_PARTS = frozenset({"district", "sector", "area", "outward", "outcode", "prefix", "region"})


# Headers written as one word by MIS exports ('preferredsurname', 'formerupn',
# 'uniquelearnernumber'): read as the words they end with.
COMPOUND_ENDINGS = (("surname", "surname"), ("surnames", "surname"), ("forename", "forename"),
                    ("forenames", "forename"), ("middlenames", "middlename"), ("firstnames", "firstname"),
                    ("upn", "upn"), ("uln", "uln"), ("uniquelearnernumber", "uln"), ("uniquepupilnumber", "upn"),
                    ("dateofbirth", "dob"), ("nhsnumber", "nhsnumber"), ("emailaddress", "email"),
                    ("phonenumber", "phone"), ("telephonenumber", "phone"), ("mobilenumber", "phone"),
                    ("homeaddress", "address"), ("homepostcode", "postcode"), ("dob", "dob"),
                    *((f"{who}name", "fullname") for who in ("child", "pupil", "learner", "student", "parent", "carer",
                                                             "mother", "father", "preferred", "legal", "person")))


NUMBER_QUALIFIERS = ("former", "previous", "old", "new", "current", "temp", "temporary", "pupil", "child",
                     "learner", "student")


def _compound(word: str) -> str:
    for end, base in COMPOUND_ENDINGS:
        if word.endswith(end) and (len(end) > 3 or word[: -len(end)] in ("", *NUMBER_QUALIFIERS)):
            return base
    return word


def _header_reason(words: list[str]) -> str | None:
    words = [_compound(word) for word in words]
    w = set(words)
    joined = "_".join(words)
    flag = bool(w & FLAG_WORDS)
    # 'Preferred name' is a name ('preferred contact method' is a preference).
    if w & PERSON_NAME_WORDS or (w & {"name", "names"} and not w & NOT_A_PERSON and not w & (FLAG_WORDS - {"preferred"})):
        return "a person's name"
    if not flag and (w & {"address", "addr", "street", "addresses"} or "house_number" in joined
                     or "address_line" in joined):
        return "an address"
    if ("postcode" in w or "post_code" in joined or "zip" in w or "postcodes" in w) \
            and not flag and not w & POSTCODE_PARTS:
        return "a postcode"
    if not flag and (w & {"dob", "birthdate", "birthday"} or "date_of_birth" in joined
                     or "birth_date" in joined or "d_o_b" in joined):
        return "a date of birth"
    if not flag and ("upn" in w or "unique_pupil_number" in joined):
        return "a unique pupil number (UPN)"
    if not flag and ("uln" in w or "unique_learner_number" in joined):
        return "a unique learner number (ULN)"
    if not flag and ("nhsno" in w or "nhsnumber" in w or re.search(r"(^|_)nhs(_(no|num|number))?$", joined)
                     or re.search(r"(^|_)nhs_(no|num|number)(_|$)", joined)):
        return "an NHS number"
    if not flag and (w & {"email", "emails"} or "e_mail" in joined):
        return "an email address"
    if not flag and (w & {"phone", "telephone", "tel", "mobile", "landline", "phones", "mob"}
                     or re.search(r"(^|_)contact_(number|no|num|tel)$", joined)):
        return "a phone number"
    if not flag and ("chi" in w and w & {"number", "no", "num"}):
        return "an NHS number"              # Scotland's CHI number
    if not flag and (w & {"passport"} or "driving_licence" in joined or "driving_license" in joined
                     or "driver_licence" in joined):
        return "a passport or driving licence number"
    if not flag and ("ni_number" in joined or "national_insurance" in joined or "nino" in w):
        return "a National Insurance number"
    return None


@functools.lru_cache(maxsize=4096)
def _name_reason(header: str) -> str | None:
    """Why a column named ``header`` would carry a direct identifier, or None (headers repeat
    across deliveries, so each is judged once). Read as written any way: full-width letters
    folded, invisible characters inside a word taken out ('Na\u200bme'), camel case apart
    ('ChildName', 'childDOB')."""
    header = _without_invisible(unicodedata.normalize("NFKC", str(header)))
    header = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", header)
    norm = normalise_header(header)
    return _header_reason(norm.split("_")) if norm else None


# ---------------------------------------------------------------------------------------------
# Values: identifiers found inside any text.
#
# One model for every place text is screened (``oba validate``, the loader, ``oba prepare``,
# the free-text screens): the text is first *normalised* (``normalise``: Unicode compatibility
# forms folded, so full-width digits are digits; every kind of space, including no-break and
# thin spaces, one space; every kind of dash and hyphen, '-'; invisible format characters a
# space), then each kind is matched with the separators people put inside it (spaces, dots,
# dashes, slashes), in any case, and checked by its check digit or letter where it has one.

# Every dash (Unicode category Pd, and the minus sign), every space (str.isspace, Zs, Zl, Zp)
# and every invisible format character (Cf), written out (computing them costs seconds at
# import; tests/ingest/test_pii_corpus.py checks the lists against unicodedata).
_DASHES = ("-\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d"
           "\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212\u2043")
_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
           "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_INVISIBLE = ("\xad\u0600\u0601\u0602\u0603\u0604\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
              "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
              "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\ufff9\ufffa\ufffb"
              "\U000110bd\U000110cd" + "".join(map(chr, range(0x13430, 0x13440))) + "\U0001bca0\U0001bca1\U0001bca2"
              "\U0001bca3" + "".join(map(chr, range(0x1d173, 0x1d17b))) + "\U000e0001"
              + "".join(map(chr, range(0xe0020, 0xe0080))))
_DROP_INVISIBLE = str.maketrans({c: None for c in _INVISIBLE})


def _without_invisible(text: str) -> str:
    return text.translate(_DROP_INVISIBLE)


INVISIBLE = _INVISIBLE     # zero-width, direction and other format characters (shown escaped in names)
_FOLD = str.maketrans({**{c: "-" for c in _DASHES}, **{c: " " for c in _SPACES + _INVISIBLE}})


# Other scripts' digits ('٩٤٣', '९४३'), read as the digits they are.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
# Punctuation a number's groups are also joined by ('943_476_5919', '943:476:5919', '943*476*5919',
# '943·476·5919', '943|476|5919', '943,476,5919'): read as a dash when it stands between two digits
# (a comma or semicolon only with no space: '31/02, 30/02' is a list).
_DIGIT_JOIN = re.compile(r"(?<=[0-9])(?: ?[_:|*\u00b7\u2022\u2219\u2027\u22c5\u30fb\u0387] ?|[,;])(?=[0-9])")


def normalise(text: str) -> str:
    """``text`` as the matchers read it: NFKC (full-width and other compatibility forms
    folded: '９４３' is '943'), other scripts' digits as ASCII digits, every dash '-', every
    space and invisible character ' ', and the punctuation between two digits ('_', ':', '*',
    '|', ',', middle dots and bullets) '-'."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_FOLD)
    if not text.isascii():
        text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(0))), text)
    return _DIGIT_JOIN.sub("-", text)


_B = r"(?<![0-9A-Za-z])"   # not inside a longer word or number
_E = r"(?![0-9A-Za-z])"
_S = r"[ .\-/]{0,3}"      # what people put between the parts of a number: nothing, spaces, dots, dashes
# Full unit postcode: outward (area letters, district) + inward (sector digit, unit letters).
# Districts ('BA2') and sectors ('BA2 4') have no unit, so they never match.
POSTCODE = re.compile(_B + r"(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?|GIR)[ .\-/]{0,3}\d[ABD-HJLNP-UW-Z]{2}" + _E,
                      re.IGNORECASE)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$")      # '2nd', '3rd' written in lower case
# A run of digit groups joined by separators: NHS numbers and ULNs are found in its windows.
DIGIT_RUN = re.compile(_B + r"\d+(?:[ .\-/]{1,3}\d+)*" + _E)
UPN = re.compile(_B + r"[A-Z](?:" + _S + r"\d){11}" + _S + r"[0-9A-Z]" + _E, re.IGNORECASE)
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"     # check letters and a temporary UPN's last character
# The local part as RFC 5322 allows it ('jo*b@', "o'brien@"), a space either side of '@' ('jo @ x.com').
EMAIL = re.compile(r"[A-Za-z0-9._%+'!#$&*/=?^`{|}~-]+ ?@ ?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Written to dodge a scraper: 'jo.bloggs [at] example [dot] com', 'jo (at) example.com'.
EMAIL_SPELT = re.compile(r"[A-Za-z0-9._%+'-]+\s*[\[({<]\s*at\s*[\])}>]\s*[A-Za-z0-9-]+"
                         r"(?:\s*(?:\.|[\[({<]\s*dot\s*[\])}>])\s*[A-Za-z0-9-]+)+", re.IGNORECASE)
# A run that starts like a UK number: +44 / 0044 (with an optional '(0)'), or a trunk 0
# (optionally in brackets), then digits in groups separated by spaces, dots, dashes or brackets.
PHONE = re.compile(r"(?<![\w+])(?:\(?(?:\+|00)\s?44\)?[\s.\-/]{0,3}(?:\(0\)[\s.\-/]{0,3})?|\(?0)\d(?:[ .\-()/]{0,3}\d)+")
# A mobile number whose leading 0 a spreadsheet dropped (stored as the number 7700900123).
BARE_MOBILE = re.compile(_B + r"7[1-9]\d{8}" + _E)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DS = r"[ /.\-]{1,3}"
_DATE = (rf"(?:\d{{1,2}}{_DS}\d{{1,2}}{_DS}\d{{2,4}}|\d{{4}}{_DS}\d{{1,2}}{_DS}\d{{1,2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?[ /.\-]{{0,3}}(?:of\s+)?{_MONTH}[ /.\-,]{{0,3}}\d{{2,4}}"
         rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|{_MONTH}[ /.\-]{{0,3}}\d{{4}}|\d{{8}})")
_BIRTH = (r"(?:(?<![A-Za-z])d\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*-?\s*date\b|\bbirthday\b"
          rf"|\bborn\b|(?<![A-Za-z])b\.(?=\s*(?:\d|{_MONTH})))")
DOB = re.compile(rf"{_BIRTH}\W{{0,4}}(?:(?:on|in|is|was|date)\s+)?{_DATE}", re.IGNORECASE)
DOB_AFTER = re.compile(rf"{_DATE}\s*[(\[]?\s*(?:d\.?\s?o\.?\s?b\b|date\s+of\s+birth\b)", re.IGNORECASE)
DATE_OR_TIME = re.compile(_B + r"(?:\d{1,2}([/.\-])\d{1,2}\1\d{2,4}|\d{4}([/.\-])\d{1,2}\2\d{1,2})"
                          r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?" + _E + r"|\d{1,2}:\d{2}(?::\d{2})?")
# An NHS number, ULN or UPN named as such is one whatever its check digit (and however its
# groups are separated: 'NHS no 943, 476, 5919').
NAMED_NUMBER = re.compile(r"\b(nhs|uln|upn)\b\W{0,3}(?:no\b\.?|num\b\.?|number\b)?\W{0,3}"
                          r"([A-Z]?\d(?:[ .\-/,]{0,3}\d){8,11}(?:[ .\-/,]{0,3}[A-Z])?)" + _E, re.IGNORECASE)

# The prefilter, in RE2 over Arrow arrays: every cell any finder could match matches this
# (cells with any character outside ASCII are always read by the finders themselves).
_START = r"(?:^|[^0-9A-Za-z])"   # RE2 has no look-behind: not inside a longer word or number
_MAYBE = "|".join([
    r"\d(?:[ .\-/_:|,;*]{0,3}\d){8}",             # NHS numbers, ULNs, long phone runs (9+ digits)
    _START + r"[A-Za-z](?:[ .\-/_:|,;*]{0,3}\d){11}",  # UPNs
    r"(?:\+|00)\s?44",                              # international phone numbers (and '(+44)')
    _START + r"\(?0\d[\d ()\-.]{6,}",               # domestic phone numbers
    r"[A-Za-z]\d[A-Za-z\d]?[ .\-/_:|,;*]{0,3}\d[A-Za-z]{2}",  # postcodes
    r"(?i:dob|d\.\s?o|birth|born|nhs|uln|upn|(?:^|[^a-z])b\.\s*(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
    r"(?i:[\[({<]\s*at\s*[\])}>])",                 # e-mail addresses spelt out
    "@",
])

REASONS = {
    "postcode": "a full postcode", "nhs": "an NHS number", "uln": "a unique learner number (ULN)",
    "upn": "a unique pupil number (UPN)", "email": "an email address", "phone": "a phone number",
    "dob": "a date of birth", "name": "a person's name",
}


def nhs_number_valid(text: str) -> bool:
    """The NHS number mod-11 check digit (weights 10..2); 10 = invalid. A run of one digit
    (0000000000, 1111111111, ...) passes the arithmetic but is a placeholder, never issued."""
    digits = [int(c) for c in normalise(text) if c.isdigit()]
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == digits[9]


def uln_valid(text: str) -> bool:
    """The ULN check digit: 10 - (digits 1-9 weighted 10..2, mod 11); a remainder of 0 is invalid."""
    digits = [int(c) for c in normalise(text) if c.isdigit()]
    if len(digits) != 10 or digits[0] == 0:
        return False
    remainder = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    return remainder != 0 and 10 - remainder == digits[9]


def upn_check_letter(body: str) -> str:
    """The check letter of a UPN whose last twelve characters are ``body`` (DfE: characters
    2-13 weighted 2..13, a letter counting as its place in ``UPN_LETTERS``, sum mod 23)."""
    values = [int(c) if c.isdigit() else UPN_LETTERS.index(c) for c in body.upper()]
    return UPN_LETTERS[sum(v * w for v, w in zip(values, range(2, 14))) % 23]


def upn_valid(text: str) -> bool:
    """A UPN (13 characters once separators are dropped) whose first letter is its check letter."""
    chars = re.sub(r"[^0-9A-Za-z]", "", normalise(text)).upper()
    if len(chars) != 13 or not chars[1:12].isdigit() or chars[12] not in "0123456789" + UPN_LETTERS:
        return False
    return chars[0] == upn_check_letter(chars[1:])


def _ten_digit_numbers(text: str) -> Iterable[tuple[str, str]]:
    """NHS numbers and ULNs in ``text``, however their digits are grouped: every window of
    up to four consecutive digit groups of a run (groups of two or more digits, the same
    separator between them, or the run whole) holding ten digits is checked."""
    for m in DIGIT_RUN.finditer(text):
        parts = re.split(r"([ .\-/]{1,3})", m.group(0))
        groups, seps = parts[0::2], parts[1::2]
        for i in range(len(groups)):
            digits = ""
            for j in range(i, min(i + 4, len(groups))):
                digits += groups[j]
                if len(digits) > 10:
                    break
                if len(digits) < 10:
                    continue
                whole = i == 0 and j == len(groups) - 1
                if not whole and (any(len(g) < 2 for g in groups[i:j + 1]) or len(set(seps[i:j])) > 1):
                    break
                written = "".join(groups[k] + (seps[k] if k < j else "") for k in range(i, j + 1))
                if nhs_number_valid(digits):
                    yield "nhs", written
                elif uln_valid(digits):
                    yield "uln", written
                break


def _phone_numbers(text: str) -> Iterable[str]:
    """UK numbers as written: 07700 900123, 07700-900-123, 07700.900.123, (01225) 477000,
    +44 (0)1225 477000.

    A number is a UK national number of 9 or 10 digits after the trunk 0 (or +44), starting
    1, 2, 3, 5, 7, 8 or 9 (so zero-padded ids, '00...', are not numbers); the run is read a
    digit group at a time, so a number followed by other figures is still found."""
    for m in PHONE.finditer(text):
        run = m.group(0)
        international = re.match(r"\(?(?:\+|00)\s?44", run) is not None
        groups = re.findall(r"\d+", run)
        lead = groups[1:] if international and len(groups) > 1 else groups
        lead = lead[1:] if international and lead[:1] == ["0"] and len(lead) > 1 else lead
        if len(lead) > 1 and len(lead[0]) > 6:
            continue  # '01234567-894': no one writes a number so (a fragment of a hex id)
        digits, end = "", 0
        for g in re.finditer(r"\d+", run):
            digits += g.group(0)
            end = g.end()
            national = digits
            if international:
                national = digits[4:] if digits.startswith("0044") else digits[2:]
                if national.startswith("0"):        # the '(0)' written after +44
                    national = national[1:]
            elif national.startswith("0"):
                national = national[1:]
            else:
                break
            if len(national) in (9, 10) and national[0] in "1235789":
                after = text[m.start() + end: m.start() + end + 1]
                if not after.isalnum():  # not the start of a longer token ('02228664-28b')
                    yield run[:end]
                break
            if len(national) > 10:
                break


def find_identifiers(text: str, mailboxes: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Every identifier in ``text``: (kind, the text matched, as normalised), kinds as in
    ``REASONS``. ``mailboxes``: lower-case addresses of organisational mailboxes, which are allowed."""
    text = normalise(text)
    found: list[tuple[str, str]] = []
    for m in EMAIL.finditer(text):
        if m.group(0).lower() not in mailboxes:
            found.append(("email", m.group(0)))
    found.extend(("email", m.group(0)) for m in EMAIL_SPELT.finditer(text))
    without_email = EMAIL_SPELT.sub(" ", EMAIL.sub(" ", text))
    for m in POSTCODE.finditer(without_email):
        token = m.group(0)
        # '2nd', '3rd' after a letter and digit ('Yr1 2nd') are ordinals, unless written in capitals.
        if token.isupper() or not _ORDINAL.search(token):
            found.append(("postcode", token))
    # Dates and times ('01/09/2026 00:00:00') are not numbers: blanked before numbers are read.
    numbers_only = DATE_OR_TIME.sub(lambda m: " " * len(m.group(0)), without_email)
    found.extend(_ten_digit_numbers(numbers_only))
    for m in UPN.finditer(without_email):
        compact = re.fullmatch(r"[A-Za-z]\d{11}[0-9A-Za-z]", m.group(0)) is not None
        if compact or upn_valid(m.group(0)):
            found.append(("upn", m.group(0)))
    for m in NAMED_NUMBER.finditer(without_email):
        kind = m.group(1).lower()
        if not any(v == m.group(2) for _, v in found):
            found.append((kind, m.group(2)))
    found.extend(("phone", p) for p in _phone_numbers(numbers_only))
    found.extend(("phone", m.group(0)) for m in BARE_MOBILE.finditer(numbers_only)
                 if not any(m.group(0) == v for _, v in found))
    found.extend(("dob", m.group(0)) for m in DOB.finditer(without_email))
    found.extend(("dob", m.group(0)) for m in DOB_AFTER.finditer(without_email)
                 if not any(m.group(0) in v or v in m.group(0) for k, v in found if k == "dob"))
    return found


def masked(text: str, mailboxes: frozenset[str] = frozenset()) -> str:
    """``text`` with every identifier and person's name in it masked (``mask``); the text is
    returned normalised when anything was found, unchanged otherwise. What is published about
    a file (its name, a message) goes through this."""
    norm = normalise(text)
    found = [v for _, v in find_identifiers(norm, mailboxes)] + person_names.find_names(norm)
    if not found:
        return text
    for value in sorted(set(found), key=len, reverse=True):
        norm = norm.replace(value, mask(value))
    return norm


def mask(value: str) -> str:
    """Show enough of a value to find it, not enough to disclose it: its first two and last
    characters, every other letter or digit starred (short values entirely)."""
    value = str(value)
    if len(value) <= 5:
        return "*" * len(value) if value else "***"
    middle = re.sub(r"[0-9A-Za-z]", "*", value[2:-1])
    return value[:2] + middle + value[-1:]


@dataclass(frozen=True)
class Finding:
    column: str
    reason: str
    count: int = 0          # cells holding it (0 for a header finding)
    example: str = ""       # masked
    row: int | None = None  # first spreadsheet row holding it (1 = the header)

    def __str__(self) -> str:
        where = f"column '{self.column}'"
        if not self.count:
            return f"row 1 (header), {where} is named like {self.reason}"
        more = f"; {self.count} cell(s) in that column" if self.count > 1 else ""
        return f"row {self.row}, {where} holds {self.reason} ({self.example}){more}"


def allowed_mailboxes(data_dir=None) -> frozenset[str]:
    """Organisational mailboxes the authority allows in extracts, lower case (the settings
    folder's ``allowed_mailboxes.txt``, else the packaged list): one address a line, '#' comments."""
    path = local_file(MAILBOXES_FILE, PACKAGED_MAILBOXES, data_dir)
    if not path.is_file():
        return frozenset()
    lines = (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line)


def _suspects(columns: list[pd.Series], formats: list[str | None]) -> list[pa.Array]:
    """Per column, the distinct cells that could hold an identifier, found in Arrow (RE2) in
    one pass over every column's distinct cells. A cell matching its column's declared id
    format whole is the source's own reference. Cells with non-ASCII or control characters
    (where RE2 and Python's ``re`` could disagree) are always suspects."""
    distinct = [pc.unique(pa.array(c.astype("string"))).cast(pa.large_string()) for c in columns]
    if not distinct:
        return []
    cells = pa.chunked_array(distinct, type=pa.large_string())
    maybe = pc.or_(pc.match_substring_regex(cells, _MAYBE),
                   pc.or_(pc.invert(pc.string_is_ascii(cells)),
                          pc.match_substring_regex(cells, "[\\x00-\\x1f\\x7f]")))
    maybe = pc.fill_null(maybe, False).to_numpy(zero_copy_only=False)
    bounds = np.cumsum([0, *(len(d) for d in distinct)])
    out = []
    for d, fmt, lo, hi in zip(distinct, formats, bounds[:-1], bounds[1:]):
        keep = pa.array(maybe[lo:hi])
        if fmt and pc.any(keep).as_py():
            own = pc.fill_null(pc.match_substring_regex(pc.utf8_trim_whitespace(d), f"^(?:{fmt})$"), False)
            keep = pc.and_(keep, pc.invert(own))
        out.append(d.filter(keep))
    return out


def _column_findings(column: str, values: pd.Series, rows: Sequence[int], suspects: pa.Array,
                     mailboxes: frozenset[str]) -> list[Finding]:
    if not len(suspects):
        return []
    cells = pa.array(values.astype("string")).cast(pa.large_string())
    at = np.flatnonzero(pc.fill_null(pc.is_in(cells, value_set=suspects), False).to_numpy(zero_copy_only=False))
    cells = values.iloc[at].astype(str)
    hits: dict[str, list] = {}   # kind -> [count, first row, first value]
    for text, positions in cells.groupby(cells, sort=False).indices.items():
        kinds = {}
        for kind, value in find_identifiers(text, mailboxes):
            kinds.setdefault(kind, value)
        for kind, value in kinds.items():
            first = int(min(rows[at[p]] for p in positions))
            entry = hits.setdefault(kind, [0, first, value])
            entry[0] += len(positions)
            if first < entry[1]:
                entry[1], entry[2] = first, value
    return [Finding(column, REASONS[k], n, mask(v), row) for k, (n, row, v) in
            sorted(hits.items(), key=lambda kv: kv[1][1])]


def _id_formats(source) -> dict[str, str]:
    """Normalised header (name or alias) -> the column's declared id format."""
    if source is None:
        return {}
    out = {}
    for c in source.columns:
        fmt = getattr(c, "id_format", None)
        if fmt:
            for name in (c.name, *c.aliases):
                out[normalise_header(name)] = fmt
    return out


def scan(header: list[str], frame: pd.DataFrame, rows: Sequence[int] | None = None,
         malformed: Sequence[tuple[int, Sequence[str]]] = (), source=None,
         mailboxes: frozenset[str] | None = None) -> list[Finding]:
    """Every reason the file must be refused, header findings first, then by row.

    ``frame``: every delivered column of the records with the header's width, as text;
    ``rows``: their spreadsheet rows (default 2, 3, ...); ``malformed``: (row, fields) of the
    records with the wrong number of fields, judged field by field (a field past the header
    is named by its position); ``source``: the catalogue entry, for its declared id formats."""
    findings = [Finding(str(col), reason, row=1) for col in header if (reason := _name_reason(str(col)))]
    # A header cell holding an identifier itself (a record pasted over the header row).
    mailboxes = allowed_mailboxes() if mailboxes is None else mailboxes
    findings += [Finding(f"header cell {i + 1}", REASONS[kind], 1, mask(value), 1) for i, col in enumerate(header)
                 for kind, value in find_identifiers(str(col), mailboxes)[:1]]
    findings += [Finding(f"header cell {i + 1}", REASONS["name"], 1, mask(found[0]), 1) for i, col in enumerate(header)
                 if (found := person_names.find_names(normalise(str(col))))]
    rows = list(range(2, len(frame) + 2)) if rows is None else list(rows)
    formats = _id_formats(source)
    names = [str(c) for c in header]
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    col_names = [names[i] if i < len(names) else str(frame.columns[i]) for i in range(frame.shape[1])]
    # Malformed records are judged field by field, each field as a one-cell column.
    for _row, fields in malformed:
        for i, cell in enumerate(fields):
            columns.append(pd.Series([cell], dtype="string"))
            col_names.append(names[i] if i < len(names) else f"(field {i + 1}, past the header)")
    n_good = frame.shape[1]
    odd_rows = [row for row, fields in malformed for _ in fields]
    suspects = _suspects(columns, [formats.get(normalise_header(n)) for n in col_names])
    values: list[Finding] = []
    catalogue = _catalogue_columns(source)
    for k, (name, column, found) in enumerate(zip(col_names, columns, suspects)):
        at_rows = rows if k < n_good else [odd_rows[k - n_good]]
        values += _column_findings(name, column, at_rows, found, mailboxes)
        own = catalogue.get(normalise_header(name)) if k < n_good else None
        values += _name_findings(name, column, at_rows, own)
        values += _dates_where_ages_belong(name, column, at_rows, own)
    return findings + sorted(values, key=lambda f: (f.row, names.index(f.column) if f.column in names else 1e9))


_AGE_WORDS = frozenset({"age", "aged", "ages"})
_A_DATE = re.compile(rf"\s*(?:{_DATE})\s*", re.IGNORECASE)


def _dates_where_ages_belong(column: str, values: pd.Series, rows: Sequence[int], own) -> list[Finding]:
    """A date delivered in an age column (``cme.age`` holding 12/03/2012) is a date of birth:
    it would otherwise stay in ``raw_<source>`` and the quarantine's failure value."""
    if own is None or own.type == "date" or not _AGE_WORDS & set(own.name.split("_")):
        return []
    cells = pc.unique(pa.array(values.astype("string")).cast(pa.large_string())).drop_null()
    cells = cells.filter(pc.match_substring_regex(cells, "[0-9][^0-9]+[0-9]|[0-9]{8}|[A-Za-z]{3}"))
    hits = [c for c in cells.to_pylist() if _A_DATE.fullmatch(normalise(c))]
    if not hits:
        return []
    text = values.astype("string")
    at = np.flatnonzero(text.isin(hits).fillna(False).to_numpy(dtype=bool))
    first = min(at, key=lambda i: rows[i])
    return [Finding(column, "a date of birth (a date where an age belongs)", len(at), mask(text.iloc[first]),
                    int(rows[first]))]


def _catalogue_columns(source) -> dict:
    """Normalised header (name or alias) -> the catalogue column."""
    if source is None:
        return {}
    return {normalise_header(n): c for c in source.columns for n in (c.name, *c.aliases)}


# Cells that could hold a person's name in free text (RE2): two capitalised words, a
# capitalised word and a comma, or one followed by an age; any cell that is not ASCII.
_MAYBE_NAME = (r"[A-Z][A-Za-z'-]*[A-Za-z](?:\s+|\s*,\s*)[A-Z][A-Za-z']|[A-Z][a-z]+\s*[(,]?\s*(?i:aged?\s*)?\d"
               r"|(?i:[a-z]{3,}(?:\s+[a-z'-]+)?\s*(?:\(\s*(?:aged?\s*)?\d{1,2}\s*(?:y(?:ea)?rs?|yo)?\s*\)|,?\s*aged?\s*\d"
               r"|\s*\d{1,2}\s*(?:yo|-?years?-old|y(?:ea)?rs?\s+old)))"      # any case, with an age
               r"|[^\x00-\x7f]")


def _name_findings(column: str, values: pd.Series, rows: Sequence[int], own) -> list[Finding]:
    """People's names in one column (``pipelines.ingest.names``). A catalogue column (``own``)
    is an identifier or coded column: each distinct cell that is not its declared id format
    nor one of its codes is judged by ``names.in_identifier``; any other column (extra
    columns, fields of malformed records) is free text, read by ``names.find_names``."""
    cells = pc.unique(pa.array(values.astype("string")).cast(pa.large_string())).drop_null()
    if own is not None:
        cells = cells.filter(pc.match_substring_regex(cells, "[A-Za-z]|[^\\x00-\\x7f]"))
        if getattr(own, "id_format", None) and len(cells):
            cells = cells.filter(pc.invert(pc.fill_null(pc.match_substring_regex(
                pc.utf8_trim_whitespace(cells), f"^(?:{own.id_format})$"), False)))
        codes = {str(k).strip().lower() for k in (own.codes or {})}
        judge = [c for c in cells.to_pylist() if c.strip().lower() not in codes]
        # A long cell (a broken export's 5 MB field) is no id or code: read as free text.
        hits = {c: why for c in judge if len(c) <= 200
                and (why := person_names.in_identifier(c, getattr(own, "id_format", None)))}
        long = pa.array([c for c in judge if len(c) > 200], type=pa.large_string())
        if len(long):
            long = long.filter(pc.match_substring_regex(long, _MAYBE_NAME))
            hits.update({c: REASONS["name"] for c in long.to_pylist() if person_names.find_names(normalise(c))})
    else:
        cells = cells.filter(pc.match_substring_regex(cells, _MAYBE_NAME))
        hits = {c: REASONS["name"] for c in cells.to_pylist() if person_names.find_names(normalise(c))}
    if not hits:
        return []
    text = values.astype("string")
    at = np.flatnonzero(text.isin(list(hits)).fillna(False).to_numpy(dtype=bool))
    first = min(at, key=lambda i: rows[i])
    reason = hits[text.iloc[first]]
    return [Finding(column, reason, len(at), mask(text.iloc[first]), int(rows[first]))]


def scan_texts(parts: dict[str, list[str]], what: str) -> list[Finding]:
    """Identifiers and names in text a file carries besides its records (``what``: 'workbook';
    ``parts``: part label -> its texts, e.g. a workbook's comments or document properties),
    each text read as free text; a finding names the part and the text's place in it."""
    labels = [f"{what}: {label}" for label in parts]
    columns = [pd.Series(texts, dtype="string") for texts in parts.values()]
    if not columns:
        return []
    mailboxes = allowed_mailboxes()
    found = []
    for label, column, suspects in zip(labels, columns, _suspects(columns, [None] * len(columns))):
        at = list(range(1, len(column) + 1))
        found += _column_findings(label, column, at, suspects, mailboxes)
        found += _name_findings(label, column, at, None)
    return found
