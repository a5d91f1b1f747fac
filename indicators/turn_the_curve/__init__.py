"""Turn the curve: what partners say about each indicator, kept in plain files officers edit.

One YAML file per indicator (``EH01.yaml`` ... ``EH12.yaml``, copied from
``_template.yaml``), one entry per reporting period of the indicator's headline measure
(``2024-25``, ``2024/25``, ``2025``: the period the paper shows). Each entry has four
parts, the heart of an Outcome-Based Accountability report:

- ``story``: the story behind the curve (why the line looks as it does);
- ``partners``: partners with a role to play in turning it;
- ``what_works``: what works (evidence, local or published);
- ``actions``: the action plan, each with ``action``, ``owner``, ``due`` (a date) and
  ``status`` (done, on track, late, dropped...: the board's word on it).

Each entry also carries its state: ``author``, ``written`` (the date it was written),
``data_as_at`` (the data it describes, as at that date), ``reviewed`` (yes / no) and
``reviewed_by``. An older file without them is read as before and shown as "state not
recorded"; the paper marks a story written before the data it describes changed, and an
action past its due date without a status.

The packaged files are the demo's; an authority keeps its own in
``<data dir>/settings/turn_the_curve/`` (``pipelines.settings.local_file``), so nothing in
the installed package is edited. A part left out or empty is *awaited*: the paper prints
"awaited" and ``oba status`` lists it.

``load`` returns one long frame (indicator, period, part, text, plus author, owner, due)
so free text can be screened for personal data row by row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml

from pipelines.settings import local_file
from sources import periods

HERE = Path(__file__).parent
TEMPLATE = HERE / "_template.yaml"
FOLDER = "turn_the_curve"          # inside <data dir>/settings
PARTS = ("story", "partners", "what_works", "actions")
PART_LABEL = {"story": "The story behind the curve", "partners": "Partners with a role to play",
              "what_works": "What works", "actions": "Action plan"}
COLUMNS = ["indicator", "period", "part", "item", "text", "author", "owner", "due", "file",
           "written", "data_as_at", "reviewed", "reviewed_by", "status"]
# The entry's state: who wrote it, when, for which data, and whether it has been reviewed.
STATE_KEYS = ("written", "data_as_at", "reviewed", "reviewed_by")
ENTRY_KEYS = {*PARTS, "author", *STATE_KEYS}
ACTION_KEYS = {"action", "owner", "due", "status"}
YES, NO = ("yes", "y", "true"), ("no", "n", "false")


class TurnTheCurveError(ValueError):
    """A turn-the-curve file breaks a rule; the message names the file, period and part."""


def indicator_ids() -> list[str]:
    from indicators import catalogue

    return [i.id for i in catalogue.indicators()]


def headline_period_types() -> dict[str, str]:
    """indicator -> the period type of its headline measure (how its periods are written)."""
    from indicators import catalogue

    head = catalogue.measures_frame().query("is_headline")
    return dict(zip(head["indicator_id"], head["period_type"]))


class _Loader(yaml.SafeLoader):
    """YAML that refuses a key written twice (a copied period would otherwise silently
    replace the first)."""


def _no_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"{key!r} is written twice", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)




def _check_period(period: str, period_type: str | None, where: str) -> None:
    """A period written as the paper writes the headline measure's (2024-25, 2024/25, 2025):
    the warehouse's period keys, so the entry meets its figures."""
    if period_type not in periods.PATTERNS:
        return
    # Two-year labels name consecutive years (2024-25, not 2024-26).
    if not periods.is_key(period, period_type, consecutive=True):
        raise TurnTheCurveError(f"{where}: the headline measure's periods are written like "
                                f"{periods.EXAMPLES[period_type]} "
                                f"({period_type.replace('_', ' ')}), not {period!r}")


def file_for(indicator: str, data_dir=None) -> Path:
    """The file in force for ``indicator``: the authority's own, else the packaged one."""
    return local_file(f"{FOLDER}/{indicator}.yaml", HERE / f"{indicator}.yaml", data_dir)


def _text(value, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise TurnTheCurveError(f"{where}: expected text, found a {type(value).__name__}")
    text = " ".join(str(value).split())
    return text or None


def _due(value, where: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise TurnTheCurveError(f"{where} {value!r} is not a date (write 2026-03-31)") from None


def _reviewed(value, where: str) -> bool | None:
    """yes / no (YAML reads them as true / false); left out: not recorded (None)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES or text in NO:
        return text in YES
    raise TurnTheCurveError(f"{where}: must be yes or no, not {value!r}")


def _state(entry: dict, where: str) -> dict:
    """The entry's state (``STATE_KEYS``); a field left out is None: "not recorded"."""
    return dict(written=_due(entry.get("written"), f"{where} written"),
                data_as_at=_due(entry.get("data_as_at"), f"{where} data_as_at"),
                reviewed=_reviewed(entry.get("reviewed"), f"{where} reviewed"),
                reviewed_by=_text(entry.get("reviewed_by"), f"{where} reviewed_by"))


def _items(value, where: str) -> list[str]:
    """A list part (partners, what works): a list of texts, or one text."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [t for i, v in enumerate(values, 1) if (t := _text(v, f"{where} item {i}"))]


def _fields(value, allowed: set[str], where: str, expected: str) -> dict:
    """``value`` as a mapping with only ``allowed`` keys; anything else raises naming ``where``."""
    value = {} if value is None else value
    if not isinstance(value, dict):
        raise TurnTheCurveError(f"{where}: expected {expected}, each on its own line")
    unknown = sorted(map(str, set(value) - allowed))
    if unknown:
        raise TurnTheCurveError(f"{where}: unknown field(s) {unknown}; expected {expected}")
    return value


def _actions(value, where: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TurnTheCurveError(f"{where}: actions must be a list of entries with action, owner and due")
    out = []
    for i, a in enumerate(value, 1):
        at = f"{where} action {i}"
        a = _fields(a, ACTION_KEYS, at, "action, owner, due and status")
        text = _text(a.get("action"), f"{at} action")
        if text is None:
            raise TurnTheCurveError(f"{at}: the action itself is missing")
        out.append(dict(text=text, owner=_text(a.get("owner"), f"{at} owner"), due=_due(a.get("due"), f"{at} due"),
                        status=_text(a.get("status"), f"{at} status")))
    return out


def read_file(path: Path, indicator: str) -> pd.DataFrame:
    """One indicator's file as long rows; any broken rule raises naming file, period and part."""
    try:
        doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise TurnTheCurveError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    except UnicodeDecodeError:
        raise TurnTheCurveError(f"{path}: not UTF-8 text") from None
    if not isinstance(doc, dict):
        raise TurnTheCurveError(f"{path}: expected 'indicator:' and 'periods:' at the top")
    if str(doc.get("indicator", "")).strip().upper() != indicator:
        raise TurnTheCurveError(f"{path}: says indicator {doc.get('indicator')!r}, file is for {indicator}")
    unknown = sorted(set(doc) - {"indicator", "periods"})
    if unknown:
        raise TurnTheCurveError(f"{path}: unknown field(s) {unknown} at the top")
    periods = doc.get("periods") or {}
    if not isinstance(periods, dict):
        raise TurnTheCurveError(f"{path}: periods must be one entry per period (e.g. '2024-25':)")
    rows = []
    period_type = headline_period_types().get(indicator)
    for key, entry in periods.items():
        period = str(key).strip()
        where = f"{path} period {period}"
        _check_period(period, period_type, where)
        entry = _fields(entry, ENTRY_KEYS, where, f"{', '.join(PARTS)}, author, {', '.join(STATE_KEYS)}")
        author = _text(entry.get("author"), f"{where} author")
        base = dict(indicator=indicator, period=period, author=author, owner=None, due=None, file=str(path),
                    status=None, **_state(entry, where))
        story = _text(entry.get("story"), f"{where} story")
        if story:
            rows.append({**base, "part": "story", "item": 1, "text": story})
        for part in ("partners", "what_works"):
            rows += [{**base, "part": part, "item": i, "text": t}
                     for i, t in enumerate(_items(entry.get(part), f"{where} {part}"), 1)]
        rows += [{**base, "part": "actions", "item": i, **a}
                 for i, a in enumerate(_actions(entry.get("actions"), f"{where} actions"), 1)]
    return pd.DataFrame(rows, columns=COLUMNS)


def load(data_dir=None) -> pd.DataFrame:
    """Every indicator's turn-the-curve text, long: one row per story, partner, what-works
    item and action (``indicator, period, part, item, text, author, owner, due, file``)."""
    from pipelines.settings import paths

    known = indicator_ids()
    own = paths(data_dir).settings / FOLDER
    # A misnamed file (EH7.yaml) would otherwise be ignored; copies of the template (_*) are fine.
    stray = sorted(p.name for p in own.glob("*.y*ml")
                   if p.stem not in known and not p.stem.startswith("_")) if own.is_dir() else []
    if stray:
        raise TurnTheCurveError(f"{own}: {', '.join(stray)} not an indicator's file: name each file after its "
                                f"indicator ({known[0]}.yaml ... {known[-1]}.yaml)")
    frames = []
    for ind in known:
        path = file_for(ind, data_dir)
        if path.is_file():
            frames.append(read_file(path, ind))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat(frames, ignore_index=True).astype(object)
    return frame.where(frame.notna(), None)   # blanks stay None (not NaN) for the screen and the paper


def state(frame: pd.DataFrame, indicator: str, period) -> dict:
    """Who wrote the entry of ``indicator`` for ``period``, when, for which data as at, and
    whether it was reviewed (by whom); ``recorded`` is False when the file predates these
    fields (shown as "state not recorded", never refused)."""
    mine = frame[(frame["indicator"] == indicator) & (frame["period"] == str(period))]
    first = {k: next((v for v in mine[k] if v is not None and not (isinstance(v, float) and pd.isna(v))), None)
             for k in ("author", *STATE_KEYS)} if len(mine) and "written" in mine else {}
    recorded = any(first.get(k) is not None for k in STATE_KEYS)
    return dict(exists=len(mine) > 0, recorded=recorded, **{k: first.get(k) for k in ("author", *STATE_KEYS)})


def awaited(frame: pd.DataFrame, periods: dict[str, str | None]) -> list[tuple[str, str, str]]:
    """(indicator, period, part) for every part with no text, for each indicator's period
    in ``periods`` (indicator -> the headline period reported; None: no complete period
    yet, when every part is awaited as the paper prints it)."""
    have = set(zip(frame["indicator"], frame["period"], frame["part"]))
    return [(ind, p, part) for ind, p in periods.items() for part in PARTS if (ind, p, part) not in have]


def describe_awaited(missing: list[tuple[str, str, str]]) -> list[str]:
    """One line per indicator and period: which parts are awaited."""
    by: dict[tuple[str, str], list[str]] = {}
    for ind, p, part in missing:
        by.setdefault((ind, p or "(no complete period yet)"), []).append(PART_LABEL[part].lower())
    return [f"{ind} {p}: {', '.join(parts)}" for (ind, p), parts in by.items()]


def commentary(data_dir=None) -> pd.DataFrame:
    """The story behind the curve of each indicator and period, from the turn-the-curve
    files (checked there), as ``measure_id`` (the indicator id, EH07), period, commentary,
    author: the scorecard gives it to every measure of the indicator for that period."""
    story = load(data_dir).query("part == 'story'")
    return pd.DataFrame({"measure_id": story["indicator"], "period": story["period"],
                         "commentary": story["text"], "author": story["author"]}).reset_index(drop=True)
