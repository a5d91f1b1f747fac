"""``oba validate FILE --source NAME``: the checks the pipeline would apply, without loading anything."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.ingest.extracts import ROW, ExtractError, read_extract
from pipelines.ingest.landing import printable
from pipelines.ingest.validation import check
from sources import catalogue


def report(path: Path, source_name: str, limit: int = 20) -> tuple[str, bool]:
    """A readable report and whether the file would load with nothing quarantined. Every line
    is shown escaped (control, bidirectional and invisible characters in a file's or a
    sheet's name never reach the terminal raw)."""
    text, ok = _report(path, source_name, limit)
    return "\n".join(printable(line) for line in text.split("\n")), ok


def _report(path: Path, source_name: str, limit: int = 20) -> tuple[str, bool]:
    try:
        source = catalogue.get(source_name)
    except KeyError as exc:
        return str(exc.args[0]), False
    if not os.path.lexists(path):
        return f"{path}: no such file", False
    lines = [f"File:    {path}", f"Source:  {source.name} ({source.title})"]
    hit = source.match(path.name)
    if hit:
        lines.append(f"Period:  {hit[0]} (version {hit[1]})")
    else:
        lines.append(f"Name:    WARNING the name does not follow {source.name}_<period>[_v<N>].<"
                     f"{'|'.join(source.formats)}>; the pipeline would not pick it up from the landing folder")
    try:
        extract = read_extract(path, source)
    except ExtractError as exc:
        lines.append(f"Result:  {exc.status.upper()}: {exc.message}")
        return "\n".join(lines), False
    lines.append(f"Encoding: {extract.encoding}; rows read: {extract.rows_read}")
    lines += [f"Note:    {n}" for n in extract.notes]
    if extract.pii:
        lines.append("Result:  REFUSED: the file carries personal identifiers and would not be loaded at all:")
        lines += [f"  - {f}" for f in extract.pii]
        return "\n".join(lines), False
    if extract.renamed_columns:
        lines.append("Renamed: " + ", ".join(f"{a} -> {b}" for a, b in extract.renamed_columns.items()))
    if extract.dropped_columns:
        lines.append("Ignored columns (not in the catalogue): " + ", ".join(extract.dropped_columns))
    result = check(extract, source)
    q = result.quarantine
    lines.append(f"Result:  {result.rows_loaded} rows would load, {result.rows_quarantined} would be quarantined "
                 f"({result.rows_read} read)")
    if len(q):
        by_check = (q.fillna({"column_name": "(record)"}).groupby(["column_name", "check_name"], dropna=False)
                    .size().sort_values(ascending=False))
        lines.append("Failures by column and check:")
        lines += [f"  {col:<28} {chk:<32} {n:>6}" for (col, chk), n in by_check.items()]
        lines.append(f"First {min(limit, len(q))} failures (row as a spreadsheet shows it):")
        shown = q.sort_values(ROW).head(limit).astype(object).where(q.notna(), None)
        for _, f in shown.iterrows():
            value = "" if f["failure_value"] is None else f" value '{f['failure_value']}'"
            lines.append(f"  row {f[ROW]}: {f['column_name'] or '(record)'}{value}: {f['reason']}")
    return "\n".join(lines), result.rows_quarantined == 0
