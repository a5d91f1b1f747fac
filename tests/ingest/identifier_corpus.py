"""Generated corpora for the identifier guard (tests only).

``hostile(seed)``: every identifier kind written the ways people write it, made by a
generator that combines the kind's valid values (check digits and letters computed), its
groupings, separators of every kind (spaces including no-break and thin spaces, dots,
dashes including en and em dashes and non-breaking hyphens), case, full-width digits and
the words people put before it. ``ordinary()``: text that must never be refused: the
authority's ward and locality names, every local authority's name, school, agency and
place names, code labels, postcode districts and sectors, dates that are not births and
ordinary numbers.
"""

from __future__ import annotations

import csv
import random

from pipelines.ingest import pii
from pipelines.settings import PROJECT_ROOT
from sources import codes

SEPARATORS = [" ", "  ", "-", " - ", ".", "/", "\u00a0", "\u2009", "\u202f", "\u2013", "\u2014", " \u2013 ",
              "\u2011", "\u2010", "\u2212", "\u3000"]
FULL_WIDTH = str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")
SURNAMES = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
            "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Hall", "Harris",
            "Clarke", "Patel", "Jackson", "Turner", "Cooper", "Morris", "Moore", "Clark", "King", "Baker",
            "Harrison", "Allen", "Scott", "Phillips", "Watson", "Parker", "Price", "Bennett", "Young", "Griffiths",
            "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
            "Miller", "Cox", "Khan", "Marshall", "Anderson", "Simpson", "Adams", "Singh", "Begum", "Wilkinson",
            "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Ali", "Hunt", "Hussain", "Campbell",
            "Matthews", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Butler", "Russell", "Fisher",
            "Stevens", "Jenkins", "Murray", "Dixon", "O'Brien", "McDonald", "Kowalski", "Nowak", "Okafor"]


def _groups(digits: str, sizes) -> list[str]:
    out, at = [], 0
    for n in sizes:
        out.append(digits[at:at + n])
        at += n
    return out


def _written(parts: list[str], rng: random.Random) -> str:
    sep = rng.choice(SEPARATORS)
    text = sep.join(parts)
    return text.translate(FULL_WIDTH) if rng.random() < 0.1 else text


def nhs_number(rng: random.Random) -> str:
    while True:
        body = "".join(rng.choice("0123456789") for _ in range(9))
        check = 11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1))) % 11
        check = 0 if check == 11 else check
        if check != 10 and pii.nhs_number_valid(body + str(check)):
            return body + str(check)


def uln(rng: random.Random) -> str:
    while True:
        body = rng.choice("123456789") + "".join(rng.choice("0123456789") for _ in range(8))
        remainder = sum(int(d) * w for d, w in zip(body, range(10, 1, -1))) % 11
        if remainder and pii.uln_valid(body + str(10 - remainder)) and not pii.nhs_number_valid(body + str(10 - remainder)):
            return body + str(10 - remainder)


def upn(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(11)) + rng.choice("0123456789" * 3 + "ABCDEFGHJK")
    return pii.upn_check_letter(body) + body


def _prefixed(value: str, words: list[str], rng: random.Random) -> str:
    word = rng.choice(words)
    word = rng.choice([word, word.upper(), word.lower(), word.title()])
    return f"{word}{value}"


def nhs_forms(rng):
    n = nhs_number(rng)
    sizes = rng.choice([(3, 3, 4), (10,), (3, 3, 4), (4, 3, 3), (5, 5)])
    return _prefixed(_written(_groups(n, sizes), rng), ["", "", "NHS ", "NHS no: ", "NHS number ", "nhs no. "], rng)


def uln_forms(rng):
    n = uln(rng)
    sizes = rng.choice([(10,), (4, 3, 3), (3, 3, 4), (5, 5)])
    return _prefixed(_written(_groups(n, sizes), rng), ["", "ULN ", "ULN: ", "uln no "], rng)


def upn_forms(rng):
    u = upn(rng)
    u = u.lower() if rng.random() < 0.2 else u
    sizes = rng.choice([(13,), (1, 12), (4, 4, 5), (1, 3, 4, 2, 3), (1, 3, 4, 5)])
    return _prefixed(_written(_groups(u, sizes), rng), ["", "", "UPN ", "UPN: ", "upn no. "], rng)


def phone_forms(rng):
    kind = rng.choice(["mobile", "landline", "mobile_intl", "landline_intl"])
    if kind.startswith("mobile"):
        national = "7" + rng.choice("1234579") + "".join(rng.choice("0123456789") for _ in range(8))
        sizes = rng.choice([(4, 6), (4, 3, 3), (10,)])
    else:
        national = "1225" + "".join(rng.choice("0123456789") for _ in range(6))
        sizes = rng.choice([(4, 6), (4, 3, 3), (10,)])
    parts = _groups(national, sizes)
    if kind.endswith("intl"):
        lead = rng.choice(["+44", "+44 (0)", "0044", "(+44)"])
        text = lead + rng.choice(SEPARATORS[:3]) + _written(parts, rng)
    else:
        parts[0] = "0" + parts[0]
        text = _written(parts, rng)
        if rng.random() < 0.2:
            text = f"({parts[0]}) " + " ".join(parts[1:])
    return _prefixed(text, ["", "", "tel ", "Mobile: ", "call "], rng)


def email_forms(rng):
    user = rng.choice(["jo.bloggs", "lily_smith2012", "sam+eh", "mum.of.3", "o'brien.k"])
    domain = rng.choice(["gmail.com", "hotmail.co.uk", "example.org", "yahoo.co.uk"])
    text = rng.choice([f"{user}@{domain}", f"{user}@{domain}".upper(), f"{user} [at] {domain.replace('.', ' [dot] ')}",
                       f"{user}(at){domain}", f"{user} (at) {domain}"])
    return _prefixed(text, ["", "email ", "contact: "], rng)


def postcode_forms(rng):
    area = rng.choice(["BA", "BS", "SW", "M", "B", "EC", "W", "N", "G", "CF", "LS", "OX", "TA", "SN"])
    district = str(rng.randint(1, 20)) if len(area) == 2 else str(rng.randint(1, 9))
    inward = str(rng.randint(0, 9)) + "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
    sep = rng.choice(["", " ", "  ", "-", ".", "\u00a0", "\u2013", " - "])
    text = f"{area}{district}{sep}{inward}"
    if inward[1:].lower() in ("st", "nd", "rd", "th"):
        # A known limit: 'ba1 2nd' in lower case reads as an ordinal ('Yr1 2nd'), so it is
        # found only in capitals ('BA1 2ND').
        return text
    return rng.choice([text, text.lower(), text.title()])


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def dob_forms(rng):
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2005, 2024)
    month = MONTHS[m - 1]
    sep = rng.choice(["/", "-", ".", " ", "\u2013", "\u00a0"])
    date = rng.choice([f"{d:02d}{sep}{m:02d}{sep}{y}", f"{d}{sep}{m}{sep}{y % 100:02d}", f"{d}-{month[:3]}-{y}",
                       f"{d} {month} {y}", f"{d}th {month} {y}", f"{month} {d}, {y}", f"{y}-{m:02d}-{d:02d}",
                       f"{d} {month[:3]} {y}", f"{month} {y}"])
    context = rng.choice(["DOB ", "DOB: ", "D.O.B. ", "d.o.b ", "DoB - ", "Date of birth ", "date of birth: ",
                          "born ", "born on ", "Born ", "b. ", "Birthday ", "birthday: ", "birth date ", "Birthdate: "])
    if rng.random() < 0.1 and date[0].isdigit():
        return f"{date} (DOB)"
    return rng.choice([context, context.upper(), context.lower()]) + date


def name_forms(rng):
    from pipelines.ingest import names
    first = rng.choice(sorted(names.first_names())).title()
    surname = rng.choice(SURNAMES)
    # A first name and a place word alone is a place ('Victoria Park'); 'Lily Hall' needs a person.
    pair = f"her son {first} {surname}" if surname.lower() in names.ORG_WORDS else f"{first} {surname}"
    return rng.choice([pair, f"{surname.upper()}, {first}", f"{first.upper()} {surname.upper()}",
                       f"{first} {surname} (aged {rng.randint(1, 17)})", f"{first} (aged {rng.randint(1, 17)})",
                       f"{surname}, {first}", f"{first}, {rng.randint(1, 17)}"])


GENERATORS = {"nhs": nhs_forms, "uln": uln_forms, "upn": upn_forms, "phone": phone_forms, "email": email_forms,
              "postcode": postcode_forms, "dob": dob_forms, "name": name_forms}


def hostile(seed: int = 31, per_kind: int = 150) -> dict[str, list[str]]:
    """kind -> ``per_kind`` distinct written forms of that kind."""
    rng = random.Random(seed)
    out = {}
    for kind, make in GENERATORS.items():
        forms = set()
        while len(forms) < per_kind:
            forms.add(make(rng))
        out[kind] = sorted(forms)
    return out


SCHOOLS = ["Ralph Allen School", "Oldfield School", "St Mark's CofE School", "Beechen Cliff School",
           "Hayesfield Girls' School", "Writhlington School", "Norton Hill School", "Chew Valley School",
           "Wellsway School", "Broadlands Academy", "Saltford C of E Primary School", "Moorlands Infant School",
           "Widcombe Infant School", "St Stephen's CofE Primary School", "Bathwick St Mary Church School",
           "Castle Primary School", "Paulton Junior School", "Peasedown St John Primary School",
           "Farrington Gurney CofE Primary School", "High Littleton CofE Primary School", "Oldfield Park Junior School",
           "St Saviour's Infant Church School", "Roundhill Primary School", "Weston All Saints CofE Primary School",
           "Newbridge Primary School", "Batheaston Church School", "Bishop Sutton Primary School",
           "Chew Stoke Church School", "Pensford Primary School", "Trinity Church School", "St Keyna Primary School",
           "St John's Catholic Primary School", "Twerton Infant School", "Longvernal Primary School",
           "St Julian's CofE Primary School", "Mary Elton Primary School", "Grace Academy", "King Edward's School"]
PLACES = ["Bath", "Keynsham", "Midsomer Norton", "Radstock", "Peasedown St John", "Chew Magna", "Paulton", "Saltford",
          "Timsbury", "Westfield", "Combe Down", "Larkhall", "Weston", "Bathampton", "Bathford", "Camerton",
          "Bristol", "Somerset", "Wiltshire", "South Gloucestershire", "North Somerset", "Royal United Hospital",
          "Sirona care & health", "Avon and Somerset Constabulary", "Curo Housing", "Julian House",
          "Southside Family Project", "Mentoring Plus", "Off The Record", "Project 28", "Youth Connect South West",
          "DHI", "Developing Health & Independence", "Children's Centre Services"]
SENTENCES = ["Referral received 12/03/2024 from the school", "Closed on 2024-03-12 with needs met",
             "Review on 12 March 2024", "Next review 3rd April 2025", "Plan agreed 01.04.2024",
             "Case 1234567 stepped down", "Visit booked for May 2026", "Term starts September 2025",
             "Rates rose from 12.5% to 14.1%", "1,234 children in 2024-25", "Year 5 and Year 6 pupils",
             "Grace period of 14 days", "May half term", "Contacted the school 3 times", "Ward E05012424",
             "Postcode district BA2", "Sector BA2 4", "BS31 and BA3 areas", "KS2 results", "Y6 3rd term",
             "call 111 or 999", "Room 101", "Scored 12 out of 20", "The team met on 12/03/24",
             "Opened 2024-04-01, closed 2024-09-30", "Referral ref REF1234567", "Episode EH0123456",
             "Total", "Unknown", "Not known", "N/A"]


def ordinary() -> dict[str, list[str]]:
    """kind -> text that is not an identifier and must not be refused."""
    wards = list(csv.DictReader(open(PROJECT_ROOT / "sources" / "lookups" / "wards.csv", encoding="utf-8")))
    las = sorted({r["la_name"] for r in csv.DictReader(open(PROJECT_ROOT / "sources" / "published" / "ks2_la.csv",
                                                             encoding="utf-8-sig")) if r.get("la_name")})
    labels = sorted({str(v) for name in dir(codes) if name.isupper() and isinstance(getattr(codes, name), dict)
                     for v in getattr(codes, name).values() if isinstance(v, str)})
    districts = sorted({f"{a}{d}" for a in ("BA", "BS", "SN", "TA") for d in range(1, 17)})
    return {
        "ward": sorted({r["ward_name"] for r in wards} | {r["ward_code"] for r in wards}),
        "locality": sorted({r["locality_name"] for r in wards}),
        "authority": las,
        "school": SCHOOLS,
        "place or agency": PLACES,
        "code label": labels,
        "postcode district or sector": districts + [f"{d} {s}" for d in districts[:20] for s in (1, 4, 9)],
        "sentence, date or number": SENTENCES,
    }
