"""Where a region's authorities live on disk, and the region settings file.

A region folder (``$OBA_REGION_DIR``, default ``./region``) holds:

    region.csv                     la_code,la_name: the region's authorities (the settings file)
    authorities/<la_code>/         each authority's data folder (OBA_DATA_DIR of its runs)
    keys/<la_code>/pseudonym.key   each authority's pseudonymisation key (0600, folders 0700)
    pool/                          the regional pool: oba_region.duckdb and the regional page
    dagster_home/                  the region's Dagster instance (partitions, runs, backfills)

An authority is in the region when ``region.csv`` lists it or its landing folder
(``authorities/<la_code>/landing``) exists; the ``authority_folders`` sensor adds each new
one as a partition.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import Paths

DEFAULT_REGION_DIR = "region"
SETTINGS_FILE = "region.csv"
PARTITIONS = "authority"       # the dynamic partitions' name: one key per LA code


def region_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The region folder: an explicit value, else ``$OBA_REGION_DIR``, else ``./region``."""
    value = explicit or os.environ.get("OBA_REGION_DIR") or DEFAULT_REGION_DIR
    return Path(value).expanduser().resolve()


@dataclass(frozen=True)
class Authority:
    la_code: str
    la_name: str
    region: Path

    @property
    def paths(self) -> Paths:
        """The authority's own data folder: everything its runs read and write."""
        return Paths(self.region / "authorities" / self.la_code)

    @property
    def key_file(self) -> Path:
        """Its own pseudonymisation key, outside every data folder (``oba prepare``)."""
        return self.region / "keys" / self.la_code / "pseudonym.key"

    def make_key(self) -> Path:
        """Create the authority's own pseudonymisation key (``oba prepare``'s rules: 0600, in a
        folder only its owner may write, outside every data folder) if it has none yet."""
        from pipelines.prepare.keys import load_key

        for folder in (self.key_file.parent.parent, self.key_file.parent):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        load_key(self.key_file, self.paths)
        return self.key_file

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        """The environment of this authority's run: its data folder, LA code, key and Dagster
        instance; nothing of the region's or another authority's."""
        env = {k: v for k, v in base.items() if k not in ("DAGSTER_HOME", "OBA_KEY_FILE", "OBA_REGION_DIR")}
        env.update(OBA_DATA_DIR=str(self.paths.data_dir), OBA_LA_CODE=self.la_code,
                   OBA_KEY_FILE=str(self.key_file), DAGSTER_HOME=str(self.paths.dagster_home))
        manifest = self.paths.data_dir / "demo_manifest.json"
        if "OBA_AS_AT" not in base and manifest.is_file():
            # A demo authority's data are a snapshot: freshness is judged on its date (as oba demo does).
            env["OBA_AS_AT"] = json.loads(manifest.read_text()).get("as_at", "")
        return env


def pool_dir(region: Path) -> Path:
    return region / "pool"


def listed(region: Path) -> dict[str, str]:
    """LA code -> name, from ``region.csv`` (none when the file is missing)."""
    settings = region / SETTINGS_FILE
    if not settings.is_file():
        return {}
    with settings.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    bad = [r for r in rows if not str(r.get("la_code", "")).strip().isdigit()]
    if bad:
        raise ValueError(f"{settings}: la_code must be a DfE LA code (digits); got {bad[0].get('la_code')!r}")
    return {r["la_code"].strip(): (r.get("la_name") or "").strip() for r in rows}


def authorities(region: Path) -> list[Authority]:
    """Every authority of the region: listed in ``region.csv`` or with a landing folder."""
    names = listed(region)
    found = region / "authorities"
    if found.is_dir():
        for folder in sorted(found.iterdir()):
            if folder.name.isdigit() and (folder / "landing").is_dir():
                names.setdefault(folder.name, "")
    names = {code: name or authority_names().get(code, code) for code, name in names.items()}
    return [Authority(code, name, region) for code, name in sorted(names.items())]


def authority(region: Path, la_code: str) -> Authority:
    found = {a.la_code: a for a in authorities(region)}
    if la_code not in found:
        raise KeyError(f"authority {la_code} is not in the region {region} (region.csv, authorities/*/landing)")
    return found[la_code]


def write_settings(region: Path, members: list[tuple[str, str]]) -> Path:
    """Write ``region.csv`` (la_code, la_name)."""
    region.mkdir(parents=True, exist_ok=True)
    target = region / SETTINGS_FILE
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["la_code", "la_name"])
        writer.writerows(members)
    return target


def _published_authorities() -> list[dict]:
    from pipelines.reference.benchmark_files import SN_FILE

    with SN_FILE.open(newline="", encoding="utf-8-sig") as fh:
        return [{"la_code": r["old_la_code"].strip(), "la_name": r["la_name"].strip(),
                 "region": (r.get("region_name") or "").strip(),
                 "neighbours": [r[f"SN_{i}"].strip() for i in range(1, 11) if (r.get(f"SN_{i}") or "").strip()]}
                for r in csv.DictReader(fh)]


def authority_names() -> dict[str, str]:
    """Every English authority's name by old DfE LA code (the DfE statistical neighbours file)."""
    return {r["la_code"]: r["la_name"] for r in _published_authorities()}


def region_name(codes: list[str]) -> str:
    """The DfE region the authorities ``codes`` share ("South West"), else "Region"."""
    regions = {r["region"] for r in _published_authorities() if r["la_code"] in set(codes)}
    return regions.pop() if len(regions) == 1 and codes else "Region"


def region_of(la_code: str) -> list[tuple[str, str]]:
    """The authorities of ``la_code``'s region (DfE statistical neighbours file): ``la_code``
    first, then its statistical neighbours in that region (closest first), then the rest by
    code. Real LA codes for a demo region."""
    rows = {r["la_code"]: r for r in _published_authorities()}
    home = rows.get(la_code)
    if not home or not home["region"]:
        raise ValueError(f"LA code {la_code} has no region in the DfE statistical neighbours file")
    same = [code for code, r in sorted(rows.items()) if r["region"] == home["region"] and code != la_code]
    order = [la_code] + [c for c in home["neighbours"] if c in same] + [c for c in same if c not in home["neighbours"]]
    return [(code, rows[code]["la_name"]) for code in order]
