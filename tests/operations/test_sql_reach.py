"""`oba sql` reaches the warehouse and nothing else: no write outside the output folder the
officer names (never inside the data folder, never over the warehouse), no file read unless
a folder is named, never the pseudonym key or its link register."""

from __future__ import annotations

import io
import os

import duckdb
import pytest

from pipelines.operations import sqlshell


@pytest.fixture
def place(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "warehouse").mkdir(parents=True)
    (data / "landing").mkdir()
    warehouse = data / "warehouse" / "oba.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create table scorecard as select 'EH01' as indicator_id, 1.5 as value")
    con.close()
    key = tmp_path / "private" / "pseudonym.key"
    key.parent.mkdir()
    key.write_text("ab" * 32 + "\n")
    os.chmod(key, 0o600)
    monkeypatch.setenv("OBA_KEY_FILE", str(key))
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    return data, warehouse, key, out


def run(place, command, **kw):
    data, warehouse, *_ = place
    err = io.StringIO()
    import contextlib
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        code = sqlshell.main(warehouse, command=command, data_dir=data, stdin=io.StringIO(""), **kw)
    return code, out.getvalue(), err.getvalue()


def test_copy_and_export_are_refused_and_write_nothing(place):
    data, warehouse, key, out = place
    for sql in (f"copy (select * from scorecard) to '{data}/landing/neet_2026-10.csv'",
                f"copy (select 1) to '{warehouse}'", f"export database '{out}/x'",
                f"attach '{out}/other.duckdb'", "install httpfs", "load httpfs"):
        code, _, err = run(place, sql)
        assert code == 1 and "not available in this shell" in err, sql
    assert not (data / "landing" / "neet_2026-10.csv").exists()
    assert duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from scorecard").fetchone() == (1,)


def test_csv_writes_only_inside_the_output_folder(place):
    data, warehouse, key, out = place
    assert run(place, "select * from scorecard", csv="scorecard.csv")[0] == 0
    assert (out / "scorecard.csv").read_text().startswith("indicator_id,value")
    for target in (str(data / "landing" / "neet_2026-10.csv"), str(warehouse), "../elsewhere.csv"):
        code, _, err = run(place, "select * from scorecard", csv=target)
        assert code == 1 and ("output folder" in err or "data folder" in err), target
    assert not (data / "landing" / "neet_2026-10.csv").exists() and not (out.parent / "elsewhere.csv").exists()
    code, _, err = run(place, "select 1", csv="x.csv", out_dir=data / "landing")
    assert code == 1 and "data folder" in err and not (data / "landing" / "x.csv").exists()


def test_no_file_is_read_unless_a_folder_is_named_and_never_the_key(place, tmp_path):
    data, warehouse, key, out = place
    for sql in ("select * from read_csv('/etc/passwd')", f"select * from read_text('{key}')",
                f"select * from read_text('{key}.links.csv')"):
        code, shown, err = run(place, sql)
        assert code == 1 and "ab" * 8 not in shown + err, sql
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "extra.csv").write_text("a,b\n1,2\n")
    code, shown, _ = run(place, f"select * from read_csv('{shared}/extra.csv')", readable=[shared])
    assert code == 0 and "2" in shown
    code, _, err = run(place, f"select * from read_text('{key}')", readable=[key.parent])
    assert code == 1 and "key" in err
    code, _, err = run(place, f".read {key}")
    assert code == 1 and "never read here" in err and "ab" * 8 not in err


# Re-attack (issue 31): every way out tried, generated from the statements, functions and
# dot-commands DuckDB and its shell know. Nothing is written anywhere, no file's content shown.
WAYS_OUT = ["copy scorecard to '{t}/a.csv'", "/* note */ COPY scorecard TO '{t}/b.csv'", "select 1; copy scorecard to '{t}/c.csv'",
            "export database '{t}/exp'", "attach '{t}/n.duckdb' as n", "install httpfs", "force install httpfs",
            "load httpfs", "set enable_external_access = true", "set allowed_directories = ['/']",
            "select * from read_text('/etc/passwd')", "select * from read_csv('/etc/passwd')",
            "select * from read_blob('/etc/passwd')", "select * from read_json('/etc/passwd')",
            "select * from sniff_csv('/etc/passwd')", "select * from glob('/etc/*')", "select * from '/etc/passwd'",
            "select * from read_text('/proc/self/environ')", "select * from duckdb_secrets()",
            "create secret s (type s3, key_id 'x', secret 'y')", "detach oba"]
DOT_COMMANDS = [".output {t}/o.csv", ".once {t}/o.csv", ".csv {t}/o.csv", ".shell touch {t}/sh", ".sh touch {t}/sh",
                ".system touch {t}/sh", ".import /etc/passwd scorecard", ".open {t}/x.duckdb", ".save {t}/x.duckdb",
                ".backup {t}/x.duckdb", ".log {t}/x.log", ".read /etc/passwd", ".read /proc/self/environ", ".dump"]


def test_no_way_out_of_the_shell(place, tmp_path):
    data, warehouse, key, out = place
    target = tmp_path / "elsewhere"
    target.mkdir()
    escaped = []
    for attack in WAYS_OUT + DOT_COMMANDS:
        code, shown, err = run(place, attack.format(t=target))
        if code != 1 or "Traceback" in err or any(target.iterdir()) or "root:" in shown + err \
                or "PATH=" in shown + err or "ab" * 8 in shown + err:
            escaped.append((attack, code, err[:200]))
    print(f"\nre-attack, oba sql: {len(WAYS_OUT + DOT_COMMANDS) - len(escaped)}/{len(WAYS_OUT + DOT_COMMANDS)} "
          f"ways out refused, nothing written, no file shown")
    assert not escaped, escaped
    assert duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from scorecard").fetchone() == (1,)


def test_read_runs_a_sql_file_but_never_the_key_through_a_link(place, tmp_path):
    data, warehouse, key, out = place
    (out / "q.sql").write_text("select count(*) as n from scorecard;")
    code, shown, _ = run(place, ".read q.sql")
    assert code == 0 and "1" in shown
    for link in (out / "key.sql", out / "hard.sql"):
        (os.link if link.name == "hard.sql" else os.symlink)(key, link)
        code, _, err = run(place, f".read {link}")
        assert code == 1 and "never read here" in err and "ab" * 8 not in err, link
