"""What is in the landing folder, judged by name and kind before anything is opened.

Only a *regular file* whose whole name is ``<source>_<period>[_v<N>].<ext>`` is a delivery.
Everything else is named and reported, never silently skipped:

* ``unrecognised``: a regular file whose name matches no source (``neet_2026-10 (1).csv``,
  ``NEET_Oct.csv``, ``neet_2026-10.xlsx`` where the source takes csv only), recorded with
  the nearest source and the period the name seems to carry;
* ``refused``: anything that is not a regular file: a symbolic link (to a file or a
  folder), a folder, a FIFO, a device or socket, or a name holding control characters or
  bytes that are not text. (A hard link is a regular file: whoever made it could read the
  file anyway, so it is read like a copy.) Such an entry is never
  followed, opened or read: its kind is told from ``lstat`` alone, so a link to
  ``/etc/passwd`` puts none of that file's text anywhere.

A delivery is read with ``read_regular``, which opens it without following a link and
proves, on the open descriptor, that it is still a regular file (the folder may change
between the scan and the read).
"""

from __future__ import annotations

import difflib
import functools
import errno
import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest import pii
from sources import periods
from sources.catalogue import MAX_VERSION, SOURCES, Source, identify

DELIVERY, UNRECOGNISED, REFUSED = "delivery", "unrecognised", "refused"
# Every landing entry that is not a delivery is logged with a message ending so: it was never opened.
NOT_READ = "not read"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional controls and every other invisible character (zero-width spaces and joiners,
# soft hyphens, tags): a name holding one can look like another ('cme_2024-03\u200b.csv').
_BIDI = re.compile("[" + "".join(map(re.escape, pii.INVISIBLE)) + "\u2028\u2029]")
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"], start=1)}


class NotARegularFile(OSError):
    """The landing entry changed into something that is not a regular file before it was read."""


@dataclass(frozen=True)
class Entry:
    path: Path
    name: str            # printable: control characters and undecodable bytes escaped
    kind: str            # DELIVERY | UNRECOGNISED | REFUSED
    source: Source       # the source it is a delivery of, or the nearest one
    period: str | None   # from the name (None when the name carries none)
    version: int | None
    message: str         # why it is not a delivery ('' for a delivery)
    size: int
    mtime: float
    mtime_ns: int

    @property
    def key(self) -> str:
        """load_log identity of an entry that is never read: its kind, name, size and time
        (a SHA-256 like a content hash, but of what ``lstat`` says; the file is not opened)."""
        text = f"{self.kind}\0{self.name}\0{self.size}\0{self.mtime_ns}"
        return hashlib.sha256(text.encode()).hexdigest()


def printable(name: str) -> str:
    """``name`` safe to print and store: bytes that are not UTF-8, control characters,
    bidirectional controls (a right-to-left override makes 'gpj.csv' read 'vsc.jpg') and other
    invisible characters (zero-width spaces, soft hyphens) escaped."""
    raw = os.fsencode(name).decode("utf-8", "backslashreplace")
    raw = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", raw)
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def shown(text: str) -> str:
    """What may be published about a landing entry or a delivery (a name, a message): escaped
    (``printable``) and every identifier or person's name in it masked."""
    return pii.masked(printable(text))


@functools.lru_cache(maxsize=4096)
def _name_shown(name: str) -> str:
    """A landing entry's name as published: masked as text, and again with its words apart
    ('neet_v9434765919' and 'Lily_Smith_BA24HD' hold what 'neet v 9434765919' shows)."""
    safe = pii.masked(name)
    if safe != name:
        return safe
    apart = re.sub(r"(?<=[A-Za-z])(?=[0-9])|_", " ", name)
    return pii.masked(apart) if pii.masked(apart) != apart else name


def _kind_of(st: os.stat_result) -> str | None:
    """Why an entry is not a regular file of its own, or None if it is one."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link: links are never followed (copy the file itself into the landing folder)"
    if stat.S_ISDIR(mode):
        return "a folder: only files directly in the landing folder are read"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def nearest(name: str) -> tuple[Source, str | None]:
    """The source a misnamed file most likely belongs to, and the period its name seems to carry."""
    stem = name.rsplit(".", 1)[0].lower()
    flat = re.sub(r"[\s\-.]+", "_", stem)
    prefixed = [s for s in SOURCES if flat.startswith(s.name)]
    if prefixed:
        source = max(prefixed, key=lambda s: len(s.name))
    else:
        word = re.split(r"_?\d", flat, maxsplit=1)[0] or flat
        source = max(SOURCES, key=lambda s: difflib.SequenceMatcher(None, word, s.name).ratio())
    return source, guess_period(source, stem)


def guess_period(source: Source, stem: str) -> str | None:
    """The period a (mis)name carries in the source's own form, or a month name with a year."""
    m = re.search(source.period_regex.replace("(?P<period>", "(?<!\\d)(?P<period>") + r"(?!\d)", stem, re.ASCII)
    if m:
        return m.group("period")
    if source.period_type == "month":
        words = re.findall(r"[a-z]+|\d{4}", stem)
        month = next((_MONTHS[w[:3]] for w in words if w[:3] in _MONTHS and not w.isdigit()), None)
        year = next((w for w in words if w.isdigit()), None)
        if month and year:
            return periods.month_key(int(year), month)
    return None


def _expected(source: Source, period: str | None) -> str:
    return f"{source.name}_{period or '<period>'}[_v<N>].{'|'.join(source.formats)}"


def classify(path: Path, st: os.stat_result) -> Entry:
    raw_name = path.name
    name = printable(raw_name)
    identified = identify(raw_name)
    source, period = identified[:2] if identified else nearest(name)
    version = identified[2] if identified else None
    common = dict(path=path, name=name, source=source, period=period, version=version, size=st.st_size,
                  mtime=st.st_mtime, mtime_ns=st.st_mtime_ns)
    if name != raw_name:
        common["name"] = printable(_name_shown(raw_name))      # escaped, and masked as read without them
        return Entry(kind=REFUSED, message=f"the name holds control characters, bidirectional controls, invisible "
                                           f"characters or bytes that are not text (shown escaped): rename it {_expected(source, period)}; "
                                           f"{NOT_READ}", **common)
    if (safe := _name_shown(name)) != name:
        common["name"] = safe
        return Entry(kind=REFUSED, message=f"the name carries a personal identifier or a person's name (shown "
                                           f"masked): rename it {_expected(source, period)}; {NOT_READ}", **common)
    why = _kind_of(st)
    if why:
        return Entry(kind=REFUSED, message=f"{why}; {NOT_READ}", **common)
    if identified:
        return Entry(kind=DELIVERY, message="", **common)
    stem, _, ext = raw_name.rpartition(".")
    if stem and ext.lower() not in source.formats and source.match(f"{stem}.{source.formats[0]}"):
        why = f".{ext} files are not accepted for {source.name} (only {', '.join(source.formats)})"
    elif (m := source.file_regex.fullmatch(raw_name)) and source.period_bounds(m.group("period")) is None:
        why = f"{m.group('period')} is not a valid {source.period_type.replace('_', ' ')}"
        common["period"] = period = None
    elif m and not 1 <= int(m.group("version") or 1) <= MAX_VERSION:
        why = (f"the version (_v and {len(m.group('version'))} digits) is outside 1-{MAX_VERSION} (versions are whole "
               f"numbers 1 to {MAX_VERSION}; a date or time stamp is not a version)")
    elif any(c.isdigit() and not c.isascii() for c in raw_name):
        why = ("the name holds digits that are not ASCII 0-9 (full-width or other scripts' digits, e.g. "
               f"{''.join(c for c in raw_name if c.isdigit() and not c.isascii())[:12]!r}): periods and "
               "versions are read from ASCII digits only")
    else:
        why = "the name matches no source's naming <source>_<period>[_v<N>].<ext>"
    where = f"nearest source {source.name}, period {period or 'not recognisable from the name'}"
    return Entry(kind=UNRECOGNISED, message=f"{why}; {where}; expected {_expected(source, period)}; {NOT_READ}",
                 **common)


# The folder inside the landing folder for published (open) data files of the authority's
# own (docs/benchmarks.md): read by pipelines.reference, never taken for a delivery.
PUBLISHED_FOLDER = "published"


def scan(landing: Path) -> list[Entry]:
    """Every entry of the landing folder (hidden ones too), classified from ``lstat`` alone."""
    entries = []
    if not landing.exists():
        return entries
    with os.scandir(landing) as it:
        for item in it:
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed while we looked
            if item.name == PUBLISHED_FOLDER and stat.S_ISDIR(st.st_mode):
                continue  # the DfE / ONS files the benchmarks read (docs/benchmarks.md), not deliveries
            entries.append(classify(Path(item.path), st))
    return sorted(entries, key=lambda e: e.name)


def read_regular(path: Path) -> bytes:
    """The bytes of ``path``, opened without following a link or blocking on a FIFO, and only
    if the open descriptor is a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            try:
                why = _kind_of(os.lstat(path)) or "not a regular file"
            except OSError:
                why = "not a regular file"
            raise NotARegularFile(exc.errno, f"{printable(path.name)}: {why}; not read") from None
        raise
    try:
        why = _kind_of(os.fstat(fd))
        if why:
            raise NotARegularFile(0, f"{printable(path.name)}: {why}; not read")
        chunks = []
        while chunk := os.read(fd, 1 << 22):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def landing_state(landing, now: float | None = None, settle: float = 0.0) -> tuple[dict, list[str]]:
    """({name: [mtime_ns, size]} of settled landing entries, names still settling). Every entry
    counts, misnamed files and links too (from lstat, never followed): each is recorded."""
    now = time.time() if now is None else now
    state, settling = {}, []
    for entry in scan(landing):
        if now - entry.mtime < settle:
            settling.append(entry.name)
        else:
            state[entry.name] = [entry.mtime_ns, entry.size]
    return state, settling
