"""One synthetic population of children shared by every extract.

Each person is a row with stable attributes (birth date, sex, ward, deprivation,
vulnerability, ability, SEN, schools). Every extract samples its children from this one
table, so a ``child_id`` in an Early Help episode can be followed into social care
referrals, exclusions, NEET months and YOS outcomes, exactly the linking the indicators
need. Birth dates are internal only: extracts carry ages and year groups, never dates of
birth (sources.md, "Anonymised means").
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import calibration as cal
from .calendar import ay_of
from .geography import assign_wards, imd_deciles, WARDS

BIRTH_YEARS = range(1990, 2026)      # ages 0-25 in every mid-year 2016-2025 (population file)
SEN_NEEDS = np.array(["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD",
                      "ASD", "OTH", "NSA"], dtype=object)
# Shares of pupils with SEN by primary need (school census pattern: SEMH, SLCN, ASD, MLD lead).
SEN_SHARES = np.array([0.11, 0.13, 0.02, 0.01, 0.21, 0.20, 0.02, 0.01, 0.003, 0.03, 0.16, 0.04, 0.057])
SCHOOLS_PER_LOCALITY = {"primary": 12, "secondary": 3}   # about 60 primaries, 15 secondaries
SCHOOL_PREFIX = {"primary": "SP", "secondary": "SS", "special": "SX", "alternative_provision": "SA"}


def pseudonyms(prefix: str, salt: str, n: int, start: int = 0) -> np.ndarray:
    """16-hex-character pseudonymous ids: a keyed hash of a sequence number, as made at source."""
    key = salt.encode()[:64]
    return np.array([hashlib.blake2b(f"{prefix}{i}".encode(), digest_size=8, key=key).hexdigest()
                     for i in range(start, start + n)], dtype=object)


def short_ids(prefix: str, salt: str, n: int, width: int = 7) -> np.ndarray:
    """Record ids (episode, referral...) as case systems number them: a prefix and a
    zero-padded sequence starting at an arbitrary, salt-dependent number. Unique by
    construction, and not personal data, so they need no hashing."""
    if n == 0:
        return np.empty(0, dtype=object)
    first = 100_000 + zlib.crc32(f"{salt}{prefix}".encode()) % 400_000
    seq = np.arange(first, first + n).astype(str)
    return np.char.add(prefix, np.char.zfill(seq, width)).astype(object)


@dataclass
class Population:
    people: pd.DataFrame
    schools: dict[str, np.ndarray]

    def fsm(self, year: int) -> np.ndarray:
        """FSM eligibility in the academic year starting ``year``: the poorest share of
        children, the share rising over the decade (calibration.FSM_RATE)."""
        rate = cal.FSM_RATE.get(year, cal.FSM_RATE[2016] if year < 2016 else cal.FSM_RATE[2025])
        return self.people["poverty"].to_numpy() < rate

    def disadvantaged(self, year: int) -> np.ndarray:
        """FSM at any time in the last six years, or looked after (DfE definition)."""
        ever = np.zeros(len(self.people), dtype=bool)
        for y in range(year - 5, year + 1):
            ever |= self.fsm(y)
        return ever | self.people["looked_after"].to_numpy()

    def year_group(self, ay: int) -> np.ndarray:
        """National curriculum year group in the academic year starting ``ay`` (0 = reception)."""
        return ay - self.people["cohort"].to_numpy() - 4

    def pupils(self, ay: int) -> np.ndarray:
        """Indices of children on a state-funded school roll in academic year ``ay``."""
        p = self.people
        yg = self.year_group(ay)
        on_roll = p["state_school"].to_numpy() & (yg >= 0) & (
            (yg <= 11) | ((yg <= 13) & p["sixth_form"].to_numpy()))
        return np.flatnonzero(on_roll)


def build(rng: np.random.Generator, scale: float, salt: str) -> Population:
    sizes = [max(1, round((cal.COHORT_SIZE_2008 + cal.COHORT_GROWTH * (b - 2008)) * scale))
             for b in BIRTH_YEARS]
    n = sum(sizes)
    birth_year = np.repeat(np.array(BIRTH_YEARS), sizes)
    birth = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") \
        + rng.integers(0, 365, n).astype("timedelta64[D]")
    ward = assign_wards(rng, n)
    # Latent deprivation: the ward's level plus family circumstances. Its percentile drives
    # FSM (poorest first), so a ward's FSM rate follows its deprivation.
    dep = WARDS["deprivation"].to_numpy()[ward] + rng.normal(0, 1, n)
    poverty = (np.argsort(np.argsort(-dep)) + 0.5) / n
    vuln = 0.45 * dep + rng.normal(0, 0.9, n)
    ability = -0.35 * vuln + rng.normal(0, 0.9, n)
    has_sen = rng.random(n) < 0.10 + 0.05 * (vuln > 1)
    sen = np.where(has_sen, rng.choice(SEN_NEEDS, n, p=SEN_SHARES / SEN_SHARES.sum()), "")
    ehcp = has_sen & (rng.random(n) < 0.28)
    state_school = rng.random(n) < np.where(dep < -0.8, 0.82, 0.96)   # Bath's independent sector
    special = ehcp & (rng.random(n) < 0.35)
    people = pd.DataFrame({
        "child_id": pseudonyms("c", salt, n),
        "birth": birth,
        "cohort": ay_of(birth) + 1,   # school year cohort: the academic year of birth, plus one
        "sex": np.where(rng.random(n) < 0.488, "F", "M").astype(object),
        "ward": ward,
        "imd_decile": imd_deciles(rng, ward, dep),
        "poverty": poverty,
        "vuln": vuln,
        "ability": ability,
        "sen": sen.astype(object),
        "ehcp": ehcp,
        "special": special,
        "state_school": state_school,
        "sixth_form": rng.random(n) < 0.5 + 0.1 * (ability > 0),
        "nccis": state_school | (rng.random(n) < 0.1),
        "looked_after": np.zeros(n, dtype=bool),    # set when social care referrals are made
        "family_id": _families(rng, ward, salt),
    })
    schools = _schools(rng, people, scale, salt)
    # Keep text columns as plain object arrays: every extract indexes them with numpy, and
    # pandas' Arrow-backed str dtype would convert the whole column on each access.
    for col in ("child_id", "sex", "sen", "family_id", *(f"{ph}_school" for ph in SCHOOL_PREFIX)):
        people[col] = pd.Series(people[col].to_numpy(dtype=object), index=people.index, dtype=object)
    return Population(people, schools)


def _families(rng: np.random.Generator, ward: np.ndarray, salt: str) -> np.ndarray:
    """Group children into families of 1-4 within a ward (a new family starts with p=0.55)."""
    order = np.lexsort((rng.random(len(ward)), ward))
    new = rng.random(len(ward)) < 0.55
    new[0] = True
    fam_sorted = np.cumsum(new) - 1
    ids = pseudonyms("f", salt, int(fam_sorted[-1]) + 1)
    out = np.empty(len(ward), dtype=object)
    out[order] = ids[fam_sorted]
    return out


def _schools(rng: np.random.Generator, people: pd.DataFrame, scale: float, salt: str) -> dict:
    """Anonymised schools: primaries and secondaries per locality, plus special and AP."""
    locality = WARDS["locality"].to_numpy()[people["ward"].to_numpy()]
    loc_names = sorted(set(locality))
    schools = {}
    for phase, per in SCHOOLS_PER_LOCALITY.items():
        k = max(1, round(per * scale))
        ids = short_ids(SCHOOL_PREFIX[phase], salt, k * len(loc_names), width=5)
        loc_idx = np.searchsorted(loc_names, locality)
        people[f"{phase}_school"] = ids[loc_idx * k + rng.integers(0, k, len(people))]
        schools[phase] = ids
    for phase, per in (("special", 5), ("alternative_provision", 1)):
        ids = short_ids(SCHOOL_PREFIX[phase], salt, max(1, round(per * scale)), width=5)
        people[f"{phase}_school"] = ids[rng.integers(0, len(ids), len(people))]
        schools[phase] = ids
    return schools


def pick(rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Weighted sample of k candidates without replacement, vectorised (exponential keys:
    the k smallest Exp(1)/w are a weighted sample; O(n), unlike rng.choice with p)."""
    k = min(int(k), len(candidates))
    if k <= 0:
        return candidates[:0]
    keys = rng.exponential(1.0, len(candidates)) / weights
    return candidates[np.argpartition(keys, k - 1)[:k]]


def choice(rng: np.random.Generator, codes, probs, n: int) -> np.ndarray:
    """n codes drawn with the given (normalised) probabilities."""
    p = np.asarray(probs, dtype=float)
    return rng.choice(np.asarray(list(codes), dtype=object), n, p=p / p.sum())
