"""The signal contract: everything a trained model needs from the signal, in one place.

A :class:`SignalContract` says which channels, at which rate and in which units,
through which causal filter, cut into which windows, with which per-window
standardisation a model saw in training. It is built ONCE, by offline
preprocessing from a config and a dataset, embedded in the checkpoint (a single
copy), and handed typed to the live engine, which rebuilds the same pipeline
from it. :func:`standardize_windows` is the one per-window standardisation both
paths use.

Units: models are trained in microvolts. :func:`unit_scale` knows the unit names
LSL streams and MNE files use (``microvolts``, ``uV``, ``µV``, ``volts``, ``V``,
``millivolts``, ``mV``, ``nanovolts``, ``nV``) and the power-of-ten strings
mne-lsl writes (``"0"`` volts, ``"-3"`` millivolts, ``"-6"`` microvolts, ``"-9"``
nanovolts: ``mne_lsl/lsl/stream_info.py``, ``set_channel_units``); a stream in
volts is rescaled live, and the engine says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Literal

import numpy as np

from eeg_emotion.errors import ConfigError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.seed_iv_features import KINDS as FEATURE_KINDS
from eeg_emotion.seed_iv_features import default_bands
from eeg_emotion.smoothing import SMOOTHERS
from eeg_emotion.windows import seconds_to_samples

BASELINES = ("none", "subtract_mean")
STANDARDIZATIONS = ("none", "window")
INPUTS = ("raw", "features")

#: unit name (lower case) -> factor that turns a value in that unit into microvolts
_UNIT_TO_UV: dict[str, float] = {
    "microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "μv": 1.0,
    "volts": 1e6, "volt": 1e6, "v": 1e6,
    "millivolts": 1e3, "millivolt": 1e3, "mv": 1e3,
    "nanovolts": 1e-3, "nanovolt": 1e-3, "nv": 1e-3,
}


#: mne-lsl's power-of-ten unit strings (the exponent of volts) that name a voltage unit
_POWERS_OF_TEN = re.compile(r"^[+-]?\d{1,2}$")


def unit_scale(unit: str) -> float | None:
    """Factor that converts values in ``unit`` to microvolts.

    Parameters
    ----------
    unit : str
        A unit name as LSL or MNE write it (``"microvolts"``, ``"V"``, ``"µV"`` ...),
        or a power of ten of volts as mne-lsl writes it (``"0"`` volts, ``"-6"``
        microvolts; ``mne_lsl/lsl/stream_info.py``).

    Returns
    -------
    float | None
        e.g. ``1e6`` for volts; None for a name this project does not know.
    """
    key = str(unit).strip().lower()
    if _POWERS_OF_TEN.match(key):
        exponent = int(key)
        return 10.0 ** (exponent + 6) if -12 <= exponent <= 3 else None
    return _UNIT_TO_UV.get(key)


def standardize_windows(windows: np.ndarray, mode: str) -> np.ndarray:
    """The per-window standardisation of offline preprocessing and live inference.

    Parameters
    ----------
    windows : numpy.ndarray, shape (..., n_channels, n_times)
        One window or a stack of them.
    mode : {"none", "window"}
        ``"window"``: each channel of each window is z-scored by that window's own
        mean and standard deviation (computed in float64; a flat channel, std <=
        1e-12, is only centred). It never uses other (test) data, so the live
        engine can do the same. ``"none"``: returned unchanged.

    Returns
    -------
    numpy.ndarray
        float64 for ``"window"``; the input itself for ``"none"``.
    """
    if mode == "none":
        return windows
    if mode != "window":
        raise ConfigError(f"standardize={mode!r} is unknown", "use 'none' or 'window'")
    x = np.asarray(windows, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    std = x.std(axis=-1, keepdims=True)
    return (x - mean) / np.where(std > 1e-12, std, 1.0)


@dataclass(frozen=True)
class FeatureSpec:
    """The band features a model takes instead of signal windows (``input = "features"``).

    Parameters
    ----------
    kind : {"de", "psd"}
        Differential entropy or band energy, computed as SEED-IV computed its
        files (:mod:`eeg_emotion.seed_iv_features`).
    bands : tuple of (name, low Hz, high Hz)
        Default the five SEED-IV bands.
    smoothing : {"none", "lds", "moving_average"}
        How the training features were smoothed over windows (SEED-IV's ``LDS`` or
        ``movingAve``); live runs the causal counterpart
        (:class:`eeg_emotion.smoothing.CausalSmoother`).
    session_norm : bool
        Standardise each feature with its recording session's own statistics
        (unlabelled, so allowed at test time). Offline: the whole session's
        statistics; live: running statistics of the current session.
    session_norm_warmup : int
        Live: windows of the session seen before its statistics count as settled
        (the dashboard shows "adapting (n/N)" until then).
    """

    kind: Literal["de", "psd"] = "de"
    bands: tuple[tuple[str, float, float], ...] = field(default_factory=default_bands)
    smoothing: Literal["none", "lds", "moving_average"] = "lds"
    session_norm: bool = False
    session_norm_warmup: int = 30

    def __post_init__(self) -> None:
        try:
            bands = tuple((str(n), float(lo), float(hi)) for n, lo, hi in self.bands)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"feature bands {self.bands!r} must be (name, low, high) "
                              "triples") from exc
        object.__setattr__(self, "bands", bands)
        if self.kind not in FEATURE_KINDS:
            raise ConfigError(f"feature kind {self.kind!r} is unknown",
                              f"use one of {', '.join(FEATURE_KINDS)}")
        if self.smoothing not in SMOOTHERS:
            raise ConfigError(f"feature smoothing {self.smoothing!r} is unknown",
                              f"use one of {', '.join(SMOOTHERS)}")
        if not bands or any(not 0 <= lo < hi for _, lo, hi in bands):
            raise ConfigError(f"feature bands {bands!r} must be non-empty (low < high)")
        if not isinstance(self.session_norm, bool):
            raise ConfigError(f"session_norm={self.session_norm!r} must be true or false")
        if (not isinstance(self.session_norm_warmup, int)
                or isinstance(self.session_norm_warmup, bool) or self.session_norm_warmup < 1):
            raise ConfigError(f"session_norm_warmup={self.session_norm_warmup!r} must be a "
                              "positive number of windows")

    @property
    def n_bands(self) -> int:
        """Number of bands."""
        return len(self.bands)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["bands"] = [list(b) for b in self.bands]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict):
            raise ConfigError(f"feature spec must be a table, got {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"feature spec: unknown field(s) {', '.join(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class SignalContract:
    """What a model needs from the signal; one frozen copy, offline and live.

    Parameters
    ----------
    channels : tuple of str
        Channel names in model input order (10-20 names).
    sfreq : float
        Sampling rate of the model's input in Hz (a stream is resampled to it).
    units : str
        Units of the signal the model saw (``"microvolts"``).
    filter : FilterSpec
        The causal band-pass (and notch) run before windowing, offline and live.
    window_s, hop_s : float
        Window length and hop of training, in seconds.
    baseline : {"none", "subtract_mean"}
        What offline preprocessing did with a dataset's pre-trial baseline (DEAP's
        first 3 s): subtract its per-channel mean, or nothing. The baseline itself
        is always dropped. A live stream has no pre-trial segment; after the
        band-pass a constant offset is gone anyway, so live needs no step for it.
    standardize : {"none", "window"}
        Per-window standardisation (:func:`standardize_windows`).
    input : {"raw", "features"}
        ``"raw"``: the model takes filtered windows; ``"features"``: band features
        computed from them, as :attr:`features` says.
    discard_s : float
        Seconds after the filter starts (a trial's start offline, a stream's start
        or reconnect live) that no window may use: the filter's start-up.
    features : FeatureSpec | None
        Required when ``input == "features"``, None otherwise.
    """

    channels: tuple[str, ...]
    sfreq: float
    units: str
    filter: FilterSpec
    window_s: float
    hop_s: float
    baseline: Literal["none", "subtract_mean"]
    standardize: Literal["none", "window"]
    input: Literal["raw", "features"] = "raw"
    discard_s: float = 0.0
    features: FeatureSpec | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(str(c) for c in self.channels))
        self.validate()

    # -- checks -----------------------------------------------------------------------------
    def validate(self) -> None:
        """Check every field.

        Raises
        ------
        ConfigError
            Naming the field and what is allowed.
        """
        def positive(name: str, value: object) -> None:
            ok = (isinstance(value, int | float) and not isinstance(value, bool)
                  and math.isfinite(value) and value > 0)
            if not ok:
                raise ConfigError(f"signal contract: {name}={value!r} must be a positive "
                                  "number")

        if not self.channels or any(not c.strip() for c in self.channels):
            raise ConfigError(f"signal contract: channels {list(self.channels)!r} must be a "
                              "non-empty list of names")
        if len({c.strip().upper() for c in self.channels}) != len(self.channels):
            raise ConfigError(f"signal contract: channels {list(self.channels)!r} repeat a name")
        positive("sfreq", self.sfreq)
        positive("window_s", self.window_s)
        positive("hop_s", self.hop_s)
        if unit_scale(self.units) is None:
            raise ConfigError(f"signal contract: units {self.units!r} are unknown",
                              "use 'microvolts' (or volts, millivolts, nanovolts)")
        if not isinstance(self.filter, FilterSpec):
            raise ConfigError(f"signal contract: filter must be a FilterSpec, got "
                              f"{type(self.filter).__name__}")
        for name, value, allowed in (("baseline", self.baseline, BASELINES),
                                     ("standardize", self.standardize, STANDARDIZATIONS),
                                     ("input", self.input, INPUTS)):
            if value not in allowed:
                raise ConfigError(f"signal contract: {name}={value!r} is unknown",
                                  f"use one of {', '.join(map(repr, allowed))}")
        if not (isinstance(self.discard_s, int | float) and self.discard_s >= 0):
            raise ConfigError(f"signal contract: discard_s={self.discard_s!r} must be >= 0")
        if (self.input == "features") != (self.features is not None):
            raise ConfigError("signal contract: a FeatureSpec goes with input='features' "
                              f"and only with it (input={self.input!r}, features="
                              f"{'set' if self.features is not None else 'None'})")
        if self.features is not None and not isinstance(self.features, FeatureSpec):
            raise ConfigError("signal contract: features must be a FeatureSpec")

    # -- derived values ---------------------------------------------------------------------
    @property
    def window(self) -> int:
        """Window length in samples at :attr:`sfreq`."""
        return seconds_to_samples(self.window_s, self.sfreq)

    @property
    def hop(self) -> int:
        """Hop in samples at :attr:`sfreq`."""
        return seconds_to_samples(self.hop_s, self.sfreq)

    @property
    def n_discard(self) -> int:
        """Start-up samples no window may use."""
        return round(self.discard_s * self.sfreq)

    def standardize_windows(self, windows: np.ndarray) -> np.ndarray:
        """Apply this contract's per-window standardisation (:func:`standardize_windows`)."""
        return standardize_windows(windows, self.standardize)

    def unit_factor(self, unit: str) -> float | None:
        """Factor turning a signal in ``unit`` into this contract's units (None: unknown)."""
        scale = unit_scale(unit)
        return None if scale is None else scale / unit_scale(self.units)

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (embedded in checkpoints, cache keys and reports)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["channels"] = list(self.channels)
        out["filter"] = self.filter.to_dict()
        out["features"] = self.features.to_dict() if self.features is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignalContract:
        """Inverse of :meth:`to_dict`.

        Raises
        ------
        ConfigError
            On a missing or unknown field or a bad value.
        """
        if not isinstance(data, dict):
            raise ConfigError(f"signal contract must be a table, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        required = {f.name for f in fields(cls) if f.default is MISSING}
        unknown = sorted(set(data) - names)
        missing = sorted(required - set(data))
        if unknown or missing:
            raise ConfigError(
                "signal contract: " + "; ".join(
                    ([f"unknown field(s) {', '.join(unknown)}"] if unknown else [])
                    + ([f"missing field(s) {', '.join(missing)}"] if missing else [])))
        values = dict(data)
        try:
            values["filter"] = FilterSpec.from_dict(dict(values["filter"]))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"signal contract: filter {values['filter']!r} is malformed "
                              f"({exc})") from exc
        if not isinstance(values["channels"], list | tuple):
            raise ConfigError(f"signal contract: channels {values['channels']!r} is not a "
                              "list")
        if values.get("features") is not None:
            values["features"] = FeatureSpec.from_dict(values["features"])
        return cls(**values)

    def describe(self) -> str:
        """One line for logs and reports."""
        return (f"{len(self.channels)} ch @ {self.sfreq:g} Hz in {self.units}, "
                f"{self.filter.l_freq:g}-{self.filter.h_freq:g} Hz {self.filter.phase}-phase "
                f"FIR, {self.window_s:g}-s windows every {self.hop_s:g} s, "
                f"standardize={self.standardize}, input={self.input}"
                + (f" ({self.features.kind}, {self.features.smoothing} smoothing"
                   f"{', session norm' if self.features.session_norm else ''})"
                   if self.features else ""))


class ContractView:
    """``channels`` and ``sfreq`` of an object's :class:`SignalContract`, read through.

    Windows, run data and checkpoint metadata carry a contract; this mixin gives them
    the two shorthands once. A class using it has a ``contract`` attribute or property.
    """

    contract: SignalContract

    @property
    def channels(self) -> list[str]:
        """Channel names in model input order."""
        return list(self.contract.channels)

    @property
    def sfreq(self) -> float:
        """Sampling rate in Hz."""
        return self.contract.sfreq
