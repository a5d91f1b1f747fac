"""Each indicator's SQL written out for officers (parameters filled in, helpers expanded) runs as
it is in `oba sql` on a real demo warehouse and returns exactly the rows of its ind_ehNN table."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators import catalogue as cat
from pipelines.outputs import explain

VENV = Path(sys.executable).parent.parent
KEYS = ["measure_id", "period", "breakdown", "breakdown_value"]


@pytest.mark.parametrize("ind", cat.indicators(), ids=lambda i: i.id)
def test_the_written_out_sql_runs_in_the_shell_and_gives_the_indicator_table(demo_run, tmp_path, ind):
    p, _, _ = demo_run
    path = p.data_dir / "sql" / f"{ind.id.lower()}.sql"
    text = path.read_text(encoding="utf-8")
    assert text == explain.explained(ind)                                  # in step with the code
    assert "$" not in explain.code_view(text)                              # every parameter filled in
    assert not any(f"{name}(" in explain.code_view(text).replace(" (", "(") for name in explain.macros())
    for m in ind.measures:
        assert f"--   {m['id']}:" in text and "numerator:" in text
    folder = tmp_path / "clone"
    folder.mkdir()
    (folder / ".venv").symlink_to(VENV)
    (folder / "data").symlink_to(p.data_dir)
    done = subprocess.run(f".venv/bin/oba sql --out {tmp_path} --csv {tmp_path / 'out.csv'} < data/sql/{ind.id.lower()}.sql",
                          shell=True, cwd=folder, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(tmp_path / "out.csv", dtype={"period": str, "breakdown_value": str})
    con = duckdb.connect(str(p.warehouse), read_only=True)
    want = con.execute(f"select {', '.join(KEYS)}, numerator, denominator from {ind.table}").df()
    con.close()
    assert len(got) == len(want) > 0

    def norm(frame):
        out = frame[KEYS + ["numerator", "denominator"]].copy()
        out[["numerator", "denominator"]] = out[["numerator", "denominator"]].astype("float64")
        return out.astype({k: str for k in KEYS}).sort_values(KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(norm(got), norm(want), check_dtype=False)


def test_expansion_leaves_literals_and_comments_alone_and_nests():
    defs = explain.macros("-- it's a comment\ncreate or replace temp macro twice(x) as x * 2;\n"
                          "create or replace temp macro quad(x) as twice(twice(x));")
    sql = "select quad(a + 1) as q, 'twice(3)' as s -- don't twice(4)\nfrom t"
    expanded = explain.expand(sql, defs)
    assert expanded == "select ((((((a + 1)) * 2)) * 2)) as q, 'twice(3)' as s -- don't twice(4)\nfrom t"
    assert duckdb.sql(expanded.replace("from t", "from (select 1 as a) as t")).fetchall() == [(8, "twice(3)")]
    with pytest.raises(ValueError, match="twice takes 1 argument"):
        explain.expand("select twice(1, 2)", defs)


def test_parameters_become_literals():
    assert explain.literal(["a", "o'b"]) == "['a', 'o''b']" and explain.literal(12) == "12"
    sql = "select * from t where x in $statutory_outcomes and '$agree_min' = y and z >= $agree_min"
    filled = explain.fill_parameters(sql)
    assert "'$agree_min'" in filled and filled.endswith(">= 4") and "$statutory" not in filled


def test_the_shell_prints_an_indicators_sql(demo_run):
    p, _, _ = demo_run
    done = subprocess.run([str(VENV / "bin" / "oba"), "sql", str(p.warehouse), "-c", ".explain eh07"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == explain.explained(cat.indicator("EH07")).strip()
    bad = subprocess.run([str(VENV / "bin" / "oba"), "sql", str(p.warehouse), "-c", ".explain EH99"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "EH01" in bad.stderr
