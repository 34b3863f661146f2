"""Training-free band-power indices: what ``live`` shows when no trained model fits.

Two labelled indices, computed from any headset with a frontal pair and no
training, as BrainFlow's shipped band-power metrics are (``get_avg_band_powers``:
Welch band powers on any board):

* **valence index**: frontal alpha asymmetry, ``ln(alpha right) - ln(alpha left)``
  over the best homologous frontal pair the montage has (:data:`FRONTAL_PAIRS`,
  ranked as the asymmetry literature uses them: F3/F4 first, the pair of
  Davidson's and Coan & Allen's (2004) studies; AF3/AF4 and F7/F8 next; AF7/AF8,
  where consumer headsets such as the Muse sit; Fp1/Fp2, prone to eye artefacts;
  then F5/F6, F1/F2, FC3/FC4). Alpha power falls where cortex is active, so a
  positive value means relatively more left-frontal activity, which the asymmetry
  literature links to approach and positive affect. A montage without a frontal
  pair (a Unicorn: Fz C3 Cz C4 Pz PO7 Oz PO8) gets no valence index: it is shown
  as unavailable, with the reason.
* **arousal index**: ``ln(beta / alpha)`` over all EEG channels (beta 13-30 Hz,
  alpha 8-13 Hz; Ramirez & Vamvakousis 2012 used the same ratio).

Each is z-scored against the session's own running baseline
(:class:`~eeg_emotion.session_norm.RunningSessionNorm`, mean and variance of the
session so far): 0 is this person's average in this session, +1 one standard
deviation above it. They are not emotion estimates: nothing was trained on this
person, which every output says (:data:`~eeg_emotion.realtime.engine.state.INDEX_NOTE`).

:func:`index_model` makes the built-in "model" and its
:class:`~eeg_emotion.contract.SignalContract` (the stream's own channels, a
low-delay minimum-phase 4-40 Hz band-pass, 4-s windows every 0.5 s), so the
:class:`~eeg_emotion.realtime.engine.engine.Engine` runs it like any checkpoint;
:class:`BandIndexClassifier` is its classifier.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Sequence

import numpy as np

from eeg_emotion.contract import SignalContract
from eeg_emotion.errors import StreamError
from eeg_emotion.features import band_power_psd
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models.checkpoint import CheckpointMeta, LoadedModel
from eeg_emotion.montages import normalize_name
from eeg_emotion.realtime.engine.state import INDEX_NOTE, IndexReading, WindowOutput
from eeg_emotion.session_norm import RunningSessionNorm
from eeg_emotion.targets import deap_targets

log = logging.getLogger(__name__)

#: Homologous frontal pairs (left, right) of the valence index, most preferred first.
FRONTAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("F3", "F4"), ("AF3", "AF4"), ("F7", "F8"), ("AF7", "AF8"), ("Fp1", "Fp2"), ("F5", "F6"),
    ("F1", "F2"), ("FC3", "FC4"))
#: Bands shown in the level map; alpha and beta make the indices.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("theta", 4.0, 8.0), ("alpha", 8.0, 13.0), ("beta", 13.0, 30.0), ("gamma", 30.0, 40.0))
#: Model name of index mode (in the ``info`` line and the dashboard).
INDEX_MODEL_NAME = "band-power-index"
#: Windows of the session before its running baseline counts as settled (15 s).
BASELINE_WARMUP = 30
#: Highest rate the indices run at; faster streams are resampled to it.
MAX_RATE = 250.0
#: Band powers below this (µV²) are treated as this (a flat channel has no log).
POWER_FLOOR = 1e-12


def frontal_pair(channels: Sequence[str]) -> tuple[str, str] | None:
    """The best of :data:`FRONTAL_PAIRS` whose both channels the montage has.

    Parameters
    ----------
    channels : sequence of str
        The stream's EEG channel names.

    Returns
    -------
    (left, right) : tuple of str | None
        The stream's own spelling of the two names; None when it has no pair.
    """
    lookup = {normalize_name(c): c for c in channels}
    for left, right in FRONTAL_PAIRS:
        if normalize_name(left) in lookup and normalize_name(right) in lookup:
            return lookup[normalize_name(left)], lookup[normalize_name(right)]
    return None


def no_pair_reason(channels: Sequence[str]) -> str:
    """Why the valence index is unavailable on a montage without a frontal pair."""
    pairs = ", ".join(f"{a}/{b}" for a, b in FRONTAL_PAIRS)
    return (f"the montage ({', '.join(channels)}) has none of the homologous frontal pairs "
            f"the asymmetry needs ({pairs}); name the channels with --montage if one is there")


class BandIndexModel:
    """The built-in "model" of index mode: settings, no weights.

    Parameters
    ----------
    left, right : str | None
        The frontal pair of the valence index; None when the montage has none
        (then only the arousal index runs).
    warmup : int
        Windows before the session's running baseline counts as settled.
    unavailable : str
        Why the valence index is unavailable (empty when it is not).
    """

    name = INDEX_MODEL_NAME
    supports_missing_channels = False

    def __init__(self, left: str | None, right: str | None, warmup: int = BASELINE_WARMUP,
                 unavailable: str = "") -> None:
        self.left = left
        self.right = right
        self.warmup = int(warmup)
        self.unavailable = unavailable

    @property
    def pair(self) -> str:
        """``"F3/F4"``; empty without a pair."""
        return f"{self.left}/{self.right}" if self.left and self.right else ""


def index_contract(channels: Sequence[str], stream_rate: float) -> SignalContract:
    """The built-in signal contract of index mode for a stream.

    Parameters
    ----------
    channels : sequence of str
        The stream's EEG channels (all are used: the arousal index averages them).
    stream_rate : float
        The stream's rate in Hz; above :data:`MAX_RATE` it is resampled.

    Returns
    -------
    SignalContract
        4-40 Hz minimum-phase FIR (low delay), 4-s windows every 0.5 s, no
        per-window standardisation (powers must keep their size), 1 s discarded
        after start and after each gap.

    Raises
    ------
    StreamError
        If the rate is too low for beta (13-30 Hz).
    """
    if stream_rate < 64.0:
        raise StreamError(f"the stream runs at {stream_rate:g} Hz: too slow for the beta band "
                          "(13-30 Hz) of the arousal index",
                          "stream at 125 Hz or more (OpenBCI boards do), or pass --model PATH")
    sfreq = min(float(stream_rate), MAX_RATE)
    return SignalContract(channels=tuple(channels), sfreq=sfreq, units="microvolts",
                          filter=FilterSpec(4.0, min(40.0, 0.45 * sfreq), phase="minimum"),
                          window_s=4.0, hop_s=0.5, baseline="none", standardize="none",
                          discard_s=1.0)


def index_model(channels: Sequence[str], stream_rate: float,
                stream: str = "the stream") -> LoadedModel:
    """Index mode as a :class:`LoadedModel` the engine runs like a checkpoint.

    Parameters
    ----------
    channels : sequence of str
        The stream's channel names.
    stream_rate : float
        Its rate in Hz.
    stream : str
        How to name it in errors.

    Returns
    -------
    LoadedModel
        ``model`` a :class:`BandIndexModel`; ``meta.targets`` valence and arousal
        (what the indices are about, for ground truth from a replay's markers), or
        arousal alone when the montage has no frontal pair.

    Raises
    ------
    StreamError
        A rate too low for the beta band.
    """
    pair = frontal_pair(channels)
    contract = index_contract(channels, stream_rate)
    if pair is None:
        model = BandIndexModel(None, None, unavailable=no_pair_reason(channels))
        log.info("valence index unavailable on %s: %s", stream, model.unavailable)
    else:
        model = BandIndexModel(*pair)
    targets = deap_targets(("valence", "arousal") if pair else ("arousal",))
    meta = CheckpointMeta(model=INDEX_MODEL_NAME, hparams={"pair": model.pair},
                          signal=contract, targets=targets,
                          training={"note": INDEX_NOTE}, tags={"index": True})
    return LoadedModel(model, meta)  # type: ignore[arg-type]


def band_powers(window: np.ndarray, sfreq: float,
                bands: Sequence[tuple[str, float, float]] = BANDS) -> np.ndarray:
    """Welch band powers of each channel (1-s Hann segments, half overlap), floored.

    The band powers of :func:`eeg_emotion.features.band_power_psd`, which the
    Random Forest's PSD features use too.

    Parameters
    ----------
    window : numpy.ndarray, shape (channels, samples)
        Filtered signal in µV.
    sfreq : float
        Its rate in Hz.
    bands : sequence of (name, low, high)
        Bands in Hz.

    Returns
    -------
    numpy.ndarray, shape (channels, bands)
        Power in µV² (at least :data:`POWER_FLOOR`).
    """
    out = band_power_psd(window, sfreq, {name: (lo, hi) for name, lo, hi in bands})
    return np.maximum(out, POWER_FLOOR)


class BandIndexClassifier:
    """Valence and arousal indices of the latest window, z-scored on the session so far.

    Parameters
    ----------
    model : BandIndexModel
        Its frontal pair and baseline warm-up.
    contract : SignalContract
        From :func:`index_contract` (channel order and rate of the windows).
    history : int
        Windows of band powers kept for the level map.
    """

    def __init__(self, model: BandIndexModel, contract: SignalContract,
                 history: int = 32) -> None:
        keys = [normalize_name(c) for c in contract.channels]
        self.model = model
        self.contract = contract
        self.device = "cpu"
        self.has_pair = bool(model.pair)
        self.left = keys.index(normalize_name(model.left)) if self.has_pair else -1
        self.right = keys.index(normalize_name(model.right)) if self.has_pair else -1
        names = [b[0] for b in BANDS]
        self.alpha, self.beta = names.index("alpha"), names.index("beta")
        self.bands = tuple(b for b in BANDS if b[1] < contract.filter.h_freq)
        self.norm = RunningSessionNorm(model.warmup)
        self._history: collections.deque[np.ndarray] = collections.deque(maxlen=history)
        self.level_labels: tuple[str, ...] = tuple(f"log10 {name} {lo:g}-{hi:g} Hz"
                                                   for name, lo, hi in self.bands)

    @property
    def adaptation(self) -> tuple[int, int] | None:
        """(windows in the running baseline, warm-up)."""
        return (self.norm.n, self.norm.warmup)

    def reset(self) -> None:
        """After a gap: the level map restarts (the session's baseline carries on)."""
        self._history.clear()

    def warm_up(self, n_samples: int) -> None:
        """Nothing to warm up: band powers need no framework set-up (the running
        baseline must see real windows only)."""

    def __call__(self, window: np.ndarray) -> WindowOutput:
        """The indices of one window.

        Parameters
        ----------
        window : numpy.ndarray, shape (channels, samples)
            Filtered signal in the contract's channel order.

        Returns
        -------
        WindowOutput
            No probabilities; ``indices`` the :class:`IndexReading`; ``level_map``
            log10 band powers (channels, bands, windows), oldest first.
        """
        power = band_powers(window, self.contract.sfreq, self.bands)
        ratio = float(np.log(power[:, self.beta].sum() / power[:, self.alpha].sum()))
        self._history.append(np.log10(power).astype(np.float32))
        if self.has_pair:
            faa = float(np.log(power[self.right, self.alpha])
                        - np.log(power[self.left, self.alpha]))
            z = self.norm.update(np.array([faa, ratio]))
            values = {"valence": float(z[0]), "arousal": float(z[1])}
            raw = {"frontal_alpha_asymmetry": faa, "beta_alpha_ratio": ratio}
            unavailable: dict[str, str] = {}
        else:
            z = self.norm.update(np.array([ratio]))
            values = {"arousal": float(z[0])}
            raw = {"beta_alpha_ratio": ratio}
            unavailable = {"valence": self.model.unavailable}
        reading = IndexReading(values=values, raw=raw, pair=self.model.pair,
                               baseline=(self.norm.n, self.norm.warmup),
                               unavailable=unavailable)
        return WindowOutput({}, np.stack(self._history, axis=-1), reading)


def index_notes(loaded: LoadedModel, calibrate: str) -> tuple[str, ...]:
    """What index mode tells the user (terminal, ``info`` line, dashboard).

    Parameters
    ----------
    loaded : LoadedModel
        From :func:`index_model`.
    calibrate : str
        The ``eeg-emotion calibrate ...`` command for this source.

    Returns
    -------
    tuple of str
    """
    model = loaded.model
    pair = model.pair if isinstance(model, BandIndexModel) else "?"
    valence = (f"valence: frontal alpha asymmetry {pair}, the best frontal pair the montage "
               "has" if pair else f"valence unavailable: {model.unavailable}")
    return (f"no trained model fits this stream: band-power indices, {INDEX_NOTE} "
            f"({valence}; arousal: beta/alpha over all EEG channels; z against this "
            "session's running baseline)",
            f"for a model trained on you, record a labelled session: `{calibrate}`")
