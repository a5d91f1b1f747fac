"""Landing data bigger than the demo generator can make on one machine: each CSV delivery of
a generated landing folder repeated ``copies`` times, every copy with its own record and
person ids.

The generator holds a whole population in memory (2.9 GiB at 34x), so all of England
(340x, ~220M rows) cannot be generated here; 34x generated and replicated ten times can.
Copy ``k`` (0 = the records as generated) changes, in each record, the source's key
columns and the columns with a declared id format, keeping each id's form:

* a 16-character hex pseudonym: its first character moved on ``k`` places (mod 16), so
  the same child is the same child across a copy's files;
* letters then digits (``EH0492543``, ``REF0384780``): the digit ``k`` appended;
* anything else (a month, a year, a code): left as it is.

A record whose key id has no such form (blank, a 'Total' row) is written once. A source
whose key has no id column (population tables: ward, age, sex) is not repeated:
its copies would be duplicate keys. Workbooks, and records that are not well formed (the
generator's deliberate faults), are kept once, as generated. Encodings and byte-order
marks are kept. ``python -m bench --scale 34 --copies 10`` measures the result as 340x.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

from sources.catalogue import SOURCES, identify

HEX_ID = re.compile(r"[0-9a-f]{16}")
CODED_ID = re.compile(r"[A-Za-z]*\d+")
HEX = "0123456789abcdef"


def _moved(value: str, k: int) -> str:
    if k == 0:
        return value
    if HEX_ID.fullmatch(value):
        return HEX[(HEX.index(value[0]) + k) % 16] + value[1:]
    if CODED_ID.fullmatch(value):
        return value + str(k)
    return value


def id_columns(source) -> set[str]:
    """The columns a copy changes; empty when the key has none (the source is not repeated)."""
    ids = {c.name for c in source.columns if c.id_format} | {k for k in source.key if k.endswith("_id")}
    return ids if ids & set(source.key) else set()


def _decode(raw: bytes) -> tuple[str, str]:
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="surrogateescape"), "cp1252"


def replicate_file(src: Path, dst: Path, source, copies: int) -> int:
    """Write ``src`` repeated ``copies`` times to ``dst``; returns the records written."""
    ids = id_columns(source)
    text, encoding = _decode(src.read_bytes())
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:   # a record cut off inside a quote (a deliberate fault): kept as generated
        rows = []
    if not rows or not ids or copies == 1:
        shutil.copy2(src, dst)
        return max(len(rows) - 1, 0)
    header, records = rows[0], rows[1:]
    names = [h.strip().lower() for h in header]
    at = [i for i, n in enumerate(names) if n in ids]
    good = [r for r in records if len(r) == len(header)]
    odd = [r for r in records if len(r) != len(header)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n" if "\r\n" in text[:2000] else "\n")
    writer.writerow(header)
    keyed = [i for i, n in enumerate(names) if n in ids and n in source.key]
    written = len(odd)
    for k in range(copies):
        for record in good:
            if k:
                if any(_moved(record[i], k) == record[i] for i in keyed):
                    continue   # no id of its own to take (a blank key, a 'Total' row): once, as generated
                record = list(record)
                for i in at:
                    record[i] = _moved(record[i], k)
            writer.writerow(record)
            written += 1
    writer.writerows(odd)
    data = out.getvalue()
    raw = data.encode("cp1252", errors="surrogateescape") if encoding == "cp1252" else data.encode("utf-8")
    dst.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + raw)
    return written


def replicate(src_landing: Path, dst_landing: Path, copies: int) -> dict:
    """Every delivery of ``src_landing`` into ``dst_landing``, CSVs repeated; writes a
    ``demo_manifest.json`` beside it (rows per file) like the generator's."""
    dst_landing.mkdir(parents=True, exist_ok=True)
    by_name = {s.name: s for s in SOURCES}
    files, total = [], 0
    generated = json.loads((src_landing.parent / "demo_manifest.json").read_text())
    rows_of = {f["file"]: f for f in generated.get("files", [])}
    for path in sorted(src_landing.iterdir()):
        hit = identify(path.name)
        if hit is None or path.suffix.lower() != ".csv":
            shutil.copy2(path, dst_landing / path.name)
            rows = rows_of.get(path.name, {}).get("rows", 0)
        else:
            rows = replicate_file(path, dst_landing / path.name, by_name[hit[0].name], copies)
        total += rows
        files.append({**rows_of.get(path.name, {"file": path.name}), "rows": rows})
    manifest = {**generated, "files": files, "total_rows": total, "replicated": copies}
    (dst_landing.parent / "demo_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return {"rows": total, "files": len(files)}
