"""Outputs written as safely as the warehouse: whole or not at all, and a full disk told plainly.

``replace_atomically`` writes a temporary file in the output's own folder, fsyncs it and renames
it over the output (atomic on one file system), so a reader never opens a half-written paper or
workbook. Before writing it checks that folder's own free space; if the space runs out (or any
other I/O error), the temporary file is removed and ``OutputNotWritten`` names the folder and its
free space in one line. The caller forgets the output's record (``assets.forget_output``), so the
next run makes it again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from pipelines.settings import free_space

OUTPUT_NOT_WRITTEN = "not written"   # the words run summaries look for (pipelines.operations.runner)
MARGIN = 1_000_000                   # bytes left free beyond the output's own size


class OutputNotWritten(OSError):
    """An output that could not be written, with its folder and that folder's free space."""

    def __init__(self, path: Path, why: str, errno: int | None = None):
        self.path = Path(path)
        text = (f"{self.path.name} {OUTPUT_NOT_WRITTEN}: {why} ({free_space(self.path.parent)}); nothing "
                f"half-written was left; free some space there and run again (the output is made again "
                f"on the next run)")
        super().__init__(errno, text)

    def __str__(self) -> str:
        return self.strerror


def check_space(folder: Path, needed: int) -> None:
    """Refuse before writing when ``folder``'s file system has less than ``needed`` + ``MARGIN`` bytes free."""
    folder.mkdir(parents=True, exist_ok=True)
    st = os.statvfs(folder)
    if st.f_bavail * st.f_frsize < needed + MARGIN:
        raise OutputNotWritten(folder / "-", f"no space left on device for {needed:,} bytes", 28)


def replace_atomically(path: Path, write: Callable[[Path], None], size_hint: int = 0) -> Path:
    """``write(tmp)`` into a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        check_space(path.parent, size_hint)
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OutputNotWritten as exc:
        tmp.unlink(missing_ok=True)
        raise OutputNotWritten(path, exc.strerror.split(": ", 1)[1].split(" (", 1)[0], exc.errno) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputNotWritten(path, exc.strerror or str(exc), exc.errno) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    data = text.encode("utf-8")
    return replace_atomically(path, lambda tmp: tmp.write_bytes(data), len(data))


def write_bytes(path: Path, data: bytes) -> Path:
    return replace_atomically(path, lambda tmp: tmp.write_bytes(data), len(data))
