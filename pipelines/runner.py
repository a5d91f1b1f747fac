"""Running the pipeline headlessly (``oba run``, ``oba demo``) on a persistent Dagster instance."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.settings import Paths

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"


def dagster_home(paths: Paths) -> Path:
    """``$DAGSTER_HOME`` if set, else ``<data dir>/dagster_home``, seeded with the project's dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or paths.dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() and REPO_DAGSTER_YAML.exists():
        shutil.copyfile(REPO_DAGSTER_YAML, target)
    return home


def instance(paths: Paths) -> dg.DagsterInstance:
    home = dagster_home(paths)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


@dataclass
class RunSummary:
    run_id: str
    success: bool
    seconds: float
    materialized: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (step, error)
    skipped: list[str] = field(default_factory=list)
    check_failures: list[tuple[str, str]] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"run {self.run_id[:8]}: {'succeeded' if self.success else 'FAILED'} in {self.seconds:.1f} s; "
                 f"{len(self.materialized)} assets materialised"]
        for step, error in self.failed:
            lines.append(f"  FAILED  {step}: {error}")
        for check, text in self.check_failures:
            lines.append(f"  CHECK   {check}: {text}")
        if self.skipped:
            lines.append(f"  skipped (upstream failed or blocked): {', '.join(sorted(self.skipped))}")
        return "\n".join(lines)


def run(paths: Paths, asset_keys: list[str] | None = None) -> RunSummary:
    """Materialise everything (or ``asset_keys``) in-process; never raises for a failed step."""
    from pipelines.definitions import defs

    os.environ["OBA_DATA_DIR"] = str(paths.data_dir)
    paths.ensure()
    job = defs.resolve_job_def("everything")
    selection = [dg.AssetKey(k) for k in asset_keys] if asset_keys else None
    started = time.perf_counter()
    result = job.execute_in_process(instance=instance(paths), raise_on_error=False, asset_selection=selection)
    summary = RunSummary(result.run_id, result.success, time.perf_counter() - started)
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            summary.materialized.append(event.asset_key.to_user_string())
        elif event.event_type_value == "STEP_FAILURE":
            err = event.step_failure_data.error
            summary.failed.append((event.step_key, err.message.strip().splitlines()[-1] if err else "failed"))
        elif event.event_type_value == "STEP_SKIPPED":
            summary.skipped.append(event.step_key)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                desc = data.metadata.get("reason") or data.description or "failed"
                summary.check_failures.append((f"{data.asset_key.to_user_string()}:{data.check_name}",
                                               str(getattr(desc, "value", desc))))
    return summary
