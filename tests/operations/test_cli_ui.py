"""`oba ui` (what `make ui` runs) starts the Dagster UI even when the virtualenv is not on PATH."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_oba_ui_serves_the_code_location(tmp_path):
    port = free_port()
    oba = Path(sys.executable).parent / "oba"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "OBA_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen([str(oba), "ui", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                query = json.dumps({"query": "{ assetNodes { assetKey { path } } }"}).encode()
                req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                             headers={"Content-Type": "application/json"})
                body = json.load(urllib.request.urlopen(req, timeout=5))
                if "data" in body and body["data"]["assetNodes"]:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert proc.poll() is None, "oba ui exited"
        keys = {n["assetKey"]["path"][0] for n in body["data"]["assetNodes"]}
        assert {"raw_neet", "stg_neet", "scorecard", "published_warehouse", "board_paper"} <= keys
        assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").exists()  # persistent instance
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:   # a loaded machine: Dagster's own shutdown can hang; nothing is left behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
