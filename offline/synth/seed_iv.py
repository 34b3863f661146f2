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
from eeg_emotion.offline.synth.seed_iv_latent import (
    REAL_STATISTICS,
    SPATIAL_SD,
    class_patterns,
    feature_statistics,
    latent_session_features,
    make_latent_subject,
    trial_lengths,
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

#: Where the feature files come from: SEED-IV's statistics (latent trial model), or
#: the features code run on the raw synthetic signal.
FEATURE_MODELS = ("latent", "raw")


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
                            overwrite: bool = False, feature_model: str = "latent",
                            raw: bool = True, real_lengths: bool = False) -> list[Path]:
    """Write a synthetic SEED-IV download root.

    Layout: ``out/eeg_raw_data/<session>/<subject>_<date>.mat`` with variables
    ``<initials>_eeg1`` ... each (62, samples) float32 at 200 Hz, and (with
    ``features``) ``out/eeg_feature_smooth/<session>/<subject>_<date>.mat`` with
    ``de_LDS<n>``, ``de_movingAve<n>``, ``psd_LDS<n>``, ``psd_movingAve<n>`` each
    (62, windows, 5) on 4-s windows.

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
        Mean trial length; lengths vary by up to +-20 % (never below one 4-s
        feature window).
    seed : int
        Random seed.
    full_size : bool
        Real dimensions: 15 subjects x 3 sessions x 24 trials of 2-4 min (~13 GB
        of float32 raw; overrides the sizes).
    sessions : int
        Number of sessions, 1-3.
    features : bool
        Also write ``eeg_feature_smooth``.
    overwrite : bool
        Replace files of the same names; without it any existing one is refused.
    feature_model : {"latent", "raw"}
        ``"latent"``: the feature files follow SEED-IV's measured statistics
        (:mod:`eeg_emotion.offline.synth.seed_iv_latent`; they are not computed from
        the raw files, whose trials only have the same lengths). ``"raw"``: the
        live features code run on the raw synthetic signal (window for window what
        ``live`` computes, but about 30x smoother within a trial than real files).
    raw : bool
        Write ``eeg_raw_data`` (``feature_model="latent"`` only; the feature
        protocols do not read it).
    real_lengths : bool
        Trial lengths as SEED-IV's: 10-64 windows, median 36 (overrides ``seconds``).

    Returns
    -------
    list of pathlib.Path
        Every data file written (raw first, then features); a ``synthetic.json``
        marker goes into ``out`` with the settings and, for latent features, the
        statistics achieved beside the real ones.
    """
    if full_size:
        subjects, trials, seconds, sessions = 15, 24, 180.0, 3
    check_sizes(subjects=subjects, trials=trials, seconds=seconds, sessions=sessions)
    check_count("--trials", trials, 24, maximum=24, why="SEED-IV has 24 trials a session")
    check_count("--sessions", sessions, 3, maximum=3, why="SEED-IV has 3 sessions")
    if seconds < 4.0:
        raise ConfigError(f"synth: trials of {seconds} s are shorter than SEED-IV's 4-s "
                          "feature windows", "use --seconds 4 or more")
    if feature_model not in FEATURE_MODELS:
        raise ConfigError(f"synth: feature model {feature_model!r} is unknown",
                          "use --feature-model latent or --feature-model raw")
    latent = features and feature_model == "latent"
    if not raw and not latent:
        raise ConfigError("synth: --no-raw leaves nothing to write without latent features",
                          "drop --no-raw, or use --feature-model latent with features")
    sfreq = 200.0
    window = round(FEATURE_WINDOW_S * sfreq)
    root = Path(out)
    planned = [f"{sub}/{session}/{s}_{_seed_iv_date(s, session)}.mat"
               for sub in ("eeg_raw_data", "eeg_feature_smooth")
               for s in range(1, subjects + 1) for session in range(1, sessions + 1)]
    writes = [p for p in planned if (features or p.startswith("eeg_raw_data"))
              and (raw or p.startswith("eeg_feature_smooth"))]
    refuse_existing(root, [*writes, MARKER], overwrite)
    refuse_foreign(root, planned, "eeg_*/*/*.mat")
    reg, side = regions(SEED_IV)
    class_gains = _seed_class_log_gains(reg, side)
    groups = np.unique(reg, return_inverse=True)[1]
    shared_rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    shared_classes = class_patterns(shared_rng, groups)
    spatial = shared_rng.normal(0.0, SPATIAL_SD, (len(SEED_IV), 5))
    # the same clips in every subject's session: real lengths are the session's
    real_windows = {session: trial_lengths(shared_rng, trials)
                    for session in range(1, sessions + 1)}
    raw_paths: list[Path] = []
    feat_paths: list[Path] = []
    measured: list[tuple[np.ndarray, int, str, int, int]] = []
    letters = "abcdefghijklmnopqrstuvwxyz"
    for s, child in enumerate(np.random.SeedSequence(seed).spawn(subjects), start=1):
        rng = np.random.default_rng(child)
        subject = make_subject(rng, SEED_IV)
        latent_subject = make_latent_subject(rng, shared_classes, spatial, groups)
        initials = letters[(s * 7) % 26] + letters[(s * 11 + 3) % 26]
        for session in range(1, sessions + 1):
            date = _seed_iv_date(s, session)
            shift, broadband = _session_shift(rng, len(SEED_IV))
            labels = SEED_IV_LABELS[session][:trials]
            if real_lengths:
                n_times = [int(n) * window + int(rng.integers(0, window))
                           for n in real_windows[session]]
            else:
                n_times = [max(round(seconds * rng.uniform(0.8, 1.2) * sfreq), window)
                           for _ in labels]
            raw_trials: dict[str, np.ndarray] = {}
            feats: dict[str, np.ndarray] = {}
            for t, (label, n) in enumerate(zip(labels, n_times, strict=True), start=1):
                if not raw:
                    continue
                log_g = shift + SEED_CLASS_SCALE * class_gains[label] * subject.reactivity
                gains = subject.base_gains * np.exp(log_g)
                gains = gains[None] * trial_noise(rng, (1, *gains.shape))
                x = generate_stationary(rng, subject, sfreq, n, gains)[0]
                x *= np.exp(broadband).astype(np.float32)[:, None]
                raw_trials[f"{initials}_eeg{t}"] = x
            if latent:
                per_trial = latent_session_features(rng, latent_subject, labels,
                                                    np.array(n_times) // window)
            elif features:
                per_trial = [seed_iv_feature_arrays(x, sfreq) for x in raw_trials.values()]
            else:
                per_trial = []
            for t, arrays in enumerate(per_trial, start=1):
                for name, arr in arrays.items():
                    feats[f"{name}{t}"] = arr
                measured.append((arrays["de_LDS"], t, f"{s}/{session}", s, labels[t - 1]))
            name = f"{s}_{date}.mat"
            if raw:
                path = root / "eeg_raw_data" / str(session) / name
                atomic_savemat(path, raw_trials)
                raw_paths.append(path)
            if features:
                path = root / "eeg_feature_smooth" / str(session) / name
                atomic_savemat(path, feats)
                feat_paths.append(path)
    extra: dict = {}
    if features:
        extra["statistics"] = _achieved(measured)
        extra["real_statistics"] = REAL_STATISTICS
    write_marker(root, "seed-iv", subjects=subjects, sessions=sessions, trials=trials,
                 seconds=seconds, seed=seed, features=features,
                 feature_model=feature_model if features else None, raw=raw,
                 real_lengths=real_lengths, **extra)
    log.info("wrote %d synthetic SEED-IV subjects x %d sessions to %s", subjects, sessions,
             root)
    return raw_paths + feat_paths


def _achieved(measured: list[tuple[np.ndarray, int, str, int, int]]) -> dict[str, float]:
    """:func:`feature_statistics` of the de_LDS arrays written (channels, windows, 5)."""
    X = np.concatenate([np.moveaxis(a, 1, 0) for a, *_ in measured])
    cols = [np.repeat(np.array([m[i] for m in measured]), [a.shape[1] for a, *_ in measured])
            for i in range(1, 5)]
    session_key = cols[1]
    trial = np.char.add(np.char.add(session_key.astype(str), "/"), cols[0].astype(str))
    return {k: round(v, 4) for k, v in
            feature_statistics(X, trial, session_key, cols[2], cols[3]).items()}
