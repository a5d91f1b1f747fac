"""Writing prepared extracts into the landing folder, and the manifest of what came from what.

Each extract is written as ``<source>_<period>.csv`` (the catalogue's naming), or as the
next ``_v<N>`` when a file for that period is already there with other content (the loader
then treats it as a re-issue that replaces the earlier one); identical content is not
written again. Before anything is written, every output passes the identifier guard the
loader applies (``pipelines.ingest.pii.scan``): a prepared file can never be refused at load.

A period is only replaced by inputs that cover everything the earlier file was prepared
from (``covers``: e.g. 'cin-census 2023-24'), so preparing one return alone can never
overwrite a year built from several with a partial one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.ingest import pii
from pipelines.prepare.common import PrepareError
from pipelines.settings import Paths
from sources import catalogue


@dataclass
class Input:
    path: Path
    sha256: str
    covers: tuple[str, ...] = ()


def manifest_path(paths: Paths) -> Path:
    """Beside the landing folder, not in it (the loader reads every file it finds there)."""
    return paths.data_dir / "prepare_manifest.json"


def load_manifest(paths: Paths) -> dict:
    path = manifest_path(paths)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"runs": [], "outputs": {}}


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v))


def to_text(source: catalogue.Source, frame: pd.DataFrame) -> pd.DataFrame:
    """Catalogue columns as the loader reads them: ISO dates, Y/N, whole numbers, blanks."""
    write = {"date": lambda v: (v.date() if isinstance(v, dt.datetime) else v).isoformat(),
             "bool": lambda v: "Y" if v else "N", "int": lambda v: str(int(v)),
             "float": lambda v: f"{float(v):g}", "str": str}
    out = {}
    for col in source.columns:
        values = frame[col.name] if col.name in frame.columns else pd.Series([None] * len(frame))
        fmt = write[col.type]
        out[col.name] = ["" if _missing(v) else fmt(v) for v in values.reset_index(drop=True).astype(object)]
    return pd.DataFrame(out, columns=source.column_names, dtype=object)


def _versions(landing: Path, source: catalogue.Source, period: str) -> list[tuple[int, Path]]:
    found = []
    for f in landing.iterdir() if landing.exists() else []:
        hit = source.match(f.name)
        if hit and hit[0] == period:
            found.append((hit[1], f))
    return sorted(found)


def months_covered(source: catalogue.Source, period: str, frame: pd.DataFrame, partial: bool) -> list[str]:
    """First and last month (yyyy-mm) of the period the inputs cover: what the format
    reader says (``frame.attrs['months']``), else the whole period when only complete
    periods are written, else the months of the extract's own dates."""
    if frame.attrs.get("months"):
        return list(frame.attrs["months"])
    first, last = source.period_bounds(period) or (None, None)
    dates = [c.name for c in source.columns if c.type == "date" and c.name in frame.columns]
    if partial and dates:
        values = pd.to_datetime(frame[dates[0]], errors="coerce").dropna()
        if len(values):
            first, last = values.min().date(), values.max().date()
    return [f"{first:%Y-%m}", f"{last:%Y-%m}"] if first else []


def write(outputs: dict[tuple[str, str], pd.DataFrame], inputs: list[Input], paths: Paths,
          fmt: str, partial: bool = False) -> tuple[list[dict], dict]:
    """Check every output (identifier guard, period cover), then write them all. Returns the
    files written and their manifest entries (saved by ``record_run``)."""
    manifest = load_manifest(paths)
    covers = {c for i in inputs for c in i.covers}
    planned = []
    for (name, period), frame in sorted(outputs.items()):
        source = catalogue.get(name)
        text = to_text(source, frame)
        findings = pii.scan(list(text.columns), text)
        if findings:  # a bug in a mapping, never the council's data: refuse loudly
            raise PrepareError(f"{name}_{period}.csv", "the prepared extract would carry identifiers: "
                               + "; ".join(str(f) for f in findings))
        earlier = manifest["outputs"].get(f"{name} {period}")
        if earlier and not set(earlier["covers"]) <= covers:
            missing = sorted(set(earlier["covers"]) - covers)
            raise PrepareError(
                ", ".join(i.path.name for i in inputs),
                f"{name} for {period} was prepared before from {', '.join(missing)} as well; "
                f"give those files again with these ones, so the period is not replaced by a part of it")
        body = text.to_csv(index=False, lineterminator="\n").encode("utf-8")
        planned.append((source, period, body, len(text), months_covered(source, period, frame, partial)))
    written, entries = [], {}
    paths.landing.mkdir(parents=True, exist_ok=True)
    for source, period, body, rows, months in planned:
        replaces = None
        digest = hashlib.sha256(body).hexdigest()
        versions = _versions(paths.landing, source, period)
        status = "written"
        if versions and hashlib.sha256(versions[-1][1].read_bytes()).hexdigest() == digest:
            target, status = versions[-1][1], "unchanged"
        else:
            version = versions[-1][0] + 1 if versions else 1
            replaces = _replaces(versions[-1][1], rows) if versions else None
            suffix = f"_v{version}" if version > 1 else ""
            target = paths.landing / f"{source.name}_{period}{suffix}.csv"
            tmp = target.with_name("." + target.name + ".tmp")
            tmp.write_bytes(body)
            tmp.replace(target)
        origin = {"format": fmt, "files": sorted(i.path.name for i in inputs if i.covers), "partial": partial}
        written.append({"file": target.name, "source": source.name, "period": period, "rows": rows,
                        "sha256": digest, "status": status, "origin": origin, "months_covered": months,
                        **({"replaces": replaces} if status == "written" and replaces else {})})
        entries[f"{source.name} {period}"] = {
            "file": target.name, "sha256": digest, "covers": sorted(covers), "format": fmt,
            "inputs": sorted(i.sha256 for i in inputs), "origin": origin, "months_covered": months, "rows": rows}
    return written, entries


def _replaces(earlier: Path, rows: int) -> dict:
    """What a re-issue replaces at load: the earlier file and its rows (data lines)."""
    with earlier.open("rb") as f:
        earlier_rows = max(sum(1 for line in f if line.strip()) - 1, 0)
    return {"file": earlier.name, "rows": earlier_rows, "fewer": rows < earlier_rows}


# Extracts whose children the indicators follow into another extract by child_id (EH01:
# an Early Help episode followed by a social care referral).
LINKED = {"social_care_referrals": ("early_help_episodes",), "early_help_episodes": ("social_care_referrals",)}


def link_warnings(outputs: dict[tuple[str, str], pd.DataFrame], paths: Paths) -> list[str]:
    """Extracts in the landing folder that the prepared ones are linked to but that share
    not one child with them: they were pseudonymised another way (another system, another
    key), and a linked measure would silently find no link."""
    prepared = {name for name, _ in outputs}
    ours = {c for (name, _), f in outputs.items() if "child_id" in f.columns for c in f["child_id"].dropna()}
    made_here = {e["file"] for e in load_manifest(paths)["outputs"].values()}
    warnings = []
    for name in sorted(prepared):
        for other in LINKED.get(name, ()):
            if other in prepared:
                continue
            source = catalogue.get(other)
            files = [f for f in sorted(paths.landing.glob(f"{other}_*.csv"))
                     if source.match(f.name) and f.name not in made_here]
            theirs = set()
            for f in files:
                try:
                    theirs |= set(pd.read_csv(f, usecols=["child_id"], dtype=str, encoding_errors="replace")["child_id"])
                except ValueError:      # no child_id header: the loader will say so
                    continue
            if theirs and not theirs & ours:
                warnings.append(
                    f"{name} (prepared) and {other} ({len(files)} file(s) in the landing folder, not prepared "
                    f"here) share no child_id: the {other} extract was pseudonymised another way, so "
                    f"linked measures (EH01 step-up) would find no link. Give that system's extract the "
                    f"same key's pseudonyms, or prepare into a data directory of its own (docs/formats.md).")
    return warnings


def record_run(paths: Paths, fmt: str, inputs: list[Input], tables: list[dict], written: list[dict],
               entries: dict, links_added: int, warnings: list[str] | None = None, extra: dict | None = None) -> dict:
    """Append the run (inputs with their hashes, every table's row counts, outputs) to the manifest."""
    manifest = load_manifest(paths)
    manifest["outputs"].update(entries)
    run = {"format": fmt, "prepared_at": dt.datetime.now().isoformat(timespec="seconds"),
           "inputs": [{"file": i.path.name, "sha256": i.sha256, "covers": list(i.covers),
                       "tables": [t for t in tables if t["file"] == i.path.name]} for i in inputs],
           "outputs": written, "links_added": links_added, "warnings": warnings or [], **(extra or {})}
    manifest["runs"].append(run)
    _save(paths, manifest)
    return run


def _save(paths: Paths, manifest: dict) -> None:
    path = manifest_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
