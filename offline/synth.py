"""Synthetic DEAP and SEED-IV datasets in the exact published file formats.

The data are coloured noise with a known, learnable emotion structure, so the
whole pipeline (readers, preprocessing, training, replay) can be run and tested
without the real datasets. Every signal is a sum of components, each normalised
to unit variance per trial and channel and scaled by a gain in µV:

* background: 1/f^beta noise (beta per subject, 0.9-1.5);
* theta (~6 Hz), alpha (the subject's individual alpha frequency, 9-11 Hz),
  beta (~20 Hz) and gamma (~38 Hz): narrow-band Gaussian noise.

The structure lives in the *relative* band powers within a channel, so it survives
the 4-45 Hz filter and per-window z-scoring:

* DEAP, with ``v = (rating - 5) / 4`` in [-1, 1] for each scale:

  - valence: frontal alpha asymmetry: alpha gain of left frontal channels
    ``* exp(-0.35 v)``, of right frontal channels ``* exp(+0.35 v)``;
  - arousal: beta gain everywhere ``* exp(0.35 a)``, alpha ``* exp(-0.2 a)``;
  - dominance: theta gain on central and midline channels ``* exp(0.6 d)``;
  - liking: no signal of its own (it is drawn correlated with valence).

  The first 3 s of each trial (the baseline) have no emotion modulation; the
  modulation fades in over 0.5 s.
* SEED-IV classes (0 neutral, 1 sad, 2 fear, 3 happy) scale band gains by region
  (times :data:`SEED_CLASS_SCALE`): neutral none; sad more theta and alpha, less
  beta; fear more beta and temporal gamma, less alpha; happy more temporal beta/gamma
  and right-frontal alpha.

Subjects differ (random channel gains, background slope, alpha frequency,
reactivity, their own band balance and frontal alpha asymmetry), so cross-subject
protocols are meaningful: learnable, not trivial. Each SEED-IV recording session
shifts every rhythm's gain and the whole signal's (broadband) gain, so that, as in
the real ``de_LDS`` files (shared/DATASETS.md), the session offset of channel-averaged
DE (sd about 0.5-0.85 over sessions) is several times the spread of the four class
means within a session (0.04-0.65, band by band). Per-trial gain noise (per channel,
plus a state shared by all channels) keeps single trials ambiguous. For scale: with
default sizes, a logistic regression on window DE features, leave-one-subject-out,
reached 0.59 (valence), 0.78 (arousal), 0.81 (dominance) on DEAP against a 0.51-0.53
majority rate; on SEED-IV (4 subjects x 3 sessions x 24 trials of 30 s), a Random
Forest on the de_LDS files, leave-one-session-out, reached 0.35 against 0.25 chance,
and 0.46 with each session's features standardised (session normalisation).

Generation is vectorised over trials and channels: one inverse FFT per component
(DEAP, whose baseline needs its own gains) or per trial (SEED-IV, whose components
are merged into one spectrum).
"""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.fft
import scipy.io

from eeg_emotion.atomic import atomic_write_bytes, atomic_writer
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.montages import DEAP, SEED_IV, channel_region
from eeg_emotion.offline.seed_iv import FEATURE_FILTER, FEATURE_WINDOW_S, SEED_IV_LABELS
from eeg_emotion.seed_iv_features import trial_features
from eeg_emotion.smoothing import smooth_offline

log = logging.getLogger(__name__)

_COMPONENTS = ("theta", "alpha", "beta", "gamma")
_CENTERS = {"theta": (6.0, 1.2), "beta": (20.0, 4.0), "gamma": (38.0, 4.0)}
_ALPHA_WIDTH = 1.0
# Neutral gains in µV: background, theta, alpha, beta, gamma.
_BG_GAIN = 8.0
_BASE_GAINS = np.array([3.0, 6.0, 2.5, 1.2])


@dataclass(frozen=True)
class _Subject:
    """What makes one synthetic subject different from another."""

    channel_gain: np.ndarray  # (n_channels,)
    bg_exponent: float
    iaf: float
    reactivity: float
    base_gains: np.ndarray  # (n_channels, 4) neutral band gains


def _regions(channels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    reg = np.array([channel_region(c)[0] for c in channels])
    side = np.array([channel_region(c)[1] for c in channels])
    return reg, side


def _make_subject(rng: np.random.Generator, channels: tuple[str, ...]) -> _Subject:
    reg, side = _regions(channels)
    gains = np.tile(_BASE_GAINS, (len(channels), 1))
    gains[np.isin(reg, ("parietal", "occipital")), 1] *= 1.6  # posterior alpha
    gains[reg == "temporal", 3] *= 1.3
    # A subject-specific frontal alpha asymmetry, comparable to the effect itself.
    asym = rng.normal(0.0, 0.3)
    gains[(reg == "frontal") & (side == "right"), 1] *= np.exp(asym)
    gains[(reg == "frontal") & (side == "left"), 1] *= np.exp(-asym)
    gains *= rng.lognormal(0.0, 0.15, size=gains.shape)
    gains *= rng.lognormal(0.0, 0.2, size=(1, 4))  # the subject's own band balance
    return _Subject(channel_gain=rng.lognormal(0.0, 0.3, size=len(channels)),
                    bg_exponent=float(rng.uniform(0.9, 1.5)),
                    iaf=float(rng.uniform(9.0, 11.0)),
                    reactivity=float(rng.uniform(0.6, 1.4)),
                    base_gains=gains)


def _unit_noise(rng: np.random.Generator, shape: tuple[int, ...], n_times: int,
                amplitude: np.ndarray) -> np.ndarray:
    """Gaussian noise with spectrum ``amplitude`` (n_freq,), unit variance per row."""
    n_freq = n_times // 2 + 1
    spec = (rng.standard_normal((*shape, n_freq), dtype=np.float32)
            + 1j * rng.standard_normal((*shape, n_freq), dtype=np.float32))
    spec *= amplitude.astype(np.float32)
    x = scipy.fft.irfft(spec, n=n_times, axis=-1)
    x -= x.mean(axis=-1, keepdims=True)
    x /= np.maximum(x.std(axis=-1, keepdims=True), 1e-12)
    return x.astype(np.float32, copy=False)


def _generate(rng: np.random.Generator, subject: _Subject, sfreq: float, n_times: int,
              gains_before: np.ndarray, gains_after: np.ndarray,
              switch_s: float | None) -> np.ndarray:
    """Sum the components for a block of trials of equal length.

    Parameters
    ----------
    gains_before, gains_after : numpy.ndarray, shape (n_trials, n_channels, 4)
        Band gains (µV) before and after ``switch_s`` (fading over 0.5 s);
        ``switch_s=None`` uses ``gains_after`` throughout.

    Returns
    -------
    numpy.ndarray, shape (n_trials, n_channels, n_times), float32
    """
    n_trials, n_ch, _ = gains_after.shape
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    pink = np.where(freqs > 0.5, np.maximum(freqs, 0.5) ** (-subject.bg_exponent / 2), 0.0)
    out = _unit_noise(rng, (n_trials, n_ch), n_times, pink)
    out *= (_BG_GAIN * subject.channel_gain)[None, :, None].astype(np.float32)
    if switch_s is None:
        fade = None
    else:
        t = np.arange(n_times) / sfreq
        fade = np.clip((t - switch_s) / 0.5, 0.0, 1.0).astype(np.float32)
    for b, name in enumerate(_COMPONENTS):
        center, width = (subject.iaf, _ALPHA_WIDTH) if name == "alpha" else _CENTERS[name]
        if center >= sfreq / 2:
            continue
        bump = np.exp(-0.5 * ((freqs - center) / width) ** 2)
        comp = _unit_noise(rng, (n_trials, n_ch), n_times, bump)
        g1 = (gains_after[:, :, b] * subject.channel_gain)[..., None].astype(np.float32)
        if fade is None:
            comp *= g1
        else:
            g0 = (gains_before[:, :, b] * subject.channel_gain)[..., None].astype(np.float32)
            comp *= g0 + (g1 - g0) * fade
        out += comp
    return out


def _generate_stationary(rng: np.random.Generator, subject: _Subject, sfreq: float,
                         n_times: int, gains: np.ndarray) -> np.ndarray:
    """Like :func:`_generate` with constant gains, in a single inverse FFT.

    The components are independent Gaussian processes, so their sum is one
    process whose power spectrum is the gain-weighted sum of theirs; each
    component's expected variance is its gain squared.

    Parameters
    ----------
    gains : numpy.ndarray, shape (n_trials, n_channels, 4)
        Band gains (µV).

    Returns
    -------
    numpy.ndarray, shape (n_trials, n_channels, n_times), float32
    """
    n_trials, n_ch, _ = gains.shape
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    shapes = [np.where(freqs > 0.5, np.maximum(freqs, 0.5) ** -subject.bg_exponent, 0.0)]
    for name in _COMPONENTS:
        center, width = (subject.iaf, _ALPHA_WIDTH) if name == "alpha" else _CENTERS[name]
        shapes.append(np.exp(-((freqs - center) / width) ** 2))
    power = np.stack(shapes)  # (5, n_freq)
    power /= power.sum(axis=1, keepdims=True)
    g2 = np.concatenate([np.full((n_trials, n_ch, 1), _BG_GAIN), gains], axis=2) ** 2
    psd = np.einsum("tcb,bf->tcf", g2 * (subject.channel_gain ** 2)[None, :, None], power)
    amp = (np.sqrt(psd) * (n_times / 2.0)).astype(np.float32)
    spec = (rng.standard_normal(amp.shape, dtype=np.float32)
            + 1j * rng.standard_normal(amp.shape, dtype=np.float32)) * amp
    spec[..., 0] = 0.0
    return scipy.fft.irfft(spec, n=n_times, axis=-1).astype(np.float32, copy=False)


# ----------------------------------------------------------------------------- DEAP

def _deap_ratings(rng: np.random.Generator, n_trials: int) -> np.ndarray:
    """(n_trials, 4) ratings on 1-9, each scale balanced around 5."""
    ratings = np.empty((n_trials, 4))
    for j in range(4):
        high = rng.permutation(np.arange(n_trials) % 2 == 0)
        dist = rng.uniform(0.3, 4.0, n_trials)
        ratings[:, j] = np.where(high, 5.0 + dist, 5.0 - dist)
    # liking follows valence loosely, as in the real data
    ratings[:, 3] = np.clip(0.6 * ratings[:, 0] + 0.4 * ratings[:, 3], 1.0, 9.0)
    ratings[rng.random((n_trials, 4)) < 0.04] = 5.0  # exercise the threshold rule
    return np.round(np.clip(ratings, 1.0, 9.0), 2)


def _trial_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Multiplicative gain noise of trials (n_trials, n_channels, 4): per channel
    and band, plus a state shared by all channels of a trial and band."""
    return (rng.lognormal(0.0, 0.12, size=shape)
            * rng.lognormal(0.0, 0.2, size=(shape[0], 1, shape[2])))


def _deap_gains(subject: _Subject, ratings: np.ndarray, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """Neutral (baseline) and emotional band gains, (n_trials, 32, 4) each."""
    reg, side = _regions(DEAP)
    n = ratings.shape[0]
    base = np.broadcast_to(subject.base_gains, (n, *subject.base_gains.shape))
    before = base * _trial_noise(rng, base.shape)
    v, a, d = ((ratings[:, :3] - 5.0) / 4.0 * subject.reactivity).T
    log_g = np.zeros(base.shape)
    left_front = (reg == "frontal") & (side == "left")
    right_front = (reg == "frontal") & (side == "right")
    log_g[:, left_front, 1] -= 0.35 * v[:, None]
    log_g[:, right_front, 1] += 0.35 * v[:, None]
    log_g[:, :, 2] += 0.35 * a[:, None]
    log_g[:, :, 1] -= 0.2 * a[:, None]
    theta_chs = (reg == "central") | (side == "midline")
    log_g[:, theta_chs, 0] += 0.6 * d[:, None]
    return before, before * np.exp(log_g)


def synth_deap_subject(rng: np.random.Generator, n_trials: int, seconds: float,
                       baseline_s: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic DEAP subject.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_trials : int
        Number of trials.
    seconds : float
        Trial length after the baseline.
    baseline_s : float
        Pre-trial baseline (DEAP: 3 s).

    Returns
    -------
    data : numpy.ndarray, shape (n_trials, 40, n_times), float64
        32 EEG rows (µV, DEAP order) then 8 peripheral rows.
    labels : numpy.ndarray, shape (n_trials, 4)
        Valence, arousal, dominance, liking on 1-9.
    """
    sfreq = 128.0
    n_times = round((baseline_s + seconds) * sfreq)
    subject = _make_subject(rng, DEAP)
    labels = _deap_ratings(rng, n_trials)
    before, after = _deap_gains(subject, labels, rng)
    eeg = _generate(rng, subject, sfreq, n_times, before, after, switch_s=baseline_s)
    # Peripheral rows: EOG-like slow noise (2), EMG-like broadband (2), then
    # GSR, respiration, plethysmograph, temperature as slow drifts of large scale.
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    slow = np.where(freqs > 0, 1.0 / np.maximum(freqs, 0.05), 0.0)
    periph = np.concatenate([
        _unit_noise(rng, (n_trials, 2), n_times, slow) * 40.0,
        _unit_noise(rng, (n_trials, 2), n_times, np.ones_like(freqs)) * 15.0,
        _unit_noise(rng, (n_trials, 4), n_times, slow ** 2) * 500.0
        + rng.uniform(1e3, 1e4, (n_trials, 4, 1)).astype(np.float32),
    ], axis=1)
    data = np.concatenate([eeg, periph], axis=1).astype(np.float64)
    return data, labels


def _check_sizes(**sizes: float) -> None:
    for name, value in sizes.items():
        if value <= 0:
            raise ConfigError(f"synth: {name}={value} must be positive",
                              f"pass --{name} with a value above 0")


def write_synthetic_deap(out: str | Path, subjects: int = 6, trials: int = 12,
                         seconds: float = 20.0, seed: int = 0,
                         full_size: bool = False, overwrite: bool = False) -> list[Path]:
    """Write a synthetic DEAP ``data_preprocessed_python`` folder.

    Parameters
    ----------
    out : str | pathlib.Path
        Folder to write ``s01.dat`` ... into (created if needed).
    subjects, trials : int
        Number of subjects and trials per subject.
    seconds : float
        Trial length after the 3-s baseline.
    seed : int
        Random seed; the same seed gives the same files.
    full_size : bool
        DEAP's real dimensions: 32 subjects x 40 trials x 63 s (overrides the
        sizes; ~3.3 GB).
    overwrite : bool
        Replace files of the same names; without it any existing one is refused
        (it could be a real DEAP copy).

    Returns
    -------
    list of pathlib.Path
        The files written, ``sNN.dat`` pickles (protocol 2) holding ``data``
        (trials, 40, samples) float64 and ``labels`` (trials, 4). A
        ``synthetic.json`` marker with the settings is written beside them.
    """
    if full_size:
        subjects, trials, seconds = 32, 40, 60.0
    _check_sizes(subjects=subjects, trials=trials, seconds=seconds)
    if subjects > 99:
        raise ConfigError(f"synth: {subjects} subjects do not fit DEAP's sNN names",
                          "use at most 99 subjects")
    folder = Path(out)
    planned = [f"s{i:02d}.dat" for i in range(1, subjects + 1)]
    _refuse_existing(folder, [*planned, MARKER], overwrite)
    _refuse_foreign(folder, planned, "*.dat")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for s, child in enumerate(np.random.SeedSequence(seed).spawn(subjects), start=1):
        data, labels = synth_deap_subject(np.random.default_rng(child), trials, seconds)
        path = folder / f"s{s:02d}.dat"
        _atomic_pickle(path, {"labels": labels, "data": data})
        paths.append(path)
    _write_marker(folder, "deap", subjects=subjects, trials=trials, seconds=seconds,
                  seed=seed)
    log.info("wrote %d synthetic DEAP subjects to %s", subjects, folder)
    return paths


#: Written next to every synthetic dataset so reports can say the data are synthetic.
MARKER = "synthetic.json"


def _write_marker(folder: Path, kind: str, **params: object) -> Path:
    """Write :data:`MARKER` (what was generated, with which settings) into ``folder``."""
    path = Path(folder) / MARKER
    path.write_text(json.dumps({"generator": "eeg-emotion synth", "format": kind,
                                **params}, indent=1) + "\n")
    return path


_NEW_GLOBAL = b"cnumpy._core.multiarray\n_reconstruct\n"
_OLD_GLOBAL = b"cnumpy.core.multiarray\n_reconstruct\n"


def _refuse_existing(folder: Path, planned: list[str], overwrite: bool) -> None:
    """Refuse to replace any file this run would write, unless ``overwrite``."""
    if overwrite or not folder.is_dir():
        return
    existing = [name for name in planned if (folder / name).exists()]
    if not existing:
        return
    real = "" if (folder / MARKER).is_file() else (
        f" (no {MARKER} beside them: they may be a real dataset)")
    raise ConfigError(
        f"{folder} already holds {', '.join(existing[:5])}"
        f"{' ...' if len(existing) > 5 else ''}, which this run would write{real}; "
        "nothing was overwritten",
        "choose another --out folder, or add --overwrite to replace them")


def _refuse_foreign(folder: Path, planned: list[str], pattern: str) -> None:
    """Refuse to write into a folder holding data files this run would not replace,
    so that an old dataset's extra subjects never mix with the new one."""
    if not folder.is_dir():
        return
    foreign = sorted(str(p.relative_to(folder)) for p in folder.glob(pattern)
                     if str(p.relative_to(folder)) not in planned)
    if foreign:
        raise ConfigError(
            f"{folder} already holds data files this run would not overwrite: "
            f"{', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}",
            "write into an empty (or new) folder, or delete the old dataset first")


def _atomic_pickle(path: Path, obj: dict) -> None:
    """Pickle (protocol 2) as DEAP's files are: arrays rebuilt by
    ``numpy.core.multiarray._reconstruct``, which numpy 1.x and 2.x both load
    (numpy 2 would name its private ``numpy._core``, unknown to numpy 1.x)."""
    blob = pickle.dumps(obj, protocol=2)
    if blob.count(_NEW_GLOBAL) == 1:  # the GLOBAL opcode, memoised after its first use
        blob = blob.replace(_NEW_GLOBAL, _OLD_GLOBAL)
    atomic_write_bytes(path, blob)


def _balanced_first(labels: np.ndarray, n: int) -> np.ndarray:
    """Trial order whose first ``n`` trials take the valence x arousal classes (rating > 5
    is high) in turn, so that a replay of them is balanced; the rest keep their order."""
    cells = 2 * (labels[:, 0] > 5.0) + (labels[:, 1] > 5.0)
    queues = [list(np.flatnonzero(cells == c)) for c in range(4)]
    first: list[int] = []
    while len(first) < n and any(queues):
        for q in queues:
            if q and len(first) < n:
                first.append(q.pop(0))
    rest = [i for i in range(len(labels)) if i not in set(first)]
    return np.array(first + rest, dtype=np.intp)


def write_demo_recording(out: str | Path, trials: int = 8, seconds: float = 30.0,
                         seed: int = 7, train_trials: int = 0,
                         overwrite: bool = False) -> Path:
    """Write one small synthetic DEAP-format subject file for the demo and replay.

    Parameters
    ----------
    out : str | pathlib.Path
        A folder (the file is ``out/s01.dat``) or a path ending in ``.dat``.
    trials : int
        Number of trials (played back to back by a replay).
    seconds : float
        Trial length after the 3-s baseline.
    seed : int
        Random seed.
    train_trials : int
        If > 0, also write that many OTHER trials of the same synthetic subject to
        ``train/s01.dat`` beside the file, to train a demo model on trials it will
        not see live (a subject-dependent set-up, as after a calibration session).
    overwrite : bool
        Replace existing files of the same names (else they are refused).

    Returns
    -------
    pathlib.Path
        The ``.dat`` file to replay.
    """
    _check_sizes(trials=trials, seconds=seconds)
    if train_trials < 0:
        raise ConfigError(f"synth: train_trials={train_trials} must be 0 or more",
                          "pass train_trials=0 for no training file")
    out = Path(out)
    path = out if out.suffix == ".dat" else out / "s01.dat"
    planned = [path.name, MARKER] + ([f"train/{path.name}", f"train/{MARKER}"]
                                     if train_trials else [])
    _refuse_existing(path.parent, planned, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    data, labels = synth_deap_subject(np.random.default_rng(seed), trials + train_trials,
                                      seconds)
    if train_trials:  # replay trials that cover every valence x arousal class evenly
        order = _balanced_first(labels, trials)
        data, labels = data[order], labels[order]
        train_dir = path.parent / "train"
        train_dir.mkdir(exist_ok=True)
        _atomic_pickle(train_dir / "s01.dat", {"labels": labels[trials:],
                                               "data": data[trials:]})
        _write_marker(train_dir, "deap", subjects=1, trials=train_trials, seconds=seconds,
                      seed=seed, demo_training_for=str(path))
    _atomic_pickle(path, {"labels": labels[:trials], "data": data[:trials]})
    _write_marker(path.parent, "deap", subjects=1, trials=trials, seconds=seconds, seed=seed,
                  demo=path.name)
    return path


# -------------------------------------------------------------------------- SEED-IV

def _seed_class_log_gains(reg: np.ndarray, side: np.ndarray) -> np.ndarray:
    """(4 classes, n_channels, 4 bands) log-gain of each class's signature."""
    n = len(reg)
    g = np.zeros((4, n, 4))
    temporal = reg == "temporal"
    # sad: more theta and alpha, less beta
    g[1, :, 0] += 0.35
    g[1, :, 1] += 0.35
    g[1, :, 2] -= 0.25
    # fear: more beta and temporal gamma, less alpha
    g[2, :, 2] += 0.4
    g[2, temporal, 3] += 0.45
    g[2, :, 1] -= 0.3
    # happy: more temporal beta and gamma, right-frontal alpha
    g[3, temporal, 2] += 0.35
    g[3, temporal, 3] += 0.6
    g[3, (reg == "frontal") & (side == "right"), 1] += 0.35
    return g


#: Strength of SEED-IV's class signatures (log band gain), and of a session's shifts:
#: per band (shared by all channels) and broadband (all bands, per channel too). With
#: these, a recording session moves channel-averaged DE by about 0.9 (sd over
#: sessions) while the four class means of one session lie about 0.15-0.3 apart, the
#: ratio of the real de_LDS files (shared/DATASETS.md): the session offset is several
#: times the class effect.
SEED_CLASS_SCALE = 0.35
SEED_SESSION_BAND_SD = 0.25
SEED_SESSION_BROADBAND_SD = 0.25
SEED_SESSION_CHANNEL_SD = 0.08


def _session_shift(rng: np.random.Generator, n_ch: int) -> tuple[np.ndarray, np.ndarray]:
    """Log-gain shifts of one session (electrode placement, impedance, state).

    Returns
    -------
    band : numpy.ndarray, shape (n_ch, 4)
        Added to the log gain of each rhythm (theta, alpha, beta, gamma).
    broadband : numpy.ndarray, shape (n_ch,)
        Log gain of the whole signal of each channel (background included).
    """
    band = (rng.normal(0.0, SEED_SESSION_BAND_SD, size=(1, 4))
            + rng.normal(0.0, SEED_SESSION_CHANNEL_SD, size=(n_ch, 4)))
    broadband = (rng.normal(0.0, SEED_SESSION_BROADBAND_SD)
                 + rng.normal(0.0, SEED_SESSION_CHANNEL_SD, size=n_ch))
    return band, broadband


def seed_iv_feature_arrays(trial: np.ndarray, sfreq: float = 200.0) -> dict[str, np.ndarray]:
    """SEED-IV's four smoothed features of one raw trial, as the live path computes them.

    The trial goes through :data:`eeg_emotion.offline.seed_iv.FEATURE_FILTER` from
    a fresh state, is cut into non-overlapping 4-s windows from its start, and
    each window's DE / band energy is computed by
    :func:`eeg_emotion.seed_iv_features.trial_features` (the recipe of SEED-IV's
    files); the features are then smoothed over the trial's windows by SEED-IV's
    LDS (:func:`eeg_emotion.smoothing.lds_smooth`) or moving average.

    Parameters
    ----------
    trial : numpy.ndarray, shape (62, n_times)
        Raw EEG (µV).
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    dict
        ``de_LDS``, ``de_movingAve``, ``psd_LDS``, ``psd_movingAve``: each
        (n_channels, n_windows, 5), the files' layout.
    """
    window = round(FEATURE_WINDOW_S * sfreq)
    if trial.shape[1] < window:
        raise ConfigError(f"a trial of {trial.shape[1] / sfreq:.1f} s is shorter than one "
                          f"{FEATURE_WINDOW_S:g}-s feature window", "make trials longer")
    design = FEATURE_FILTER.design(sfreq)
    out = {}
    for kind in ("de", "psd"):
        feat = trial_features(trial, design, window, kind)  # (windows, channels, bands)
        for name, smoother in (("LDS", "lds"), ("movingAve", "moving_average")):
            smoothed = smooth_offline(feat, smoother)
            out[f"{kind}_{name}"] = np.moveaxis(smoothed, 0, 1).astype(np.float64)
    return out


def _seed_iv_date(subject: int, session: int) -> str:
    """A plausible, deterministic recording date for a file name."""
    return f"2016{(session * 3 + subject) % 12 + 1:02d}{(subject * 5 + session) % 28 + 1:02d}"


def write_synthetic_seed_iv(out: str | Path, subjects: int = 4, trials: int = 24,
                            seconds: float = 20.0, seed: int = 0, full_size: bool = False,
                            sessions: int = 3, features: bool = True,
                            overwrite: bool = False) -> list[Path]:
    """Write a synthetic SEED-IV download root.

    Layout: ``out/eeg_raw_data/<session>/<subject>_<date>.mat`` with variables
    ``<initials>_eeg1`` ... each (62, samples) float32 at 200 Hz, and (with
    ``features``) ``out/eeg_feature_smooth/<session>/<subject>_<date>.mat`` with
    ``de_LDS<n>``, ``de_movingAve<n>``, ``psd_LDS<n>``, ``psd_movingAve<n>`` each
    (62, windows, 5) computed from the raw trials on 4-s windows.

    Parameters
    ----------
    out : str | pathlib.Path
        Root folder (created if needed).
    subjects : int
        Number of subjects (ids 1..N).
    trials : int
        Trials per session, at most 24 (the first ``trials`` of the session's
        published label list).
    seconds : float
        Mean trial length; lengths vary by up to +-20 % as in the real data (never
        below one 4-s feature window).
    seed : int
        Random seed.
    full_size : bool
        Real dimensions: 15 subjects x 3 sessions x 24 trials of 2-4 min (~13 GB
        of float32; overrides the sizes).
    sessions : int
        Number of sessions, 1-3.
    features : bool
        Also write ``eeg_feature_smooth``.
    overwrite : bool
        Replace files of the same names; without it any existing one is refused.

    Returns
    -------
    list of pathlib.Path
        Every data file written (raw first, then features); a ``synthetic.json``
        marker goes into ``out``.
    """
    if full_size:
        subjects, trials, seconds, sessions = 15, 24, 180.0, 3
    _check_sizes(subjects=subjects, trials=trials, seconds=seconds, sessions=sessions)
    if trials > 24 or sessions > 3:
        raise ConfigError(f"synth: SEED-IV has at most 24 trials and 3 sessions "
                          f"(got trials={trials}, sessions={sessions})",
                          "use --trials 24 or fewer")
    if seconds < 4.0:
        raise ConfigError(f"synth: trials of {seconds} s are shorter than SEED-IV's 4-s "
                          "feature windows", "use --seconds 4 or more")
    sfreq = 200.0
    root = Path(out)
    planned = [f"{sub}/{session}/{s}_{_seed_iv_date(s, session)}.mat"
               for sub in ("eeg_raw_data", "eeg_feature_smooth")
               for s in range(1, subjects + 1) for session in range(1, sessions + 1)]
    writes = [p for p in planned if features or p.startswith("eeg_raw_data")]
    _refuse_existing(root, [*writes, MARKER], overwrite)
    _refuse_foreign(root, planned, "eeg_*/*/*.mat")
    reg, side = _regions(SEED_IV)
    class_gains = _seed_class_log_gains(reg, side)
    raw_paths: list[Path] = []
    feat_paths: list[Path] = []
    letters = "abcdefghijklmnopqrstuvwxyz"
    for s, child in enumerate(np.random.SeedSequence(seed).spawn(subjects), start=1):
        rng = np.random.default_rng(child)
        subject = _make_subject(rng, SEED_IV)
        initials = letters[(s * 7) % 26] + letters[(s * 11 + 3) % 26]
        for session in range(1, sessions + 1):
            date = _seed_iv_date(s, session)
            shift, broadband = _session_shift(rng, len(SEED_IV))
            raw: dict[str, np.ndarray] = {}
            feats: dict[str, np.ndarray] = {}
            for t in range(1, trials + 1):
                label = SEED_IV_LABELS[session][t - 1]
                n_times = max(round(seconds * rng.uniform(0.8, 1.2) * sfreq), 800)  # >= 4 s
                log_g = shift + SEED_CLASS_SCALE * class_gains[label] * subject.reactivity
                gains = subject.base_gains * np.exp(log_g)
                gains = gains[None] * _trial_noise(rng, (1, *gains.shape))
                x = _generate_stationary(rng, subject, sfreq, n_times, gains)[0]
                x *= np.exp(broadband).astype(np.float32)[:, None]
                raw[f"{initials}_eeg{t}"] = x
            if features:
                for t, x in enumerate(raw.values(), start=1):
                    for name, arr in seed_iv_feature_arrays(x, sfreq).items():
                        feats[f"{name}{t}"] = arr
            name = f"{s}_{date}.mat"
            path = root / "eeg_raw_data" / str(session) / name
            _atomic_savemat(path, raw)
            raw_paths.append(path)
            if features:
                path = root / "eeg_feature_smooth" / str(session) / name
                _atomic_savemat(path, feats)
                feat_paths.append(path)
    _write_marker(root, "seed-iv", subjects=subjects, sessions=sessions, trials=trials,
                  seconds=seconds, seed=seed, features=features)
    log.info("wrote %d synthetic SEED-IV subjects x %d sessions to %s", subjects, sessions,
             root)
    return raw_paths + feat_paths


def _atomic_savemat(path: Path, variables: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_writer(path, "wb") as f:
            scipy.io.savemat(f, variables, do_compression=False)
    except OSError as exc:
        raise DataFormatError(f"cannot write {path}: {exc.strerror}",
                              "check the output folder and free disk space") from exc
