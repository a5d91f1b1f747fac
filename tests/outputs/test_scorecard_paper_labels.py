"""A benchmark verdict for an earlier period than the local value is labelled with that period
wherever the paper and workbook show it (issue 14: like with like, never unlabelled)."""

import pandas as pd

from pipelines.outputs import content
from pipelines.outputs import workbook


def _row(**kw):
    base = dict(indicator_id="EH04", indicator_title="Fewer exclusions", title="Suspensions per 100 pupils",
                unit="per_100", period="2025/26", value=6.1, ci_lower=5.8, ci_upper=6.4, previous_value=5.9,
                trend="no significant change", forecast_value=6.3, target=None, rag=None,
                england_value=9.3, sn_value=8.1, vs_england="better", vs_sn="better",
                benchmark_period="2023/24")
    return pd.Series({**base, **kw})


def test_an_earlier_benchmark_period_is_named_beside_the_value():
    cells = content._headline_cells(_row())
    assert (cells["period"], cells["value"]) == ("2025/26", "6.1")
    # The scorecard template prints the comparator period under each comparator value.
    assert (cells["england"], cells["sn"], cells["bench_period"]) == ("9.3", "8.1", "2023/24")


def test_a_measure_without_comparators_has_no_comparator_period():
    cells = content._headline_cells(_row(benchmark_period=None, england_value=None, sn_value=None))
    assert cells["bench_period"] is None and "(" not in cells["england"] and "(" not in cells["sn"]


def test_the_section_text_says_which_of_our_values_the_verdicts_judge():
    text = content._compared(_row(region_value=None), "South West")
    assert text.startswith("Published comparators for 2023/24: England 9.3 (better)")
    assert "Verdicts set our 2023/24 value against them" in text
    assert "Verdicts set" not in content._compared(_row(benchmark_period="2025/26"), "South West")


def test_the_workbook_carries_the_benchmark_period():
    assert workbook.SCORECARD["benchmark_period"].startswith("Comparator period")
    keys = list(workbook.SCORECARD)
    assert keys.index("benchmark_period") < keys.index("england_value") < keys.index("vs_england")


def test_the_summary_says_when_verdicts_are_for_earlier_periods():
    from pipelines.outputs import summary
    head = pd.DataFrame([_row(), _row(benchmark_period="2025/26")])
    assert summary._earlier_benchmarks(head)
    assert not summary._earlier_benchmarks(pd.DataFrame([_row(benchmark_period="2025/26")]))
    assert not summary._earlier_benchmarks(pd.DataFrame([_row()]).drop(columns=["benchmark_period"]))
