"""The regional pool's parts on small frames: funnel limits, the comparison, and the recovery
attack over the union (it must catch a pooled total that holds a hidden count)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from scipy import stats

from pipelines.region import authorities as places
from pipelines.region import pool

CATALOGUE = pd.DataFrame({"measure_id": ["eh01_step_up_pct", "eh02_count"], "title": ["Step-up", "Count"],
                          "unit": ["pct", "count"]})


def _published(code: str, num, den, period="2025-26") -> pd.DataFrame:
    shown = num != "c" and den != "c"
    value = str(100 * num / den) if shown else "c"
    return pd.DataFrame([{"measure_id": "eh01_step_up_pct", "period": period, "breakdown": "all",
                          "breakdown_value": "all", "numerator": str(num), "denominator": str(den), "value": value,
                          "ci_lower": str(float(value) - 5) if shown else "c",
                          "ci_upper": str(float(value) + 5) if shown else "c", "la_code": code, "la_name": code}])


def test_funnel_limits_are_the_exact_binomial_limits_and_narrow_with_the_denominator():
    p0 = 0.2
    for n in (20, 200, 2000):
        upper = pool.funnel_limit(p0, n, 0.975)
        # at the limit's count the binomial upper tail is about 2.5%
        assert stats.binom.cdf(int(upper * n) - 1, n, p0) <= 0.975 + 1e-9 <= stats.binom.cdf(int(upper * n) + 1, n, p0)
    widths = [pool.funnel_limit(p0, n, 0.999) - pool.funnel_limit(p0, n, 0.001) for n in (20, 200, 2000)]
    assert widths[0] > widths[1] > widths[2] > 0
    assert pool.funnel_limit(p0, 200, 0.975) < pool.funnel_limit(p0, 200, 0.999)


def test_the_pooled_figure_sums_only_the_counts_shown_and_the_attack_passes():
    values = pd.concat([_published("800", 30, 150), _published("801", 45, 100), _published("802", "c", 80)])
    comp = pool.comparison(values, CATALOGUE)
    assert set(comp["la_code"]) == {"800", "801", "802"}
    first = comp.iloc[0]
    assert first["pooled_numerator"] == 75 and first["pooled_denominator"] == 250 and first["authorities_pooled"] == 2
    assert comp.set_index("la_code").loc["802", "funnel"] == "not shown (c)"
    assert comp.set_index("la_code").loc["801", "funnel"] == "above the 99.8% limit"     # 45% against 30%
    attack, _ = pool.attack_union(comp)
    assert attack.hidden == 1 and not attack.failed


def test_the_attack_over_the_union_catches_a_pooled_total_holding_a_hidden_count():
    values = pd.concat([_published("800", 30, 150), _published("801", 45, 100), _published("802", "c", 80)])
    comp = pool.comparison(values, CATALOGUE)
    # A pooled total that (wrongly) counts the authority whose numerator is hidden (true count 3).
    comp.loc[comp["la_code"] == "802", "is_pooled"] = True
    comp["pooled_numerator"], comp["pooled_denominator"] = 78.0, 330.0
    attack, where = pool.attack_union(comp)
    assert [(where[row], s) for row, s, _ in attack.recovered] == [("802 eh01_step_up_pct 2025-26", "numerator")]
    with pytest.raises(RuntimeError, match="802 eh01_step_up_pct 2025-26 numerator"):
        pool.check(comp)


def test_a_shareable_file_with_a_table_it_never_holds_is_not_pooled(tmp_path):
    a = places.Authority("800", "Bath", tmp_path)
    a.paths.ensure()
    with duckdb.connect(str(a.paths.warehouse_dir / "oba_shareable.duckdb")) as con:
        con.execute("create table stg_neet as select 'x' as child_id")
        con.execute("create table disclosure_certificate as select 'r1' as release_id, true as passed")
    member = pool.read_member(a)
    assert member.status == "refused" and "stg_neet" in member.reason
    missing = pool.read_member(places.Authority("801", "Bristol", tmp_path))
    assert missing.status == "missing"
    other = places.Authority("802", "North Somerset", tmp_path)
    other.paths.ensure()
    (other.paths.warehouse_dir / "oba_shareable.duckdb").write_bytes(b"not a database")
    assert pool.read_member(other).status == "refused"


def test_region_settings_and_the_authorities_found(tmp_path, monkeypatch):
    places.write_settings(tmp_path, [("800", "Bath and North East Somerset"), ("801", "")])
    (tmp_path / "authorities" / "802" / "landing").mkdir(parents=True)
    found = places.authorities(tmp_path)
    assert [(a.la_code, a.la_name) for a in found] == [
        ("800", "Bath and North East Somerset"), ("801", "Bristol, City of"), ("802", "North Somerset")]
    env = found[0].environment({"DAGSTER_HOME": "/elsewhere", "OBA_KEY_FILE": "/k", "PATH": "/bin"})
    assert env["OBA_DATA_DIR"] == str(tmp_path / "authorities" / "800") and env["OBA_LA_CODE"] == "800"
    assert env["DAGSTER_HOME"] == str(tmp_path / "authorities" / "800" / "dagster_home")
    assert env["OBA_KEY_FILE"] == str(tmp_path / "keys" / "800" / "pseudonym.key") and env["PATH"] == "/bin"
    (tmp_path / "region.csv").write_text("la_code,la_name\nBath,x\n")
    with pytest.raises(ValueError, match="la_code"):
        places.authorities(tmp_path)
