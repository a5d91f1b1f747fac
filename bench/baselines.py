"""The two side-by-side baselines, run on the same landing folder as the pipeline.

``duckdb_only``: the physical-limit proxy. DuckDB alone reads every CSV delivery of a
source with one ``read_csv(all_varchar=true, union_by_name=true, ignore_errors=true)``
(``store_rejects`` cannot be combined with ``union_by_name``, which renamed headers need)
into a table: no PII guard, no typing, no validation, no load log. Every file is read as
UTF-8 (DuckDB's ``latin-1`` refuses Windows-1252 bytes such as 0x96; invalid bytes are
tolerated by ``ignore_errors``, and every row still arrives). DuckDB cannot read .xlsx
without its ``excel`` extension (not installed offline), so those files are left out
and reported (``xlsx_rows_skipped``).

``plain_pandas``: what an analyst would write: per source ``pandas.read_csv`` (or
``read_excel``) of every file as text, headers tidied and aliases applied, typed
(with the project's own ``parse_frame``, so typing costs the same), the whole
concatenated frame validated by the source's pandera schema in one lazy call, failing
rows dropped, the rest written to DuckDB. No PII guard, no row origins, no quarantine
table, key uniqueness judged across all deliveries rather than per delivery.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pandas as pd


def _manifest(landing: Path) -> dict:
    path = landing.parent / "demo_manifest.json"
    return json.loads(path.read_text()) if path.exists() else {"files": []}


def _files_by_source(landing: Path) -> dict[str, list[tuple[Path, str]]]:
    """(path, encoding) per source: encoding from the demo manifest, else sniffed from the bytes."""
    from sources.catalogue import identify

    known = {f["file"]: f.get("encoding", "utf-8") for f in _manifest(landing).get("files", [])}
    out: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(landing.iterdir()):
        hit = identify(path.name)
        if hit:
            out.setdefault(hit[0].name, []).append((path, known.get(path.name) or _sniff(path)))
    return out


def _sniff(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def duckdb_only(landing: str, db: str) -> dict:
    landing_dir = Path(landing)
    Path(db).unlink(missing_ok=True)
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = xlsx_files = 0
    with duckdb.connect(db) as con:
        for name, files in _files_by_source(landing_dir).items():
            xlsx_files += sum(1 for p, _ in files if p.suffix.lower() == ".xlsx")
            csvs = [str(p) for p, _ in files if p.suffix.lower() == ".csv"]
            if csvs:
                con.execute(f'create table "{name}" as select * from read_csv(?, all_varchar = true, header = true, '
                            f"union_by_name = true, filename = true, ignore_errors = true)", [csvs])
            if csvs:
                rows += con.execute(f'select count(*) from "{name}"').fetchone()[0]
    seconds = time.perf_counter() - started
    xlsx_rows = sum(f["rows"] for f in _manifest(landing_dir).get("files", []) if f.get("format") == "xlsx")
    return {"seconds": round(seconds, 3), "rows_loaded": rows,
            "xlsx_files_skipped": xlsx_files, "xlsx_rows_skipped": xlsx_rows}


def _read(path: Path, encoding: str) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig" if encoding != "cp1252" else
                       "cp1252", on_bad_lines="skip")


def plain_pandas(landing: str, db: str) -> dict:
    import pandera.pandas as pa

    import schemas
    from pipelines.ingest.parsing import parse_frame
    from pipelines.ingest.pii import normalise_header
    from pipelines.warehouse import write_frame
    from sources.catalogue import get

    landing_dir = Path(landing)
    Path(db).unlink(missing_ok=True)
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    read = loaded = 0
    with duckdb.connect(db) as con:
        for name, files in _files_by_source(landing_dir).items():
            source = get(name)
            aliases = {a: c.name for c in source.columns for a in c.aliases}
            frames = []
            for path, enc in files:
                df = _read(path, enc)
                df.columns = [aliases.get(normalise_header(c), normalise_header(c)) for c in df.columns]
                df = df[[c for c in source.column_names if c in df.columns]]
                frames.append(df[df.apply(lambda col: col.str.strip() != "").any(axis=1)])
            text = pd.concat(frames, ignore_index=True).astype("string")
            text = text[~text.apply(lambda col: col.str.strip().str.lower().isin(["total"])).any(axis=1)]
            typed, errors = parse_frame(text, source.columns)
            typed = typed.drop(index=errors["index"].unique()) if len(errors) else typed
            read += len(text)
            try:
                valid = schemas.get(name).validate(typed, lazy=True)
            except pa.errors.SchemaErrors as err:
                bad = err.failure_cases["index"].dropna().unique()
                valid = typed.drop(index=bad)
            write_frame(con, name, valid)
            loaded += len(valid)
    return {"seconds": round(time.perf_counter() - started, 3), "rows_read": read, "rows_loaded": loaded}
