"""Ground truth from a replay's marker stream.

``eeg-emotion replay`` publishes ``<name>-markers`` (type ``Markers``, one string
channel); each marker is JSON such as
``{"event": "trial_start", "trial": 3, "labels": {"valence": 7.1, ...}}``.
:class:`TrialTimeline` keeps the trials seen so far and tells which raw labels
apply at a given LSL time; :class:`MarkerListener` fills it from an inlet in its
own thread. Every in-trial marker carries the trial's labels (``baseline_end``
too), so a listener that joins after a trial began still learns its labels at
the next marker; ``trial_end`` closes the trial.
"""

from __future__ import annotations

import bisect
import json
import logging
import threading
from collections.abc import Callable, Sequence

from eeg_emotion.errors import EEGEmotionError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.sources.lsl_source import resolve_bounded
from eeg_emotion.targets import Target

log = logging.getLogger(__name__)


class TrialTimeline:
    """Trial starts/ends on the LSL clock, and the labels of each trial."""

    def __init__(self, max_events: int = 10000) -> None:
        self._times: list[float] = []
        self._labels: list[dict | None] = []  # None marks a trial end
        self._max = max_events
        self._lock = threading.Lock()

    def add(self, timestamp: float, text: str) -> bool:
        """Record one marker; returns False (and logs) if it is not a trial marker."""
        try:
            event = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            log.debug("ignoring non-JSON marker %r", text)
            return False
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            return False
        if event["event"] == "trial_end":
            labels = None
        else:  # trial_start, baseline_end, ...: any in-trial marker carrying the labels
            labels = event.get("labels")
            if not isinstance(labels, dict) or not labels:
                return False
        with self._lock:
            i = bisect.bisect_right(self._times, timestamp)
            self._times.insert(i, float(timestamp))
            self._labels.insert(i, labels)
            if len(self._times) > self._max:
                del self._times[0], self._labels[0]
        return True

    def interrupt(self, timestamp: float) -> None:
        """Forget the running trial from ``timestamp`` on (a gap in the EEG stream).

        Ground truth stays unknown until the next marker: a trial that ran on
        through the gap must say so again (replay repeats its labels every 5 s).
        """
        with self._lock:
            i = bisect.bisect_right(self._times, timestamp)
            self._times.insert(i, float(timestamp))
            self._labels.insert(i, None)
            if len(self._times) > self._max:
                del self._times[0], self._labels[0]

    def labels_at(self, timestamp: float) -> dict | None:
        """Raw labels of the trial running at ``timestamp``, or None between trials."""
        with self._lock:
            i = bisect.bisect_right(self._times, timestamp) - 1
            return None if i < 0 else self._labels[i]

    def truth_at(self, timestamp: float, targets: Sequence[Target]) -> dict[str, str] | None:
        """``{target: class}`` at ``timestamp`` for the targets whose label is known."""
        labels = self.labels_at(timestamp)
        if not labels:
            return None
        out = {}
        for t in targets:
            if t.label_key in labels:
                try:
                    out[t.name] = t.classes[int(t.classify(float(labels[t.label_key])))]
                except (ValueError, TypeError, IndexError, EEGEmotionError):
                    log.debug("marker label %r for %s unusable", labels[t.label_key], t.name)
        return out or None


class MarkerListener(threading.Thread):
    """Resolve a marker stream by name and feed its markers to a :class:`TrialTimeline`.

    Parameters
    ----------
    stream_name : str
        Marker stream name (``<eeg stream>-markers``).
    timeline : TrialTimeline
        Where trials go.
    on_marker : callable | None
        Called with ``(timestamp, text)`` for every marker (e.g. a recorder).
    retry_s : float
        Pause between attempts to find the stream.
    """

    def __init__(self, stream_name: str, timeline: TrialTimeline,
                 on_marker: Callable[[float, str], None] | None = None,
                 retry_s: float = 2.0) -> None:
        super().__init__(name=f"markers-{stream_name}", daemon=True)
        self.stream_name = stream_name
        self.timeline = timeline
        self.on_marker = on_marker
        self.retry_s = retry_s
        self.connected = False
        self._halt = threading.Event()

    def stop(self) -> None:
        """Ask the thread to finish (it exits within about half a second)."""
        self._halt.set()

    def run(self) -> None:
        pylsl = import_pylsl()
        lost_error = getattr(pylsl, "LostError", None) or pylsl.util.LostError
        while not self._halt.is_set():
            found = resolve_bounded(pylsl, f"name='{self.stream_name}'", 0.5)
            if not found:
                self._halt.wait(self.retry_s)
                continue
            inlet = pylsl.StreamInlet(found[0], max_buflen=60, recover=False,
                                      processing_flags=pylsl.proc_clocksync)
            if self._halt.is_set():
                break
            self.connected = True
            log.info("reading ground truth from marker stream %r", self.stream_name)
            try:
                while not self._halt.is_set():
                    samples, stamps = inlet.pull_chunk(timeout=0.5, max_samples=64,
                                                       min_samples=1)
                    for sample, ts in zip(samples, stamps, strict=True):
                        text = sample[0]
                        self.timeline.add(ts, text)
                        if self.on_marker is not None:
                            self.on_marker(ts, text)
            except lost_error:
                log.info("marker stream %r lost; looking for it again", self.stream_name)
            except Exception:  # ground truth is optional: never let it end the app
                log.warning("marker stream %r failed; ground truth off", self.stream_name,
                            exc_info=True)
                return
            finally:
                self.connected = False
                try:
                    inlet.close_stream()
                except Exception:
                    log.debug("closing marker inlet failed", exc_info=True)
