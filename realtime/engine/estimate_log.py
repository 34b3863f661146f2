"""Where estimates go after inference: a bounded, waitable log and the running accuracy.

Both the live :class:`~eeg_emotion.realtime.engine.engine.Engine` and the dashboard's
stand-in :class:`~eeg_emotion.realtime.testing.SyntheticEngine`
keep their estimates here, so viewers read both the same way.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Mapping

import numpy as np

from eeg_emotion.realtime.engine.state import Estimate


class RunningAccuracy:
    """Share of windows whose most probable class matched the ground truth, per target."""

    def __init__(self) -> None:
        self._hits: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def score(self, truth: Mapping[str, str] | None,
              probabilities: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
        """Count one estimate against its ground truth; return the accuracy so far.

        Parameters
        ----------
        truth : mapping | None
            ``{target: class}`` for the targets whose truth is known (None: none).
        probabilities : mapping
            ``{target: {class: p}}`` of the estimate.

        Returns
        -------
        dict
            ``{target: accuracy}`` over every scored estimate so far.
        """
        with self._lock:
            for name, cls in (truth or {}).items():
                if name not in probabilities:
                    continue
                p = probabilities[name]
                tally = self._hits.setdefault(name, [0, 0])
                tally[0] += int(max(p, key=p.__getitem__) == cls)
                tally[1] += 1
            return self._snapshot()

    def current(self) -> dict[str, float]:
        """``{target: accuracy}`` so far (targets never scored are absent)."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> dict[str, float]:
        return {k: hit / n for k, (hit, n) in self._hits.items() if n}


class EstimateLog:
    """The last ``maxlen`` estimates, their latencies, and a condition to wait on.

    Parameters
    ----------
    maxlen : int
        Estimates kept for viewers (older ones are dropped).
    latencies : int
        Latencies kept for the percentiles.
    """

    def __init__(self, maxlen: int, latencies: int = 500) -> None:
        self._estimates: collections.deque[Estimate] = collections.deque(maxlen=max(1, maxlen))
        self._latencies: collections.deque[float] = collections.deque(maxlen=latencies)
        self._cond = threading.Condition()
        self._count = 0

    @property
    def count(self) -> int:
        """Estimates added so far (the ``index`` the next one gets)."""
        with self._cond:
            return self._count

    def append(self, estimate: Estimate) -> None:
        """Add an estimate (its ``index`` must be :attr:`count`) and wake waiters."""
        with self._cond:
            if estimate.index != self._count:
                raise ValueError(f"estimate index {estimate.index} out of order "
                                 f"(expected {self._count})")
            self._estimates.append(estimate)
            self._latencies.append(estimate.latency_ms)
            self._count += 1
            self._cond.notify_all()

    def since(self, index: int) -> list[Estimate]:
        """Kept estimates with ``index >= index``."""
        with self._cond:
            return [e for e in self._estimates if e.index >= index]

    def latest(self) -> Estimate | None:
        """The newest estimate, or None."""
        with self._cond:
            return self._estimates[-1] if self._estimates else None

    def wait_for(self, index: int, timeout: float,
                 alive: Callable[[], bool] = lambda: True) -> bool:
        """Block until estimate ``index`` exists, ``alive()`` turns False, or ``timeout``.

        Returns
        -------
        bool
            True when the estimate exists.
        """
        with self._cond:
            self._cond.wait_for(lambda: self._count > index or not alive(), timeout=timeout)
            return self._count > index

    def wake(self) -> None:
        """Wake every waiter (e.g. the engine is stopping)."""
        with self._cond:
            self._cond.notify_all()

    def latency_percentiles(self, *qs: float) -> tuple[float, ...]:
        """Percentiles of the kept latencies in ms (zeros before the first estimate)."""
        with self._cond:
            lat = np.fromiter(self._latencies, dtype=np.float64) if self._latencies \
                else np.zeros(1)
        return tuple(float(v) for v in np.percentile(lat, qs))
