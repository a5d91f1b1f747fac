"""Free text that reaches the paper and workbook is screened: small numbers of people and
identifiers hold the paper back (pipelines/outputs/screening.py)."""

import shutil

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.outputs import assets as reports
from pipelines.outputs import screening
from pipelines.warehouse import Warehouse
from sample_warehouse import build_sample, write_shareable


@pytest.mark.parametrize("text", [
    "Step-ups rose after two large families moved in with child protection histories.",
    "3 children were referred in the month.", "One young person left the area.", "a couple of families moved",
    "2 of 30 children", "Five NEET young people", "Called mum on 07700 900123.", "now living at BA2 4HD",
    "DOB 03/04/2012 per school", "NHS 943 476 5919",
])
def test_disclosive_sentences_are_found(text):
    assert screening.screen_text(text)


@pytest.mark.parametrize("text", [
    "one in five children are NEET", "Year 5 children did well", "5% of children", "up 2 points for children",
    "Take-up dipped when a Twerton nursery closed; 3 months later it recovered.", "over 5 families", "the two localities",
    "Not-known fell after Youth Connect's January tracking exercise.",
])
def test_ordinary_sentences_pass(text):
    assert screening.screen_text(text) == []


def test_findings_name_indicator_period_part_and_sentence_with_identifiers_masked():
    frame = pd.DataFrame({"indicator": ["EH01", "EH07"], "period": ["2024-25", "2024"], "part": ["story", "actions"],
                          "text": ["Demand rose. Two families moved in.", "Ring 07700 900123 for the list."]})
    found = screening.screen(frame)
    assert [(f.indicator, f.period, f.part) for f in found] == [("EH01", "2024-25", "story"), ("EH07", "2024", "actions")]
    assert found[0].sentence == "Two families moved in."
    assert "900123" not in str(found[1]) and "Ring" in str(found[1])


def test_packaged_turn_the_curve_text_passes_the_screen():
    from indicators import turn_the_curve

    frame = turn_the_curve.load()
    assert len(frame) and set(frame["part"]) >= {"story", "actions"}
    assert screening.screen(frame[["indicator", "period", "part", "text"]]) == []


@pytest.fixture
def sample_data(tmp_path):
    data = tmp_path / "data"
    build = data / "warehouse" / "build" / "oba.duckdb"
    build.parent.mkdir(parents=True)
    shutil.copyfile(build_sample(tmp_path / "sample.duckdb"), build)
    write_shareable(build)
    return data, build


def _run(data):
    return dg.materialize(reports.assets, resources={"warehouse": Warehouse(data_dir=str(data))},
                          run_config={"ops": {"board_paper": {"config": {"pdf": False}}}}, raise_on_error=False)


def _story(data, indicator: str, period: str, text: str) -> None:
    """The authority's own turn-the-curve file for one indicator, with one period's story."""
    own = data / "settings" / "turn_the_curve"
    own.mkdir(parents=True, exist_ok=True)
    (own / f"{indicator}.yaml").write_text(
        f'indicator: {indicator}\nperiods:\n  "{period}":\n    author: Test\n    story: {text}\n')


def test_commentary_saying_two_families_holds_the_paper_and_workbook(sample_data):
    from pipelines.outputs import gather

    data, build = sample_data
    with duckdb.connect(str(build), read_only=True) as con:
        _, heads = gather.headline_periods(con)
    indicator, period = next((i, p) for i, p in heads.items() if p)
    _story(data, indicator, period, "Demand rose. Two families moved into the locality.")
    result = _run(data)
    assert not result.success
    for step in ("board_paper", "scorecard_workbook"):
        failure = next(e for e in result.all_events if e.is_step_failure and e.step_key == step)
        message = failure.step_failure_data.error.cause.message if failure.step_failure_data.error.cause \
            else failure.step_failure_data.error.message
        assert "held back" in message and indicator in message and str(period) in message
        assert "Two families moved into the locality." in message
    assert not list((data / "papers").rglob("*.html")) if (data / "papers").exists() else True
    # The text changed: the paper is written.
    _story(data, indicator, period, "Demand rose as families moved into the locality.")
    assert _run(data).success
    assert list((data / "papers").rglob("*.html"))
