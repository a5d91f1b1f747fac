"""The run's reaper: the processes a run starts (Chromium and its helpers, which run in a session
of their own) die with the run, however it ends.

``children_die_with_run`` marks every process started inside it with a run token in its
environment and starts this file as a script (``python reaper.py VARIABLE TOKEN``) with a pipe
on its stdin. The script waits for the pipe to close (the block ended, or the run's process was
killed and the kernel closed it), then kills every process whose environment carries the token.
As a script it imports nothing beyond os, signal and sys, so it starts fast and needs neither
the project nor its packages on ``sys.path``.
"""

import os
import signal
import sys

TOKEN_ENV = "OBA_RUN_TOKEN"
ROUNDS = 3   # a process being started while the first sweep runs is caught by the next


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


def marked(variable: str, token: str) -> list[int]:
    """The processes (other than this one) whose environment holds ``variable=token``."""
    needle = b"\0" + f"{variable}={token}".encode() + b"\0"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                env = b"\0" + fh.read()
        except OSError:
            continue
        if needle in env:
            found.append(int(pid))
    return found


def kill_marked(variable: str, token: str) -> int:
    """SIGKILL every process marked with the token, sweeping until none is left (at most
    ``ROUNDS`` sweeps); returns how many kills were sent."""
    sent = 0
    for _ in range(ROUNDS):
        pids = marked(variable, token)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                sent += 1
            except OSError:
                pass
    return sent


def main(argv: list[str]) -> int:
    """``reaper.py VARIABLE TOKEN``: wait for stdin to close, then kill the marked processes."""
    variable, token = argv
    sys.stdin.buffer.read()
    kill_marked(variable, token)
    return 0


class children_die_with_run:  # noqa: N801 - used as a function: ``with children_die_with_run():``
    """Every process started inside the block carries a run token in its environment; when the
    block ends, or this process is killed, the reaper kills those still running. (A class, not
    ``contextlib.contextmanager``, so that the script imports nothing it does not use.)"""

    def __enter__(self) -> str:
        import subprocess
        import uuid

        self.token = uuid.uuid4().hex
        self.previous = os.environ.get(TOKEN_ENV)
        os.environ[TOKEN_ENV] = self.token
        self.reaper = subprocess.Popen([sys.executable, "-I", os.path.abspath(__file__), TOKEN_ENV, self.token],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True,
                                       env={k: v for k, v in os.environ.items() if k != TOKEN_ENV})
        return self.token

    def __exit__(self, *exc) -> None:
        import subprocess

        if self.previous is None:
            os.environ.pop(TOKEN_ENV, None)
        else:
            os.environ[TOKEN_ENV] = self.previous
        self.reaper.stdin.close()
        try:
            self.reaper.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.reaper.kill()
            self.reaper.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
