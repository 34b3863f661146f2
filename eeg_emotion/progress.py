"""Progress that suits both a terminal and a log file.

On a terminal (stderr is a TTY) :func:`progress_over` is a tqdm bar. When stderr goes
to a file or a pipe (``nohup``, a cluster job, CI), tqdm's carriage-return
updates would pile up in the file, several per epoch, so :func:`progress_over` writes
one plain line per finished step instead (or at most one every ``every_s``
seconds for fast loops, and always the last one)::

    fold-1: epoch 3/20  train_loss 0.612  val_loss 0.587  (4.1 s)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default ``sys.stderr``) is an interactive terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real file
        return False


class LineProgress:
    """An iterable that writes one plain line per finished item (see the module docstring).

    Parameters
    ----------
    iterable : iterable
        The items.
    desc : str
        Label at the start of each line.
    total : int | None
        Number of items (default ``len(iterable)`` when it has one).
    unit : str
        What an item is (``"epoch"``).
    every_s : float
        Write at most one line per ``every_s`` seconds (0: every item); the
        last item's line is always written.
    stream : TextIO | None
        Where lines go (default ``sys.stderr``).
    """

    def __init__(self, iterable: Iterable[T], desc: str, total: int | None = None,
                 unit: str = "it", every_s: float = 0.0, stream: TextIO | None = None) -> None:
        self.iterable = iterable
        self.desc = desc
        self.total = total if total is not None else (
            len(iterable) if hasattr(iterable, "__len__") else None)
        self.unit = unit
        self.every_s = float(every_s)
        self.stream = stream
        self.postfix: dict[str, str] = {}
        self.n = 0
        self.lines = 0
        self._start = time.monotonic()
        self._written_at = -float("inf")
        self._written_n = 0
        self._pending = False  # an item was handed out and its step has not finished

    def set_postfix(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Figures shown on the line of the current item (as tqdm's ``set_postfix``)."""
        merged = {**(values or {}), **kwargs}
        self.postfix = {k: str(v) for k, v in merged.items()}

    def __iter__(self) -> Iterator[T]:
        for item in self.iterable:
            self._pending = True
            yield item
            self._pending = False
            self.n += 1
            last = self.total is not None and self.n >= self.total
            self._maybe_write(force=last)

    def _maybe_write(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._written_at >= self.every_s:
            self._write(now)

    def _write(self, now: float) -> None:
        of = f"/{self.total}" if self.total is not None else ""
        figures = "".join(f"  {k} {v}" for k, v in self.postfix.items())
        line = f"{self.desc}: {self.unit} {self.n}{of}{figures}  ({now - self._start:.1f} s)"
        stream = self.stream if self.stream is not None else sys.stderr
        stream.write(line + "\n")
        stream.flush()
        self._written_at, self._written_n = now, self.n
        self.lines += 1

    def close(self) -> None:
        """Write the line of the last item (held back by ``every_s``, or left by a ``break``)."""
        if self._pending:  # the loop broke out after this item's work (early stopping)
            self._pending = False
            self.n += 1
        if self.n > self._written_n:
            self._write(time.monotonic())


class _Silent:
    """The items, without any output (``enabled=False``)."""

    def __init__(self, iterable: Iterable[T]) -> None:
        self.iterable = iterable

    def __iter__(self) -> Iterator[T]:
        return iter(self.iterable)

    def set_postfix(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Ignored."""

    def close(self) -> None:
        """Nothing to close."""


def progress_over(iterable: Iterable[T], desc: str, *, total: int | None = None, unit: str = "it",
             enabled: bool = True, every_s: float = 0.0, leave: bool = False
             ) -> tqdm | LineProgress | _Silent:
    """Iterate over ``iterable`` showing progress in the form that suits stderr.

    Parameters
    ----------
    iterable : iterable
        The items (epochs, splits, trials).
    desc : str
        What is running (``"fold-1"``, ``"preprocessing deap"``).
    total : int | None
        Number of items, when ``iterable`` has no length.
    unit : str
        What an item is.
    enabled : bool
        False: no output at all (``--quiet``).
    every_s : float
        Plain-line mode only: at most one line per ``every_s`` seconds (0: one per item).
    leave : bool
        Terminal mode only: keep the finished bar on screen.

    Returns
    -------
    tqdm | LineProgress
        Iterate over it; ``set_postfix(dict)`` adds figures; call ``close()`` at the end.
    """
    if not enabled:
        return _Silent(iterable)
    if is_terminal():
        return tqdm(iterable, desc=desc, total=total, unit=unit, leave=leave)
    return LineProgress(iterable, desc, total=total, unit=unit, every_s=every_s)
