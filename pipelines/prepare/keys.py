"""Pseudonyms made at the council's boundary: a keyed hash (HMAC-SHA256) of its identifiers.

The key is 32 random bytes in a file of its own, outside the landing folder and the
warehouse (``$OBA_KEY_FILE``, default ``~/.config/oba/pseudonym.key``), created on first
use with owner-only permissions (0600). Without the key nobody can recompute a pseudonym
from a child id or UPN; with the same key the same child gets the same pseudonym in every
file, format and run. The key is never printed, logged or written anywhere else.

Social care returns (CIN census, Annex A) identify a child by the council's child id; the
school census by the UPN. Where a return carries both (the CIN census), the pair is kept
in a *link register* beside the key (pseudonyms only, never the identifiers), so that a
pupil later prepared from the school census gets the child's social care pseudonym.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path

import pandas as pd

from pipelines.settings import Paths, inside

DEFAULT_KEY_FILE = "~/.config/oba/pseudonym.key"
PSEUDONYM_CHARS = 16          # 64 bits: no collision among a council's children in practice


class KeyError_(Exception):
    """The key file cannot be used safely."""


def key_file(explicit: str | os.PathLike | None = None) -> Path:
    value = explicit or os.environ.get("OBA_KEY_FILE") or DEFAULT_KEY_FILE
    return Path(value).expanduser().resolve()


def check_location(path: Path, paths: Paths) -> None:
    """Refuse (``KeyError_``) a key inside the data folder (landing, warehouse, settings,
    exports, papers: shared with the pipeline and its readers), a folder given as the key, or
    a key in a folder others can write."""
    for folder, what in ((paths.landing, "landing folder"), (paths.warehouse_dir, "warehouse folder"),
                         (paths.data_dir, "data folder (settings, exports, papers and the rest are shared)")):
        if inside(path, folder):
            raise KeyError_(f"the pseudonymisation key {path} must not be inside the {what} ({folder}); "
                            f"set OBA_KEY_FILE or --key-file to a private location")
    if path.is_dir():
        raise KeyError_(f"the pseudonymisation key {path} is a folder; give a file name")
    shared = _writable_by_others(path.parent)
    if shared is not None:
        raise KeyError_(f"the pseudonymisation key {path} is in a folder others can write ({shared}, mode "
                        f"{stat.S_IMODE(shared.stat().st_mode):o}): anyone who can write there can replace the key; "
                        f"keep it in a private folder (chmod go-w {shared})")


def load_key(path: Path, paths: Paths) -> bytes:
    """The secret key, created (0600) when the file does not exist yet.

    Refused: a key inside the landing folder or the warehouse folder (both are shared with
    the pipeline and its readers), and a key file that group or others may read.
    """
    check_location(path, paths)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    private(path, "the pseudonymisation key")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise KeyError_(f"{path} does not hold a key (64 hexadecimal characters expected)")
    return key


def private(path: Path, what: str) -> None:
    """Refuse ``path`` (the key, the link register) when group or others may read or write it:
    checked every time it is used, not only when it is made."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyError_(f"{what} {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")


def _writable_by_others(folder: Path) -> Path | None:
    """The first folder from ``folder`` up to the root (those that exist) that group or
    others may write without the sticky bit's protection, else None: anyone who can write
    in any folder above the key can rename the folder below and put a key of their own there."""
    folder = folder.resolve()
    for above in (folder, *folder.parents):
        if not above.exists():
            continue
        mode = above.stat().st_mode
        if stat.S_IMODE(mode) & 0o022 and not mode & stat.S_ISVTX:
            return above
    return None


# The key in use, remembered by its fingerprint (an HMAC of a fixed text: it tells keys apart
# and gives nothing of the key away) in the data folder, so that a key that goes missing or
# is replaced between two runs stops ``oba prepare`` instead of silently breaking every link.
KEYS_RECORD = "prepare_key.json"


def fingerprint(key: bytes) -> str:
    return hmac.new(key, b"oba pseudonym key fingerprint", hashlib.sha256).hexdigest()[:16]


def _prepared(paths: Paths) -> list[str]:
    """The extracts prepared so far (source and period), from the manifest."""
    try:
        manifest = json.loads((paths.data_dir / "prepare_manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return sorted(manifest.get("outputs", {}))


def key_in_use(path: Path, paths: Paths, new_key: bool = False) -> tuple[bytes, list[str]]:
    """The key for this run and what to tell the officer: ``load_key``, refusing (``KeyError_``)
    a key that was in use in this data folder and is now missing or different, unless
    ``new_key`` (``oba prepare --new-key``), which says which links a new key breaks."""
    check_location(path, paths)
    record_path = paths.data_dir / KEYS_RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    prepared = _prepared(paths)
    breaks = (f"every child prepared so far gets a new pseudonym, so the {len(prepared)} extract(s) already "
              f"prepared ({', '.join(prepared[:6])}{', ...' if len(prepared) > 6 else ''}) no longer link to "
              f"new ones (a child referred in both periods counts as two children) and the link register "
              f"starts again")
    notes = []
    if record is None and prepared and not path.exists():
        # The record of the key in use is gone too (a copied or restored data folder): the
        # extracts already prepared were pseudonymised with a key that is not here.
        record = {"first_used": "an earlier run", "fingerprint": "not recorded"}
    if record and not path.exists():
        if not new_key:
            raise KeyError_(f"the pseudonymisation key {path} used by oba prepare in this data folder since "
                            f"{record.get('first_used', '?')} (fingerprint {record.get('fingerprint')}) is missing: "
                            f"restore it from its backup. Only if it is lost for good, run again with --new-key: "
                            f"{breaks}")
        notes.append(f"a new pseudonymisation key was made (--new-key): {breaks}")
    key = load_key(path, paths)
    print_ = fingerprint(key)
    if record and record.get("fingerprint") != print_ and not notes:
        if not new_key:
            raise KeyError_(f"the pseudonymisation key {path} is not the key used by oba prepare in this data "
                            f"folder (fingerprint {print_}, expected {record.get('fingerprint')}): restore the "
                            f"key used before, or run again with --new-key: {breaks}")
        notes.append(f"a different pseudonymisation key is in use (--new-key): {breaks}")
    now = dt.datetime.now().isoformat(timespec="seconds")
    first = record.get("first_used", now) if record and record.get("fingerprint") == print_ else now
    tmp = record_path.with_name("." + record_path.name + ".tmp")
    record_path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(json.dumps({"fingerprint": print_, "first_used": first, "last_used": now}, indent=2) + "\n",
                   encoding="utf-8")
    tmp.replace(record_path)
    return key, notes


def normalise_id(value) -> str | None:
    """One spelling per identifier: trimmed, upper case, '1234.0' (a number read from
    Excel) written '1234', and an all-digit id without leading zeros (Excel drops them from
    a number, the XML keeps them: '001234' and 1234 are one child). Blank -> None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text or None


class Pseudonymiser:
    """HMACs of identifiers under one key, in separate namespaces (child id, UPN, records)."""

    def __init__(self, key: bytes, register: Path | None = None):
        self._key = key
        self.register = register
        self._links: dict[str, str] | None = None
        self._new_links: dict[str, str] = {}

    def _hash(self, namespace: str, text: str) -> str:
        digest = hmac.new(self._key, f"{namespace}\x1f{text}".encode(), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_CHARS]

    def child(self, value) -> str | None:
        """The pseudonymous child_id of a council child identifier (LAchildID, Child Unique ID)."""
        norm = normalise_id(value)
        return None if norm is None else self._hash("child", norm)

    def upn_hash(self, value) -> str | None:
        norm = normalise_id(value)
        return None if norm is None else self._hash("upn", norm)

    def pupil(self, upn) -> str | None:
        """The child_id of a pupil known by UPN: the social care pseudonym when a return has
        linked the two, else the UPN's own pseudonym."""
        h = self.upn_hash(upn)
        if h is None:
            return None
        return self.links().get(h, h)

    def record(self, kind: str, *parts) -> str:
        """A record id (referral, episode, exclusion) from the identifiers that make it unique."""
        return self._hash(kind, "\x1f".join("" if p is None else str(p) for p in parts))

    def link(self, child_id: str | None, upn) -> None:
        """Remember that this UPN belongs to this child (pseudonyms only)."""
        h = self.upn_hash(upn)
        if child_id and h:
            known = self.links().get(h)
            if known is None:
                self._new_links[h] = child_id
                self.links()[h] = child_id

    def links(self) -> dict[str, str]:
        if self._links is None:
            self._links = {}
            if self.register and self.register.exists():
                private(self.register, "the link register (UPN pseudonym to child)")
                with open(self.register, newline="") as fh:
                    for row in csv.DictReader(fh):
                        self._links.setdefault(row["upn_pseudonym"], row["child_id"])
        return self._links

    def save_links(self) -> int:
        """Append the links learned in this run to the register (0600); returns how many."""
        if not self.register or not self._new_links:
            return 0
        new = not self.register.exists()
        if not new:
            private(self.register, "the link register (UPN pseudonym to child)")
        if new:
            fd = os.open(self.register, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        with open(self.register, "a", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(["upn_pseudonym", "child_id"])
            for h, c in sorted(self._new_links.items()):
                w.writerow([h, c])
        n = len(self._new_links)
        self._new_links = {}
        return n


def register_file(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".links.csv")


def age_on(birth: dt.date | None, on: dt.date | None) -> int | None:
    """Whole years between a birth date and an event (what replaces the date of birth)."""
    if birth is None or on is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
