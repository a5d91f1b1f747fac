"""Reference lookups the authority supplies: wards and their localities.

The packaged ``wards.csv`` describes the demo authority (B&NES ward names; illustrative
E05 codes, see ``sources.generate.geography``). An authority replaces it by putting its
own ``wards.csv`` (columns ``ward_code,ward_name,locality,locality_name``) in the
settings folder (``<data dir>/settings/wards.csv``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipelines.settings import local_file

HERE = Path(__file__).parent
WARD_COLUMNS = ["ward_code", "ward_name", "locality", "locality_name"]


def wards_file(data_dir=None) -> Path:
    """The ward lookup in force: the authority's own, else the packaged demo one."""
    return local_file("wards.csv", HERE / "wards.csv", data_dir)


def wards(data_dir=None) -> pd.DataFrame:
    """One row per ward: code, name, locality code and locality name (all text)."""
    path = wards_file(data_dir)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in WARD_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: ward lookup lacks column(s) {', '.join(missing)}; "
                         f"expected {', '.join(WARD_COLUMNS)}")
    frame = frame[WARD_COLUMNS]
    dupes = frame["ward_code"][frame["ward_code"].duplicated()].tolist()
    if dupes:
        raise ValueError(f"{path}: ward_code repeated: {', '.join(dupes)}")
    return frame.reset_index(drop=True)


def ward_names(data_dir=None) -> dict[str, str]:
    """ward_code -> ward name."""
    frame = wards(data_dir)
    return dict(zip(frame["ward_code"], frame["ward_name"]))


def locality_names(data_dir=None) -> dict[str, str]:
    """locality code -> locality name."""
    frame = wards(data_dir).drop_duplicates("locality")
    return dict(zip(frame["locality"], frame["locality_name"]))
