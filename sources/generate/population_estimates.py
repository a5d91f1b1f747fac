"""Mid-year population by ward, single year of age (0-25) and sex, counted from the
synthetic population itself, so rates use the same children the extracts describe."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import YEARS, age_on
from .geography import WARD_CODES
from .people import Population


def population(pop: Population) -> pd.DataFrame:
    p = pop.people
    parts = []
    full = pd.MultiIndex.from_product([range(len(WARD_CODES)), range(26), ["F", "M"]],
                                      names=["ward", "age", "sex"])
    for y in YEARS:
        age = age_on(p["birth"].to_numpy(), np.datetime64(f"{y}-06-30"))
        m = (age >= 0) & (age <= 25)
        counts = pd.DataFrame({"ward": p["ward"].to_numpy()[m], "age": age[m], "sex": p["sex"].to_numpy()[m]}) \
            .groupby(["ward", "age", "sex"]).size().reindex(full, fill_value=0).reset_index(name="population")
        counts.insert(0, "year", y)
        parts.append(counts)
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "ward_code", WARD_CODES[out.pop("ward").to_numpy()])
    return out
