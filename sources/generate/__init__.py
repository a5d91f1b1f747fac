"""Synthetic, anonymised demo extracts for every source in the catalogue.

``generate(landing_dir)`` writes ten years of history (as at 31 October 2026) for one
synthetic B&NES-sized population, in the formats and with the faults real deliveries
have, and returns a manifest of what it wrote. See docs/demo-data.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from sources.catalogue import SOURCES, get
from . import attainment, early_help, education, partnership, people, social_care, surveys, youth
from .calibration import SHEU_YEARS
from .calendar import AS_AT, REISSUE_FIRST_AS_AT, YEARS, fy_label
from .faults import RATES, inject
from .population_estimates import population
from .styles import style
from .streams import stream
from .writers import Delivery, finish, to_text, write

__all__ = ["generate"]
CLEAN_FILE_SHARE = 0.2      # share of files delivered with no faults at all


def generate(landing_dir: Path, scale: float = 1.0, seed: int = 2026,
             manifest_path: Path | None = None, statutory_dir: Path | None = None) -> dict:
    """Write demo extracts for every catalogue source into ``landing_dir``; return the manifest.
    With ``statutory_dir``, also write the authority's statutory returns there (CIN census,
    Annex A, school census; ``statutory.write``), for ``oba prepare``."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    landing = Path(landing_dir)
    landing.mkdir(parents=True, exist_ok=True)
    files = []
    for delivery in _deliveries(scale, seed):
        files.append(_emit(delivery, landing, seed))
    manifest = {
        "generator": "sources.generate", "as_at": str(AS_AT), "seed": seed, "scale": scale,
        "files": files,
        "totals": {s.name: sum(f["rows"] for f in files if f["source"] == s.name) for s in SOURCES},
        "faults": _sum_faults(files),
    }
    manifest["total_rows"] = sum(manifest["totals"].values())
    if statutory_dir is not None:
        from .statutory import write as write_statutory
        manifest["statutory"] = write_statutory(Path(statutory_dir), scale=scale, seed=seed)
    path = Path(manifest_path) if manifest_path else landing.parent / "demo_manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _deliveries(scale: float, seed: int) -> Iterator[Delivery]:
    salt = f"bnes-demo-{seed}"
    pop = people.build(stream(seed, "people"), scale, salt)
    eh = early_help.episodes(stream(seed, "early_help"), pop, scale, salt)
    final = early_help.as_at(eh, AS_AT)
    for y in YEARS[:-1]:
        yield _make("early_help_episodes", fy_label(y), final[final["_fy"] == y])
    # The one re-issue: 2025-26 as first sent (30 April 2026), then _v2 with later closures.
    last = YEARS[-1]
    first = early_help.as_at(eh, REISSUE_FIRST_AS_AT)
    yield _make("early_help_episodes", fy_label(last), first[first["_fy"] == last])
    yield _make("early_help_episodes", fy_label(last), final[final["_fy"] == last], version=2)
    refs = social_care.referrals(stream(seed, "referrals"), pop, eh, scale, salt)
    yield from _split("social_care_referrals", refs, "_fy", fy_label)
    yield from _split("family_feedback", social_care.family_feedback(stream(seed, "feedback"), final, scale, salt),
                      "_fy", fy_label)
    yield from _split("assessment_audits", social_care.audits(stream(seed, "audits"), eh, scale, salt), "_fy", fy_label)
    yield from _split("practitioner_feedback", partnership.practitioner_feedback(stream(seed, "practitioners"),
                                                                                 scale, salt), "_year", str)
    yield from _split("adult_referrals", partnership.adult_referrals(stream(seed, "adult"), scale, salt), "_fy", fy_label)
    yield from _split("parenting_programmes", partnership.parenting_programmes(stream(seed, "parenting"), scale, salt),
                      "_fy", fy_label)
    rng = stream(seed, "education")
    rolls = {y: education.roll(pop, y, rng) for y in YEARS}
    yield from _split("pupil_population", education.pupil_population(rolls), "_ay", fy_label)
    excl = education.exclusions(rng, pop, rolls, salt)
    yield from _split("exclusions", excl, "_ay", fy_label)
    yield from _split("behaviour_panels", education.behaviour_panels(rng, pop, excl, rolls, scale, salt),
                      "_ay", fy_label)
    yield from _split("cme", education.cme(stream(seed, "cme"), pop, scale, salt), "_ay", fy_label)
    yield from _split("attainment", attainment.attainment(stream(seed, "attainment"), pop, rolls), "_ay", fy_label)
    yield from _split("two_year_funding", attainment.two_year_funding(stream(seed, "two_year"), pop), "_ay", fy_label)
    del rolls, excl
    yos = youth.yos_outcomes(stream(seed, "yos"), pop, salt)
    yield from _split("yos_outcomes", yos, "_year", str)
    for month, frame in youth.neet(stream(seed, "neet"), pop, yos):
        yield _make("neet", month, frame)
    yield from _split("sheu_survey", surveys.sheu_survey(stream(seed, "sheu"), pop, scale, salt), "_year", str,
                      SHEU_YEARS)
    pops = population(pop)
    yield from _split("population", pops, "year", str)


def _split(name: str, frame: pd.DataFrame, by: str, label, values: Iterable[int] = YEARS) -> Iterable[Delivery]:
    """One delivery per expected period, header-only when a (small-scale) period is empty,
    as a system's scheduled export would be."""
    for value in values:
        yield _make(name, label(value), frame[frame[by] == value])


def _make(name: str, period: str, frame: pd.DataFrame, version: int = 1) -> Delivery:
    source = get(name)
    data = frame[source.column_names].reset_index(drop=True)
    return Delivery(source=source, period=period, frame=data, version=version, fault_rate=RATES[name],
                    **style(name, period))


def _emit(delivery: Delivery, landing: Path, seed: int) -> dict:
    rng = stream(seed, delivery.filename)
    rate = 0.0 if rng.random() < CLEAN_FILE_SHARE else delivery.fault_rate
    text, faults = inject(delivery.source, to_text(delivery), rng, rate)
    rows = len(text)
    text = finish(delivery, text, rng)
    path = write(delivery, text, landing)
    return {
        "file": path.name, "source": delivery.source.name, "period": delivery.period,
        "version": delivery.version, "format": delivery.fmt,
        "encoding": delivery.encoding if delivery.fmt == "csv" else "xlsx",
        "rows": rows, "faults": faults, "faulty_rows": sum(faults.values()),
        "aliased_headers": dict(delivery.aliases), "trailing_total_row": bool(delivery.total_row),
        "extra_columns": ["comments"] if delivery.comments else [],
        "replaces": f"{delivery.source.name}_{delivery.period}.csv" if delivery.version > 1 else None,
    }


def _sum_faults(files: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in files:
        for kind, n in f["faults"].items():
            out[kind] = out.get(kind, 0) + n
    return dict(sorted(out.items()))
