"""The live engine: acquisition -> repair -> channels -> resample -> filter -> windows -> model.

Two threads do the work:

* **acquisition** reads whole chunks from the :class:`~eeg_emotion.realtime.source.Source`,
  and for each, in this order: counts and repairs NaN/Inf samples (holding each
  channel's last good value, so the filter state is never poisoned), picks the
  model's channels by 10-20 name, resamples to the model's rate
  (:class:`~eeg_emotion.realtime.resampler.StreamResampler`), filters with the checkpoint's
  band-pass (:class:`~eeg_emotion.filters.StreamingFilter`, same taps as in
  training) and appends to a :class:`~eeg_emotion.realtime.ring_buffer.RingBuffer`. When the
  source is lost it calls ``reopen`` with backoff until the stream is back,
  counts the gap, and restarts resampler and filter from the new data.
* **inference** waits for the next window boundary (window ``k`` ends at sample
  ``window + k * hop`` of the model-rate stream, as offline), takes the *latest*
  finished window, skipping (and counting) any it had no time for, so latency
  never grows, and publishes an :class:`~eeg_emotion.realtime.state.Estimate`.

Viewers (dashboard, headless writer, outlet) read through the
:class:`~eeg_emotion.realtime.state.EngineView` methods, which only copy under short locks.
"""

from __future__ import annotations

import bisect
import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from eeg_emotion.errors import ConfigError, EEGEmotionError, StreamError
from eeg_emotion.filters import FilterSpec, StreamingFilter
from eeg_emotion.realtime.channels import map_to_model
from eeg_emotion.realtime.inference import WindowClassifier, contract_of, smooth
from eeg_emotion.realtime.markers import MarkerListener, TrialTimeline
from eeg_emotion.realtime.resampler import StreamResampler
from eeg_emotion.realtime.ring_buffer import RingBuffer
from eeg_emotion.realtime.source import Chunk, Source, SourceInfo, SourceLost
from eeg_emotion.realtime.state import LIVE_HOP_S, EngineStatus, Estimate, SourceHealth
from eeg_emotion.windows import seconds_to_samples

log = logging.getLogger(__name__)

RawListener = Callable[[Chunk], None]


def repair_non_finite(data: np.ndarray, last_good: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace NaN/Inf by the channel's previous finite value (vectorised).

    Parameters
    ----------
    data : numpy.ndarray, shape (n_channels, n)
        A chunk; not modified.
    last_good : numpy.ndarray, shape (n_channels,)
        Last finite value of each channel before this chunk; updated in place.

    Returns
    -------
    repaired : numpy.ndarray
        The chunk with every non-finite value held from the last finite one.
    bad_samples : int
        Samples (time points) with at least one non-finite value.
    """
    finite = np.isfinite(data)
    if finite.all():
        if data.shape[1]:
            last_good[:] = data[:, -1]
        return data, 0
    n_ch, n = data.shape
    ext = np.concatenate([last_good[:, None], np.where(finite, data, 0.0)], axis=1)
    ok = np.concatenate([np.ones((n_ch, 1), dtype=bool), finite], axis=1)
    idx = np.where(ok, np.arange(n + 1)[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    filled = np.take_along_axis(ext, idx, axis=1)[:, 1:].astype(data.dtype, copy=False)
    last_good[:] = filled[:, -1]
    return filled, int((~finite).any(axis=0).sum())


class Engine:
    """Run a model on a live source.

    Parameters
    ----------
    source : Source
        Opened or not; :meth:`start` opens it if needed.
    loaded : LoadedModel
        ``model`` and ``meta`` from ``eeg_emotion.models.checkpoint.load_checkpoint``.
    hop_s, window_s : float | None
        Hop and window length. None: the checkpoint's window, and a hop of
        :data:`~eeg_emotion.realtime.state.LIVE_HOP_S` or the checkpoint's if shorter.
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    smoothing : float
        Exponential smoothing factor in [0, 1) for ``Estimate.smoothed``.
    notch : float | None
        50 or 60 to add a mains notch to the checkpoint's filter.
    markers : str | None
        Marker stream name for ground truth; ``"auto"`` looks for
        ``<stream>-markers``; None disables.
    history_s : float
        Seconds of filtered signal (and of estimates) kept for viewers.
    open_timeout : float
        Seconds :meth:`start` waits for the source to appear.
    record : str | None
        Start recording to this folder before the first sample is read.
    """

    def __init__(self, source: Source, loaded: Any, *, hop_s: float | None = None,
                 window_s: float | None = None, device: str = "auto", smoothing: float = 0.0,
                 notch: float | None = None, markers: str | None = "auto",
                 history_s: float = 60.0, open_timeout: float = 10.0,
                 record: str | None = None) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ConfigError(f"smoothing {smoothing} is outside [0, 1)",
                              "use e.g. --smoothing 0.8 (0 turns it off)")
        if notch not in (None, 50, 60, 50.0, 60.0):
            raise ConfigError(f"notch {notch} Hz is not a mains frequency", "use 50 or 60")
        self.source = source
        self.info: SourceInfo = getattr(source, "info", None) or SourceInfo(
            name="", kind="", channels=(), sfreq=0.0)
        self.loaded = loaded
        self.contract = contract_of(loaded)
        c = self.contract
        # default: every LIVE_HOP_S, or the training hop if shorter (a training hop of
        # 4 s, or a whole trial, is too slow to watch)
        self.hop_s = float(hop_s or min(c.hop_s, LIVE_HOP_S))
        self.window_s = float(window_s or c.window_s)
        if self.hop_s <= 0 or self.window_s <= 0:
            raise ConfigError(f"hop {self.hop_s} s and window {self.window_s} s must be > 0",
                              "use e.g. --hop 0.5 --window 4")
        self.window = seconds_to_samples(self.window_s, c.sfreq)
        self.hop = seconds_to_samples(self.hop_s, c.sfreq)
        self.history_s = max(float(history_s), self.window_s * 2)
        spec = c.filter if not notch else FilterSpec(**{**c.filter.to_dict(), "notch": notch})
        self.filter_design = spec.design(c.sfreq)
        self.device_name = device
        self.smoothing = float(smoothing)
        self.markers = markers
        self.open_timeout = float(open_timeout)
        self.record = record
        self.timeline = TrialTimeline()

        self._lock = threading.Lock()
        self._running = threading.Event()
        self._threads: list[threading.Thread] = []
        self._raw_listeners: list[RawListener] = []
        self._estimates: collections.deque[Estimate] = collections.deque(
            maxlen=max(10, int(self.history_s / self.hop_s)))
        self._est_cond = threading.Condition(self._lock)
        self._latencies: collections.deque[float] = collections.deque(maxlen=500)
        self._messages: collections.deque[str] = collections.deque(maxlen=20)
        self._arrivals: collections.deque[tuple[int, float]] = collections.deque(maxlen=4096)
        self._rate_marks: collections.deque[tuple[float, int]] = collections.deque(maxlen=64)
        self._correct: dict[str, list[int]] = {}
        self._recorder = None
        self._recorder_lock = threading.Lock()
        self._marker_thread: MarkerListener | None = None
        self.failure: EEGEmotionError | None = None
        self.ring: RingBuffer | None = None
        self._classifier: WindowClassifier | None = None
        self._bad_logged_at = -np.inf
        # counters
        self.raw_samples = 0
        self.bad_samples = 0
        self.gaps = 0
        self.gap_seconds = 0.0
        self.samples_missing = 0
        self.windows_done = 0
        self.windows_skipped = 0
        self.connected = False
        self.last_error: str | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Engine:
        """Open the source if needed, check its channels, and start the threads.

        Raises
        ------
        StreamError, MontageError, ConfigError
            If the source cannot be opened, lacks the model's channels, or the device
            is unavailable.
        """
        if self._running.is_set():
            return self
        info = getattr(self.source, "info", None)
        if info is None or not info.channels or not info.sfreq:
            info = self.source.open(timeout=self.open_timeout)
        self.info = info
        c = self.contract
        self._index, mask = map_to_model(info.channels, c.channels,
                                         supports_missing=c.supports_missing,
                                         source=f"stream {info.name!r}")
        self._classifier = WindowClassifier(self.loaded.model, c, self.device_name, mask)
        self._resampler = StreamResampler(info.sfreq, c.sfreq, len(c.channels))
        self._filter = StreamingFilter(self.filter_design, len(c.channels))
        self._last_good = np.zeros(len(info.channels))
        capacity = int(np.ceil(self.history_s * c.sfreq))
        self.ring = RingBuffer(len(c.channels), capacity)
        self._last_ts: float | None = None
        self._pending_gap = False
        self.connected = True
        if self.record:
            self.start_recording(str(self.record))
        self._running.set()
        self._threads = [threading.Thread(target=self._acquire, name="eeg-acquisition",
                                          daemon=True),
                         threading.Thread(target=self._infer, name="eeg-inference",
                                          daemon=True)]
        for t in self._threads:
            t.start()
        if self.markers:
            name = f"{info.name}-markers" if self.markers == "auto" else self.markers
            self._marker_thread = MarkerListener(name, self.timeline, self._on_marker)
            self._marker_thread.start()
        if c.synthetic:
            self._message("the model was trained on synthetic data only: a demonstration, "
                          "not a real emotion estimate")
        log.info("engine started: %s -> %s (%d ch @ %g Hz, window %g s, hop %g s, %s)",
                 info.name, c.name, len(c.channels), c.sfreq, self.window_s, self.hop_s,
                 self._classifier.device)
        return self

    def stop(self) -> None:
        """Stop the threads, close the source and any recording. Safe to call twice."""
        self._running.clear()
        if self.ring is not None:
            self.ring.notify()
        with self._est_cond:
            self._est_cond.notify_all()
        if self._marker_thread is not None:
            self._marker_thread.stop()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=5.0)
        if self._marker_thread is not None:
            self._marker_thread.join(timeout=5.0)
            self._marker_thread = None
        self._threads = []
        try:
            self.source.close()
        except Exception:
            log.warning("closing the source failed", exc_info=True)
        self.stop_recording()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while acquisition runs (False after stop or a fatal stream error)."""
        return self._running.is_set() and self.failure is None

    def wait(self, duration: float | None = None) -> bool:
        """Block for ``duration`` seconds (forever if None) or until the engine fails.

        Returns
        -------
        bool
            False if the engine stopped because of an error (see :attr:`failure`).
        """
        end = None if duration is None else time.monotonic() + duration
        while self.running:
            left = 0.5 if end is None else min(0.5, end - time.monotonic())
            if left <= 0:
                break
            time.sleep(left)
        return self.failure is None

    def add_raw_listener(self, fn: RawListener) -> None:
        """Call ``fn(chunk)`` from the acquisition thread with every raw chunk, as read."""
        self._raw_listeners.append(fn)

    # -- acquisition --------------------------------------------------------------------
    def _message(self, text: str, level: int = logging.WARNING) -> None:
        log.log(level, text)
        with self._lock:
            self._messages.append(f"{time.strftime('%H:%M:%S')} {text}")

    def _acquire(self) -> None:
        backoff = 0.2
        while self._running.is_set() and self.failure is None:
            try:
                chunk = self.source.read(timeout=0.2)
            except SourceLost as exc:
                self._on_lost(exc)
                if not self._reconnect(backoff):
                    return
                continue
            except Exception as exc:
                self._fail(exc)
                return
            if chunk is None or chunk.n_samples == 0:
                continue
            try:
                self._process(chunk)
            except Exception as exc:
                self._fail(exc)
                return

    def _fail(self, exc: Exception) -> None:
        if not isinstance(exc, EEGEmotionError):
            log.exception("acquisition failed")
            exc = StreamError(f"acquisition stopped: {type(exc).__name__}: {exc}",
                              "report this with the log (-vv)")
        self.failure = exc
        self.connected = False
        self.last_error = exc.problem
        self._message(f"stopped: {exc.problem}")
        if self.ring is not None:
            self.ring.notify()

    def _on_lost(self, exc: SourceLost) -> None:
        self.connected = False
        self.last_error = exc.problem
        self._message(f"stream lost: {exc.problem}; reconnecting")

    def _reconnect(self, backoff: float) -> bool:
        while self._running.is_set():
            try:
                if self.source.reopen(timeout=1.0):
                    self.connected = True
                    self._pending_gap = True
                    self._resampler.reset()
                    self._filter.reset()
                    self._message(f"reconnected to {self.source.info.name!r}", logging.INFO)
                    return True
            except Exception as exc:  # a changed layout (StreamError) or a broken source
                self._fail(exc)
                return False
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        return False

    def _process(self, chunk: Chunk) -> None:
        """Take one raw chunk through repair, selection, resampling, filter and buffer."""
        arrival = time.monotonic()
        data, ts = chunk.data, chunk.timestamps
        if data.shape[0] != len(self.info.channels):
            raise StreamError(f"stream {self.info.name!r} now sends {data.shape[0]} channels "
                              f"instead of {len(self.info.channels)}",
                              "restart eeg-emotion live for the new layout")
        for fn in self._raw_listeners:
            fn(chunk)
        self._record_samples(chunk)
        self._check_gap(ts)
        data, bad = repair_non_finite(data, self._last_good)
        if bad:
            self.bad_samples += bad
            if arrival - self._bad_logged_at > 5.0:  # a faulty device must not flood the log
                self._bad_logged_at = arrival
                self._message(f"samples with NaN/Inf repaired (held last good value); "
                              f"{self.bad_samples} so far")
        sel = data[self._index] if (self._index >= 0).all() else np.where(
            (self._index >= 0)[:, None], data[np.maximum(self._index, 0)], 0.0)
        res, rts = self._resampler.process(sel, ts)
        if res.shape[1]:
            end = self.ring.write(self._filter.process(res), rts)
        with self._lock:
            self.raw_samples += chunk.n_samples
            if res.shape[1]:
                self._arrivals.append((end, arrival))
            self._rate_marks.append((arrival, self.raw_samples))

    def _check_gap(self, ts: np.ndarray) -> None:
        if self._last_ts is not None and len(ts):
            dt = float(ts[0] - self._last_ts)
            expected = 1.0 / self.info.sfreq
            if self._pending_gap or dt > max(10 * expected, 0.25):
                missing = max(0, round(dt * self.info.sfreq) - 1)
                self.gaps += 1
                self.gap_seconds += max(dt - expected, 0.0)
                self.samples_missing += missing
                self._message(f"gap of {dt:.2f} s in the stream (~{missing} samples missing)")
        self._pending_gap = False
        if len(ts):
            self._last_ts = float(ts[-1])

    # -- inference ----------------------------------------------------------------------
    def _arrival_of(self, index: int) -> float:
        """Arrival time (monotonic) of the chunk that completed sample ``index - 1``."""
        with self._lock:
            ends = [e for e, _ in self._arrivals]
            i = bisect.bisect_left(ends, index)
            return self._arrivals[i][1] if i < len(ends) else time.monotonic()

    def _infer(self) -> None:
        ring = self.ring
        k_next = 0
        previous = None
        while self._running.is_set() and self.failure is None:
            if not ring.wait_for(self.window + k_next * self.hop, timeout=0.25):
                continue
            n = ring.samples_received
            k = (n - self.window) // self.hop
            skipped = k - k_next
            end = self.window + k * self.hop
            got = ring.read_last(self.window, end=end)
            if got.lost or got.data.shape[1] < self.window:
                skipped += 1
                k_next = k + 1
                self.windows_skipped += skipped
                continue
            try:
                probs, level = self._classifier(got.data)
            except Exception as exc:
                self._fail(exc if isinstance(exc, EEGEmotionError) else StreamError(
                    f"inference failed: {type(exc).__name__}: {exc}",
                    "check the model with `eeg-emotion evaluate`; report it with -vv logs"))
                return
            latency = (time.monotonic() - self._arrival_of(end)) * 1000.0
            smoothed = smooth(previous, probs, self.smoothing) if self.smoothing > 0 else None
            previous = smoothed
            t_end = float(got.timestamps[-1])
            truth = self.timeline.truth_at(t_end, self.contract.targets)
            est = Estimate(index=self.windows_done, time=t_end, latency_ms=latency,
                           probabilities=probs, smoothed=smoothed, level_map=level,
                           level_labels=self._classifier.level_labels, ground_truth=truth)
            with self._est_cond:
                self.windows_done += 1
                self.windows_skipped += skipped
                self._estimates.append(est)
                self._latencies.append(latency)
                if truth:
                    for name, cls in truth.items():
                        p = probs[name]
                        hit = int(max(p, key=p.get) == cls)
                        tally = self._correct.setdefault(name, [0, 0])
                        tally[0] += hit
                        tally[1] += 1
                self._est_cond.notify_all()
            self._record_estimate(est)
            k_next = k + 1

    # -- EngineView ---------------------------------------------------------------------
    def status(self) -> EngineStatus:
        """Current health and counters."""
        info = self.info
        with self._lock:
            marks = list(self._rate_marks)
            lat = np.array(self._latencies) if self._latencies else np.zeros(1)
            messages = tuple(self._messages)
            acc = {k: v[0] / v[1] for k, v in self._correct.items() if v[1]}
        rate = 0.0
        if len(marks) >= 2 and marks[-1][0] > marks[0][0]:
            rate = (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0])
        health = SourceHealth(
            name=info.name, kind=info.kind, channels=info.channels, nominal_rate=info.sfreq,
            measured_rate=float(rate), samples_received=self.raw_samples, gaps=self.gaps,
            gap_seconds=self.gap_seconds, overruns=self.ring.overruns if self.ring else 0,
            bad_samples=self.bad_samples, connected=self.connected and self.failure is None,
            last_error=self.last_error)
        rec = self._recorder
        resampler = getattr(self, "_resampler", None)
        resample_delay = resampler.delay_s if resampler is not None else 0.0
        return EngineStatus(
            source=health, model_name=self.contract.name, model_channels=self.contract.channels,
            model_rate=self.contract.sfreq,
            device=str(self._classifier.device) if self._classifier else "cpu",
            filter_delay_ms=1000.0 * (self.filter_design.group_delay_s + resample_delay),
            windows_done=self.windows_done, windows_skipped=self.windows_skipped,
            latency_ms_p50=float(np.percentile(lat, 50)),
            latency_ms_p95=float(np.percentile(lat, 95)),
            synthetic_model=self.contract.synthetic,
            recording_path=str(getattr(rec, "path", "")) if rec is not None else None,
            running_accuracy=acc, messages=messages)

    def latest_signal(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Filtered signal of the last ``seconds``: ``(times, data (channels, n))``."""
        if self.ring is None:
            n_ch = len(self.contract.channels)
            return np.zeros(0), np.zeros((n_ch, 0), dtype=np.float32)
        got = self.ring.read_last(seconds_to_samples(seconds, self.contract.sfreq))
        return got.timestamps, got.data

    def estimates_since(self, index: int) -> list[Estimate]:
        """Kept estimates with ``index >= index``."""
        with self._lock:
            return [e for e in self._estimates if e.index >= index]

    def latest_estimate(self) -> Estimate | None:
        """The newest estimate, or None."""
        with self._lock:
            return self._estimates[-1] if self._estimates else None

    def wait_for_estimate(self, index: int, timeout: float) -> bool:
        """Block until estimate ``index`` exists, the engine stops, or ``timeout`` passes."""
        with self._est_cond:
            return self._est_cond.wait_for(
                lambda: self.windows_done > index or not self.running, timeout=timeout
            ) and self.windows_done > index

    # -- recording ----------------------------------------------------------------------
    def start_recording(self, path: str) -> None:
        """Begin writing raw stream, markers and estimates to ``path``.

        Raises
        ------
        ConfigError
            If recording is not available in this installation.
        """
        try:
            from eeg_emotion.realtime.recording import Recorder
        except ImportError as exc:
            raise ConfigError(f"recording is not available: {exc}",
                              "update eeg-emotion; run without --record") from exc
        with self._recorder_lock:
            if self._recorder is not None:
                self._recorder.close()
            self._recorder = Recorder(path, self.info)
        self._message(f"recording to {path}", logging.INFO)

    def stop_recording(self) -> None:
        """Stop recording and close the file (no-op if not recording)."""
        with self._recorder_lock:
            rec, self._recorder = self._recorder, None
            if rec is not None:
                rec.close()

    def _record_samples(self, chunk: Chunk) -> None:
        if self._recorder is not None:
            with self._recorder_lock:
                if self._recorder is not None:
                    self._recorder.write_samples(chunk)

    def _record_estimate(self, est: Estimate) -> None:
        if self._recorder is not None:
            with self._recorder_lock:
                if self._recorder is not None:
                    self._recorder.write_estimate(est)

    def _on_marker(self, timestamp: float, text: str) -> None:
        if self._recorder is not None:
            with self._recorder_lock:
                if self._recorder is not None:
                    self._recorder.write_marker(timestamp, text)

