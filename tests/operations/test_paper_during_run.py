"""`oba paper` while a run writes: it reads the last published state and says so (the run's
publish replaces the file atomically, so the paper is made from one consistent state)."""

from __future__ import annotations

import subprocess
import sys
import time

from pipelines.operations.runner import published_state
from pipelines.settings import paths as resolve_paths
from pipelines.warehouse import LOCK_NAME, holds_lock

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0); os.write(fd, (str(os.getpid()) + "\\n").encode())
print("held", flush=True)
time.sleep(60)
"""


def test_paper_says_it_reads_the_last_publication_while_a_run_holds_the_build(data_dir):
    p = resolve_paths(data_dir).ensure()
    lock = p.build.parent / LOCK_NAME
    assert published_state(p).startswith("Reading the published warehouse")
    runner = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert runner.stdout.readline().strip() == "held"
        text = published_state(p)
        assert text.startswith("A run is in progress") and f"process {runner.pid}" in text
        assert "last published state" in text and not holds_lock(p)      # the paper never takes the lock
    finally:
        runner.kill()
        runner.wait()
    deadline = time.time() + 10
    while "in progress" in published_state(p) and time.time() < deadline:
        time.sleep(0.1)
    assert published_state(p).startswith("Reading the published warehouse")
