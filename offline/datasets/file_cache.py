"""Keep the last files a reader opened, keyed by path, size and modification time.

A dataset reader loads one trial at a time, but a subject's trials share one file
(a DEAP pickle, an MNE recording, a calibration part). :func:`cached_by_stat`
keeps the last few parsed files in memory; a file rewritten on disk (another size
or modification time) is read again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from eeg_emotion.errors import DataFormatError

T = TypeVar("T")


def cached_by_stat(maxsize: int, *, stamp_file: str | None = None,
                   hint: str = "check the path and permissions"
                   ) -> Callable[[Callable[[str], T]], Callable[[str | Path], T]]:
    """Decorate ``read(path: str) -> T`` so that its last ``maxsize`` results are kept.

    Parameters
    ----------
    maxsize : int
        How many parsed files to keep.
    stamp_file : str | None
        For a folder: the file inside it whose size and modification time stand for
        the folder's (a missing one counts as empty). None: the path itself.
    hint : str
        The fix printed when the path cannot be read.

    Returns
    -------
    callable
        ``wrapper(path)``, taking a str or Path; ``wrapper.cache_clear()`` empties it.

    Raises
    ------
    DataFormatError
        From the wrapper, when the path itself does not exist or cannot be read.
    """
    def decorate(read: Callable[[str], T]) -> Callable[[str | Path], T]:
        @functools.lru_cache(maxsize=maxsize)
        def cached(path: str, stamp: tuple[int, int]) -> T:
            return read(path)

        @functools.wraps(read)
        def wrapper(path: str | Path) -> T:
            p = Path(path)
            try:
                if stamp_file is None:
                    st = p.stat()
                    stamp = (st.st_size, st.st_mtime_ns)
                else:
                    p.stat()
                    f = p / stamp_file
                    stamp = (f.stat().st_size, f.stat().st_mtime_ns) if f.is_file() else (0, 0)
            except OSError as exc:
                raise DataFormatError(f"cannot read {p}: {exc.strerror}", hint) from exc
            return cached(str(p.resolve()), stamp)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return wrapper
    return decorate
