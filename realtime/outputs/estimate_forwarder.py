"""Hand every new estimate of an engine to outputs (OSC, the LSL outlet) from a thread.

Outputs must not depend on which viewer runs: the dashboard reads estimates on
its own timer, headless mode on its loop. :class:`EstimateForwarder` follows the
engine's estimate log in its own thread (waiting on it, no polling) and calls
``push(estimate)`` on each sink, in order, once per estimate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from eeg_emotion.realtime.engine.state import Estimate

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Something estimates go to."""

    def push(self, estimate: Estimate) -> None:
        """Take one estimate."""


class EstimateForwarder:
    """Push each new estimate of ``engine`` to ``sinks`` until stopped.

    Parameters
    ----------
    engine : Engine
        Started; read through ``wait_for_estimate`` and ``estimates_since``.
    sinks : sequence of Sink
        Each gets every estimate once, oldest first.
    """

    def __init__(self, engine, sinks: Sequence[Sink]) -> None:
        self.engine = engine
        self.sinks = list(sinks)
        self.forwarded = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eeg-forward", daemon=True)

    def start(self) -> EstimateForwarder:
        """Start the thread."""
        self._thread.start()
        return self

    def _run(self) -> None:
        next_index = 0
        while not self._stop.is_set():
            self.engine.wait_for_estimate(next_index, timeout=0.25)
            for est in self.engine.estimates_since(next_index):
                for sink in self.sinks:
                    try:
                        sink.push(est)
                    except Exception:
                        log.warning("an estimate output failed", exc_info=True)
                next_index = est.index + 1
                self.forwarded += 1
            if not self.engine.running:
                break

    def stop(self) -> None:
        """Stop the thread after the estimate it is pushing (safe to call twice)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
