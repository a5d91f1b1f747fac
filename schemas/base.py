"""Shared building blocks of the per-source schemas: the string dtype, the model base, ``field``.

Every schema validates the frame made by ``pipelines.ingest.parsing.parse_frame``, whose dtypes come
from ``pipelines.ingest.parsing.DTYPES``. Descriptions, nullability and code lists are read from the
catalogue (``sources.catalogue``) so they are written once.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera import dtypes
from pandera.engines import pandas_engine

from schemas import checks


@pandas_engine.Engine.register_dtype
@dtypes.immutable
class Text(pandas_engine.DataType, dtypes.String):
    """The loader's ``"string"`` dtype: ``pd.StringDtype`` with ``pd.NA`` as the missing value.

    pandera 0.35 maps ``pd.StringDtype`` to the pandas-3 *NaN* string dtype (``"str"``), so a
    schema annotated with it and ``coerce=True`` silently turns the loader's ``string``
    columns into ``str`` columns. This dtype keeps exactly what ``parsing.DTYPES["str"]`` makes.
    """

    type = pd.StringDtype(na_value=pd.NA)

    def check(self, pandera_dtype, data_container=None):
        # pandera resolves any StringDtype to its own NaN-flavoured STRING before calling us,
        # which loses ``na_value``; compare the real dtype when the data is at hand.
        if data_container is not None:
            return data_container.dtype == self.type
        return isinstance(pandera_dtype, Text)

    def __str__(self) -> str:
        return "string"


class SourceModel(pa.DataFrameModel):
    """Base of the per-source models.

    Adds what ``DataFrameModel.Config`` cannot express in pandera 0.35: duplicate keys are
    reported with ``report_duplicates="exclude_first"``, so the first row of a duplicate set
    is kept and only the later ones are quarantined.
    """

    @classmethod
    def build_schema_(cls, **kwargs: Any) -> pa.DataFrameSchema:
        return super().build_schema_(report_duplicates="exclude_first", **kwargs)


def field(source: str, column: str, *column_checks: pa.Check, codes: str | None = None,
          multi: bool = False) -> Any:
    """A ``pa.Field`` for ``column`` of ``source``, described and made nullable per the catalogue.

    ``codes`` names the catalogue code list in a reason sentence (e.g. ``"an NCCIS activity
    code"``); it is required exactly when the catalogue column has a code list, so a code list
    cannot be forgotten. ``multi`` marks a ``;``-separated multi-code column.
    """
    from sources import catalogue  # deferred: the catalogue imports schemas.codes

    col = catalogue.get(source).column(column)
    if (codes is None) != (col.codes is None):
        raise ValueError(f"{source}.{column}: pass codes= exactly when the catalogue column has a code list")
    all_checks = list(column_checks)
    if col.codes is not None:
        allowed = [int(c) for c in col.codes] if col.type == "int" else list(col.codes)
        all_checks.insert(0, checks.known_codes(allowed, codes) if multi else checks.known_code(allowed, codes))
    info = pa.Field(description=col.description, nullable=col.nullable)
    # pa.Field only builds pandera's built-in checks from keywords; named custom checks are
    # attached to the FieldInfo it returns, which pandera turns into the column's checks.
    info.checks = [*info.checks, *all_checks]
    return info
