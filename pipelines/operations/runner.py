"""Running the pipeline headlessly (``oba run``, ``oba demo``) on a persistent Dagster instance.

The run is a real Dagster run of the ``everything`` job, executed in this process and
recorded in $DAGSTER_HOME like runs the schedule, the sensor or the UI start, so the UI
and ``oba status`` show it too. It never raises for a failed step: it returns a summary
that says what failed, what was held back, and whether the published warehouse changed.

Before Dagster starts anything, ``run`` takes the single-writer lock (``writer_lock``: an
``flock`` on ``<build dir>/oba.lock``, atomic, released by the kernel when the process
dies), so a second run started at the same moment says "another run is writing" and leaves
no run record. Holding the lock, it marks failed the runs an ``oba run`` killed earlier left
``STARTED``, and starts a reaper (``reaper``) that kills the run's child processes (Chromium) when the
run ends, however it ends. A run is skipped as unchanged only while the board paper and the
workbook of the last publication are still on disk.
"""

import gc
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.operations.reaper import alive, children_die_with_run
from pipelines.outputs.atomic import OUTPUT_NOT_WRITTEN
from pipelines.release.run_log import JOB, outcome
from pipelines.settings import PROJECT_ROOT, Paths, free_space
from pipelines.warehouse import engine_config, holds_lock, lock_holder, release_lock, writer_lock

REPO_DAGSTER_YAML = PROJECT_ROOT / "dagster.yaml"
# Exit codes of ``oba run`` / ``oba demo`` (docs/operations.md): a scheduler can tell them apart.
EXIT_PUBLISHED, EXIT_FAILED, EXIT_HELD = 0, 1, 3
HEADER = "# Dagster instance settings"


HOME_FROM_ENV = "home:\n      env: DAGSTER_HOME"   # the event log's folder in the project's dagster.yaml


def dagster_home(paths: Paths, template: Path = REPO_DAGSTER_YAML) -> Path:
    """``$DAGSTER_HOME`` if set, else ``<data dir>/dagster_home``, seeded with the project's dagster.yaml
    (``template``: a region's instance is seeded with ``dagster.region.yaml``).

    The copy names its own folder where the project's file reads ``$DAGSTER_HOME`` (the event
    log's ``home``), so the instance opens the same with or without that variable set. A
    dagster.yaml that is an older copy of the project's (same header) is refreshed; one
    written by hand is left alone.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or paths.dagster_home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if template.exists():
        wanted = template.read_text().replace(HOME_FROM_ENV, f"home: {json.dumps(str(home))}")
        current = target.read_text() if target.exists() else None
        if current is None or (current != wanted and current.startswith(HEADER)):
            target.write_text(wanted)
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
    notes: list[str] = field(default_factory=list)   # what the run did besides the job (stale runs, outputs)
    held: list = field(default_factory=list)          # deliveries not applied (pipelines.ingest.holding.Held)

    @property
    def ok(self) -> bool:
        return self.success and not self.failed and not self.check_failures

    @property
    def exit_code(self) -> int:
        """0: published (or nothing to publish), nothing held; 3: published, with deliveries held;
        1: a step or a blocking check failed (see the summary; the published warehouse is the last good one)."""
        if not self.ok:
            return EXIT_FAILED
        return EXIT_HELD if self.held else EXIT_PUBLISHED

    def report(self) -> str:
        if self.skipped_because:
            return "\n".join([f"Nothing to do: {self.skipped_because}.",
                              *(f"  HELD     {h.line()}" for h in self.held),
                              f"Published warehouse left as it is: {self.warehouse}",
                              "(`oba run --force` runs every asset and check anyway.)"])
        head = "succeeded" if self.ok else "FAILED"
        lines = [f"run {self.run_id[:8]}: {head} in {self.seconds:.1f} s; {len(self.materialized)} assets materialised"]
        lines += [f"  note     {n}" for n in self.notes]
        for step, error in self.failed:
            lines.append(f"  FAILED   {step}: {error}")
        for check, text in self.check_failures:
            lines.append(f"  BLOCKED  {check}: {text}")
        for h in self.held:
            lines.append(f"  HELD     {h.line()}")
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
        if self.held and self.ok:
            lines.append(f"{len(self.held)} deliver{'y' if len(self.held) == 1 else 'ies'} held (not applied; each "
                         f"period stays at its last good delivery): exit code {EXIT_HELD}")
        return "\n".join(lines)


_IO_WORDS = ("no space left", "disk full", "database or disk is full", "disk i/o error", "read-only file system",
             "input/output error", "file too large", "quota exceeded")


def io_problem(text: str, paths: Paths) -> str | None:
    """One line for an I/O failure (disk full, read-only, I/O error) with the free space; None otherwise."""
    lower = text.lower()
    word = next((w for w in _IO_WORDS if w in lower), None)
    if word is None:
        return None
    if OUTPUT_NOT_WRITTEN in text:   # an output's own folder, already named with its free space
        return next(ln.strip() for ln in text.splitlines() if OUTPUT_NOT_WRITTEN in ln)[:600]
    what = "disk full" if word in ("no space left", "disk full", "database or disk is full", "quota exceeded") \
        else word
    return (f"{what} ({free_space(paths.data_dir)}); the published warehouse was left as it was: free some space "
            f"and run again. {text.strip().splitlines()[0][:400]}")


def summarise(result, selected: list[str], paths: Paths, seconds: float) -> RunSummary:
    done = outcome(result.all_events)
    summary = RunSummary(result.run_id, result.success, seconds, warehouse=str(paths.warehouse),
                         materialized=done.materialized, published=done.published,
                         failed=[(step, io_problem(cause, paths) or cause) for step, cause in done.failed],
                         check_failures=[(f"{a}:{c}", why) for a, c, why in done.check_failures],
                         warnings=[(f"{a}:{c}", why) for a, c, why in done.warnings])
    if not summary.ok:
        summary.not_run = sorted(set(selected) - set(summary.materialized))
    summary.notes += left_as_they_were(result.all_events)
    try:
        summary.held = held_deliveries(paths.build)
    except RuntimeError as exc:
        summary.failed.append(("held deliveries", str(exc)))
    return summary


def published_state(paths: Paths) -> str:
    """Which state a reader of the published warehouse sees now: the last publication, and
    whether a run is writing (its publish, if it comes, replaces the file atomically later)."""
    import duckdb

    try:
        with duckdb.connect(str(paths.warehouse), read_only=True) as con:
            last = con.execute("select published_at, run_id from meta_publish order by published_at desc "
                               "limit 1").fetchone()
    except duckdb.Error:
        last = None
    when = f"published {last[0]} by run {str(last[1])[:8]}" if last else "publication time not recorded"
    running = False
    if not holds_lock(paths):
        running = not writer_lock(paths)     # taken and given back at once when no run holds it
        if not running:
            release_lock(paths)
    if running:
        holder = lock_holder(paths) or "another process"
        return (f"A run is in progress ({holder}): reading the last published state ({when}); run `oba paper` "
                f"again after it publishes for its figures.")
    return f"Reading the published warehouse ({when})."


def held_deliveries(build: Path) -> list:
    """The deliveries the build holds back (``pipelines.ingest.holding.held``), read after the run."""
    import duckdb

    from pipelines.ingest.holding import held

    if not build.exists():
        return []
    # Read-only; as the run connected if this process still has the file open (DuckDB refuses a
    # second connection to one file with other settings). The caller holds the writer lock.
    error = None
    for kwargs in ({"read_only": True}, {"config": engine_config()}):
        try:
            with duckdb.connect(str(build), **kwargs) as con:
                return held(con)
        except duckdb.Error as exc:
            error = exc
    # Never a silent "nothing held": the run says it could not tell (and exits as failed).
    raise RuntimeError(f"held deliveries could not be read from {build}: {str(error).splitlines()[0][:200]}")


def left_as_they_were(events) -> list[str]:
    """A note for each output (board paper, workbook) not made again because what it shows is unchanged."""
    from pipelines.outputs.assets import UNCHANGED

    notes = []
    for event in events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            since = event.event_specific_data.materialization.metadata.get(UNCHANGED)
            if since is not None:
                notes.append(f"{event.asset_key.to_user_string()} not made again: what it shows is unchanged "
                             f"since {getattr(since, 'value', since)}")
    return notes


def unchanged_since_publication(paths: Paths) -> tuple[str, dict | None]:
    """(inputs digest now, the last publication if it was built from exactly these inputs)."""
    from pipelines.release.publish import inputs_digest, last_publication

    digest = inputs_digest(paths.landing)
    last = last_publication(paths.warehouse)
    return digest, (last if last and last.get("inputs") == digest else None)


def busy_summary(paths: Paths, why: str, started: float) -> RunSummary:
    return RunSummary("-" * 8, False, time.perf_counter() - started, warehouse=str(paths.warehouse),
                      failed=[("build file", f"{why}; another run is writing it. Nothing was changed and no run "
                                             f"was recorded: run again when it has finished (oba status).")])


def fail_abandoned_runs(inst: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs an ``oba run`` left STARTED when it was killed (its process is gone);
    called while holding the writer lock. Runs of the daemon are its run monitoring's to judge."""
    gone = []
    records = inst.get_run_records(filters=dg.RunsFilter(job_name=JOB, statuses=[
        dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED]))
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if run.tags.get(HOST_TAG) == os.uname().nodename and pid.isdigit() and not alive(int(pid)):
            inst.report_run_failed(run, message=f"the process running it ({pid}) ended without finishing it "
                                                f"(killed?); marked failed by the next oba run")
            gone.append(run.run_id)
    return gone


PID_TAG, HOST_TAG = "oba/pid", "oba/host"


@contextmanager
def long_lived_objects_frozen():
    """While the run executes, the objects already alive (the code location's definitions,
    Dagster's and the libraries' own: ~200,000) are set aside from the garbage collector, so
    the collections the run's data frames trigger do not walk them again and again. They
    outlive the run anyway; unfrozen after it, so a process that runs many times (the tests,
    the UI) collects them as before."""
    if gc.get_freeze_count():   # frozen by someone else (a forking server): theirs to undo
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def build_in_use(paths: Paths) -> str:
    """Why the build file cannot be written now (another process holds DuckDB's write lock), or ''."""
    import duckdb

    if not paths.build.exists():
        return ""
    try:
        duckdb.connect(str(paths.build), config=engine_config()).close()
    except duckdb.IOException as exc:
        return str(exc).splitlines()[0][:200]
    return ""


def run(paths: Paths, asset_keys: list[str] | None = None, trigger: str = "oba run",
        force: bool = False) -> RunSummary:
    """Materialise everything (or ``asset_keys``) in-process; never raises for a failed step.

    A full run whose landing files, definitions and code are exactly those the published
    warehouse was built from, and whose outputs are all on disk, would reproduce it: it is
    skipped (``force`` runs anyway).
    """
    os.environ["OBA_DATA_DIR"] = str(paths.data_dir)
    paths.ensure()
    started = time.perf_counter()
    if not writer_lock(paths):
        holder = lock_holder(paths)
        return busy_summary(paths, f"the build file is locked{' by ' + holder if holder else ''}", started)
    try:
        return _run_locked(paths, asset_keys, trigger, force, started)
    except Exception as exc:  # noqa: BLE001 - Dagster's own storage failing (a full disk) is told in one line
        problem = io_problem(f"{type(exc).__name__}: {exc}", paths)
        if problem is None:
            raise
        return RunSummary("-" * 8, False, time.perf_counter() - started, warehouse=str(paths.warehouse),
                          failed=[("run", problem)])
    finally:
        release_lock(paths)


def _run_locked(paths: Paths, asset_keys, trigger: str, force: bool, started: float) -> RunSummary:
    inputs, same = unchanged_since_publication(paths)
    missing = []
    if same and not asset_keys and not force:
        from pipelines.outputs.assets import missing_outputs

        missing = missing_outputs(paths, inputs)
        if not missing:
            return RunSummary("-" * 8, True, time.perf_counter() - started, published=False,
                              held=held_deliveries(paths.build),   # still held: the exit code says so
                              warehouse=str(paths.warehouse), skipped_because=(
                                  f"same landing files, definitions and code as run {str(same['run_id'])[:8]}, "
                                  f"published {same['published_at']}"))

    busy = build_in_use(paths)
    if busy:
        return busy_summary(paths, busy, started)

    from pipelines.definitions import defs
    job = defs.resolve_job_def("everything")
    selection = [dg.AssetKey(k) for k in asset_keys] if asset_keys else None
    selected = list(asset_keys) if asset_keys else [k.to_user_string() for k in defs.resolve_asset_graph()
                                                    .materializable_asset_keys]
    # Step-by-step DEBUG events are for the UI; on a terminal or in cron mail the summary is
    # what matters, plus anything the assets themselves log (OBA_LOG_LEVEL=DEBUG for all).
    level = os.environ.get("OBA_LOG_LEVEL", "INFO").upper()
    inst = instance(paths)
    abandoned = fail_abandoned_runs(inst)
    with children_die_with_run(), long_lived_objects_frozen():
        result = job.execute_in_process(instance=inst, raise_on_error=False, asset_selection=selection,
                                        tags={"oba/trigger": trigger, "oba/inputs": inputs,
                                              PID_TAG: str(os.getpid()), HOST_TAG: os.uname().nodename},
                                        run_config={"loggers": {"console": {"config": {"log_level": level}}}})
    summary = summarise(result, selected, paths, time.perf_counter() - started)
    summary.notes += [f"run {r[:8]} was left STARTED by a process that ended; marked failed" for r in abandoned]
    summary.notes += [f"regenerated because missing: {m}" for m in missing]
    return summary
