"""A demo region: N synthetic authorities with real LA codes of one region, each generated with
its own seed and size into its own landing folder (``oba demo --region N``)."""

from __future__ import annotations

from pathlib import Path

from pipelines.region import authorities as places

HOME_LA = "800"     # B&NES: the demo region is the South West, B&NES first
# Sizes relative to the scale asked for, in turn: authorities of a region differ several-fold.
SIZES = (1.0, 1.6, 0.7, 2.2, 0.5, 1.3)
FIRST_SEED = 2026
# The two smallest authorities (a few thousand residents; DfE suppresses most of their figures)
# are left out of a demo region: its authorities are generated at sizes of a county's order.
TOO_SMALL = {"201", "420"}     # City of London, Isles of Scilly


def plan(n: int, scale: float) -> list[tuple[str, str, int, float]]:
    """(LA code, name, seed, scale) for each of the ``n`` demo authorities."""
    members = [m for m in places.region_of(HOME_LA) if m[0] not in TOO_SMALL]
    if not 1 <= n <= len(members):
        raise ValueError(f"a demo region has 1 to {len(members)} authorities (the South West's), not {n}")
    return [(code, name, FIRST_SEED + 97 * i, round(scale * SIZES[i % len(SIZES)], 4))
            for i, (code, name) in enumerate(members[:n])]


def make(region: Path, n: int, scale: float = 0.05, fresh: bool = False) -> list[places.Authority]:
    """Write ``region.csv`` and, for each authority whose landing folder is empty (or ``fresh``),
    its synthetic extracts (``sources.generate``, a seed and size of its own); each authority
    gets its own pseudonymisation key."""
    from sources.generate import generate

    chosen = plan(n, scale)
    places.write_settings(region, [(code, name) for code, name, _, _ in chosen])
    made = []
    for code, _name, seed, size in chosen:
        a = places.authority(region, code)
        p = a.paths.ensure()
        if fresh or not any(p.landing.iterdir()):
            generate(p.landing, scale=size, seed=seed)
        a.make_key()     # its own key, for `oba prepare` of its statutory returns
        made.append(a)
    return made
