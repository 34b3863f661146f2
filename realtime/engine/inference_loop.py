"""The inference loop: at each window boundary, the latest window -> model -> estimate.

Windows are cut as offline (:mod:`eeg_emotion.windows`): within a continuous
segment of the model-rate stream (see :class:`~eeg_emotion.realtime.engine.acquisition.Segment`),
window ``k`` ends at sample ``start + discard + window + k * hop``. The loop
waits for the next boundary, takes the *latest* finished window and skips
(counting them) any it had no time for, so latency never grows. After a gap the
count restarts from the new segment: no window holds data from both sides.

A window whose samples are mostly repaired (NaN/Inf in the stream, held at the last
good value; more than :data:`~eeg_emotion.realtime.engine.state.MAX_REPAIRED`) gives
no estimate: it is counted and reported, since the model would mostly see held
values. Any other estimate carries its share of repaired samples (its ``quality``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from eeg_emotion.realtime.engine.acquisition import Segment
from eeg_emotion.realtime.engine.estimate_log import EstimateLog, RunningAccuracy
from eeg_emotion.realtime.engine.inference import Classifier, smooth
from eeg_emotion.realtime.engine.ring_buffer import RingBuffer
from eeg_emotion.realtime.engine.state import MAX_REPAIRED, Estimate, WindowOutput
from eeg_emotion.realtime.sources.markers import TrialTimeline
from eeg_emotion.targets import Target

log = logging.getLogger(__name__)


class InferenceLoop:
    """Classify the newest window at every hop and log the estimate.

    Parameters
    ----------
    ring : RingBuffer
        Filtered model-rate signal (written by the acquisition loop).
    classifier : Classifier
        Runs the model on one window (and is reset at each new segment).
    targets : sequence of Target
        The model's targets (ground truth is mapped onto them).
    window, hop, n_discard : int
        Window, hop and start-up discard in samples at the model's rate.
    segment : callable
        Returns the current continuous :class:`Segment`.
    arrival_of : callable
        ``arrival_of(index)``: when the sample before absolute ``index`` arrived.
    timeline : TrialTimeline
        Ground truth from a marker stream.
    log : EstimateLog
        Where estimates go.
    accuracy : RunningAccuracy
        Scored against the ground truth.
    smoothing : float
        Exponential smoothing factor of ``Estimate.smoothed`` (0: off).
    on_estimate : callable
        Called with each estimate after it is logged (recording).
    alive : callable
        The loop runs while ``alive()`` is True.
    on_failure : callable
        Called once with the exception that ends the loop.
    on_unusable : callable
        Called with the share of repaired samples of a window that gave no estimate.
    """

    def __init__(self, ring: RingBuffer, classifier: Classifier,
                 targets: Sequence[Target], *, window: int, hop: int, n_discard: int,
                 segment: Callable[[], Segment], arrival_of: Callable[[int], float],
                 timeline: TrialTimeline, log: EstimateLog, accuracy: RunningAccuracy,
                 smoothing: float, on_estimate: Callable[[Estimate], None],
                 alive: Callable[[], bool], on_failure: Callable[[Exception], None],
                 on_unusable: Callable[[float], None] = lambda share: None) -> None:
        self.ring = ring
        self.classifier = classifier
        self.targets = tuple(targets)
        self.window, self.hop, self.n_discard = int(window), int(hop), int(n_discard)
        self.segment = segment
        self.arrival_of = arrival_of
        self.timeline = timeline
        self.log = log
        self.accuracy = accuracy
        self.smoothing = float(smoothing)
        self.on_estimate = on_estimate
        self.alive = alive
        self.on_failure = on_failure
        self.on_unusable = on_unusable
        self.skipped = 0
        self.unusable = 0

    def run(self) -> None:
        """Produce estimates until ``alive()`` turns False or the model fails (blocking)."""
        ring = self.ring
        segment_index, k_next, previous = -1, 0, None
        first_end = 0
        while self.alive():
            seg = self.segment()
            if seg.index != segment_index:  # a new continuous stretch: count afresh
                segment_index, k_next, previous = seg.index, 0, None
                first_end = seg.start + self.n_discard + self.window
                self.classifier.reset()
            if not ring.wait_for(first_end + k_next * self.hop, timeout=0.25):
                continue
            n = ring.samples_received
            if self.segment().index != segment_index:  # a gap came while waiting
                continue
            k = (n - first_end) // self.hop
            end = first_end + k * self.hop
            got = ring.read_last(self.window, end=end)
            skipped = k - k_next
            k_next = k + 1
            if got.lost or got.data.shape[1] < self.window:
                self.skipped += skipped + 1
                continue
            self.skipped += skipped
            if got.repaired > MAX_REPAIRED:
                self.unusable += 1
                self.on_unusable(got.repaired)
                continue
            try:
                out = self.classifier(got.data)
            except Exception as exc:
                self.on_failure(exc)
                return
            previous = self._publish(got.timestamps[-1], end, out, previous, got.repaired)

    def _publish(self, t_end: float, end: int, out: WindowOutput, previous: dict | None,
                 repaired: float) -> dict | None:
        """Build, log and hand on one estimate; return the smoothed probabilities."""
        latency = (time.monotonic() - self.arrival_of(end)) * 1000.0
        probs = out.probabilities
        smoothed = (smooth(previous, probs, self.smoothing)
                    if self.smoothing > 0 and probs else None)
        truth = self.timeline.truth_at(float(t_end), self.targets)
        acc = self.accuracy.score(truth, probs)
        est = Estimate(index=self.log.count, time=float(t_end), latency_ms=latency,
                       probabilities=probs, smoothed=smoothed, level_map=out.level_map,
                       level_labels=self.classifier.level_labels, ground_truth=truth,
                       running_accuracy=acc if truth and acc else None, indices=out.indices,
                       repaired=repaired)
        self.log.append(est)
        self.on_estimate(est)
        return smoothed

