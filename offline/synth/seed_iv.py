"""Synthetic SEED-IV sessions: raw ``eeg_raw_data`` and ``eeg_feature_smooth`` files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from eeg_emotion.checks import check_count
from eeg_emotion.errors import ConfigError
from eeg_emotion.montages import SEED_IV
from eeg_emotion.offline.datasets.seed_iv import FEATURE_FILTER, FEATURE_WINDOW_S, SEED_IV_LABELS
from eeg_emotion.offline.synth.files import (
    MARKER,
    atomic_savemat,
    check_sizes,
    refuse_existing,
    refuse_foreign,
    write_marker,
)
from eeg_emotion.offline.synth.signals import (
    generate_stationary,
    make_subject,
    regions,
    trial_noise,
)
from eeg_emotion.seed_iv_features import trial_features
from eeg_emotion.smoothing import smooth_offline

log = logging.getLogger(__name__)



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

    The trial goes through :data:`eeg_emotion.offline.datasets.seed_iv.FEATURE_FILTER` from
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
    check_sizes(subjects=subjects, trials=trials, seconds=seconds, sessions=sessions)
    check_count("--trials", trials, 24, maximum=24, why="SEED-IV has 24 trials a session")
    check_count("--sessions", sessions, 3, maximum=3, why="SEED-IV has 3 sessions")
    if seconds < 4.0:
        raise ConfigError(f"synth: trials of {seconds} s are shorter than SEED-IV's 4-s "
                          "feature windows", "use --seconds 4 or more")
    sfreq = 200.0
    root = Path(out)
    planned = [f"{sub}/{session}/{s}_{_seed_iv_date(s, session)}.mat"
               for sub in ("eeg_raw_data", "eeg_feature_smooth")
               for s in range(1, subjects + 1) for session in range(1, sessions + 1)]
    writes = [p for p in planned if features or p.startswith("eeg_raw_data")]
    refuse_existing(root, [*writes, MARKER], overwrite)
    refuse_foreign(root, planned, "eeg_*/*/*.mat")
    reg, side = regions(SEED_IV)
    class_gains = _seed_class_log_gains(reg, side)
    raw_paths: list[Path] = []
    feat_paths: list[Path] = []
    letters = "abcdefghijklmnopqrstuvwxyz"
    for s, child in enumerate(np.random.SeedSequence(seed).spawn(subjects), start=1):
        rng = np.random.default_rng(child)
        subject = make_subject(rng, SEED_IV)
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
                gains = gains[None] * trial_noise(rng, (1, *gains.shape))
                x = generate_stationary(rng, subject, sfreq, n_times, gains)[0]
                x *= np.exp(broadband).astype(np.float32)[:, None]
                raw[f"{initials}_eeg{t}"] = x
            if features:
                for t, x in enumerate(raw.values(), start=1):
                    for name, arr in seed_iv_feature_arrays(x, sfreq).items():
                        feats[f"{name}{t}"] = arr
            name = f"{s}_{date}.mat"
            path = root / "eeg_raw_data" / str(session) / name
            atomic_savemat(path, raw)
            raw_paths.append(path)
            if features:
                path = root / "eeg_feature_smooth" / str(session) / name
                atomic_savemat(path, feats)
                feat_paths.append(path)
    write_marker(root, "seed-iv", subjects=subjects, sessions=sessions, trials=trials,
                  seconds=seconds, seed=seed, features=features)
    log.info("wrote %d synthetic SEED-IV subjects x %d sessions to %s", subjects, sessions,
             root)
    return raw_paths + feat_paths


