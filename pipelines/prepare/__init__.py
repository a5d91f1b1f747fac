"""``oba prepare FORMAT FILE...``: statutory returns in, anonymised extracts out.

Runs in the council's own environment. Reads the returns every English council already
produces (Ofsted Annex A, the DfE CIN census, the school census), maps them onto the
catalogue's extracts, replaces every identifier with a keyed pseudonym (``keys``), keeps
ages instead of birth dates, drops names, addresses, staff and free text, and writes the
extracts into the landing folder with a manifest of what was written from what
(``output``). Which extracts and measures each format can fill: docs/formats.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.extracts import file_hash
from pipelines.prepare import annex_a, cin_census, output, school_census
from pipelines.prepare.common import PrepareError
from pipelines.prepare.keys import Pseudonymiser, key_file, key_in_use, register_file
from pipelines.settings import Paths

FORMATS = {"annex-a": annex_a, "cin-census": cin_census, "school-census": school_census}

__all__ = ["FORMATS", "PrepareError", "Result", "prepare"]


@dataclass
class Result:
    run: dict

    def report(self) -> str:
        lines = [f"Prepared {self.run['format']} from {len(self.run['inputs'])} file(s):"]
        for i in self.run["inputs"]:
            lines.append(f"  {i['file']} ({', '.join(i['covers']) or 'no period'})")
            for t in i["tables"]:
                lines.append(f"    {t['table']}: {t['rows_in']} rows read, {t['rows_out']} written, "
                             f"{t['rows_dropped']} dropped")
                lines += [f"      - {n} {reason}" for reason, n in t["dropped"].items()]
                lines += [f"      note: {n}" for n in t["notes"]]
        lines.append("Extracts:")
        lines += [f"  {o['file']}: {o['rows']} rows ({o['status']})" for o in self.run["outputs"]]
        if not self.run["outputs"]:
            lines.append("  none (nothing in the inputs maps onto a complete period; see the reasons above)")
        lines += [f"WARNING: {w}" for w in self.run.get("warnings", [])]
        return "\n".join(lines)


def prepare(fmt: str, files: list[Path], paths: Paths, key_path: str | Path | None = None,
            partial_years: bool = False, new_key: bool = False, **options) -> Result:
    """Prepare ``files`` of one format into ``paths.landing``; raise PrepareError to refuse."""
    if fmt not in FORMATS:
        raise PrepareError(fmt, f"unknown format; known: {', '.join(FORMATS)}")
    files = [Path(f) for f in files]
    for f in files:
        if not f.is_file():
            raise PrepareError(str(f), "no such file")
    hashes = [file_hash(f) for f in files]
    twice = [f.name for f, h in zip(files, hashes) if hashes.count(h) > 1]
    if twice:   # the same rows twice would count every event twice
        raise PrepareError(", ".join(twice), "the same file (same content) is given more than once")
    kpath = key_file(key_path)
    key, key_notes = key_in_use(kpath, paths, new_key)   # a key in use that went missing stops here
    pz = Pseudonymiser(key, register_file(kpath))
    outputs, counts, covers = FORMATS[fmt].read(files, pz, partial_years=partial_years, **options)
    unbalanced = [t for t in counts if not t.balanced()]
    if unbalanced:   # every row read is written or dropped with a reason: a bug otherwise
        raise PrepareError(unbalanced[0].file, f"rows do not reconcile in {unbalanced[0].table}: "
                           f"{unbalanced[0].as_dict()}")
    inputs = [output.Input(f, h, covers.get(f, ())) for f, h in zip(files, hashes)]
    warnings = key_notes + output.link_warnings(outputs, paths)
    written, entries = output.write(outputs, inputs, paths, fmt)
    links = pz.save_links()
    tables = [c.as_dict() for c in counts]
    return Result(output.record_run(paths, fmt, inputs, tables, written, entries, links, warnings))
