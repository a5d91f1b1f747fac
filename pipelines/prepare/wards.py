"""The council's postcode-to-ward lookup: a child's ward without keeping the postcode.

A CSV with a ``postcode`` and a ``ward_code`` column (other columns ignored), given with
``oba prepare --postcode-lookup FILE``. The locality comes from the ward lookup in force
(``sources.lookups.wards``). Without a lookup, or for a postcode it does not hold, ward and
locality are left blank (the indicators report them as 'unknown').
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.ingest.pii import normalise_header
from pipelines.prepare.common import PrepareError, blank
from sources.lookups import wards


def normalise_postcode(value) -> str:
    return re.sub(r"\s+", "", str(value)).upper()


@dataclass
class PostcodeWards:
    ward_of: dict[str, str]
    locality_of: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> "PostcodeWards":
        path = Path(path)
        if not path.is_file():
            raise PrepareError(str(path), "no such postcode lookup file")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.columns = [normalise_header(c) for c in frame.columns]
        for col in ("postcode", "ward_code"):
            if col not in frame.columns:
                raise PrepareError(path.name, "the postcode lookup needs columns postcode and ward_code",
                                   column=col)
        ward_of = dict(zip(frame["postcode"].map(normalise_postcode), frame["ward_code"].str.strip()))
        known = wards()
        return cls(ward_of, dict(zip(known["ward_code"], known["locality"])))

    def ward(self, postcode) -> tuple[str | None, str | None]:
        if blank(postcode):
            return None, None
        ward = self.ward_of.get(normalise_postcode(postcode)) or None
        return ward, self.locality_of.get(ward) if ward else None
