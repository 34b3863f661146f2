"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file the project writes for users (checkpoints, reports, run records,
synthetic datasets, recording metadata) goes through :func:`atomic_writer`: the
content is written to ``<name>.tmp-<pid>`` in the same folder, flushed and
``fsync``-ed, then renamed over the target (an atomic step on POSIX and Windows),
and the folder entry is synced where the platform allows. A crash or ``kill -9``
at any point leaves either the previous file or the complete new one, plus at
worst a stray ``.tmp-*`` file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it survives a power cut (no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "wb", **open_kwargs: Any) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the ``with`` block succeeds.

    Parameters
    ----------
    path : str | Path
        The file to (re)place. Its folder must exist.
    mode : {"wb", "w"}
        Binary or text.
    **open_kwargs
        Passed to :func:`open` (e.g. ``encoding="utf-8"``).

    Yields
    ------
    file object
        Write the content to it; on an exception the temporary file is removed
        and ``path`` is left as it was.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer mode must be 'wb' or 'w', got {mode!r}")
    target = Path(path)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(target.parent)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``Path(path)``."""
    with atomic_writer(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; returns ``Path(path)``."""
    with atomic_writer(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)
