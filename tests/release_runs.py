"""A demo data folder for a module that runs the pipeline several times (releases one after
another): its environment and the asset keys of a run that skips the slow outputs."""

import csv
import io
from pathlib import Path

import pytest

from pipelines.settings import paths as resolve_paths
from sources.generate import generate


def demo_folder(root, as_at="2026-10-31", scale=0.05, seed=11):
    """(paths, MonkeyPatch holding OBA_DATA_DIR / DAGSTER_HOME / OBA_AS_AT: undo it after the
    module) with the demo's extracts generated into the landing folder."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_DATA_DIR", str(root / "data"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv("OBA_AS_AT", as_at)
    (root / "dagster_home").mkdir(exist_ok=True)
    p = resolve_paths(root / "data").ensure()
    generate(p.landing, scale=scale, seed=seed)
    return p, mp


def keys_without(*skipped):
    """Every asset key of the code location but ``skipped``."""
    from pipelines.definitions import defs

    return [k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()
            if k.to_user_string() not in skipped]


def failing_reissue(original: Path, every: int = 3) -> tuple[Path, int, int]:
    """A ``_v2`` re-issue of an adult-referrals extract (cp1252, as the demo writes it) with every
    ``every``-th record's referring service not in the code list: (the re-issue, its records, the
    records that fail validation)."""
    rows = list(csv.reader(io.StringIO(original.read_text(encoding="cp1252"))))
    header, body = rows[0], [list(r) for r in rows[1:]]
    service = header.index("referring_service")
    for r in body[::every]:
        r[service] = "astrology"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    reissue = original.with_name(original.stem + "_v2.csv")
    reissue.write_text(out.getvalue(), encoding="cp1252")
    return reissue, len(body), len(body[::every])
