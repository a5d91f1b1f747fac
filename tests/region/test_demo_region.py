"""A demo region of three authorities (issue 28), with real runs: the region's Dagster instance,
one partition per authority (each its own ``oba run`` in a process of its own), then the pool.

Authority two gets an adult-referrals re-issue with a third of its records failing validation
(held). Checked: each partition materialised in a run of its own; the held delivery is held in
its authority alone and the other two publish as usual; the pool compares EH01's step-up across
the three with intervals and funnel limits; no identifier, pseudonym or key of one authority is
in any file or table of another authority's folder, the pool or the region's instance.
Slow: three whole runs of the pipeline at small scale.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.operations.cli import main
from pipelines.operations.runner import EXIT_HELD
from pipelines.region import authorities as places
from pipelines.region import demo
from pipelines.region.pool import POOL_FILE
from pipelines.settings import inside
from tests.release_runs import failing_reissue
from sources.catalogue import SOURCES

SCALE = 0.12
TOKEN = re.compile(rb"[A-Za-z0-9]{6,}")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    root = tmp_path_factory.mktemp("region")
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_AS_AT", "2026-10-31")
    mp.delenv("OBA_DATA_DIR", raising=False)
    mp.delenv("DAGSTER_HOME", raising=False)
    mp.delenv("OBA_REGION_DIR", raising=False)      # set by the region runner: restored after
    members = demo.make(root, 3, scale=SCALE)
    held = _hold_one(members[1].paths.landing)
    out = io.StringIO()
    from contextlib import redirect_stdout
    with redirect_stdout(out):
        code = main(["demo", "--region", "3", "--region-dir", str(root), "--scale", str(SCALE)])
    print(out.getvalue())          # pytest -s: each authority's time and peak memory (docs/operations.md)
    yield {"root": root, "members": members, "held": held, "code": code, "text": out.getvalue()}
    mp.undo()


def _hold_one(landing: Path) -> str:
    """A re-issue of the biggest adult-referrals file with every third record failing validation."""
    original = max((f for f in landing.iterdir() if f.name.startswith("adult_referrals_") and "_v" not in f.name),
                   key=lambda f: f.stat().st_size)
    return failing_reissue(original)[0].name


def test_each_authority_is_a_partition_materialised_in_a_run_of_its_own(region):
    codes = {a.la_code for a in region["members"]}
    assert len(codes) == 3 and codes <= set(places.authority_names())          # real LA codes
    inst = dg.DagsterInstance.from_config(str(region["root"] / "dagster_home"))
    assert set(inst.get_dynamic_partitions(places.PARTITIONS)) == codes
    assert inst.get_materialized_partitions(dg.AssetKey("authority")) == codes
    runs = inst.get_runs(dg.RunsFilter(job_name="region_authority"))
    assert sorted(r.tags["dagster/partition"] for r in runs) == sorted(codes)
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    for a in region["members"]:
        with duckdb.connect(str(a.paths.warehouse), read_only=True) as con:
            assert con.execute("select count(*) from meta_publish").fetchone()[0] >= 1
            # each authority's warehouse is its own: benchmarked as its own LA code
            assert con.execute("select la_code from lookup_authorities where role = 'authority'"
                               ).fetchone()[0] == a.la_code
        assert (a.paths.dagster_home / "dagster.yaml").is_file()                   # its own instance


def test_one_authoritys_held_delivery_does_not_stop_the_others(region):
    assert region["code"] == EXIT_HELD, region["text"]
    held_one, others = region["members"][1], [region["members"][0], region["members"][2]]
    statuses = {}
    for a in region["members"]:
        with duckdb.connect(str(a.paths.warehouse), read_only=True) as con:
            statuses[a.la_code] = dict(con.execute("select source_file, status from load_log").fetchall())
    assert statuses[held_one.la_code][region["held"]] == "held"
    for a in others:
        assert "held" not in statuses[a.la_code].values()
        assert f"ok       {a.la_name} ({a.la_code}): published" in region["text"]
    assert f"held     {held_one.la_name} ({held_one.la_code}): published" in region["text"]
    with duckdb.connect(str(region["root"] / "pool" / POOL_FILE), read_only=True) as con:
        assert dict(con.execute("select la_code, status from region_authorities").fetchall()) == {
            a.la_code: "pooled" for a in region["members"]}


def test_the_pool_compares_eh01_step_up_across_the_three_with_intervals(region):
    with duckdb.connect(str(region["root"] / "pool" / POOL_FILE), read_only=True) as con:
        rows = con.execute("""
            select la_code, numerator, denominator, value, ci_lower, ci_upper, is_pooled, authorities_pooled,
                   pooled_value, pooled_ci_lower, pooled_ci_upper, lower_95, upper_95, lower_998, upper_998, funnel
            from region_comparison where measure_id = 'eh01_step_up_pct'
              and period = (select max(period) from region_comparison
                            where measure_id = 'eh01_step_up_pct' and authorities_pooled = 3)
            order by la_code""").fetchall()
        passed = con.execute("select passed, recovered from region_disclosure").fetchone()
    assert [r[0] for r in rows] == sorted(a.la_code for a in region["members"])
    for (_, num, den, value, lo, hi, pooled, n, p0, plo, phi, l95, u95, l998, u998, verdict) in rows:
        assert pooled and n == 3
        assert float(lo) <= float(value) <= float(hi)
        assert abs(float(value) - 100 * float(num) / float(den)) < 1e-6
        assert plo < p0 < phi and l998 <= l95 <= p0 <= u95 <= u998
        assert verdict in ("within the limits", "above the 95% limit", "below the 95% limit",
                           "above the 99.8% limit", "below the 99.8% limit")
    total = sum(float(r[1]) for r in rows) / sum(float(r[2]) for r in rows) * 100
    assert abs(rows[0][8] - total) < 1e-9
    assert passed == (True, 0)
    page = (region["root"] / "pool" / "region.html").read_text()
    assert "funnel-eh01_step_up_pct" in page and "https://" not in page.split("<main>")[1]


def _identifiers(a: places.Authority) -> set[bytes]:
    """Every identifier and pseudonym the authority's deliveries carry (raw_<source>: every row
    read), and its key."""
    found = set()
    with duckdb.connect(str(a.paths.build), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        for s in SOURCES:
            for c in s.columns:
                if c.id_format and f"raw_{s.name}" in tables:
                    found |= {str(v).encode() for (v,) in con.execute(
                        f'select distinct "{c.name}" from raw_{s.name} where "{c.name}" is not null').fetchall()}
    # Ids of letters and digits (pseudonyms, EH0123456): a bare number (a case number) may be
    # any number in another file by coincidence (a size, a time), so it proves nothing either way.
    found = {t for t in found if len(t) >= 6 and re.search(rb"[A-Za-z]", t) and re.search(rb"[0-9]", t)}
    return found | {a.key_file.read_text().strip().encode()}


def _tokens(path: Path) -> set[bytes]:
    """Every token a reader could get from a file: DuckDB tables (every value as text), the
    members of a zip (xlsx), Parquet rows, PDF text, else the bytes."""
    data = path.read_bytes()
    if data[8:12] == b"DUCK":
        with duckdb.connect(str(path), read_only=True) as con:
            out = set()
            for (t,) in con.execute("select table_name from information_schema.tables").fetchall():
                # every value of every row as text, made by DuckDB (a table may hold 100,000 rows)
                text = con.execute(f"select string_agg(concat_ws(' ', columns(*)), ' ') from \"{t}\"").fetchone()[0]
                out |= set(TOKEN.findall((text or "").encode()))
            return out | set(TOKEN.findall(data))
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(path) as z:
            return set().union(*(TOKEN.findall(z.read(n)) for n in z.namelist()))
    if data[:4] == b"PAR1":
        rows = duckdb.sql(f"select * from read_parquet('{path}')").fetchall()
        return set(TOKEN.findall(" ".join(map(str, rows)).encode()))
    if data[:5] == b"%PDF-":
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
        return set(TOKEN.findall(text)) | set(TOKEN.findall(data))
    return set(TOKEN.findall(data))


def test_no_record_pseudonym_or_key_of_one_authority_is_readable_from_another_or_the_pool(region):
    members = region["members"]
    ids = {a.la_code: _identifiers(a) for a in members}
    assert all(len(v) > 100 for v in ids.values())
    keys = [a.key_file for a in members]
    assert len({k.read_text() for k in keys}) == 3
    for a in members:
        assert a.key_file.stat().st_mode & 0o077 == 0
        assert not any(inside(a.key_file, b.paths.data_dir) for b in members)
    root = region["root"]
    for a in members:
        # Only what is A's alone (a short record number may be in two authorities' own data).
        mine = ids[a.la_code] - set().union(*(ids[b.la_code] for b in members if b != a))
        elsewhere = [f for b in members if b != a for f in b.paths.data_dir.rglob("*")]
        elsewhere += [*(root / "pool").rglob("*"), *(root / "dagster_home").rglob("*"), root / "region.csv"]
        leaks = {}
        for f in elsewhere:
            if f.is_file() and not f.is_symlink() and not f.name.endswith((".lock", ".wal")):
                found = mine & _tokens(f)
                if found:
                    leaks[str(f)] = sorted(found)[:3]
        assert not leaks, f"{a.la_code}'s identifiers found in {leaks}"
