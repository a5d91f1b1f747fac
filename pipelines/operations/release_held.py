"""``oba release FILE``: an officer accepts a held delivery they have checked.

The release is recorded in the settings folder (``settings/released_deliveries.csv``: file,
hash, when, who; ``pipelines.ingest.holding``), never by moving files. It takes effect on the
next run: the loader validates the delivery again and applies it whatever the hold rules say.
Being in the settings folder, the register is part of what a publication is built from, so the
next ``oba run`` (or the nightly schedule) runs rather than reporting "nothing to do".
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest.holding import HELD, released, record_release
from pipelines.settings import Paths


def _held_rows(path: Path, name: str) -> tuple[list[tuple], list[str]]:
    """(the load_log rows held under ``name``, every held file) in the warehouse at ``path``."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select source, source_file, file_hash, message from load_log "
                           "where status = ? and source_file = ?", [HELD, name]).fetchall()
        every = [r[0] for r in con.execute("select source_file from load_log where status = ? order by 1",
                                           [HELD]).fetchall()]
    return rows, every


def release(paths: Paths, file: str) -> tuple[str, int]:
    """(what happened, exit code). ``file``: the held file's name (a path: its name)."""
    name = Path(file).name
    rows, every, errors = [], [], []
    # The build file knows the latest run's holds; the published warehouse is read when a run
    # is writing the build (DuckDB lets no one else open it then).
    for path in (paths.build, paths.warehouse):
        if not path.exists():
            continue
        try:
            rows, every = _held_rows(path, name)
            break
        except duckdb.Error as exc:
            errors.append(f"{path}: {str(exc).splitlines()[0][:160]}")
    if not rows:
        known = ("held now: " + ", ".join(every)) if every else "no delivery is held"
        extra = f" ({'; '.join(errors)})" if errors and not every else ""
        return f"{name} is not a held delivery; {known}{extra}. Nothing recorded.", 1
    done = released(paths.settings)
    lines = []
    for source, source_file, digest, message in rows:
        if digest in done:
            lines.append(f"{source_file} was already released on {done[digest].get('released_at')}; "
                         f"it takes effect on the next run.")
            continue
        r = record_release(paths.settings, source, source_file, digest)
        lines.append(f"Released {source_file} ({source}; it was {message[:200]}).\n"
                     f"Recorded in {paths.settings / 'released_deliveries.csv'} by {r['released_by']} at "
                     f"{r['released_at']}; it takes effect on the next run (`oba run`, or the nightly schedule).")
    return "\n".join(lines), 0
