"""A stand-in live engine that makes realistic data, for dashboard tests and benchmarks.

:class:`SyntheticEngine` implements :class:`eeg_emotion.realtime.engine.state.EngineView` without a
stream or a model: a producer thread writes alpha/theta sinusoids plus noise at
the nominal rate into a ring of the last ``history_s`` seconds, and every hop
turns the newest window into an octave-band level map and a slowly drifting set
of class probabilities, with a ground-truth label that changes every "trial".
It lets the dashboard be developed, tested and timed on any machine. Numbers
are made up; nothing here is an emotion estimate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

import numpy as np

from eeg_emotion.errors import ConfigError
from eeg_emotion.montages import DEAP
from eeg_emotion.realtime.engine.estimate_log import EstimateLog, RunningAccuracy
from eeg_emotion.realtime.engine.state import EngineStatus, Estimate, GapEvent, SourceHealth

logger = logging.getLogger(__name__)

#: DEAP's three binary targets, the default.
DEAP_CLASSES: dict[str, tuple[str, ...]] = {
    "valence": ("low", "high"), "arousal": ("low", "high"), "dominance": ("low", "high"),
}


class SyntheticEngine:
    """Generate a live-looking stream and estimates in a background thread.

    Parameters
    ----------
    channels : sequence of str
        Channel names (default: DEAP's 32).
    sfreq : float
        Sample rate in Hz.
    targets : dict
        ``{target: (class, ...)}``; default DEAP valence/arousal/dominance low/high.
    n_levels : int
        Rows of the level map (octave bands from ``sfreq / 4`` down).
    window_s, hop_s : float
        Window length and hop of the fake inference, in seconds.
    trial_s : float
        Seconds between ground-truth changes; ``0`` for no ground truth.
    chunk_s : float
        Period of the producer thread (the "acquisition" chunk length).
    history_s : float
        Seconds of signal and estimates kept.
    synthetic_model : bool
        Value reported in :attr:`EngineStatus.synthetic_model`.
    seed : int
        Seed of the noise and the probability drift.

    Raises
    ------
    ConfigError
        If a rate, duration or class list is not usable.
    """

    def __init__(self, channels: tuple[str, ...] | list[str] = DEAP, sfreq: float = 128.0,
                 targets: dict[str, tuple[str, ...]] | None = None, *, n_levels: int = 6,
                 window_s: float = 4.0, hop_s: float = 0.5, trial_s: float = 20.0,
                 chunk_s: float = 0.04, history_s: float = 60.0,
                 synthetic_model: bool = True, seed: int = 0) -> None:
        targets = dict(DEAP_CLASSES if targets is None else targets)
        if not channels:
            raise ConfigError("SyntheticEngine got no channels.", "Pass at least one name.")
        for label, value in (("sfreq", sfreq), ("window_s", window_s), ("hop_s", hop_s),
                             ("chunk_s", chunk_s), ("history_s", history_s)):
            if not np.isfinite(value) or value <= 0:
                raise ConfigError(f"SyntheticEngine {label}={value!r} is not a positive "
                                  "number.", f"Give {label} in seconds/Hz above 0.")
        if history_s < window_s:
            raise ConfigError(f"history_s={history_s} is shorter than window_s={window_s}.",
                              "Keep at least one window of history.")
        if not targets or any(len(c) < 2 for c in targets.values()):
            raise ConfigError(f"SyntheticEngine targets {targets!r} need >= 2 classes each.",
                              "Pass e.g. {'valence': ('low', 'high')}.")
        self.channels = tuple(channels)
        self.sfreq = float(sfreq)
        self.targets = {t: tuple(c) for t, c in targets.items()}
        self.n_levels = int(n_levels)
        self.window = round(window_s * sfreq)
        self.hop_s = float(hop_s)
        self.trial_s = float(trial_s)
        self.chunk_s = float(chunk_s)
        self.synthetic_model = synthetic_model
        self.recordings: list[str] = []  # every path passed to start_recording
        self.stops = 0

        n_ch = len(self.channels)
        self._rng = np.random.default_rng(seed)
        self._capacity = round(history_s * sfreq)
        self._buf = np.zeros((n_ch, self._capacity), np.float32)
        self._times = np.zeros(self._capacity)
        self._freqs = self._rng.uniform(6.0, 12.0, n_ch)
        self._amps = self._rng.uniform(10.0, 40.0, n_ch)
        self._phase = self._rng.uniform(0, 2 * np.pi, n_ch)
        self._log = EstimateLog(max(1, int(history_s / hop_s)), latencies=200)
        self._accuracy = RunningAccuracy()
        self._gap_events: deque[GapEvent] = deque(maxlen=64)
        self._messages: deque[str] = deque(maxlen=5)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = True
        self._recording: str | None = None
        self._n = 0  # samples produced
        self._gaps = 0
        self._gap_s = 0.0
        self._lost_at = 0.0
        self._t0 = 0.0
        self._thread: threading.Thread | None = None
        self._logit_state = {t: np.zeros(len(c)) for t, c in self.targets.items()}

    # ------------------------------------------------------------------ control
    def start(self) -> SyntheticEngine:
        """Start the producer thread; returns self."""
        if self._thread is None:
            self._t0 = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="synthetic-engine",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the producer thread. Safe to call twice."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def __enter__(self) -> SyntheticEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_connected(self, connected: bool) -> None:
        """Simulate the stream going away (no samples, ``connected=False``) or coming back."""
        with self._lock:
            if self._connected and not connected:
                self._gaps += 1
                self._lost_at = self._t0 + self._n / self.sfreq
                self._messages.append("stream lost: no data from 'synthetic'; reconnecting")
            elif connected and not self._connected:
                back = time.monotonic()
                self._gap_events.append(GapEvent(
                    index=self._gaps - 1, start=self._lost_at, end=back,
                    samples_lost=round((back - self._lost_at) * self.sfreq)))
                self._messages.append("stream back: 'synthetic' reconnected")
            self._connected = connected

    # ------------------------------------------------------------------ producer
    def _run(self) -> None:
        next_hop = self._t0 + self.window / self.sfreq
        while not self._stop.wait(self.chunk_s):
            now = time.monotonic()
            due = int((now - self._t0) * self.sfreq)
            with self._lock:
                connected = self._connected
                if not connected:  # samples missed while "unplugged" are never produced
                    missed = max(due - self._n, 0) / self.sfreq
                    self._gap_s += missed
                    self._t0 += missed
                    continue
                self._produce(due - self._n)
            if now >= next_hop:
                self._infer(now)
                next_hop += self.hop_s * max(1, int((now - next_hop) / self.hop_s) + 1)

    def _produce(self, n: int) -> None:
        if n <= 0:
            return
        idx = np.arange(self._n, self._n + n)
        t = idx / self.sfreq
        alpha = np.sin(2 * np.pi * self._freqs[:, None] * t + self._phase[:, None])
        theta = 0.5 * np.sin(2 * np.pi * 5.0 * t + self._phase[:, None] * 2)
        data = self._amps[:, None] * (alpha + theta) + 5.0 * self._rng.standard_normal(
            (len(self.channels), n))
        pos = idx % self._capacity
        self._buf[:, pos] = data
        self._times[pos] = self._t0 + t
        self._n += n

    def _infer(self, now: float) -> None:
        with self._lock:
            if self._n < self.window:
                return
            pos = np.arange(self._n - self.window, self._n) % self._capacity
            x = self._buf[:, pos].astype(np.float64)
            end = float(self._times[pos[-1]])
        level_map = self._level_map(x)
        probs = {}
        for target, classes in self.targets.items():
            state = self._logit_state[target]
            state += 0.3 * self._rng.standard_normal(len(classes)) - 0.05 * state
            p = np.exp(state - state.max())
            probs[target] = {c: float(v) for c, v in zip(classes, p / p.sum(), strict=True)}
        truth = None
        if self.trial_s > 0:
            trial = int((now - self._t0) / self.trial_s)
            truth = {t: c[(trial + i) % len(c)] for i, (t, c) in enumerate(self.targets.items())}
        acc = self._accuracy.score(truth, probs)
        latency = float(15.0 + 5.0 * self._rng.random())
        labels = tuple(f"L{i + 1} ~ {self.sfreq / 2 ** (i + 2):.3g}-"
                       f"{self.sfreq / 2 ** (i + 1):.3g} Hz" for i in range(self.n_levels))
        self._log.append(Estimate(index=self._log.count, time=end, latency_ms=latency,
                                  probabilities=probs, level_map=level_map,
                                  level_labels=labels, ground_truth=truth,
                                  running_accuracy=acc if truth else None))

    def _level_map(self, x: np.ndarray) -> np.ndarray:
        """Log power in octave bands over 16 time steps: ``(C, n_levels, 16)``."""
        n_steps = 16
        seg = x.shape[1] // n_steps
        segs = x[:, : seg * n_steps].reshape(x.shape[0], n_steps, seg)
        power = np.abs(np.fft.rfft(segs * np.hanning(seg), axis=-1)) ** 2
        freqs = np.fft.rfftfreq(seg, 1 / self.sfreq)
        out = np.empty((x.shape[0], self.n_levels, n_steps), np.float32)
        for lev in range(self.n_levels):  # a handful of bands, vectorised over C and time
            hi, lo = self.sfreq / 2 ** (lev + 1), self.sfreq / 2 ** (lev + 2)
            band = (freqs >= lo) & (freqs < hi)
            if not band.any():  # band narrower than the resolution: nearest non-DC bin
                band = np.arange(len(freqs)) == max(1, int(np.argmin(abs(freqs - hi))))
            out[:, lev] = np.log10(power[..., band].mean(-1) + 1e-6)
        return out

    # ------------------------------------------------------------------ EngineView
    def status(self) -> EngineStatus:
        """Current counters (see :class:`eeg_emotion.realtime.engine.state.EngineStatus`)."""
        p50, p95, p99 = self._log.latency_percentiles(50, 95, 99)
        with self._lock:
            elapsed = max(time.monotonic() - self._t0, 1e-9)
            source = SourceHealth(
                name="synthetic", kind="lsl", channels=self.channels,
                nominal_rate=self.sfreq, measured_rate=self._n / elapsed if self._thread else 0,
                samples_received=self._n, gaps=self._gaps, gap_seconds=self._gap_s,
                bad_samples=0, connected=self._connected,
                last_error=None if self._connected else "no data for 1.0 s")
            return EngineStatus(
                source=source, model_name="synthetic-levels", model_channels=self.channels,
                model_rate=self.sfreq, device="cpu", filter_delay_ms=250.0,
                windows_done=self._log.count, windows_skipped=0,
                latency_ms_p50=p50, latency_ms_p95=p95, latency_ms_p99=p99,
                synthetic_model=self.synthetic_model, recording_path=self._recording,
                running_accuracy=self._accuracy.current(),
                messages=tuple(self._messages))

    def latest_signal(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The last ``seconds`` of signal: ``(times (n,), data (C, n))``."""
        with self._lock:
            n = min(round(seconds * self.sfreq), self._n, self._capacity)
            pos = np.arange(self._n - n, self._n) % self._capacity
            return self._times[pos].copy(), self._buf[:, pos].copy()

    def estimates_since(self, index: int) -> list[Estimate]:
        """Kept estimates with ``index >= index``."""
        return self._log.since(index)

    def latest_estimate(self) -> Estimate | None:
        """The newest estimate or None."""
        return self._log.latest()

    def gaps_since(self, index: int) -> list[GapEvent]:
        """Simulated gaps (from :meth:`set_connected`) with ``index >= index``."""
        with self._lock:
            return [g for g in self._gap_events if g.index >= index]

    def start_recording(self, path: str) -> None:
        """Remember the path (nothing is written)."""
        with self._lock:
            self._recording = str(path)
            self.recordings.append(str(path))

    def stop_recording(self) -> None:
        """Forget the recording path."""
        with self._lock:
            self._recording = None
            self.stops += 1
