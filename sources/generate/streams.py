"""Random streams for the demo generator: one per step, so changing one extract does not
reshuffle the rest."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, step: str) -> np.random.Generator:
    """An independent stream per step, so changing one extract does not reshuffle the rest."""
    return np.random.default_rng([seed, zlib.crc32(step.encode())])
