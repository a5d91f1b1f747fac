"""Running the pipeline headlessly (``oba run``, ``oba demo``) on a persistent Dagster instance.

The run is a real Dagster run of the ``everything`` job, executed in this process and
recorded in $DAGSTER_HOME like runs the schedule, the sensor or the UI start, so the UI
and ``oba status`` show it too. It never raises for a failed step: it returns a summary
that says what failed, what was held back, and whether the published warehouse changed.
"""

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.settings import Paths

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"
HEADER = "# Dagster instance settings"
PUBLISH_KEY = "published_warehouse"


def dagster_home(paths: Paths) -> Path:
    """``$DAGSTER_HOME`` if set, else ``<data dir>/dagster_home``, seeded with the project's dagster.yaml.

    A dagster.yaml that is an older copy of the project's (same header) is refreshed; one
    written by hand is left alone.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or paths.dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if REPO_DAGSTER_YAML.exists():
        wanted = REPO_DAGSTER_YAML.read_text()
        current = target.read_text() if target.exists() else None
        if current is None or (current != wanted and current.startswith(HEADER)):
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
    failed: list[tuple[str, str]] = field(default_factory=list)           # (step, error)
    check_failures: list[tuple[str, str]] = field(default_factory=list)   # blocking/ERROR checks
    warnings: list[tuple[str, str]] = field(default_factory=list)         # WARN checks
    not_run: list[str] = field(default_factory=list)
    published: bool | None = None        # None: the publish step did not run
    warehouse: str = ""
    skipped_because: str = ""            # set when no run was needed

    @property
    def ok(self) -> bool:
        return self.success and not self.failed and not self.check_failures

    def report(self) -> str:
        if self.skipped_because:
            return (f"Nothing to do: {self.skipped_because}.\nPublished warehouse left as it is: {self.warehouse}"
                    f"\n(`oba run --force` runs every asset and check anyway.)")
        head = "succeeded" if self.ok else "FAILED"
        lines = [f"run {self.run_id[:8]}: {head} in {self.seconds:.1f} s; {len(self.materialized)} assets materialised"]
        for step, error in self.failed:
            lines.append(f"  FAILED   {step}: {error}")
        for check, text in self.check_failures:
            lines.append(f"  BLOCKED  {check}: {text}")
        for check, text in self.warnings:
            lines.append(f"  warning  {check}: {text}")
        if self.not_run:
            lines.append(f"  not run (upstream failed or blocked): {len(self.not_run)} assets: "
                         + ", ".join(sorted(self.not_run)[:12]) + (" ..." if len(self.not_run) > 12 else ""))
        if self.published is True:
            lines.append(f"Published warehouse updated: {self.warehouse}")
        elif self.published is False:
            lines.append(f"Nothing changed since the last publication; published warehouse left as it is: "
                         f"{self.warehouse}")
        else:
            lines.append(f"Published warehouse NOT updated (it still holds the last good run): {self.warehouse}")
        return "\n".join(lines)


def root_cause(err) -> str:
    """The innermost error's first line: the user's exception, not Dagster's wrapper around it."""
    while err is not None and err.cause is not None:
        err = err.cause
    lines = [ln.strip() for ln in (err.message if err else "").strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else "failed"


def summarise(result, selected: list[str], paths: Paths, seconds: float) -> RunSummary:
    summary = RunSummary(result.run_id, result.success, seconds, warehouse=str(paths.warehouse))
    for event in result.all_events:
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            key = event.asset_key.to_user_string()
            summary.materialized.append(key)
            if key == PUBLISH_KEY:
                value = event.event_specific_data.materialization.metadata.get("published")
                summary.published = bool(getattr(value, "value", value))
        elif kind == "STEP_FAILURE":
            err = event.step_failure_data.error
            if err and "blocking asset check" in err.message:     # reported check by check below
                continue
            summary.failed.append((event.step_key, root_cause(err)))
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed:
                name = f"{data.asset_key.to_user_string()}:{data.check_name}"
                text = data.description or "failed"
                if data.severity == dg.AssetCheckSeverity.ERROR:
                    summary.check_failures.append((name, text))
                else:
                    summary.warnings.append((name, text))
    if not summary.ok:
        summary.not_run = sorted(set(selected) - set(summary.materialized))
    return summary


def unchanged_since_publication(paths: Paths) -> tuple[str, dict | None]:
    """(inputs digest now, the last publication if it was built from exactly these inputs)."""
    from pipelines.publish import inputs_digest, last_publication

    digest = inputs_digest(paths.landing)
    last = last_publication(paths.warehouse)
    return digest, (last if last and last.get("inputs") == digest else None)


def build_in_use(paths: Paths) -> str:
    """Why the build file cannot be written now (another process holds DuckDB's write lock), or ''."""
    import duckdb

    if not paths.build.exists():
        return ""
    try:
        duckdb.connect(str(paths.build)).close()
    except duckdb.IOException as exc:
        return str(exc).splitlines()[0][:200]
    return ""


def run(paths: Paths, asset_keys: list[str] | None = None, trigger: str = "oba run",
        force: bool = False) -> RunSummary:
    """Materialise everything (or ``asset_keys``) in-process; never raises for a failed step.

    A full run whose landing files, definitions and code are exactly those the published
    warehouse was built from would reproduce it: it is skipped (``force`` runs anyway).
    """
    os.environ["OBA_DATA_DIR"] = str(paths.data_dir)
    paths.ensure()
    started = time.perf_counter()
    inputs, same = unchanged_since_publication(paths)
    if same and not asset_keys and not force:
        return RunSummary("-" * 8, True, time.perf_counter() - started, published=False,
                          warehouse=str(paths.warehouse), skipped_because=(
                              f"same landing files, definitions and code as run {str(same['run_id'])[:8]}, "
                              f"published {same['published_at']}"))

    busy = build_in_use(paths)
    if busy:
        return RunSummary("-" * 8, False, time.perf_counter() - started, warehouse=str(paths.warehouse),
                          failed=[("build file", f"{busy}; another run is writing it. Nothing was changed: "
                                                 f"run again when it has finished (oba status).")])

    from pipelines.definitions import defs
    job = defs.resolve_job_def("everything")
    selection = [dg.AssetKey(k) for k in asset_keys] if asset_keys else None
    selected = list(asset_keys) if asset_keys else [k.to_user_string() for k in defs.resolve_asset_graph()
                                                    .materializable_asset_keys]
    # Step-by-step DEBUG events are for the UI; on a terminal or in cron mail the summary is
    # what matters, plus anything the assets themselves log (OBA_LOG_LEVEL=DEBUG for all).
    level = os.environ.get("OBA_LOG_LEVEL", "INFO").upper()
    result = job.execute_in_process(instance=instance(paths), raise_on_error=False, asset_selection=selection,
                                    tags={"oba/trigger": trigger, "oba/inputs": inputs},
                                    run_config={"loggers": {"console": {"config": {"log_level": level}}}})
    return summarise(result, selected, paths, time.perf_counter() - started)
