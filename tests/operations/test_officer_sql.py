"""`oba sql`, the read-only SQL shell: every command README and docs/querying.md give, run
verbatim from a project folder (its .venv and ./data) against a real demo warehouse."""

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent
GUIDE = ROOT / "docs" / "querying.md"


def blocks(path: Path, lang: str = "") -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def shell_lines(path: Path) -> list[str]:
    """The `.venv/bin/oba sql ...` command lines of a document's unlabelled code blocks."""
    return [ln.split("  #")[0].strip() for b in blocks(path) for ln in b.splitlines()
            if ln.startswith(".venv/bin/oba sql")]


@pytest.fixture
def clone(demo_run, tmp_path, monkeypatch):
    """A project folder as after `make demo`: .venv and the default ./data (no OBA_DATA_DIR)."""
    p, _, _ = demo_run
    folder = tmp_path / "clone"
    folder.mkdir()
    (folder / ".venv").symlink_to(VENV)
    (folder / "data").symlink_to(p.data_dir)
    monkeypatch.delenv("OBA_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return folder


def sh(line: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=120, env=os.environ.copy())


def test_every_command_line_of_readme_and_the_guides_runs_as_written(clone):
    lines = shell_lines(ROOT / "README.md") + shell_lines(GUIDE)
    assert len(lines) >= 6, lines
    (clone / "my_query.sql").write_text(blocks(GUIDE, "sql")[0])
    for line in lines:
        if line == ".venv/bin/oba sql":
            continue   # the interactive prompt: test_the_guide_session_at_the_prompt
        done = sh(line, clone)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert "│" in done.stdout or "wrote" in done.stdout, line
    assert "EH07" in (clone / "eh07.csv").read_text().upper()
    header = (clone / "scorecard.csv").read_text().splitlines()[0]
    assert header.startswith("indicator_id,measure_id")


def test_the_guide_session_at_the_prompt(clone):
    """The `D ...` lines of docs/querying.md typed into `.venv/bin/oba sql`."""
    session = next(b for b in blocks(GUIDE) if b.startswith(".venv/bin/oba sql\nD "))
    typed = "\n".join(ln[2:] for ln in session.splitlines() if ln.startswith("D "))
    done = sh(".venv/bin/oba sql", clone, stdin=typed)
    assert done.returncode == 0, done.stderr
    assert "scorecard" in done.stdout and "column_type" in done.stdout
    assert "Latest complete period" in done.stdout          # the comments of scorecard's columns


@pytest.mark.parametrize("n", range(len(blocks(GUIDE, "sql"))))
def test_every_sql_example_of_the_guide_runs_in_the_shell(clone, n):
    sql = blocks(GUIDE, "sql")[n]
    done = subprocess.run([".venv/bin/oba", "sql", "-c", sql], cwd=clone, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "┌" in done.stdout
    piped = sh(".venv/bin/oba sql", clone, stdin=sql)
    # The same rows either way (ties in an example's order by may come out in either order).
    assert piped.returncode == 0 and sorted(piped.stdout.splitlines()) == sorted(done.stdout.splitlines())


def test_the_shell_cannot_change_the_warehouse(clone):
    before = (clone / "data/warehouse/oba.duckdb").stat().st_mtime_ns
    for sql in ("delete from scorecard", "create table x as select 1", "drop table load_log"):
        done = sh(f'.venv/bin/oba sql -c "{sql}"', clone)
        assert done.returncode == 1 and "read-only" in done.stderr, sql
    assert (clone / "data/warehouse/oba.duckdb").stat().st_mtime_ns == before


def test_errors_name_the_problem(clone, tmp_path):
    done = sh(".venv/bin/oba sql -c 'select nope from scorecard'", clone)
    assert done.returncode == 1 and "nope" in done.stderr
    done = sh(f".venv/bin/oba sql {tmp_path / 'none.duckdb'}", clone)
    assert done.returncode == 1 and "No warehouse at" in done.stderr and not (tmp_path / "none.duckdb").exists()
    done = sh(".venv/bin/oba sql -c '.describe nosuchtable'", clone)
    assert done.returncode == 1 and "no table or view called 'nosuchtable'" in done.stderr
    done = sh(".venv/bin/oba sql -c 'select 1 where false' --csv empty.csv", clone)
    assert done.returncode == 0 and (clone / "empty.csv").read_text().strip() == "1"


def test_tables_lists_every_table_with_its_comment(clone):
    done = sh(".venv/bin/oba sql --max-rows 500 -c .tables", clone)
    con = duckdb.connect(str(clone / "data/warehouse/oba.duckdb"), read_only=True)
    names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                       "where table_schema = 'main'").fetchall()]
    con.close()
    assert names and all(f"│ {n} " in done.stdout for n in names)


def test_the_prompt_keeps_a_history_between_sessions(clone, tmp_path):
    """A real terminal: the interactive shell reads lines, runs them and saves its history."""
    history = tmp_path / "hist"
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(clone)
        os.environ["OBA_SQL_HISTORY"] = str(history)
        os.execv(str(clone / ".venv/bin/oba"), ["oba", "sql"])
    out = b""

    def read_until(marker: bytes, timeout: float = 60):
        nonlocal out
        end = time.time() + timeout
        while marker not in out and time.time() < end:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
        assert marker in out, out.decode(errors="replace")[-2000:]

    read_until(b"leaves.")
    os.write(fd, b"select 40 + 2\r")
    os.write(fd, b"  as answer;\r")
    read_until(b"42")
    os.write(fd, b".quit\r")
    os.waitpid(pid, 0)
    os.close(fd)
    assert "select 40 + 2" in history.read_text()


def test_demo_closing_lines_give_the_shell_command(demo_run, tmp_path):
    p, _, home = demo_run
    env = dict(os.environ, OBA_DATA_DIR=str(p.data_dir), DAGSTER_HOME=str(home), OBA_AS_AT="2026-10-31")
    done = subprocess.run([str(VENV / "bin" / "oba"), "demo"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    command = re.search(r"open read-only: (.*?)\)", done.stdout).group(1)
    assert command == f"{VENV / 'bin' / 'oba'} sql"
    again = subprocess.run(command.split() + ["-c", "select count(*) as n from scorecard"], env=env,
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert again.returncode == 0 and "│" in again.stdout
    assert shutil.which("oba", path=str(VENV / "bin"))
