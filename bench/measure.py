"""Run one stage in a child process; measure wall time and peak memory from outside.

Peak memory is the larger of (a) the child's own ``ru_maxrss`` (reported by the child)
and (b) RSS of the child and its descendants sampled every 20 ms with psutil.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from pipelines.settings import PROJECT_ROOT as ROOT


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        total += proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def run_stage(stage: str, args: dict, timeout: float | None = None) -> dict:
    """``python -m bench.child <stage>`` with ``args``; returns the child's result plus
    ``wall_s`` (parent-measured, including interpreter start) and ``peak_rss_mb``."""
    with tempfile.TemporaryDirectory(prefix="oba-bench-") as tmp:
        out = Path(tmp) / "result.json"
        env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "OBA_DATA_DIR")}
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        cmd = [sys.executable, "-m", "bench.child", stage, json.dumps(args), str(out)]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ps = psutil.Process(proc.pid)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(ps))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            log, _ = proc.communicate()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
        result = json.loads(out.read_text()) if out.exists() else {}
    result.setdefault("ok", False)
    if not result["ok"] and "error" not in result:
        result["error"] = (log or "").strip()[-2000:] or f"exit code {proc.returncode}"
    result["wall_s"] = round(wall, 3)
    result["peak_rss_mb"] = round(max(peak[0], result.get("maxrss_bytes", 0)) / 2**20, 1)
    result["log_tail"] = (log or "").strip()[-1500:]
    return result
