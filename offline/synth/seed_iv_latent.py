"""SEED-IV feature files from a latent trial model with the real files' statistics.

SEED-IV's ``de_LDS`` features are nearly constant within a trial (shared/DATASETS.md):
a feature moves by about 0.08 of its session's standard deviation inside a trial
(lag-1 autocorrelation 0.95), the four class means of a session lie about 0.5 session
SD apart, a subject's sessions differ in mean by about 0.7 DE units, and band means
spread by about 0.9 over subject-sessions. Features computed from the raw synthetic
signal (:func:`eeg_emotion.offline.synth.seed_iv.seed_iv_feature_arrays`) are about
30 times too smooth and their classes too far apart, so figures on them did not
predict the real ordering of MSMAE-CNN and the Random Forest.

:func:`latent_session_features` writes what a session's files hold, built the way
the real numbers say they are made:

* a subject: a spatial pattern of each band over the scalp (shared by subjects, plus
  the subject's own) and a band offset;
* a session: a band offset and a smaller channel-by-band offset;
* a class: an effect pattern over channels and bands, mostly shared by subjects,
  partly the subject's own and a little the session's;
* a trial: its latent state, a deviation shared by a band's channels plus one per
  feature (the trial is the unit of evidence: its state is far larger than the class
  effect on any one feature);
* a window: the trial state plus a slow AR(1) drift and window noise, smoothed along
  the trial by SEED-IV's own LDS (``de_LDS``) or moving average (``de_movingAve``), as
  the real files were.

:func:`feature_statistics` measures the statistics above on any feature table (the
real files too); the writer stores what it achieved in ``synthetic.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eeg_emotion.smoothing import smooth_offline

#: The real de_LDS statistics (shared/DATASETS.md) the latent model is made to match.
REAL_STATISTICS = {
    "within_trial_sd_ratio": 0.08,
    "within_trial_lag1_autocorr": 0.95,
    "class_spread_ratio": 0.5,
    "session_offset_de": 0.7,
    "subject_session_band_mean_sd": 0.9,
    "trial_windows_median": 36,
}

#: Mean de_LDS (log2 units) of the five bands delta..gamma in the real files.
BAND_MEANS = np.array([24.8, 23.1, 21.7, 20.4, 19.2])
SUBJECT_BAND_SD = 0.7
SESSION_BAND_SD = 0.6
SESSION_FEATURE_SD = 0.12
SPATIAL_SD = 0.5
#: Within-session scale of a feature, DE units (class effect and trial state are set
#: relative to it).
SESSION_SCALE = 0.4
CLASS_SD = 0.5 * SESSION_SCALE
CLASS_SHARED, CLASS_SUBJECT, CLASS_SESSION = 0.75, 0.55, 0.6
CLASS_BAND, CLASS_REGION, CLASS_FEATURE = 0.8, 0.35, 0.08
#: A trial's own state (band, region and feature parts), relative to the session scale.
TRIAL_SDS = (0.85 * SESSION_SCALE, 0.5 * SESSION_SCALE, 0.3 * SESSION_SCALE)
#: Before smoothing: window noise and an AR(1) drift inside a trial.
WINDOW_NOISE_SD = 0.8 * SESSION_SCALE
DRIFT_SD = 1.6 * SESSION_SCALE
DRIFT_PHI = 0.85
WINDOWS_MIN, WINDOWS_MEDIAN, WINDOWS_MAX = 10, 36, 64


@dataclass(frozen=True)
class LatentSubject:
    """What stays with a subject across sessions."""

    pattern: np.ndarray  # (channels, bands) mean DE
    class_effect: np.ndarray  # (4, channels, bands), before the session's share
    groups: np.ndarray  # (channels,) scalp region index


def class_patterns(rng: np.random.Generator, groups: np.ndarray, n_bands: int = 5
                   ) -> np.ndarray:
    """(4, channels, bands) unit-variance effect patterns, centred over classes.

    Real band features are strongly correlated over the scalp, so a class moves
    mostly whole bands, then scalp regions (``groups``: a region index per channel),
    and each feature only a little on its own.
    """
    n_groups = int(groups.max()) + 1
    p = (CLASS_BAND * rng.normal(size=(4, 1, n_bands))
         + CLASS_REGION * rng.normal(size=(4, n_groups, n_bands))[:, groups]
         + CLASS_FEATURE * rng.normal(size=(4, len(groups), n_bands)))
    p -= p.mean(axis=0, keepdims=True)
    return p / p.std()


def _correlated(rng: np.random.Generator, groups: np.ndarray, n_bands: int,
                sds: tuple[float, float, float], size: tuple[int, ...] = ()) -> np.ndarray:
    """Noise with a band part, a region part and a feature part, shape (*size, C, bands)."""
    n_groups = int(groups.max()) + 1
    band, region, feature = sds
    return (rng.normal(0, band, (*size, 1, n_bands))
            + rng.normal(0, region, (*size, n_groups, n_bands))[..., groups, :]
            + rng.normal(0, feature, (*size, len(groups), n_bands)))


def make_latent_subject(rng: np.random.Generator, shared_classes: np.ndarray,
                        spatial: np.ndarray, groups: np.ndarray) -> LatentSubject:
    """A subject: its mean DE per channel and band, and its class effects.

    ``shared_classes`` (:func:`class_patterns`) and ``spatial`` (channels, bands) are
    what every subject shares; ``groups`` is a scalp region index per channel.
    """
    _, n_ch, n_b = shared_classes.shape
    pattern = (BAND_MEANS[None, :] + spatial + rng.normal(0, SUBJECT_BAND_SD, (1, n_b))
               + rng.normal(0, SPATIAL_SD * 0.4, (n_ch, n_b)))
    own = class_patterns(rng, groups, n_b)
    effect = CLASS_SHARED * shared_classes + CLASS_SUBJECT * own
    return LatentSubject(pattern=pattern, class_effect=effect, groups=groups)


def trial_lengths(rng: np.random.Generator, n_trials: int) -> np.ndarray:
    """Windows per trial: 10-64, median about 36 (SEED-IV's 4-s windows per clip)."""
    n = rng.triangular(WINDOWS_MIN, WINDOWS_MEDIAN, WINDOWS_MAX, size=n_trials)
    return np.clip(np.round(n), WINDOWS_MIN, WINDOWS_MAX).astype(int)


def latent_session_features(rng: np.random.Generator, subject: LatentSubject,
                            labels: list[int], lengths: np.ndarray
                            ) -> list[dict[str, np.ndarray]]:
    """The feature arrays of one session's trials.

    Parameters
    ----------
    rng : numpy.random.Generator
    subject : LatentSubject
    labels : list of int
        Class (0-3) of each trial.
    lengths : numpy.ndarray of int
        Windows of each trial.

    Returns
    -------
    list of dict
        Per trial, ``de_LDS``, ``de_movingAve``, ``psd_LDS``, ``psd_movingAve`` each
        (channels, windows, 5) float64, the files' layout; ``psd = 2**de / 100``
        (the inverse of ``de = log2(100 E)``), smoothed in its own units.
    """
    n_ch, n_b = subject.pattern.shape
    offset = (rng.normal(0, SESSION_BAND_SD, (1, n_b))
              + rng.normal(0, SESSION_FEATURE_SD, (n_ch, n_b)))
    session_classes = class_patterns(rng, subject.groups, n_b)
    effect = CLASS_SD * (subject.class_effect + CLASS_SESSION * session_classes)
    out = []
    for label, n in zip(labels, lengths, strict=True):
        state = (subject.pattern + offset + effect[label]
                 + _correlated(rng, subject.groups, n_b, TRIAL_SDS))
        drift = np.empty((n, n_ch, n_b))
        drift[0] = rng.normal(0, DRIFT_SD, (n_ch, n_b))
        innovation = DRIFT_SD * np.sqrt(1 - DRIFT_PHI ** 2)
        for t in range(1, n):
            drift[t] = DRIFT_PHI * drift[t - 1] + rng.normal(0, innovation, (n_ch, n_b))
        de = state[None] + drift + rng.normal(0, WINDOW_NOISE_SD, (n, n_ch, n_b))
        psd = 2.0 ** de / 100.0
        arrays = {}
        for kind, raw in (("de", de), ("psd", psd)):
            for name, smoother in (("LDS", "lds"), ("movingAve", "moving_average")):
                arrays[f"{kind}_{name}"] = np.moveaxis(smooth_offline(raw, smoother), 0, 1)
        out.append(arrays)
    return out


def feature_statistics(X: np.ndarray, trial_id: np.ndarray, session_key: np.ndarray,
                       subject: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The statistics :data:`REAL_STATISTICS` names, measured on a feature table.

    Parameters
    ----------
    X : numpy.ndarray, shape (windows, channels, bands)
        DE features (e.g. ``de_LDS``).
    trial_id, session_key, subject, labels : numpy.ndarray, shape (windows,)
        Trial, recording session (unique over subjects), subject and class of every
        window.

    Returns
    -------
    dict
        ``within_trial_sd_ratio``: median over sessions and features of the RMS
        within-trial SD over the session's SD; ``within_trial_lag1_autocorr``: median
        lag-1 autocorrelation of a feature inside a trial (trial mean removed);
        ``class_spread_ratio``: median SD of the four class means over the session's
        SD; ``session_offset_de``: mean absolute difference of band means between
        two sessions of one subject; ``subject_session_band_mean_sd``: SD of band
        means over subject-sessions (median over bands); ``trial_windows_median``.
    """
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    within, lag1, spread, band_means, lengths = [], [], [], {}, []
    n_bands = 5
    for key in np.unique(session_key):
        rows = session_key == key
        x, trials, y = X[rows], trial_id[rows], labels[rows]
        sd = x.std(axis=0)
        sd = np.where(sd > 1e-12, sd, 1.0)
        var_in, num, den = np.zeros(x.shape[1]), np.zeros(x.shape[1]), np.zeros(x.shape[1])
        for t in np.unique(trials):
            xt = x[trials == t]
            lengths.append(len(xt))
            d = xt - xt.mean(axis=0)
            var_in += (d ** 2).sum(axis=0)
            num += (d[1:] * d[:-1]).sum(axis=0)
            den += (d ** 2).sum(axis=0)
        within.append(np.sqrt(var_in / len(x)) / sd)
        lag1.append(num / np.where(den > 0, den, 1.0))
        means = np.stack([x[y == c].mean(axis=0) for c in np.unique(y)])
        spread.append(means.std(axis=0) / sd)
        band_means[key] = x.reshape(len(x), -1, n_bands).mean(axis=(0, 1))
        band_means[key] = (band_means[key], subject[rows][0])
    offsets = []
    by_subject: dict = {}
    for mean, s in band_means.values():
        by_subject.setdefault(s, []).append(mean)
    for means in by_subject.values():
        for i in range(len(means)):
            for j in range(i + 1, len(means)):
                offsets.append(np.abs(means[i] - means[j]).mean())
    all_means = np.stack([m for m, _ in band_means.values()])
    return {
        "within_trial_sd_ratio": float(np.median(np.concatenate(within))),
        "within_trial_lag1_autocorr": float(np.median(np.concatenate(lag1))),
        "class_spread_ratio": float(np.median(np.concatenate(spread))),
        "session_offset_de": float(np.mean(offsets)) if offsets else float("nan"),
        "subject_session_band_mean_sd": float(np.median(all_means.std(axis=0))),
        "trial_windows_median": float(np.median(lengths)),
    }
