"""The pipeline's own stages, run inside a benchmark child process.

``pipeline_run`` is the full nightly run (``pipelines.operations.runner.run``: the ``everything`` job
in-process); its per-stage wall time comes from the run's step events and its per-stage
peak memory from RSS sampled in a thread during those steps. ``engine_ingest`` runs the
ingestion engine (``pipelines.ingest.loading.ingest`` for every source) without Dagster, to show what
Dagster itself costs.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import psutil

# Stage of an asset, by the naming grammar (file = table = asset key) and then by group.
INGEST_PREFIXES = ("raw_", "stg_")
INGEST_STEP = "ingest_"  # ingest_<source>: the one step that makes raw_<source> and stg_<source>
INDICATOR_PREFIXES = ("ind_", "indicator_", "scorecard")
REPORT_WORDS = ("report", "paper", "board")
STAGE_ORDER = ["ingest", "indicators", "board_paper"]


def stage_of(key: str, group: str | None) -> str:
    if key.startswith(INGEST_STEP):
        return "ingest"
    if group is None:  # not an asset: an asset-check step
        return "other:asset checks"
    if "workbook" in key:
        return "board_paper"
    if key.startswith(INGEST_PREFIXES):
        return "ingest"
    if key.startswith(INDICATOR_PREFIXES):
        return "indicators"
    if any(w in key for w in REPORT_WORDS) and key != "reconciliation" or (group or "") in ("reports", "board_paper",
                                                                                          "outputs"):
        return "board_paper"
    return f"other:{group or 'default'}"


def generate_data(landing: str, scale: float, seed: int) -> dict:
    from sources.generate import generate

    manifest = generate(Path(landing), scale=scale, seed=seed)
    return {"rows": manifest["total_rows"], "files": len(manifest["files"])}


def replicate_data(src: str, dst: str, copies: int) -> dict:
    from bench.replicate import replicate

    return replicate(Path(src), Path(dst), copies)


class RssSampler:
    """RSS of this process every ``interval`` seconds, with wall-clock timestamps."""

    def __init__(self, interval: float = 0.02):
        self.samples: list[tuple[float, int]] = []
        self._proc = psutil.Process(os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.interval = interval

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.time(), self._proc.memory_info().rss))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append((time.time(), self._proc.memory_info().rss))

    def peak(self, windows: list[tuple[float, float]]) -> int:
        inside = [rss for t, rss in self.samples if any(a <= t <= b for a, b in windows)]
        return max(inside) if inside else 0


def engine_ingest(data_dir: str) -> dict:
    """``ingest`` (load and stage) for every source into a fresh DuckDB file, no Dagster."""
    import duckdb

    from pipelines.ingest.loading import ingest
    from pipelines.warehouse import engine_config
    from sources.catalogue import SOURCES

    data = Path(data_dir)
    db = data / "warehouse" / "engine.duckdb"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    per_source = {}
    started = time.perf_counter()
    with RssSampler() as rss, duckdb.connect(str(db), config=engine_config()) as con:
        for source in SOURCES:
            t0 = time.perf_counter()
            ingest(con, source, data / "landing")
            per_source[source.name] = {"seconds": round(time.perf_counter() - t0, 3)}
        seconds = time.perf_counter() - started
        counts = con.execute("select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
                             "coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_refused), 0) "
                             "from load_log where status in ('loaded', 'refused', 'rejected')").fetchone()
    return {"seconds": round(seconds, 3), "peak_rss_mb": round(max(r for _, r in rss.samples) / 2**20, 1),
            "rows_read": counts[0], "rows_loaded": counts[1], "rows_quarantined": counts[2],
            "rows_refused": counts[3], "per_source": per_source}


def _groups() -> dict[str, str]:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    return {key.to_python_identifier(): graph.get(key).group_name for key in graph.get_all_asset_keys()}


def _timed_run(p, asset_keys: list[str] | None, groups: dict[str, str]) -> dict:
    """One ``runner.run``: wall time, per-stage time and peak memory from its step events."""
    import dagster as dg

    from pipelines.operations.runner import run

    with RssSampler() as rss:
        summary = run(p, asset_keys)
    logs = dg.DagsterInstance.get().all_logs(summary.run_id) if not summary.skipped_because else []
    starts, ends = {}, {}
    for entry in logs:
        ev = entry.dagster_event
        if ev is None or not entry.step_key:
            continue
        if ev.event_type_value == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif ev.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            ends[entry.step_key] = entry.timestamp
    by_stage: dict[str, dict] = {}
    for step, t0 in starts.items():
        t1 = ends.get(step, t0)
        name = stage_of(step, groups.get(step, None if step not in groups else "default"))
        s = by_stage.setdefault(name, {"seconds": 0.0, "steps": 0, "windows": []})
        s["seconds"] += t1 - t0
        s["steps"] += 1
        s["windows"].append((t0, t1))
    for s in by_stage.values():
        s["peak_rss_mb"] = round(rss.peak(s.pop("windows")) / 2**20, 1)
        s["seconds"] = round(s["seconds"], 3)
    stepped = sum(s["seconds"] for s in by_stage.values())
    return {
        "seconds": round(summary.seconds, 3), "success": summary.success,
        "materialized": len(summary.materialized), "failed": summary.failed[:10],
        "check_failures": summary.check_failures[:10],
        "dagster_overhead_s": round(summary.seconds - stepped, 3),
        "peak_rss_mb": round(max(r for _, r in rss.samples) / 2**20, 1),
        "stages": by_stage, "report": summary.report()[:3000],
    }


def _code_location() -> tuple[dict[str, str], float]:
    t0 = time.perf_counter()
    groups = _groups()  # imports the code location
    return groups, time.perf_counter() - t0


def use_event_log(p, event_log: str) -> None:
    """``stock``: the run's instance records events with Dagster's own SQLite event log storage
    instead of the project's (``pipelines.operations.event_log``), to measure what that costs.
    A dagster.yaml without the project's header is left alone by ``runner.dagster_home``."""
    from pipelines.operations.runner import HEADER, REPO_DAGSTER_YAML

    if event_log == "project":
        return
    text = REPO_DAGSTER_YAML.read_text()
    start = text.index("event_log_storage:")
    end = text.index("\n\n", start)
    p.dagster_home.mkdir(parents=True, exist_ok=True)
    (p.dagster_home / "dagster.yaml").write_text(
        text[:start].replace(HEADER, "# bench: Dagster's stock event log storage") + text[end + 2:])


def pipeline_run(data_dir: str, asset_keys: list[str] | None = None, runs: int = 1,
                 event_log: str = "project") -> dict:
    """``pipelines.operations.runner.run`` ``runs`` times on the same data directory (run 2 = unchanged input)."""
    from pipelines.settings import paths

    p = paths(data_dir)
    use_event_log(p, event_log)
    groups, import_s = _code_location()
    if asset_keys:
        asset_keys = [k for k in asset_keys if k in groups]  # absent assets are reported, not requested
    out = {"import_s": round(import_s, 3), "runs": [_timed_run(p, asset_keys, groups) for _ in range(runs)],
           "assets": sorted(groups)}
    if out["runs"] and not out["runs"][0]["success"]:
        out["error"] = "; ".join(f"{s}: {e}" for s, e in out["runs"][0]["failed"][:3]) or "run failed"
    return out


def _place(f: Path, folder: Path) -> None:
    """Put a delivery into a landing folder as a regular file (the pipeline never follows a
    symbolic link there): a hard link, or a copy across file systems; the mtime is kept."""
    try:
        os.link(f, folder / f.name)
    except OSError:
        shutil.copy2(f, folder / f.name)


def nightly_run(data_dir: str, landing: str, event_log: str = "project") -> dict:
    """A night's run: the warehouse already holds every delivery but the newest month of the
    monthly source with most files (NEET); that file arrives, and the whole job runs."""
    from pipelines.settings import paths

    source_files = sorted(Path(landing).iterdir())
    newest = max((f for f in source_files if f.name.startswith("neet_")), key=lambda f: f.name)
    own = Path(data_dir) / "landing"
    own.mkdir(parents=True, exist_ok=True)
    for f in source_files:
        if f != newest:
            _place(f, own)
    p = paths(data_dir)
    use_event_log(p, event_log)
    groups, import_s = _code_location()
    before = _timed_run(p, None, groups)       # the warehouse as it stood last night
    _place(newest, own)
    night = _timed_run(p, None, groups)
    out = {"import_s": round(import_s, 3), "new_file": newest.name, "setup_s": before["seconds"], "runs": [night]}
    if not night["success"]:
        out["error"] = "; ".join(f"{s}: {e}" for s, e in night["failed"][:3]) or "run failed"
    return out
