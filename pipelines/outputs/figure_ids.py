"""The stable id of every figure the paper and the workbook print: ``make`` writes it, ``parse``
reads it back (``oba explain ID``).

An id is ``<INDICATOR>.<measure name>/<period>/<breakdown>/<group>`` made from the measure id
(``eh01_step_up_pct`` -> ``EH01.step_up_pct``), the warehouse period key, the breakdown and the
breakdown value, e.g. ``EH01.step_up_pct/2024-25/ward/E05001234``; a headline figure (the
breakdown ``all``) is ``EH01.step_up_pct/2024-25/all``. The same key (measure, period,
breakdown, value) always gives the same id, from one run to the next. An academic year's ``/``
is written ``_`` in the period (``2025/26`` -> ``2025_26``: no period key has an underscore); a
``/`` or ``%`` inside a breakdown or its value is written ``%2F`` / ``%25``, so the id splits back
into the same four parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALL = "all"
_MEASURE = re.compile(r"^([a-z]+[0-9]+)_([a-z0-9_]+)$")
_SHORT = re.compile(r"^([A-Z]+[0-9]+)\.([a-z0-9_]+)$")


@dataclass(frozen=True)
class FigureKey:
    measure_id: str
    period: str
    breakdown: str = ALL
    breakdown_value: str = ALL


def _quote(part) -> str:
    return str(part).replace("%", "%25").replace("/", "%2F")


def _unquote(part: str) -> str:
    return part.replace("%2F", "/").replace("%25", "%")


def short_measure(measure_id: str) -> str:
    """``eh01_step_up_pct`` -> ``EH01.step_up_pct``."""
    m = _MEASURE.match(str(measure_id))
    if m is None:
        raise ValueError(f"{measure_id!r} is not a measure id (ehNN_<name>)")
    return f"{m.group(1).upper()}.{m.group(2)}"


def make(measure_id: str, period, breakdown: str = ALL, breakdown_value=ALL) -> str:
    """The figure's id; None parts are refused (a figure without a period has no id)."""
    if period is None or str(period) in ("", "nan", "None"):
        raise ValueError(f"{measure_id}: a figure without a period has no id")
    if "_" in str(period):
        raise ValueError(f"{measure_id}: period {period!r} is not a period key")
    head = f"{short_measure(measure_id)}/{str(period).replace('/', '_')}"
    if str(breakdown) == ALL:
        return f"{head}/{ALL}"
    return f"{head}/{_quote(breakdown)}/{_quote(breakdown_value)}"


def maybe(measure_id: str, period, breakdown: str = ALL, breakdown_value=ALL) -> str | None:
    """``make``, or None for a measure with no complete period yet (nothing printed, nothing to explain)."""
    try:
        return make(measure_id, period, breakdown, breakdown_value)
    except ValueError:
        return None


def parse(figure_id: str) -> FigureKey:
    """The (measure, period, breakdown, value) an id names; a malformed id is refused with the form expected."""
    parts = str(figure_id).strip().split("/")
    form = "expected INDICATOR.measure/PERIOD/all or INDICATOR.measure/PERIOD/BREAKDOWN/VALUE"
    m = _SHORT.match(parts[0]) if parts else None
    if m is None or len(parts) not in (3, 4) or (len(parts) == 3) != (parts[2] == ALL) or not parts[1]:
        raise ValueError(f"{figure_id!r} is not a figure id ({form}, e.g. EH01.step_up_pct/2024-25/ward/E05001234)")
    measure_id, period = f"{m.group(1).lower()}_{m.group(2)}", parts[1].replace("_", "/")
    if len(parts) == 3:
        return FigureKey(measure_id, period)
    return FigureKey(measure_id, period, _unquote(parts[2]), _unquote(parts[3]))
