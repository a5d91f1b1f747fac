"""``oba validate FILE --source NAME``: the checks the pipeline would apply, without loading anything."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.ingest import loading, sql_validation
from pipelines.ingest.extracts import ROW, Extract, ExtractError, read_extract
from pipelines.ingest.landing import printable
from pipelines.ingest.validation import QUARANTINE_COLUMNS, Checked, check
from sources import catalogue
from sources.catalogue import Source


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
    result = judged(extract, source)
    q = result.quarantine
    lines.append(f"Result:  {result.rows_loaded} rows would load, {result.rows_quarantined} would be quarantined "
                 f"({result.rows_read} read)")
    if len(q):
        by_check = (q.fillna({"column_name": "(record)"}).groupby(["column_name", "check_name"], dropna=False)
                    .size().sort_values(ascending=False))
        lines.append("Failures by column and check:")
        lines += [f"  {col:<28} {chk:<32} {n:>6}" for (col, chk), n in by_check.items()]
        lines.append(f"First {min(limit, len(q))} failures (row as a spreadsheet shows it):")
        # In row order, then column and check: the same report whichever engine judged the file.
        ordered = q.sort_values([ROW, "column_name", "check_name"], na_position="first", kind="stable")
        shown = ordered.head(limit).astype(object).where(ordered.head(limit).notna(), None)
        for _, f in shown.iterrows():
            value = "" if f["failure_value"] is None else f" value '{f['failure_value']}'"
            lines.append(f"  row {f[ROW]}: {f['column_name'] or '(record)'}{value}: {f['reason']}")
    return "\n".join(lines), result.rows_quarantined == 0


def judged(extract: Extract, source: Source) -> Checked:
    """The extract judged as the pipeline judges it: in DuckDB (an in-memory database, so nothing
    is written anywhere), or by ``validation.check`` where that declines or ``OBA_VALIDATE_IN``
    says pandas. Its malformed records are quarantined as the loader quarantines them."""
    if sql_validation.engine() != "duckdb" or not len(extract.frame):
        return check(extract, source)
    origin = {"source_file": extract.path.name, "file_hash": extract.file_hash or "file", "delivery_period": None,
              "loaded_at": pd.Timestamp.now().floor("s")}
    with duckdb.connect() as con:
        loading.ensure_tables(con, source)
        rows = loading._insert(con, f"raw_{source.name}", [extract.frame], [origin])
        done = sql_validation.validate(con, source, [origin["file_hash"]], [origin], rows)
        if done is None:
            return check(extract, source)
        cols = ", ".join(f'"{c}"' for c in [ROW, *source.column_names])
        valid = con.execute(f'select {cols} from "stg_{source.name}"').df()
    malformed = pd.DataFrame({ROW: [m[0] for m in extract.malformed], "column_name": None,
                              "check_name": loading.MALFORMED_CHECK, "failure_value": None,
                              "reason": [m[1] for m in extract.malformed]})
    quarantine = pd.concat([malformed, done.quarantine.drop(columns="_delivery")], ignore_index=True) \
        if len(malformed) else done.quarantine.drop(columns="_delivery")
    return Checked(valid=valid, quarantine=quarantine[QUARANTINE_COLUMNS].reset_index(drop=True),
                   rows_read=extract.rows_read)
