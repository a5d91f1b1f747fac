"""Holding a bad delivery instead of the night: the delivery-level rules, in one place.

A new delivery that passes its reading (not refused, rejected or unreadable) is staged, then
judged here against the delivery in force for its period before it replaces it. It is
**held** (``load_log.status = 'held'``: not applied, its rows kept aside in ``raw_<source>``
and its failed records in ``quarantine``, the period left at its last good delivery) when:

* ``quarantine_share``: more than the source's ``max_quarantine_share`` of its records
  failed validation, and more than ``SMALL_NUMBER`` of them;
* ``empty_reissue``: it has no record and would replace a delivery that had records;
* ``fewer_rows``: it would replace the period's rows with fewer than ``min_reissue_share()``
  of them (``OBA_MIN_REISSUE_SHARE``, default 0.5);
* ``shorter_coverage``: its rows cover fewer months (the months of the source's own "as at"
  date columns) than the rows in force.

A delivery an officer released (``oba release FILE``: ``released()``) is applied whatever
these say. A re-issue with a higher version is judged against the delivery in force, and
when applied it replaces a held delivery of its period too.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from sources.catalogue import BY_NAME, Source

HELD = "held"
LIVE = ("pending", "loaded", "empty")   # statuses of the delivery in force for a period (loading.LIVE)
SMALL_NUMBER = 5          # quarantine_share holds only above this many quarantined records
MIN_REISSUE_SHARE = 0.5   # default of OBA_MIN_REISSUE_SHARE
RELEASES_FILE = "released_deliveries.csv"   # in the settings folder; written by ``oba release``
RELEASE_COLUMNS = ["source", "source_file", "file_hash", "released_at", "released_by"]
# Statuses of a delivery not applied because it failed a delivery-level check; its period keeps
# its earlier delivery. ``held`` rows are kept aside; refused / rejected / failed files are not
# kept at all (identifiers, wrong columns, unreadable bytes).
NOT_APPLIED = (HELD, "refused", "rejected", "failed")


def min_reissue_share() -> float:
    """The share of the rows in force a re-issue must bring to replace them (``OBA_MIN_REISSUE_SHARE``)."""
    value = os.environ.get("OBA_MIN_REISSUE_SHARE", "").strip()
    share = float(value) if value else MIN_REISSUE_SHARE
    if not 0 <= share <= 1:
        raise ValueError(f"OBA_MIN_REISSUE_SHARE must be between 0 and 1, not {value}")
    return share


@dataclass
class Delivery:
    """What the rules need to know of one delivery: its counts and the months its rows cover."""
    source_file: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    months: list[str]          # 'YYYY-MM' of the source's as-at date columns, sorted

    def coverage(self) -> str:
        if not self.months:
            return "no dated rows"
        return f"{self.months[0]} to {self.months[-1]} ({len(self.months)} months)"


def quarantine_share_exceeded(source: Source, rows_read: int, rows_quarantined: int) -> bool:
    """The one definition of "too many records quarantined" (the hold here, the check on stg_)."""
    share = rows_quarantined / rows_read if rows_read else 0.0
    return share > source.max_quarantine_share and rows_quarantined > SMALL_NUMBER


def judge(source: Source, new: Delivery, in_force: Delivery | None) -> tuple[str, str] | None:
    """(rule, reason in words) if ``new`` must be held rather than replace ``in_force``; None if it applies."""
    if quarantine_share_exceeded(source, new.rows_read, new.rows_quarantined):
        share = new.rows_quarantined / new.rows_read
        return "quarantine_share", (
            f"{new.rows_quarantined} of {new.rows_read} records quarantined ({share:.1%}), over the "
            f"{source.max_quarantine_share:.0%} threshold")
    if in_force is None or not in_force.rows_loaded:
        return None
    before = f"{in_force.rows_loaded} rows of {in_force.source_file}"
    if not new.rows_read:
        return "empty_reissue", f"empty re-issue: no records, would replace {before}"
    floor = min_reissue_share()
    if new.rows_loaded < floor * in_force.rows_loaded:
        return "fewer_rows", (f"would replace {before} with {new.rows_loaded} (less than {floor:.0%} of them); "
                              f"coverage {in_force.coverage()} before, {new.coverage()} after")
    if len(new.months) < len(in_force.months):
        return "shorter_coverage", (f"shorter coverage: {new.coverage()} where {in_force.source_file} covers "
                                    f"{in_force.coverage()}; rows {in_force.rows_loaded} before, "
                                    f"{new.rows_loaded} after")
    return None


def coverage_columns(source: Source) -> tuple[str, ...]:
    """The date columns whose months say what a delivery covers: the source's "as at" columns,
    else its date columns (a source without dates, e.g. a yearly return, has no coverage)."""
    return source.as_at.columns if source.as_at else tuple(c.name for c in source.columns if c.type == "date")


def months_sql(source: Source, table: str) -> str | None:
    """SQL giving the sorted 'YYYY-MM' months covered by the rows of one delivery (``$file_hash``)
    of ``table``, from ``coverage_columns`` (None when the source has no date column)."""
    columns = coverage_columns(source)
    if not columns:
        return None
    parts = " union ".join(f'select strftime("{c}", \'%Y-%m\') as m from "{table}" '
                           f'where file_hash = $file_hash and "{c}" is not null' for c in columns)
    return f"select coalesce(list(distinct m order by m), []::varchar[]) from ({parts})"


_FIX = {HELD: "", "refused": " without personal identifiers", "rejected": " with the catalogue's columns and "
        "day-first dates", "failed": " saved as UTF-8 or Windows-1252 CSV (or the catalogue's workbook)"}


def what_to_send(source: Source, period: str, version: int | None, status: str = HELD) -> str:
    """What the partner should send to replace a delivery not applied (``status``)."""
    name = f"{source.name}_{period}_v{(version or 1) + 1}"
    if status == HELD:
        return (f"a corrected re-issue {name} (or a higher version); or, if an officer has checked it is "
                f"right, `oba release` it")
    return f"a re-issue {name}{_FIX.get(status, '')}"


def releases_file(settings_dir: Path) -> Path:
    return settings_dir / RELEASES_FILE


def released(settings_dir: Path) -> dict[str, dict]:
    """Deliveries officers released: file_hash -> the release record."""
    path = releases_file(settings_dir)
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["file_hash"]: r for r in csv.DictReader(fh) if r.get("file_hash")}


def record_release(settings_dir: Path, source: str, source_file: str, file_hash: str) -> dict:
    """Append a release to the settings folder's register (made if missing); returns the record."""
    path = releases_file(settings_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    row = {"source": source, "source_file": source_file, "file_hash": file_hash,
           "released_at": dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
           "released_by": getpass.getuser()}
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RELEASE_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)
    return row


RULE_WORDS = {
    "quarantine_share": "too many of its records failed validation (over the source's threshold)",
    "empty_reissue": "an empty re-issue, which would blank out the period",
    "fewer_rows": "a re-issue that would replace the period's rows with far fewer",
    "shorter_coverage": "a re-issue covering fewer months than the delivery in force",
    "refused": "refused: personal identifiers",
    "rejected": "rejected: wrong columns or month-first dates",
    "failed": "unreadable",
}


@dataclass
class Held:
    """A delivery not applied (held, or refused / rejected / unreadable) that no later delivery of
    its period has replaced: what it is, why, what stays in force, what the partner should send."""
    source: str
    source_file: str
    period: str
    status: str
    reason: str
    in_force: str | None       # the delivery the period stays at (None: the period has none)
    indicators: list[str]      # indicators computed from the source: their figures are as at in_force
    send: str

    @property
    def rule(self) -> str:
        """The rule that held it: a hold rule (``held (rule): ...`` in its message), else its status."""
        if self.status == HELD and self.reason.startswith("held ("):
            return self.reason[len("held ("):].split(")", 1)[0]
        return self.status

    def plain(self) -> str:
        """The line without any count of records (for the board paper, whose counts are suppressed):
        why it is held, what stays in force, which figures are as at an earlier delivery, what to send."""
        stays = (f"{self.period} stays as at {self.in_force}" if self.in_force
                 else f"no delivery is in force for {self.period}")
        figures = (f"; {', '.join(self.indicators)} {'is' if len(self.indicators) == 1 else 'are'} as at that "
                   f"earlier delivery" if self.indicators and self.in_force else "")
        return f"{RULE_WORDS.get(self.rule, self.rule)}: {stays}{figures}. The partner should send {self.send}."

    def line(self) -> str:
        stays = (f"{self.source} {self.period} stays as at {self.in_force}" if self.in_force
                 else f"{self.source} has no delivery in force for {self.period}")
        figures = (f"; figures of {', '.join(self.indicators)} are as at that earlier delivery"
                   if self.indicators and self.in_force else
                   f"; {', '.join(self.indicators)} lack {self.period}" if self.indicators else "")
        why = (f"HELD {self.reason[len('held '):]}" if self.reason.startswith("held (")
               else f"{self.status.upper()}: {self.reason}")
        return f"{self.source_file} {why[:300]}. {stays}{figures}. Send: {self.send}"



# Entries refused unread (links, folders, FIFOs, names with control characters) are not deliveries.
_HELD_SQL = f"""
select l.source, l.source_file, coalesce(l.period, '') as period, l.version, l.status, coalesce(l.message, ''),
       (select c.source_file from load_log as c where c.source = l.source and c.period = l.period
          and c.status in ({", ".join(f"'{s}'" for s in LIVE)}) order by c.version desc, c.received_at desc limit 1)
from load_log as l
where l.status in ({", ".join(f"'{s}'" for s in NOT_APPLIED)})
  and not (l.status = 'refused' and l.encoding is null and l.rows_read = 0)
  and not exists (select 1 from load_log as c where c.source = l.source and c.period = l.period
                  and c.status in ({", ".join(f"'{s}'" for s in (*LIVE, "superseded"))})
                  and (coalesce(c.version, 1) > coalesce(l.version, 1)
                       or (coalesce(c.version, 1) = coalesce(l.version, 1) and c.received_at > l.received_at)))
order by l.source, l.period, l.source_file
"""


def held(con) -> list[Held]:
    """The deliveries not applied, from ``load_log`` (and ``indicator_catalogue``, for the figures
    they leave as at an earlier delivery) on ``con``: the run summary, ``oba status`` and the paper's
    data quality annex all read this one list."""
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    if "load_log" not in tables:
        return []
    by_source: dict[str, list[str]] = {}
    if "indicator_catalogue" in tables:
        for ind, sources in con.execute("select distinct indicator_id, sources from indicator_catalogue").fetchall():
            for s in (sources or "").split(", "):
                by_source.setdefault(s.strip(), []).append(ind)
    out = []
    for source, name, period, version, status, message, in_force in con.execute(_HELD_SQL).fetchall():
        src = BY_NAME.get(source)
        send = (what_to_send(src, period, version, status) if src and period else
                "a corrected file under the name the catalogue expects")
        out.append(Held(source, name, period, status, message.removeprefix(f"{name}: "), in_force,
                        sorted(set(by_source.get(source, []))), send))
    return out
