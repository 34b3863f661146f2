"""The live engine: a thin façade that wires a source and a model into two loops.

::

    acquisition thread   source -> stages (repair -> pick -> units -> resample -> filter)
                         -> ring buffer                   (realtime.acquisition, .stages)
    inference thread     latest window -> model -> estimate -> estimate log
                                                            (realtime.inference_loop)
    viewers              EngineView: status, signal, estimates, gaps, recording

The model's :class:`~eeg_emotion.contract.SignalContract` (from its checkpoint)
says what the pipeline is: channels, rate, units, the very filter of training,
window, hop, standardisation. Viewers (dashboard, headless writer, outlet) read
through the :class:`~eeg_emotion.realtime.engine.state.EngineView` methods, which only
copy under short locks; they never block acquisition or inference.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time

import numpy as np

from eeg_emotion.checks import check_range, check_seconds
from eeg_emotion.errors import ConfigError, EEGEmotionError, StreamError
from eeg_emotion.filters import FilterDesign
from eeg_emotion.models.checkpoint import LoadedModel
from eeg_emotion.realtime.band_index import BandIndexModel
from eeg_emotion.realtime.engine.acquisition import AcquisitionLoop
from eeg_emotion.realtime.engine.estimate_log import EstimateLog, RunningAccuracy
from eeg_emotion.realtime.engine.inference import Classifier, make_classifier
from eeg_emotion.realtime.engine.inference_loop import InferenceLoop
from eeg_emotion.realtime.engine.ring_buffer import RingBuffer
from eeg_emotion.realtime.engine.stages import Chain, build_stages
from eeg_emotion.realtime.engine.state import (
    LIVE_HOP_S,
    MAX_REPAIRED,
    EngineStatus,
    Estimate,
    GapEvent,
    SourceHealth,
)
from eeg_emotion.realtime.outputs.recording import RecordingSwitch
from eeg_emotion.realtime.sources.channels import map_to_model
from eeg_emotion.realtime.sources.markers import MarkerListener, TrialTimeline
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo
from eeg_emotion.windows import seconds_to_samples

log = logging.getLogger(__name__)


#: Seconds between two "NaN/Inf repaired" messages, so a faulty device cannot flood.
BAD_SAMPLE_MESSAGE_S = 5.0


class Messages:
    """Recent user-facing messages (a bounded, timestamped list) that are also logged."""

    def __init__(self, maxlen: int = 20) -> None:
        self._items: collections.deque[str] = collections.deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, text: str, level: int = logging.WARNING) -> None:
        """Log ``text`` and keep it for the status bar."""
        log.log(level, text)
        with self._lock:
            self._items.append(f"{time.strftime('%H:%M:%S')} {text}")

    def snapshot(self) -> tuple[str, ...]:
        """The kept messages, oldest first."""
        with self._lock:
            return tuple(self._items)


class Engine:
    """Run a model on a live source.

    Parameters
    ----------
    source : Source
        Opened or not; :meth:`start` opens it if needed.
    loaded : LoadedModel
        ``model`` and ``meta`` from :func:`eeg_emotion.models.checkpoint.load_checkpoint`;
        ``meta.signal`` is the contract the pipeline is built from.
    hop_s, window_s : float | None
        Hop and window length. None: the checkpoint's window, and a hop of
        :data:`~eeg_emotion.realtime.engine.state.LIVE_HOP_S` or the checkpoint's if shorter
        (a feature model keeps its training hop: its smoother steps once per window).
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
    notes : tuple of str
        Lasting facts to show with the status (e.g. how the montage was chosen).
    """

    def __init__(self, source: Source, loaded: LoadedModel, *, hop_s: float | None = None,
                 window_s: float | None = None, device: str = "auto", smoothing: float = 0.0,
                 notch: float | None = None, markers: str | None = "auto",
                 history_s: float = 60.0, open_timeout: float = 10.0,
                 record: str | None = None, notes: tuple[str, ...] = ()) -> None:
        check_range("--smoothing", smoothing, 0.7, low=0.0, high=1.0, high_open=True)
        if notch not in (None, 50, 60, 50.0, 60.0):
            raise ConfigError(f"notch {notch} Hz is not a mains frequency", "use 50 or 60")
        check_seconds("--hop", hop_s, 0.5, leave_out="for the default")
        check_seconds("--window", window_s, 4, leave_out="for the model's window")
        self.source = source
        self.loaded = loaded
        self.contract = loaded.meta.signal
        self.targets = tuple(loaded.meta.targets)
        self.model_name = loaded.meta.model
        self.synthetic = bool(loaded.meta.synthetic)
        #: "index" for the training-free band-power indices, else "model"
        self.mode = "index" if isinstance(loaded.model, BandIndexModel) else "model"
        c = self.contract
        # default: every LIVE_HOP_S, or the training hop if shorter (a training hop of
        # 4 s, or a whole trial, is too slow to watch); band features keep their own
        # hop, since their smoother steps from one training window to the next
        live_hop = c.hop_s if c.input == "features" else min(c.hop_s, LIVE_HOP_S)
        self.hop_s = float(hop_s if hop_s is not None else live_hop)
        self.window_s = float(window_s if window_s is not None else c.window_s)
        self.window = seconds_to_samples(self.window_s, c.sfreq)
        self.hop = seconds_to_samples(self.hop_s, c.sfreq)
        self.history_s = max(float(history_s), self.window_s * 2)
        spec = dataclasses.replace(c.filter, notch=float(notch)) if notch else c.filter
        self.filter_design: FilterDesign = spec.design(c.sfreq)
        self.device_name = device
        self.smoothing = float(smoothing)
        self.markers = markers
        self.open_timeout = float(open_timeout)
        self.record = record
        self.notes = tuple(notes)
        self.timeline = TrialTimeline()
        self.ring = RingBuffer(len(c.channels), int(self.history_s * c.sfreq + 0.5))
        self.estimates = EstimateLog(max(10, int(self.history_s / self.hop_s)))
        self.accuracy = RunningAccuracy()
        self.messages = Messages()
        self.recorder = RecordingSwitch()
        self.info: SourceInfo = source.info
        self.failure: EEGEmotionError | None = None
        self.bad_samples = 0
        self._running = threading.Event()
        self._threads: list[threading.Thread] = []
        self._chain: Chain | None = None
        self._acquisition: AcquisitionLoop | None = None
        self._inference: InferenceLoop | None = None
        self._classifier: Classifier | None = None
        self._marker_thread: MarkerListener | None = None
        self._bad_logged_at = -float("inf")
        self._unusable_logged_at = -float("inf")

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Engine:
        """Open the source if needed, build the pipeline for it, and start the threads.

        Raises
        ------
        StreamError, MontageError, ConfigError
            If the source cannot be opened, lacks the model's channels, declares
            unknown units, or the device is unavailable.
        """
        if self._running.is_set():
            return self
        info = self.source.info
        if not info.channels or not info.sfreq:
            info = self.source.open(timeout=self.open_timeout)
        self.info = info
        # e.g. a montage assumed, the stream chosen among several, non-EEG channels left out
        new = tuple(n for n in info.all_notes() if n not in self.notes)
        self.notes = (*new, *self.notes)
        c = self.contract
        supports_missing = bool(self.loaded.model.supports_missing_channels)
        # only the EEG channels can be a model's channels: the rows are picked once here
        eeg_rows = np.asarray(info.eeg_rows, dtype=np.intp)
        in_eeg, mask = map_to_model(info.eeg_channels, c.channels,
                                    supports_missing=supports_missing,
                                    source=f"stream {info.name!r}")
        index = np.where(in_eeg >= 0, eeg_rows[np.maximum(in_eeg, 0)], -1)
        self._chain = build_stages(info.channels, info.sfreq, info.units, index, mask, c,
                                   self.filter_design, self._on_bad_samples,
                                   scales=info.scales or None)
        self._classifier = make_classifier(self.loaded.model, c, self.targets,
                                           self.device_name, mask)
        try:  # torch's one-off set-up now, so that the first estimate is not an outlier
            self._classifier.warm_up(self.window)
        except Exception:  # a model that fails is reported by the inference loop, as usual
            log.debug("warm-up of the model failed; the first window will tell",
                      exc_info=True)
        self._acquisition = AcquisitionLoop(
            self.source, self._chain.stages, self.ring, on_raw=self._on_raw,
            on_message=self.messages.add, on_gap=self._on_gap, alive=self._alive,
            on_failure=self._fail, repair=self._chain.repair)
        self._inference = InferenceLoop(
            self.ring, self._classifier, self.targets, window=self.window, hop=self.hop,
            n_discard=c.n_discard, segment=lambda: self._acquisition.segment,
            arrival_of=self._acquisition.arrival_of, timeline=self.timeline,
            log=self.estimates, accuracy=self.accuracy, smoothing=self.smoothing,
            on_estimate=self.recorder.write_estimate, alive=self._alive,
            on_failure=self._fail_inference, on_unusable=self._on_unusable)
        if self.record:
            self.start_recording(str(self.record))
        self._running.set()
        self._threads = [
            threading.Thread(target=self._acquisition.run, name="eeg-acquisition", daemon=True),
            threading.Thread(target=self._inference.run, name="eeg-inference", daemon=True)]
        for t in self._threads:
            t.start()
        if self.markers:
            name = f"{info.name}-markers" if self.markers == "auto" else self.markers
            self._marker_thread = MarkerListener(name, self.timeline, self.recorder.write_marker)
            self._marker_thread.start()
        if self.synthetic:
            self.messages.add("the model was trained on synthetic data only: a "
                              "demonstration, not a real emotion estimate")
        for note in self.notes + self._chain.notes:
            log.info("%s", note)
        log.info("engine started: %s -> %s (%s; window %g s, hop %g s, %s)", info.name,
                 self.model_name, c.describe(), self.window_s, self.hop_s,
                 self._classifier.device)
        return self

    def stop(self) -> None:
        """Stop the threads, close the source and any recording. Safe to call twice."""
        self._running.clear()
        self.ring.notify()
        self.estimates.wake()
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

    def _alive(self) -> bool:
        return self._running.is_set() and self.failure is None

    @property
    def running(self) -> bool:
        """True while acquisition runs (False after stop or a fatal stream error)."""
        return self._alive()

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

    # -- callbacks of the loops -----------------------------------------------------------
    def _on_raw(self, chunk: Chunk) -> None:
        self.recorder.write_samples(chunk)

    def _on_bad_samples(self, n: int) -> None:
        self.bad_samples += n
        now = time.monotonic()
        if now - self._bad_logged_at > BAD_SAMPLE_MESSAGE_S:
            self._bad_logged_at = now
            self.messages.add(f"samples with NaN/Inf repaired (held last good value); "
                              f"{self.bad_samples} so far")

    def _on_unusable(self, share: float) -> None:
        now = time.monotonic()
        if now - self._unusable_logged_at > BAD_SAMPLE_MESSAGE_S:
            self._unusable_logged_at = now
            self.messages.add(
                f"no estimate: {share:.0%} of the window's samples were repaired (NaN/Inf "
                f"from the stream, held at the last good value), more than "
                f"{MAX_REPAIRED:.0%}; {self.windows_unusable} window(s) so far. Check the "
                "electrodes and the device; estimates resume when the signal does")

    def _on_gap(self, gap: GapEvent) -> None:
        # windows restart after the gap (the acquisition loop began a new segment); the
        # ground truth of the trial before it is unknown until the next marker
        self.timeline.interrupt(gap.start)

    def _fail(self, exc: Exception) -> None:
        if self.failure is not None:
            return
        if not isinstance(exc, EEGEmotionError):
            log.error("the live engine failed", exc_info=exc)
            exc = StreamError(f"acquisition stopped: {type(exc).__name__}: {exc}",
                              "report this with the log (-vv)")
        self.failure = exc
        if self._acquisition is not None:
            self._acquisition.mark_down(exc.problem)
        self.messages.add(f"stopped: {exc.problem}", logging.ERROR)
        self.ring.notify()
        self.estimates.wake()

    def _fail_inference(self, exc: Exception) -> None:
        if not isinstance(exc, EEGEmotionError):
            log.error("inference failed", exc_info=exc)
            exc = StreamError(f"inference failed: {type(exc).__name__}: {exc}",
                              "check the model with `eeg-emotion evaluate MODEL --data FOLDER` "
                              "(MODEL: its .pt file; FOLDER: a dataset it fits); report it "
                              "with -vv logs")
        self._fail(exc)

    # -- counters -----------------------------------------------------------------------
    @property
    def raw_samples(self) -> int:
        """Raw samples read from the source so far."""
        return self._acquisition.raw_samples if self._acquisition is not None else 0

    @property
    def connected(self) -> bool:
        """Whether the source is delivering (False while reconnecting or after a failure)."""
        return (self._acquisition is not None and self._acquisition.connected
                and self.failure is None)

    @property
    def windows_done(self) -> int:
        """Estimates made so far."""
        return self.estimates.count

    @property
    def windows_unusable(self) -> int:
        """Windows that gave no estimate: mostly repaired samples."""
        return self._inference.unusable if self._inference is not None else 0

    @property
    def windows_skipped(self) -> int:
        """Windows skipped because inference was busy (latency never grows)."""
        return self._inference.skipped if self._inference is not None else 0

    # -- EngineView ---------------------------------------------------------------------
    def status(self) -> EngineStatus:
        """Current health and counters."""
        acq, info = self._acquisition, self.info
        health = SourceHealth(
            name=info.name, kind=info.kind, channels=info.channels, nominal_rate=info.sfreq,
            measured_rate=acq.measured_rate() if acq else 0.0,
            samples_received=acq.raw_samples if acq else 0, gaps=acq.gaps if acq else 0,
            gap_seconds=acq.gap_seconds if acq else 0.0,
            bad_samples=self.bad_samples, connected=self.connected,
            last_error=self.failure.problem if self.failure else (acq.last_error if acq
                                                                  else None))
        p50, p95, p99 = self.estimates.latency_percentiles(50, 95, 99)
        resample_delay = self._chain.resample_delay_s if self._chain else 0.0
        return EngineStatus(
            source=health, model_name=self.model_name, model_channels=self.contract.channels,
            model_rate=self.contract.sfreq,
            device=str(self._classifier.device) if self._classifier else "cpu",
            filter_delay_ms=1000.0 * (self.filter_design.group_delay_s + resample_delay),
            windows_done=self.windows_done, windows_skipped=self.windows_skipped,
            latency_ms_p50=p50, latency_ms_p95=p95, latency_ms_p99=p99,
            synthetic_model=self.synthetic, recording_path=self.recorder.path,
            running_accuracy=self.accuracy.current(), messages=self.messages.snapshot(),
            notes=self.notes + (self._chain.notes if self._chain else ()),
            adaptation=self._classifier.adaptation if self._classifier else None,
            mode=self.mode, windows_unusable=self.windows_unusable)

    def latest_signal(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Filtered signal of the last ``seconds``: ``(times, data (channels, n))``."""
        got = self.ring.read_last(seconds_to_samples(seconds, self.contract.sfreq))
        return got.timestamps, got.data

    def estimates_since(self, index: int) -> list[Estimate]:
        """Kept estimates with ``index >= index``."""
        return self.estimates.since(index)

    def latest_estimate(self) -> Estimate | None:
        """The newest estimate, or None."""
        return self.estimates.latest()

    def gaps_since(self, index: int) -> list[GapEvent]:
        """Gaps in the stream with ``index >= index``."""
        return self._acquisition.gaps_since(index) if self._acquisition is not None else []

    def wait_for_estimate(self, index: int, timeout: float) -> bool:
        """Block until estimate ``index`` exists, the engine stops, or ``timeout`` passes."""
        return self.estimates.wait_for(index, timeout, self._alive)

    # -- recording ----------------------------------------------------------------------
    def start_recording(self, path: str) -> None:
        """Begin writing raw stream, markers and estimates to ``path``.

        Raises
        ------
        ConfigError
            If ``path`` exists or cannot be created.
        """
        self.recorder.start(path, self.info)
        self.messages.add(f"recording to {path}", logging.INFO)

    def stop_recording(self) -> None:
        """Stop recording and close the file (no-op if not recording)."""
        self.recorder.stop()
