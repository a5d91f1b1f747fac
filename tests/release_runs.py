"""A demo data folder for a module that runs the pipeline several times (releases one after
another): its environment and the asset keys of a run that skips the slow outputs."""

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
