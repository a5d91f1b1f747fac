"""Typing each distinct cell once (``parse_column``) gives every cell exactly what typing
cell by cell (``parse_text``) gives it: same values and dtypes, same cells reported as bad."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.ingest.parsing import parse_column, parse_text

CELLS = {
    "int": ["18", " 17 ", "007", "-0", "-12", "+5", "1,000", "1.0", "1.5", "1e3", "", "   ", None, "x", "٣",
            "999999999999999", "99999999999999999999", "0x10", "- 3", "12 3", "\u00a016\u00a0", "16\t"],
    "float": ["1.5", " 2 ", "1,234.5", "0.1", "1e-3", "-0", "nan", "inf", "", None, "x", "1.2.3", "3,5"],
    "date": ["01/04/2016", "31/02/2016", "29/02/2024", "29/02/2023", "00/01/2020", "01/13/2020", "1/4/2016",
             "2016-04-01", "2016-02-30", "2016-4-1", "01-04-2016", "01/04/16", "01/04/2016 00:00:00",
             "2016-04-01 13:45:00", "2016-04-01T00:00:00", "2016/04/01", " 01/04/2016 ", "01/04/0000",
             "01/01/1699", "01/01/1700", "31/12/2199", "", None, "today", "01/04/2016x", "\u00a001/04/2016"],
    "bool": ["Y", "n", " yes ", "TRUE", "f", "0", "1", "2", "", None, "maybe", "Ja"],
    "str": ["  a ", "b", "", "   ", None, "\u00a0c", "Total", "é"],
}


@pytest.mark.parametrize("type_", sorted(CELLS))
@pytest.mark.parametrize("copies", [1, 3])  # 3: mostly repeated cells, so typed per distinct cell
def test_typing_distinct_cells_matches_typing_every_cell(type_, copies):
    cells = CELLS[type_] * copies
    values = pd.Series(cells, dtype="string", index=range(100, 100 + len(cells)), name="col")
    typed, bad = parse_column(values, type_)
    want, want_bad = parse_text(values, type_)
    pd.testing.assert_series_equal(typed, want, check_names=False)  # parse_frame names the columns
    assert bad.index.equals(want_bad.index)
    assert bad.to_numpy(dtype=bool).tolist() == want_bad.to_numpy(dtype=bool).tolist()


def test_dates_from_numbers_are_those_pandas_makes():
    """``judge_dates`` counts dates made from day, month and year numbers by ``_as_dates``: the
    same days as ``pd.to_datetime`` of the three makes, inside any period it can be asked about."""
    import numpy as np

    from pipelines.ingest.parsing import _as_dates

    rng = np.random.default_rng(18)
    year = rng.choice([1999, 2000, 2023, 2024, 2025, 2100, 2262, 2263, 9999, 1678], 20_000)
    month, day = rng.integers(-1, 15, 20_000), rng.integers(-1, 34, 20_000)
    ours = _as_dates(year, month, day)
    theirs = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    for start, end in [("2024-02-01", "2024-02-29"), ("2023-04-01", "2024-03-31"), ("2000-01-01", "2100-12-31")]:
        inside = (ours >= np.datetime64(start)) & (ours <= np.datetime64(end))
        expected = ((theirs >= pd.Timestamp(start)) & (theirs <= pd.Timestamp(end))).to_numpy()
        assert (inside == expected).all() and inside.any()
    assert np.isnat(_as_dates([2023], [2], [29]))[0] and not np.isnat(_as_dates([2024], [2], [29]))[0]


def test_an_int_too_large_to_hold_exactly_is_reported_not_loaded_wrong():
    """A whole number typed through a double from 2**53 up, or inf, is a parse error; before,
    9007199254740993 loaded as ...992 and 12345678901234567890 or inf as int64's minimum."""
    cells = ["9007199254740991", "9007199254740992", "9007199254740993", "12345678901234567890", "inf",
             "-inf", "Infinity", "-9007199254740991", "1e20", "17"]
    for context in ([], ["1.5"]):       # alone (typed as int64) and beside a fraction (float64)
        typed, bad = parse_text(pd.Series(cells + context, dtype="string"), "int")
        assert typed.tolist()[:len(cells)] == [9007199254740991, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA,
                                               -9007199254740991, pd.NA, 17]
        assert bad.tolist()[:len(cells)] == [False, True, True, True, True, True, True, False, True, False]
