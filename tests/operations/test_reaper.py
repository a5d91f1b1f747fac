"""The reaper (pipelines/operations/reaper.py) as a module: it finds and kills exactly the
processes marked with a run's token, and starts as a plain script."""

import os
import subprocess
import sys
import time

from pipelines.operations import reaper


def _wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not reaper.alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_kill_marked_kills_the_marked_process_and_spares_the_others():
    env = {**os.environ, reaper.TOKEN_ENV: "token-a"}
    marked = subprocess.Popen(["sleep", "300"], env=env)
    other = subprocess.Popen(["sleep", "300"], env={**os.environ, reaper.TOKEN_ENV: "token-b"})
    try:
        assert reaper.marked(reaper.TOKEN_ENV, "token-a") == [marked.pid]
        assert reaper.kill_marked(reaper.TOKEN_ENV, "token-a") >= 1
        marked.wait(timeout=10)
        assert not reaper.alive(marked.pid) and reaper.alive(other.pid)
    finally:
        for p in (marked, other):
            p.kill()
            p.wait()


def test_the_script_waits_for_its_stdin_then_reaps():
    env = {**os.environ, reaper.TOKEN_ENV: "token-c"}
    child = subprocess.Popen(["sleep", "300"], env=env)
    script = subprocess.Popen([sys.executable, "-I", reaper.__file__, reaper.TOKEN_ENV, "token-c"],
                              stdin=subprocess.PIPE)
    try:
        time.sleep(0.2)
        assert child.poll() is None            # nothing killed while the run goes on
        script.stdin.close()
        assert script.wait(timeout=20) == 0
        child.wait(timeout=10)
        assert _wait_gone(child.pid)
    finally:
        child.kill()
        child.wait()
        script.kill()
        script.wait()


def test_alive_is_false_for_an_ended_process():
    ended = subprocess.Popen(["true"])
    ended.wait()
    assert not reaper.alive(ended.pid) and reaper.alive(os.getpid())
