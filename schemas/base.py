"""Shared building blocks of the per-source schemas: the string dtype, the model base, ``field``.

Every schema validates the frame made by ``pipelines.ingest.parsing.parse_frame``, whose dtypes come
from ``pipelines.ingest.parsing.DTYPES``. Everything the catalogue (``sources.catalogue``) already
says is read from it, so it is written once: the model's name, its key (pandera's ``unique``),
and each column's description, nullability and code list. A schema module keeps only its
columns' dtypes, their own checks and the row rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera import dtypes
from pandera.engines import pandas_engine

from schemas import checks
from sources import catalogue


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
    """Base of the per-source models: ``class Neet(SourceModel, source="neet")``.

    The source is named once, in the class statement; its catalogue entry gives the model's
    ``Config`` (name, key -> ``unique``; always ``strict`` and ``coerce``) and turns each
    ``field(...)`` into the column's ``pa.Field``.

    Adds what ``DataFrameModel.Config`` cannot express in pandera 0.35: duplicate keys are
    reported with ``report_duplicates="exclude_first"``, so the first row of a duplicate set
    is kept and only the later ones are quarantined.
    """

    def __init_subclass__(cls, source: str | None = None, **kwargs: Any) -> None:
        if source is not None:
            entry = catalogue.get(source)
            for name, value in list(vars(cls).items()):
                if isinstance(value, _Field):
                    info = value.build(entry, name)
                    info.__set_name__(cls, name)
                    setattr(cls, name, info)
            cls.Config = type("Config", (cls.Config,), {
                "name": entry.name, "strict": True, "coerce": True, "unique": list(entry.key)})
        super().__init_subclass__(**kwargs)

    @classmethod
    def build_schema_(cls, **kwargs: Any) -> pa.DataFrameSchema:
        return super().build_schema_(report_duplicates="exclude_first", **kwargs)


@dataclass(frozen=True)
class _Field:
    """A column's own checks, waiting for the model's source to say the rest (``SourceModel``)."""

    own_checks: tuple[pa.Check, ...]
    codes: str | None
    multi: bool

    def build(self, source: catalogue.Source, column: str) -> Any:
        """The ``pa.Field`` for ``column`` of ``source``, described and made nullable per the catalogue."""
        if column not in source.column_names:
            raise ValueError(f"{source.name}.{column}: not a column of {source.name} in the catalogue")
        col = source.column(column)
        if (self.codes is None) != (col.codes is None):
            raise ValueError(f"{source.name}.{column}: pass codes= exactly when the catalogue column has a code list")
        all_checks = list(self.own_checks)
        if col.codes is not None:
            allowed = [int(c) for c in col.codes] if col.type == "int" else list(col.codes)
            known = checks.known_codes if self.multi else checks.known_code
            all_checks.insert(0, known(allowed, self.codes))
        info = pa.Field(description=col.description, nullable=col.nullable)
        # pa.Field only builds pandera's built-in checks from keywords; named custom checks are
        # attached to the FieldInfo it returns, which pandera turns into the column's checks.
        info.checks = [*info.checks, *all_checks]
        return info


def field(*column_checks: pa.Check, codes: str | None = None, multi: bool = False) -> Any:
    """A column of a ``SourceModel``: its own checks; the rest comes from the catalogue.

    ``codes`` names the catalogue code list in a reason sentence (e.g. ``"an NCCIS activity
    code"``); it is required exactly when the catalogue column has a code list, so a code list
    cannot be forgotten. ``multi`` marks a ``;``-separated multi-code column.
    """
    return _Field(tuple(column_checks), codes, multi)
