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
from pipelines.prepare.common import PrepareError, expand_inputs, looks_like
from pipelines.prepare.keys import Pseudonymiser, key_file, key_in_use, register_file
from pipelines.prepare.spellings import spellings_file
from pipelines.settings import Paths

FORMATS = {"annex-a": annex_a, "cin-census": cin_census, "school-census": school_census}

__all__ = ["EXIT_CODES", "FORMATS", "PrepareError", "Result", "prepare"]

# ``oba prepare``'s exit codes (docs/formats.md).
EXIT_CODES = {"written": 0, "refused": 1, "set_aside": 3}


@dataclass
class Result:
    run: dict

    @property
    def set_aside(self) -> int:
        """Rows read that are in no extract for a reason the council may act on (not the
        rows only read for another table's sake, nor unused tables)."""
        return sum(t.get("rows_set_aside", 0) for i in self.run["inputs"] for t in i["tables"])

    @property
    def status(self) -> str:
        return "set_aside" if self.set_aside else "written"

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
        for o in self.run["outputs"]:
            lines.append(f"  {o['file']}: {o['rows']} rows ({o['status']}"
                         + (f", months {' to '.join(o['months_covered'])}" if o.get("months_covered") else "") + ")")
            if o.get("replaces"):
                r = o["replaces"]
                lines.append(f"    a re-issue of {r['file']} ({r['rows']} rows): it replaces it at load"
                             + (f"; WARNING: {o['rows']} rows where {r['rows']} were delivered (the loader holds "
                                "a re-issue that brings far fewer rows or months; docs/formats.md)" if r["fewer"]
                                else ""))
        if not self.run["outputs"]:
            lines.append("  none (nothing in the inputs maps onto a complete period; see the reasons above)")
        lines += [f"WARNING: {w}" for w in self.run.get("warnings", [])]
        unmapped = self.run.get("unmapped") or {}
        if unmapped:
            lines.append(f"Local values not in the mapping table ({self.run.get('mapping_table')}), "
                         "loaded as 'unmapped' or set aside; add them to the table and prepare again:")
            lines += [f"  {field} '{value}': {n} row(s)" for field, values in sorted(unmapped.items())
                      for value, n in sorted(values.items())]
        if self.set_aside:
            held = "the extracts hold the rest" if self.run["outputs"] else "nothing else to write"
            lines.append(f"{self.set_aside} row(s) set aside (reasons above); {held} "
                         f"(exit code {EXIT_CODES['set_aside']})")
        return "\n".join(lines)


def prepare(fmt: str, files: list[Path], paths: Paths, key_path: str | Path | None = None,
            partial_years: bool = False, new_key: bool = False, **options) -> Result:
    """Prepare ``files`` of one format into ``paths.landing``; raise PrepareError to refuse."""
    if fmt not in FORMATS:
        raise PrepareError(fmt, f"unknown format; known: {', '.join(FORMATS)}")
    given = {Path(f) for f in files}
    found, files, skipped = expand_inputs([Path(f) for f in files]), [], []
    for f in found:
        seems = looks_like(f)
        if seems and seems != fmt and f in given:
            raise PrepareError(f.name, f"this looks like a{'n' if seems[0] in 'a' else ''} {seems} file, not "
                               f"{fmt}: give it to `oba prepare {seems}`")
        suffixes = getattr(FORMATS[fmt], "SUFFIXES", None)
        if seems and seems != fmt:      # in a folder given: another return kept beside this one
            skipped.append(f"{f.name} (in a folder given) skipped: it looks like a{'n' if seems[0] in 'a' else ''} "
                           f"{seems} file; `oba prepare {seems}` reads it")
        elif suffixes and f.suffix.lower() not in suffixes and f not in given:
            skipped.append(f"{f.name} (in a folder given) skipped: {fmt} reads {', '.join(suffixes)} files")
        else:
            files.append(f)
    if not files:
        raise PrepareError(", ".join(str(f) for f in sorted(given)), f"no {fmt} file among those given ("
                           + "; ".join(skipped[:3]) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
                           + ")")
    hashes = [file_hash(f) for f in files]
    # The same rows twice would count every event twice; identical empty or header-only
    # tables (one per term of an export) carry no rows and are no risk.
    # A format may say which files could repeat one another (school census: only tables of one
    # census; the same exclusion reported by two censuses is counted once anyway).
    scope = getattr(FORMATS[fmt], "duplicate_scope", lambda f: None)
    keyed = [(scope(f), h) for f, h in zip(files, hashes)]
    twice = [f.name for f, k in zip(files, keyed) if keyed.count(k) > 1 and _has_rows(f)]
    if twice:   # the same rows twice would count every event twice
        raise PrepareError(", ".join(twice), "the same file (same content) is given more than once")
    kpath = key_file(key_path)
    key, key_notes = key_in_use(kpath, paths, new_key)   # a key in use that went missing stops here
    pz = Pseudonymiser(key, register_file(kpath))
    outputs, counts, covers = FORMATS[fmt].read(files, pz, partial_years=partial_years, paths=paths, **options)
    unbalanced = [t for t in counts if not t.balanced()]
    if unbalanced:   # every row read is written or dropped with a reason: a bug otherwise
        raise PrepareError(unbalanced[0].file, f"rows do not reconcile in {unbalanced[0].table}: "
                           f"{unbalanced[0].as_dict()}")
    inputs = [output.Input(f, h, covers.get(f, ())) for f, h in zip(files, hashes)]
    warnings = key_notes + skipped + output.link_warnings(outputs, paths)
    written, entries = output.write(outputs, inputs, paths, fmt, partial_years)
    links = pz.save_links()
    tables = [c.as_dict() for c in counts]
    unmapped = {}
    for c in counts:
        for fld, values in c.unmapped.items():
            for value, n in values.items():
                unmapped.setdefault(fld, {}).setdefault(value, 0)
                unmapped[fld][value] += n
    extra = {"unmapped": unmapped, "mapping_table": str(spellings_file(paths))} if unmapped else {}
    return Result(output.record_run(paths, fmt, inputs, tables, written, entries, links, warnings, extra))


def _has_rows(path: Path) -> bool:
    """More than a header line."""
    with path.open("rb") as f:
        return len([line for _, line in zip(range(3), f) if line.strip()]) > 1
