"""Attainment (EYFS, KS2, KS4): one row per pupil per assessment."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame, Series

from schemas import checks
from schemas.base import SourceModel, Text, field


class Attainment(SourceModel, source="attainment"):
    child_id: Series[Text] = field()
    academic_year: Series[Text] = field(checks.academic_year())
    stage: Series[Text] = field(codes="an assessment stage (EYFS, KS2, KS4)")
    fsm: Series[pd.BooleanDtype] = field()
    disadvantaged: Series[pd.BooleanDtype] = field()
    gld: Series[pd.BooleanDtype] = field()
    ks2_rwm_expected: Series[pd.BooleanDtype] = field()
    ks4_attainment8: Series[pd.Float64Dtype] = field(checks.between(0, 90, "Attainment 8 score"))
    sex: Series[Text] = field(codes="a sex code (F, M, U)")
    imd_decile: Series[pd.Int64Dtype] = field(checks.between(1, 10, "IMD decile"))

    # Each measure belongs to one stage; a value at another stage is a mis-keyed row.
    # (A blank at its own stage is allowed: absent or not assessed.)
    @checks.row_rule("GLD only at EYFS", ("gld", "stage"), "gld is {gld} but stage is {stage}, not EYFS")
    def _gld_at_eyfs(cls, df: DataFrame) -> Series[bool]:
        return checks.present_only_if(df, "gld", df["stage"] == "EYFS")

    @checks.row_rule("KS2 RWM only at KS2", ("ks2_rwm_expected", "stage"),
                     "ks2_rwm_expected is {ks2_rwm_expected} but stage is {stage}, not KS2")
    def _rwm_at_ks2(cls, df: DataFrame) -> Series[bool]:
        return checks.present_only_if(df, "ks2_rwm_expected", df["stage"] == "KS2")

    @checks.row_rule("Attainment 8 only at KS4", ("ks4_attainment8", "stage"),
                     "ks4_attainment8 is {ks4_attainment8} but stage is {stage}, not KS4")
    def _att8_at_ks4(cls, df: DataFrame) -> Series[bool]:
        return checks.present_only_if(df, "ks4_attainment8", df["stage"] == "KS4")
