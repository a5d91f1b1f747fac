"""pandera schemas, one module per catalogue source (``schemas.<source>``).

``SCHEMAS`` maps every source name to its ``DataFrameModel``; ``get(name)`` looks one up;
``failures(schema, frame)`` (from ``schemas.report``) lists what fails validation, one row
per failing cell / row; ``key_failures(schema, frame, within)`` judges the key rule alone
within each value of a column.

Each model names its source once (``class Neet(SourceModel, source="neet")``); the rest of
its ``Config`` (name, key, strict, coerce) comes from the catalogue (``schemas.base``).
The schema modules are imported lazily (PEP 562 ``__getattr__``) so that importing
``schemas`` (or one of its helpers) does not build every model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = ["SCHEMAS", "get", "failures", "key_failures", "FAILURE_COLUMNS", "SchemaContractError"]


class SchemaContractError(AssertionError):
    """A schema does not match its catalogue entry (columns, order or name)."""


_schemas: dict[str, type[pa.DataFrameModel]] | None = None


def _load() -> dict[str, type[pa.DataFrameModel]]:
    """Import every schema module and check it against the catalogue (the contract)."""
    global _schemas
    if _schemas is None:
        import pandera.pandas as pa

        from sources.catalogue import SOURCES

        found = {}
        for source in SOURCES:
            module = importlib.import_module(f"schemas.{source.name}")
            models = [v for v in vars(module).values()
                      if isinstance(v, type) and issubclass(v, pa.DataFrameModel) and v.__module__ == module.__name__]
            if len(models) != 1:
                raise SchemaContractError(f"schemas.{source.name} must define exactly one DataFrameModel")
            model = models[0]
            schema = model.to_schema()
            if list(schema.columns) != source.column_names or schema.name != source.name:
                raise SchemaContractError(
                    f"schemas.{source.name}.{model.__name__} ({schema.name}: {list(schema.columns)}) "
                    f"does not match the catalogue ({source.name}: {source.column_names})")
            found[source.name] = model
        _schemas = found
    return _schemas


def get(name: str) -> type[pa.DataFrameModel]:
    try:
        return _load()[name]
    except KeyError:
        raise KeyError(f"no schema for {name!r}; known: {', '.join(_load())}") from None


def __getattr__(attr: str):
    if attr == "SCHEMAS":
        return _load()
    if attr in ("failures", "key_failures", "FAILURE_COLUMNS"):
        from schemas import report as module

        return getattr(module, attr)
    raise AttributeError(f"module 'schemas' has no attribute {attr!r}")
