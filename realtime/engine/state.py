"""What the live engine tells its viewers: estimates, health, and the view API.

The dashboard, the headless writer and the LSL outlet only *read* the engine
through :class:`EngineView`; they never block acquisition or inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np

#: default seconds between live estimates (a model trained with a shorter hop keeps it)
LIVE_HOP_S = 0.5

#: How index mode's estimates are marked everywhere (dashboard, JSON, outlet, OSC).
INDEX_NOTE = "uncalibrated index, not a trained model"

#: An estimate whose window holds at least this share of repaired samples (NaN/Inf
#: in the stream, held at the last good value) is flagged ``quality: "poor"``...
POOR_REPAIRED = 0.1
#: ... and above this share no estimate is made: the model would mostly see held values.
MAX_REPAIRED = 0.5


def quality_of(repaired: float) -> str:
    """``"ok"`` or ``"poor"`` for a window with this share of repaired samples."""
    return "poor" if repaired >= POOR_REPAIRED else "ok"


@dataclass(frozen=True)
class IndexReading:
    """Training-free band-power indices of one window (index mode).

    Attributes
    ----------
    values : dict
        ``{"valence": z, "arousal": z}``: each index z-scored against the
        session's own running baseline (0 = the session's average so far).
    raw : dict
        The indices before z-scoring: ``frontal_alpha_asymmetry`` (ln right
        alpha - ln left alpha) and ``beta_alpha_ratio`` (ln of the ratio).
    pair : str
        The frontal pair of the asymmetry, e.g. ``"F3/F4"``; empty without one.
    baseline : tuple of int
        (windows in the running baseline, windows before it counts as settled).
    unavailable : dict
        ``{index: why}`` for an index the montage cannot give (the valence index
        without a frontal pair); it is then absent from ``values``.
    """

    values: dict[str, float]
    raw: dict[str, float]
    pair: str
    baseline: tuple[int, int]
    unavailable: dict[str, str] = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        """The index fields of an ``index`` line."""
        out = {"indices": {k: round(v, 4) for k, v in self.values.items()},
               "raw": {k: round(v, 5) for k, v in self.raw.items()},
               "pair": self.pair or None,
               "baseline_windows": self.baseline[0], "baseline_warmup": self.baseline[1]}
        if self.unavailable:
            out["unavailable"] = dict(self.unavailable)
        return out


class WindowOutput(NamedTuple):
    """What a classifier makes of one window.

    Attributes
    ----------
    probabilities : dict
        ``{target: {class: p}}``; empty for band-power indices.
    level_map : numpy.ndarray | None
        ``(channels, levels, time)`` for display.
    indices : IndexReading | None
        Index mode's reading (then there are no probabilities).
    """

    probabilities: dict[str, dict[str, float]]
    level_map: np.ndarray | None
    indices: IndexReading | None = None


@dataclass(frozen=True)
class Estimate:
    """One model output for one window.

    Attributes
    ----------
    index : int
        Running number of the estimate (0, 1, 2, ...).
    time : float
        End of the window on the LSL clock (``pylsl.local_clock()`` seconds).
    latency_ms : float
        From the arrival of the window's last sample to this estimate.
    probabilities : dict
        ``{target: {class_name: p}}``, e.g. ``{"valence": {"low": .3, "high": .7}}``.
    smoothed : dict | None
        Same layout, after the engine's optional exponential smoothing.
    level_map : numpy.ndarray | None
        The model's spectrogram-like view of the window, ``(channels, levels, time)``
        (ScalingNet's scaling levels; MSMAE-CNN's DE bands), or None.
    level_labels : tuple of str
        One label per level, e.g. ``"L2 ~ 8-16 Hz"``.
    ground_truth : dict | None
        ``{target: class_name}`` from a replay's marker stream, if any.
    running_accuracy : dict | None
        ``{target: accuracy}`` over every estimate with ground truth so far,
        including this one (None when none had ground truth).
    indices : IndexReading | None
        Index mode's reading (then there are no probabilities).
    repaired : float
        Share of the window's samples that were repaired (NaN/Inf in the stream);
        at :data:`POOR_REPAIRED` or more :attr:`quality` is ``"poor"``.
    """

    index: int
    time: float
    latency_ms: float
    probabilities: dict[str, dict[str, float]]
    smoothed: dict[str, dict[str, float]] | None = None
    level_map: np.ndarray | None = None
    level_labels: tuple[str, ...] = ()
    ground_truth: dict[str, str] | None = None
    running_accuracy: dict[str, float] | None = None
    indices: IndexReading | None = None
    repaired: float = 0.0

    @property
    def quality(self) -> str:
        """``"ok"``, or ``"poor"`` when much of the window was repaired samples."""
        return quality_of(self.repaired)

    def to_json_dict(self) -> dict:
        """The JSON-lines form of headless mode (no arrays).

        An estimate of index mode is an ``index`` line (``"type": "index"``, its
        z-scored ``indices``, ``raw`` values, frontal ``pair``, baseline counts and
        ``"note": "uncalibrated index, not a trained model"``); a model's
        estimate has ``probabilities`` (and no ``type``). Both carry ``quality``
        (``"ok"`` / ``"poor"``) and ``repaired_share``.
        """
        quality = {"quality": self.quality, "repaired_share": round(self.repaired, 3)}
        if self.indices is not None:
            out = {"type": "index", "index": self.index, "time": self.time,
                   "latency_ms": round(self.latency_ms, 3), **self.indices.to_json_dict(),
                   "uncalibrated": True, "note": INDEX_NOTE, **quality}
            if self.ground_truth is not None:
                out["ground_truth"] = self.ground_truth
            return out
        out = {"index": self.index, "time": self.time,
               "latency_ms": round(self.latency_ms, 3),
               "probabilities": self.probabilities, **quality}
        if self.smoothed is not None:
            out["smoothed"] = self.smoothed
        if self.ground_truth is not None:
            out["ground_truth"] = self.ground_truth
            if self.running_accuracy:
                out["running_accuracy"] = {k: round(v, 4)
                                           for k, v in self.running_accuracy.items()}
        return out


@dataclass(frozen=True)
class GapEvent:
    """A stretch of stream that never arrived (stream lost, or a jump in its timestamps).

    No window spans a gap: the window count restarts from the first sample after it.

    Attributes
    ----------
    index : int
        Running number of the gap (0, 1, ...).
    start, end : float
        LSL-clock time of the last sample before and the first sample after the gap.
    samples_lost : int
        Samples missing at the stream's nominal rate.
    """

    index: int
    start: float
    end: float
    samples_lost: int

    def to_json_dict(self) -> dict:
        """The ``gap`` line of headless mode."""
        return {"type": "gap", "index": self.index, "start": self.start, "end": self.end,
                "seconds": round(self.end - self.start, 4),
                "samples_lost": self.samples_lost}


@dataclass(frozen=True)
class SourceHealth:
    """State of the acquisition side."""

    name: str
    kind: str  # "lsl" | "brainflow"
    channels: tuple[str, ...]
    nominal_rate: float
    measured_rate: float
    samples_received: int
    gaps: int  # disconnections / timestamp jumps
    gap_seconds: float
    bad_samples: int  # NaN/Inf samples seen (and repaired)
    connected: bool
    last_error: str | None = None


@dataclass(frozen=True)
class EngineStatus:
    """A snapshot of the whole engine for display."""

    source: SourceHealth
    model_name: str
    model_channels: tuple[str, ...]
    model_rate: float
    device: str  # "cpu" | "cuda:0"
    filter_delay_ms: float
    windows_done: int
    windows_skipped: int
    latency_ms_p50: float
    latency_ms_p95: float
    synthetic_model: bool  # trained only on synthetic data: a demonstration
    recording_path: str | None
    running_accuracy: dict[str, float] = field(default_factory=dict)
    messages: tuple[str, ...] = ()  # recent warnings for a status bar
    latency_ms_p99: float = 0.0
    notes: tuple[str, ...] = ()  # lasting facts: montage assumed, units rescaled, masking
    adaptation: tuple[int, int] | None = None  # session norm: (windows seen, warm-up)
    mode: str = "model"  # "model" | "index" (training-free band-power indices)
    windows_unusable: int = 0  # windows mostly repaired samples: no estimate made


class EngineView(Protocol):
    """The read-side API of the live engine used by the dashboard and outputs."""

    def status(self) -> EngineStatus:
        """Current health and counters."""

    def latest_signal(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Filtered signal of the last ``seconds``: ``(times (n,), data (channels, n))``,
        channels in the model's order, at the model's rate."""

    def estimates_since(self, index: int) -> list[Estimate]:
        """All kept estimates with ``Estimate.index >= index`` (bounded history)."""

    def latest_estimate(self) -> Estimate | None:
        """The newest estimate, or None before the first."""

    def gaps_since(self, index: int) -> list[GapEvent]:
        """Gaps with ``GapEvent.index >= index`` (bounded history)."""

    def start_recording(self, path: str) -> None:
        """Begin writing raw stream, markers and estimates to ``path``."""

    def stop_recording(self) -> None:
        """Stop recording and close the file."""
