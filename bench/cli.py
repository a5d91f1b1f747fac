"""``python -m bench --scale 1``: generate demo data, run baselines and the pipeline, report."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

from bench import report
from bench.measure import ROOT, run_stage

RESULTS = ROOT / "bench" / "results"


def _generator_hash() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "sources").rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    import pandas
    import pandera
    import psutil

    try:
        import dagster
        dagster_version = dagster.__version__
    except Exception:  # noqa: BLE001 - a broken install is reported, not fatal
        dagster_version = "unavailable"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"cpu": cpu, "logical_cpus": psutil.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)),
            "ram_gib": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version(),
            "os": platform.platform(), "duckdb": duckdb.__version__, "pandas": pandas.__version__,
            "pandera": pandera.__version__, "dagster": dagster_version, "git_commit": commit}


def _fresh_data_dir(base: Path, name: str, landing: Path) -> Path:
    d = base / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    (d / "landing").symlink_to(landing, target_is_directory=True)
    return d


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0, help="1 = B&NES (~0.65M rows), 10 = large county, 34 = region")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workdir", default=os.environ.get("OBA_BENCH_DIR") or str(Path.home() / ".cache" / "oba-bench"),
                    help="generated data (cached per scale, seed and generator version) and scratch warehouses "
                         "(default: $OBA_BENCH_DIR or ~/.cache/oba-bench)")
    ap.add_argument("--copies", type=int, default=1,
                    help="repeat each CSV delivery this many times with its own ids (bench.replicate): measures "
                         "scale x copies where the generator alone would not fit in memory, e.g. --scale 34 "
                         "--copies 10 for all of England (340x)")
    ap.add_argument("--regenerate", action="store_true", help="generate the demo data even if cached")
    ap.add_argument("--ingest-only", action="store_true",
                    help="pipeline run of the raw_/stg_ assets only (for very large scales)")
    ap.add_argument("--skip", action="append", default=[],
                    choices=["duckdb_only", "plain_pandas", "engine_ingest", "pipeline", "rerun", "nightly"],
                    help="leave a measurement out (repeatable)")
    ap.add_argument("--event-log", choices=["project", "stock"], default="project",
                    help="Dagster event log storage of the runs: the project's (dagster.yaml) or Dagster's stock "
                         "SQLite one, to measure the difference")
    ap.add_argument("--results", default=str(RESULTS), help="where the JSON goes (default bench/results)")
    ap.add_argument("--no-save", action="store_true", help="print only; write no JSON file")
    args = ap.parse_args(argv)

    scale_tag = f"{args.scale:g}x"
    work = Path(args.workdir).resolve()
    gen_dir = work / f"data-{scale_tag}-seed{args.seed}-{_generator_hash()}"
    landing = gen_dir / "landing"
    result = {"scale": args.scale, "seed": args.seed, "event_log": args.event_log,
              "started": dt.datetime.now().isoformat(timespec="seconds"),
              "machine": machine(), "measurements": {}}
    m = result["measurements"]

    def note(text):
        print(f"[bench {scale_tag}] {text}", flush=True)

    if args.regenerate or not (gen_dir / "demo_manifest.json").exists():
        shutil.rmtree(gen_dir, ignore_errors=True)
        note(f"generating demo data into {landing} ...")
        m["generate"] = run_stage("generate", {"landing": str(landing), "scale": args.scale, "seed": args.seed})
        if not m["generate"]["ok"]:
            print(m["generate"]["error"])
            return 2
    if args.copies > 1:
        scale_tag = f"{args.scale * args.copies:g}x"
        rep_dir = work / f"data-{scale_tag}-seed{args.seed}-{_generator_hash()}-from-{args.scale:g}x"
        if args.regenerate or not (rep_dir / "demo_manifest.json").exists():
            shutil.rmtree(rep_dir, ignore_errors=True)
            note(f"repeating each CSV delivery {args.copies} times into {rep_dir / 'landing'} ...")
            m["replicate"] = run_stage("replicate", {"src": str(landing), "dst": str(rep_dir / "landing"),
                                                     "copies": args.copies})
            if not m["replicate"]["ok"]:
                print(m["replicate"]["error"])
                return 2
        gen_dir, landing = rep_dir, rep_dir / "landing"
        result.update(scale=args.scale * args.copies, generated_scale=args.scale, copies=args.copies)
    manifest = json.loads((gen_dir / "demo_manifest.json").read_text())
    result["rows_delivered"] = manifest["total_rows"]
    result["files_delivered"] = len(manifest["files"])
    result["bytes_delivered"] = sum(p.stat().st_size for p in landing.iterdir())
    note(f"{result['files_delivered']} files, {result['rows_delivered']:,} rows, "
         f"{result['bytes_delivered'] / 2**20:.0f} MiB in {landing}")

    runs = work / f"runs-{scale_tag}"
    runs.mkdir(parents=True, exist_ok=True)
    if "duckdb_only" not in args.skip:
        note("baseline (a): DuckDB read_csv only ...")
        m["duckdb_only"] = run_stage("duckdb_only", {"landing": str(landing), "db": str(runs / "duckdb_only.duckdb")})
    if "plain_pandas" not in args.skip:
        note("baseline (b): plain pandas + pandera ...")
        m["plain_pandas"] = run_stage("plain_pandas", {"landing": str(landing), "db": str(runs / "pandas.duckdb")})
    if "engine_ingest" not in args.skip:
        note("ingestion engine without Dagster ...")
        d = _fresh_data_dir(runs, "engine", landing)
        m["engine_ingest"] = run_stage("engine_ingest", {"data_dir": str(d)})
    if "pipeline" not in args.skip:
        d = _fresh_data_dir(runs, "pipeline", landing)
        keys = None
        if args.ingest_only:
            from sources.catalogue import SOURCES
            keys = [f"{p}_{s.name}" for s in SOURCES for p in ("raw", "stg")]
        n = 1 if "rerun" in args.skip else 2
        note(f"pipeline: {'ingest assets' if keys else 'full nightly run'}"
             f"{' then unchanged-input rerun' if n == 2 else ''} (runner.run) ...")
        m["pipeline"] = run_stage("pipeline", {"data_dir": str(d), "asset_keys": keys, "runs": n,
                                               "event_log": args.event_log})
        m["pipeline"]["ingest_only"] = bool(keys)
    if "nightly" not in args.skip and not args.ingest_only:
        note("nightly run: last night's warehouse plus one new NEET month, the whole job (runner.run) ...")
        d = runs / "nightly"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        m["nightly"] = run_stage("nightly", {"data_dir": str(d), "landing": str(landing),
                                             "event_log": args.event_log})

    result["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    result["summary"] = report.summarise(result)
    print()
    print(report.table(result))
    if not args.no_save:
        out = Path(args.results) / f"bench-{scale_tag}-{result['started'].replace(':', '')}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        note(f"JSON written to {out}")
    print(json.dumps({"scale": args.scale, "machine": result["machine"], "rows_delivered": result["rows_delivered"],
                      "summary": result["summary"]}, indent=2, default=str))
    return 0
