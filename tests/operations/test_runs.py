"""Runs as an operator sees them: one writer at a time, killed runs accounted for, no
orphaned child processes (issue 13). Real `oba run` processes on a real landing folder."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.operations.cli import main
from pipelines.operations.runner import instance
from pipelines.settings import paths
from neet_runs import write_neet

OBA = str(Path(sys.executable).with_name("oba"))


def _runs(data_dir) -> list:
    return instance(paths(data_dir)).get_run_records(filters=dg.RunsFilter(job_name="everything"))


def test_second_run_gets_the_clear_message_and_leaves_no_record_then_the_killed_run_is_marked_failed(
        data_dir, capsys):
    write_neet(data_dir / "landing", "2026-07", 40)
    env = dict(os.environ, OBA_LOG_LEVEL="DEBUG", PYTHONUNBUFFERED="1")
    first = subprocess.Popen([OBA, "run"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                             cwd=Path(__file__).parents[2])
    try:
        for line in first.stderr:                # the first run is executing its steps
            if "STEP_START" in line or "Started execution of step" in line:
                break
        assert first.poll() is None
        code = main(["run"])                     # a second run, started while the first writes
        out = capsys.readouterr().out
        assert code == 1 and "another run is writing it" in out and f"process {first.pid}" in out
        assert len(_runs(data_dir)) == 1         # the second left no run record
        first.send_signal(signal.SIGKILL)        # the first is killed mid-run: left STARTED
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    (killed,) = _runs(data_dir)
    assert killed.dagster_run.status == dg.DagsterRunStatus.STARTED
    assert main(["run", "--select", "raw_neet", "stg_neet", "published_warehouse"]) == 0
    out = capsys.readouterr().out
    assert f"run {killed.dagster_run.run_id[:8]} was left STARTED by a process that ended; marked failed" in out
    statuses = {r.dagster_run.run_id: r.dagster_run.status for r in _runs(data_dir)}
    assert statuses[killed.dagster_run.run_id] == dg.DagsterRunStatus.FAILURE and len(statuses) == 2


def test_status_tells_a_run_whose_process_ended_from_a_running_one():
    from pipelines.operations.runner import HOST_TAG, PID_TAG
    from pipelines.operations.status import _process_gone

    ended = subprocess.Popen(["true"])
    ended.wait()
    host = os.uname().nodename
    assert _process_gone({PID_TAG: str(ended.pid), HOST_TAG: host})
    assert not _process_gone({PID_TAG: str(os.getpid()), HOST_TAG: host})
    assert not _process_gone({PID_TAG: str(ended.pid), HOST_TAG: "another-machine"})


def test_child_processes_die_with_a_killed_run(tmp_path):
    """A child in a session of its own (as Chromium is started) outlives a SIGKILLed parent
    unless the run's reaper ends it."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        import subprocess, time
        from pipelines.operations.reaper import children_die_with_run
        with children_die_with_run():
            child = subprocess.Popen(["sleep", "300"], start_new_session=True)
            open({str(pid_file)!r}, "w").write(str(child.pid))
            time.sleep(300)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        child = int(pid_file.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _running(child):
        time.sleep(0.1)
    assert not _running(child)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def small_disk(tmp_path):
    """A real 40 MB file system (tmpfs) holding the data directory and the Dagster instance."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)],
                                           capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_is_one_line_with_free_space_and_leaves_the_warehouse(small_disk, monkeypatch, capsys):
    data = small_disk / "data"
    (data / "landing").mkdir(parents=True)
    monkeypatch.setenv("OBA_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(small_disk / "dagster_home"))
    select = ["run", "--select", "raw_neet", "stg_neet", "published_warehouse"]
    write_neet(data / "landing", "2026-07", 40)
    assert main(select) == 0
    target = data / "warehouse" / "oba.duckdb"
    before = target.read_bytes()
    capsys.readouterr()
    write_neet(data / "landing", "2026-08", 30_000, start=10_000)         # ~2 MB of CSV
    free = os.statvfs(small_disk)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * max(0, free.f_bavail * free.f_frsize - 600_000))   # leave ~0.6 MB
    code = main(select)
    out = capsys.readouterr()
    assert code == 1
    failed = [ln for ln in out.out.splitlines() if ln.strip().startswith("FAILED")]
    assert len(failed) == 1 and "disk full" in failed[0] and "MB free in" in failed[0], out.out
    assert "cannot rollback" not in out.out + out.err
    assert target.read_bytes() == before                                   # yesterday's warehouse intact
    assert not list(target.parent.glob(".*publishing*"))                   # no temporary copy left
    assert not [p for p in (data / "warehouse" / "build").iterdir() if p.name.endswith(".tmp")]
    assert main(["status"]) == 0 and "Published warehouse" in capsys.readouterr().out
    filler.unlink()                                                        # space again: the next run completes
    assert main(select) == 0


def test_a_run_sets_alive_objects_aside_from_the_collector_and_gives_them_back():
    import gc

    from pipelines.operations.runner import long_lived_objects_frozen

    before = gc.get_freeze_count()
    with long_lived_objects_frozen():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == before
