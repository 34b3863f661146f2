"""The acquisition loop: source -> stages -> ring buffer, in its own thread.

One function reads top to bottom in the order the data is processed (as
mne-lsl's ``_acquire`` does): read a whole chunk from the
:class:`~eeg_emotion.realtime.sources.source.Source`; hand the raw chunk to the raw
listeners (the recorder); check its timestamps for a gap; run the stages
(:mod:`eeg_emotion.realtime.engine.stages`: repair -> pick -> units -> resample ->
filter); write the result to the :class:`~eeg_emotion.realtime.engine.ring_buffer.RingBuffer`,
with which of its samples were repaired (NaN/Inf held at the last good value).

When the source is lost it calls ``reopen`` with backoff until the stream is
back. A reconnect, or a jump in the timestamps of a stream that kept sending,
is a *gap*: it is counted, reported as a :class:`~eeg_emotion.realtime.engine.state.GapEvent`,
every stage restarts from the new data, and a new *segment* begins at the next
ring-buffer sample, so that no window spans the gap.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eeg_emotion.errors import StreamError
from eeg_emotion.realtime.engine.ring_buffer import RingBuffer
from eeg_emotion.realtime.engine.stages import RepairNonFinite, Stage, repaired_at
from eeg_emotion.realtime.engine.state import GapEvent
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo, SourceLost

log = logging.getLogger(__name__)

#: A timestamp step longer than this many sample periods (and 0.25 s) is a gap.
GAP_PERIODS = 10
#: Gaps kept for viewers.
GAP_HISTORY = 256


@dataclass(frozen=True)
class Segment:
    """A stretch of continuous data in the ring buffer.

    Attributes
    ----------
    index : int
        0 for the data after start, then one more after each gap.
    start : int
        Absolute ring-buffer index of the segment's first sample.
    """

    index: int
    start: int


class AcquisitionLoop:
    """Read a source through stages into a ring buffer, reconnecting when it is lost.

    Parameters
    ----------
    source : Source
        An opened source; its ``info`` describes the raw chunks.
    stages : sequence of Stage
        Applied in order to every raw chunk.
    ring : RingBuffer
        Receives the processed samples.
    on_raw : callable
        Called with every raw chunk as read (recording, listeners).
    on_message : callable
        Called with ``(text, logging level)`` for events a user should see.
    on_gap : callable
        Called with each :class:`GapEvent` (after the counters are updated).
    alive : callable
        The loop runs while ``alive()`` is True (the engine's run flag).
    on_failure : callable
        Called once with the exception that ends the loop for good.
    repair : RepairNonFinite | None
        The stage that repairs NaN/Inf (one of ``stages``): which samples it repaired
        goes into the ring beside the data, so a window knows its share of them.
    """

    def __init__(self, source: Source, stages: Sequence[Stage], ring: RingBuffer, *,
                 on_raw: Callable[[Chunk], None],
                 on_message: Callable[[str, int], None],
                 on_gap: Callable[[GapEvent], None],
                 alive: Callable[[], bool],
                 on_failure: Callable[[Exception], None],
                 repair: RepairNonFinite | None = None) -> None:
        self.source = source
        self.info: SourceInfo = source.info
        self.stages = list(stages)
        self.repair = repair
        self.ring = ring
        self.on_raw = on_raw
        self.on_message = on_message
        self.on_gap = on_gap
        self.alive = alive
        self.on_failure = on_failure
        self._lock = threading.Lock()
        self._arrivals: collections.deque[tuple[int, float]] = collections.deque(maxlen=4096)
        self._rate_marks: collections.deque[tuple[float, int]] = collections.deque(maxlen=64)
        self._gaps: collections.deque[GapEvent] = collections.deque(maxlen=GAP_HISTORY)
        self._segment = Segment(0, 0)
        self._last_ts: float | None = None
        self._pending_gap = False
        self.connected = True
        self.last_error: str | None = None
        self.raw_samples = 0
        self.gaps = 0
        self.gap_seconds = 0.0

    # -- what viewers read --------------------------------------------------------------
    @property
    def segment(self) -> Segment:
        """The current continuous segment."""
        with self._lock:
            return self._segment

    def arrival_of(self, index: int) -> float:
        """Arrival time (``time.monotonic()``) of the chunk that completed sample ``index - 1``."""
        with self._lock:
            # the chunk asked for is nearly always among the newest: search from the end
            # (a copy of all 4096 entries under the lock delayed acquisition)
            found = None
            for end, arrival in reversed(self._arrivals):
                if end < index:
                    break
                found = arrival
            return found if found is not None else time.monotonic()

    def measured_rate(self) -> float:
        """Raw samples per second over the last chunks (0 before two chunks)."""
        with self._lock:
            marks = list(self._rate_marks)
        if len(marks) >= 2 and marks[-1][0] > marks[0][0]:
            return (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0])
        return 0.0

    def gaps_since(self, index: int) -> list[GapEvent]:
        """Kept gaps with ``index >= index``."""
        with self._lock:
            return [g for g in self._gaps if g.index >= index]

    # -- the loop -----------------------------------------------------------------------
    def run(self) -> None:
        """Read until ``alive()`` turns False or the source fails for good (blocking)."""
        while self.alive():
            try:
                chunk = self.source.read(timeout=0.2)
            except SourceLost as exc:
                self._lost(exc)
                if not self._reconnect():
                    return
                continue
            except Exception as exc:
                self.on_failure(exc)
                return
            if chunk is None or chunk.n_samples == 0:
                continue
            try:
                self.process(chunk)
            except Exception as exc:
                self.on_failure(exc)
                return

    def process(self, chunk: Chunk) -> None:
        """Take one raw chunk through listeners, gap check, stages and into the ring."""
        arrival = time.monotonic()
        if chunk.data.shape[0] != len(self.info.channels):
            raise StreamError(f"stream {self.info.name!r} now sends {chunk.data.shape[0]} "
                              f"channels instead of {len(self.info.channels)}",
                              "restart eeg-emotion live for the new layout")
        self.on_raw(chunk)
        self._check_gap(chunk)
        data, ts = chunk.data, chunk.timestamps
        for stage in self.stages:
            data, ts = stage.process(data, ts)
        repaired = None if self.repair is None else repaired_at(
            chunk.timestamps, self.repair.repaired, ts)
        end = self.ring.write(data, ts, repaired) if data.shape[1] else None
        with self._lock:
            self.raw_samples += chunk.n_samples
            if end is not None:
                self._arrivals.append((end, arrival))
            self._rate_marks.append((arrival, self.raw_samples))

    def _check_gap(self, chunk: Chunk) -> None:
        ts = chunk.timestamps
        if not len(ts):
            return
        first, last = float(ts[0]), float(ts[-1])
        expected = 1.0 / self.info.sfreq
        if self._last_ts is not None:
            dt = first - self._last_ts
            if self._pending_gap or dt > max(GAP_PERIODS * expected, 0.25):
                self._gap(self._last_ts, first, max(0, round(dt * self.info.sfreq) - 1))
        self._pending_gap = False
        self._last_ts = last

    def _gap(self, start: float, end: float, missing: int) -> None:
        """Count a gap, restart the stages and begin a new segment."""
        for stage in self.stages:
            stage.reset()
        with self._lock:
            event = GapEvent(index=self.gaps, start=start, end=end, samples_lost=missing)
            self.gaps += 1
            self.gap_seconds += max(end - start - 1.0 / self.info.sfreq, 0.0)
            self._gaps.append(event)
            self._segment = Segment(self._segment.index + 1, self.ring.samples_received)
        self.on_message(f"gap of {end - start:.2f} s in the stream (~{missing} samples "
                        "missing); windows restart after it", logging.WARNING)
        self.on_gap(event)

    def mark_down(self, problem: str) -> None:
        """Record that the source is not delivering: lost, or the engine stopped on
        ``problem`` (the status shows it as disconnected, with the problem)."""
        self.connected = False
        self.last_error = problem

    def _lost(self, exc: SourceLost) -> None:
        self.mark_down(exc.problem)
        self.on_message(f"stream lost: {exc.problem}; reconnecting", logging.WARNING)

    def _reconnect(self) -> bool:
        backoff = 0.2
        while self.alive():
            try:
                if self.source.reopen(timeout=1.0):
                    self.connected = True
                    self._pending_gap = True
                    self.on_message(f"reconnected to {self.source.info.name!r}", logging.INFO)
                    return True
            except Exception as exc:  # a changed layout (StreamError) or a broken source
                self.on_failure(exc)
                return False
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        return False
