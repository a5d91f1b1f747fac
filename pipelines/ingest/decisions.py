"""What the loader does with a file in the landing folder, decided without the warehouse.

Two pure steps, in the order the loader meets them (``loading._load`` does the reading and
the writing around them):

1. ``admit``: a landing file (its name, content hash and version) against what the load log
   already holds and the delivery in force for its period -> **skip** (already in the log, a
   copy, removed since the scan) or the load-log key to record it under, and whether its
   bytes must be read again (a higher-version re-issue byte-identical to an earlier delivery).
2. ``decide``: the file as read (an ``Arrival``) against the delivery in force ->
   **supersede** (an older version than the one in force: never applied), **refuse** (the file
   as a whole cannot be used, or it carries personal identifiers; the status names which),
   or **load** (pending validation; ``empty`` for a delivery with no records).

Whether a loaded delivery then applies or is **held** is ``holding.judge``'s decision, made
once its rows are validated (``loading.settle``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SKIP, SUPERSEDE, REFUSE, LOAD = "skip", "supersede", "refuse", "load"


@dataclass(frozen=True)
class InForce:
    """The delivery in force for a period: its load-log key, version and file name."""
    key: str
    version: int
    name: str


@dataclass(frozen=True)
class Admission:
    outcome: str          # SKIP, or LOAD: go on and read (or re-read) the file
    key: str = ""         # the load-log key to record it under
    reread: bool = False  # its bytes were not parsed (known content): read them again
    reason: str = ""


def reissue_key(digest: str, name: str) -> str:
    """load_log identity of a re-issue byte-identical to an earlier delivery of its period
    (``_v3`` = ``_v1``): the content hash with the file name, so both stay in the log."""
    return hashlib.sha256(f"{digest}\0{name}".encode()).hexdigest()


def admit(name: str, digest: str, version: int, in_force: InForce | None,
          handled: set[tuple[str, str]], seen: set[str]) -> Admission:
    """Step 1. ``handled``: (file name, key) pairs already in the load log; ``seen``: keys in
    the load log or met earlier in this run. ``digest`` is '' for a file removed since the scan."""
    if not digest:
        return Admission(SKIP, reason="removed since the landing folder was scanned")
    if (name, digest) in handled or (name, reissue_key(digest, name)) in handled:
        return Admission(SKIP, reason="already in the load log")
    if digest not in seen:
        return Admission(LOAD, digest)
    # The same bytes under another name: a copy, ignored (deliveries_accepted says so), unless
    # it is a higher version than the delivery in force: the highest version always wins,
    # whatever content came before it (a _v3 equal to a superseded _v1, or to the _v1 in
    # force: a later _v2 must not then take over from it).
    if not (in_force and version > in_force.version):
        return Admission(SKIP, reason="a copy of a delivery already received")
    key = reissue_key(digest, name)
    if key in seen:
        return Admission(SKIP, reason="a copy of a re-issue already received")
    return Admission(LOAD, key, reread=True)


@dataclass(frozen=True)
class Arrival:
    """A file as read: ``problem_status`` / ``problem`` when it cannot be used as a whole
    (``extracts.ExtractError``); ``identifiers``: the guard's findings, worded; ``rows_read``."""
    name: str
    period: str
    version: int
    problem_status: str = ""
    problem: str = ""
    identifiers: tuple[str, ...] = ()
    rows_read: int = 0
    has_encoding: bool = True   # False: no bytes or no header at all (an empty delivery)


@dataclass(frozen=True)
class Decision:
    outcome: str   # SUPERSEDE, REFUSE or LOAD
    status: str    # the load-log status it is recorded with
    reason: str    # the load-log message (LOAD: the note on an empty delivery, if any)


def decide(arrival: Arrival, in_force: InForce | None) -> Decision:
    """Step 2: what becomes of a file admitted and read."""
    if in_force and arrival.version < in_force.version:
        return Decision(SUPERSEDE, "superseded", f"older version than {in_force.name}, which is already loaded "
                                                 f"for {arrival.period}")
    if arrival.problem_status:
        return Decision(REFUSE, arrival.problem_status, arrival.problem)
    if arrival.identifiers:
        return Decision(REFUSE, "refused", f"{arrival.name}: personal identifiers found (refused whole): "
                                           + "; ".join(arrival.identifiers))
    if arrival.rows_read:
        return Decision(LOAD, "pending", "")
    return Decision(LOAD, "empty", "empty delivery: the file has no records" if arrival.has_encoding else
                    "empty delivery: the file has no bytes or no header")
