"""Synthetic DEAP subjects in the published ``data_preprocessed_python`` format, and
the demo recording."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from eeg_emotion.errors import ConfigError
from eeg_emotion.montages import DEAP
from eeg_emotion.offline.synth.files import (
    MARKER,
    atomic_pickle,
    check_sizes,
    refuse_existing,
    refuse_foreign,
    write_marker,
)
from eeg_emotion.offline.synth.signals import (
    Subject,
    generate,
    make_subject,
    regions,
    trial_noise,
    unit_noise,
)

log = logging.getLogger(__name__)

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



def _deap_gains(subject: Subject, ratings: np.ndarray, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """Neutral (baseline) and emotional band gains, (n_trials, 32, 4) each."""
    reg, side = regions(DEAP)
    n = ratings.shape[0]
    base = np.broadcast_to(subject.base_gains, (n, *subject.base_gains.shape))
    before = base * trial_noise(rng, base.shape)
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
    subject = make_subject(rng, DEAP)
    labels = _deap_ratings(rng, n_trials)
    before, after = _deap_gains(subject, labels, rng)
    eeg = generate(rng, subject, sfreq, n_times, before, after, switch_s=baseline_s)
    # Peripheral rows: EOG-like slow noise (2), EMG-like broadband (2), then
    # GSR, respiration, plethysmograph, temperature as slow drifts of large scale.
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    slow = np.where(freqs > 0, 1.0 / np.maximum(freqs, 0.05), 0.0)
    periph = np.concatenate([
        unit_noise(rng, (n_trials, 2), n_times, slow) * 40.0,
        unit_noise(rng, (n_trials, 2), n_times, np.ones_like(freqs)) * 15.0,
        unit_noise(rng, (n_trials, 4), n_times, slow ** 2) * 500.0
        + rng.uniform(1e3, 1e4, (n_trials, 4, 1)).astype(np.float32),
    ], axis=1)
    data = np.concatenate([eeg, periph], axis=1).astype(np.float64)
    return data, labels


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
    check_sizes(subjects=subjects, trials=trials, seconds=seconds)
    if subjects > 99:
        raise ConfigError(f"synth: {subjects} subjects do not fit DEAP's sNN names",
                          "use at most 99 subjects")
    folder = Path(out)
    planned = [f"s{i:02d}.dat" for i in range(1, subjects + 1)]
    refuse_existing(folder, [*planned, MARKER], overwrite)
    refuse_foreign(folder, planned, "*.dat")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for s, child in enumerate(np.random.SeedSequence(seed).spawn(subjects), start=1):
        data, labels = synth_deap_subject(np.random.default_rng(child), trials, seconds)
        path = folder / f"s{s:02d}.dat"
        atomic_pickle(path, {"labels": labels, "data": data})
        paths.append(path)
    write_marker(folder, "deap", subjects=subjects, trials=trials, seconds=seconds,
                  seed=seed)
    log.info("wrote %d synthetic DEAP subjects to %s", subjects, folder)
    return paths


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
    check_sizes(trials=trials, seconds=seconds)
    if train_trials < 0:
        raise ConfigError(f"synth: train_trials={train_trials} must be 0 or more",
                          "pass train_trials=0 for no training file")
    out = Path(out)
    path = out if out.suffix == ".dat" else out / "s01.dat"
    planned = [path.name, MARKER] + ([f"train/{path.name}", f"train/{MARKER}"]
                                     if train_trials else [])
    refuse_existing(path.parent, planned, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    data, labels = synth_deap_subject(np.random.default_rng(seed), trials + train_trials,
                                      seconds)
    if train_trials:  # replay trials that cover every valence x arousal class evenly
        order = _balanced_first(labels, trials)
        data, labels = data[order], labels[order]
        train_dir = path.parent / "train"
        train_dir.mkdir(exist_ok=True)
        atomic_pickle(train_dir / "s01.dat", {"labels": labels[trials:],
                                               "data": data[trials:]})
        write_marker(train_dir, "deap", subjects=1, trials=train_trials, seconds=seconds,
                      seed=seed, demo_training_for=str(path))
    atomic_pickle(path, {"labels": labels[:trials], "data": data[:trials]})
    write_marker(path.parent, "deap", subjects=1, trials=trials, seconds=seconds, seed=seed,
                  demo=path.name)
    return path
