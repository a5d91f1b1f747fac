"""Local spellings: free-text values a council types (Annex A's referral source, ...) mapped
onto the catalogue's codes through an explicit table, never by guessing.

The table is ``<data dir>/settings/local_spellings.csv`` (columns ``field,local_value,code``).
The first ``oba prepare`` that needs it copies the shipped one there
(``sources/lookups/local_spellings.csv``) so that the council edits its own copy. A value is
matched after normalising case, spaces and punctuation ('Children's  Social-Care' ->
'childrens social care'), and only whole: 'Mother' is never 'other', 'Nursery' never
'nurse'. A value not in the table is reported (``oba prepare`` lists every one, with its
rows) so an officer can add it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd

from pipelines.prepare.common import PrepareError, blank
from pipelines.settings import Paths
from sources import codes
from sources.lookups import HERE as LOOKUPS

NAME = "local_spellings.csv"
SHIPPED = LOOKUPS / NAME
FIELDS = {"referral_source": codes.REFERRAL_SOURCES}


def normalise(value) -> str:
    """Lower case, '&' as 'and', apostrophes dropped, every other run of punctuation and
    space one space."""
    text = str(value).strip().lower().replace("&", " and ")
    text = re.sub(r"['\u2019`]", "", text)
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def spellings_file(paths: Paths) -> Path:
    return paths.settings / NAME


def load(paths: Paths) -> dict[str, dict[str, str]]:
    """field -> {normalised local value: code}, from the settings folder's table (copied
    there from the shipped one the first time)."""
    path = spellings_file(paths)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHIPPED, path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"field", "local_value", "code"} <= set(frame.columns):
        raise PrepareError(str(path), "the local spellings table needs columns field, local_value, code")
    out: dict[str, dict[str, str]] = {}
    for i, (fld, local, code) in enumerate(zip(frame["field"], frame["local_value"], frame["code"]), start=2):
        fld, code = fld.strip(), code.strip()
        if fld not in FIELDS:
            raise PrepareError(str(path), f"row {i}: field '{fld}' is not one mapped here "
                               f"({', '.join(FIELDS)})", column="field")
        if code not in FIELDS[fld]:
            raise PrepareError(str(path), f"row {i}: '{code}' is not a {fld} code "
                               f"({', '.join(FIELDS[fld])})", column="code")
        key = normalise(local)
        if out.get(fld, {}).get(key, code) != code:
            raise PrepareError(str(path), f"row {i}: '{local}' is mapped twice, to different codes", column="code")
        out.setdefault(fld, {})[key] = code
    return out


def lookup(table: dict[str, dict[str, str]], fld: str, value) -> str | None:
    """The code of a local value, or None when the table does not hold it (blank: None)."""
    if blank(value):
        return None
    return table.get(fld, {}).get(normalise(value))
