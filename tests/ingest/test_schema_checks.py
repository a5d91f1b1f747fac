"""The loader's direct call of the schema's checks (``validation._schema_failures``) reports
exactly what pandera's lazy validation reports (``schemas.failures``), source by source, on
the validation corpus (every fault the generator makes, plus hand-made hostile files)."""

from __future__ import annotations

import pandas as pd
import pytest
from validation_corpus import make

import schemas
from pipelines.ingest import validation
from pipelines.ingest.extracts import ExtractError, read_extract
from pipelines.ingest.loading import deliveries
from pipelines.ingest.parsing import parse_frame
from sources.catalogue import SOURCES


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus") / "landing"
    make(folder)
    return folder


def _rows(failures: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(str(v) for v in r) for r in failures[schemas.FAILURE_COLUMNS].itertuples(index=False))


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_direct_checks_report_what_pandera_reports(landing, source):
    frames = []
    for path, _, _ in deliveries(source, landing):
        try:
            extract = read_extract(path, source)
        except ExtractError:
            continue
        if not extract.pii:
            frames.append(extract.frame)
    typed, _ = parse_frame(pd.concat(frames, ignore_index=True), source.columns)
    direct = validation._schema_failures(source, typed)
    assert validation._check_cases(validation._without_key(source), typed, source) is not None  # not the fallback
    assert _rows(direct) == _rows(schemas.failures(validation._without_key(source), typed))
