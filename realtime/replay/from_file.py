"""A dataset file's trials as a :class:`~eeg_emotion.realtime.replay.player.ReplayPlayer`.

``eeg-emotion replay`` reads the file with the dataset readers (any registered
reader's file: DEAP, SEED-IV, MNE-readable recordings) and hands the trials here;
this module checks the replay options and picks the trials to play. It imports only
the core, so that replaying never depends on acquisition or training code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from eeg_emotion.checks import check_count, check_positive, check_seconds
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.realtime.replay.player import ReplayPlayer
from eeg_emotion.synthetic_data import is_synthetic

log = logging.getLogger(__name__)

#: Suffixes of the files ``replay`` reads.
RECORDING_SUFFIXES = (".dat", ".mat", ".fif", ".edf", ".bdf", ".vhdr", ".xdf", ".xdfz")


class TrialsOnDisk(Protocol):
    """What a dataset reader read from one file (``offline.datasets.registry.TrialFile``)."""

    trials: Sequence[np.ndarray]
    labels: Sequence[Mapping[str, float]]
    channels: Sequence[str]
    sfreq: float
    baseline_s: float
    units: str
    kind: str


@dataclass(frozen=True)
class ReplayOptions:
    """``eeg-emotion replay``'s options.

    Attributes
    ----------
    path : pathlib.Path
        The dataset file.
    name : str
        LSL stream name (markers go to ``<name>-markers``).
    trial : int | None
        Replay only this trial (0-based, in file order).
    speed : float
        Replay speed (2 = twice real time).
    loop : bool
        Start again after the last trial.
    chunk_size : int | None
        Samples per pushed chunk (None: about 1/32 s).
    duration : float | None
        Stop after this many seconds.
    wait : float
        Seconds to wait for a subscriber before sending.
    """

    path: Path
    name: str = "eeg-emotion-replay"
    trial: int | None = None
    speed: float = 1.0
    loop: bool = False
    chunk_size: int | None = None
    duration: float | None = None
    wait: float = 0.0


def _first_recording(folder: Path) -> Path | None:
    """The first file ``replay`` could read in ``folder`` or its subfolders (sorted)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in RECORDING_SUFFIXES:
            return path
    return None


def check_replay_options(opts: ReplayOptions) -> None:
    """Check the options and the path before the file is read.

    Raises
    ------
    DataFormatError
        If the path is missing or a folder.
    ConfigError
        If ``speed`` or ``duration`` is not a positive finite number, ``wait`` is
        negative or ``chunk_size`` below 1 (``trial`` is checked against the file's
        trials by :func:`build_player`).
    """
    path = Path(opts.path)
    if path.is_dir():
        inside = _first_recording(path)
        raise DataFormatError(
            f"replay path {path} is a folder, expected a file",
            f"replay one of its files, e.g. `eeg-emotion replay {inside}`" if inside else
            "replay one recording file (.dat, .mat, .fif, .edf, .bdf, .vhdr, .xdf)")
    if not path.exists():
        raise DataFormatError(f"replay file {path} does not exist",
                              "check the path; `eeg-emotion synth demo --out data/demo` "
                              "writes a small file to replay")
    check_positive("--speed", opts.speed, "1 (real time) or 2 (twice as fast)")
    check_seconds("--duration", opts.duration, 10, leave_out="to play everything")
    check_seconds("--wait", opts.wait, 5, allow_zero=True, leave_out="to send at once")
    check_count("--chunk-size", opts.chunk_size, 8)


def build_player(opts: ReplayOptions, tf: TrialsOnDisk) -> ReplayPlayer:
    """The player of the trials read from ``opts.path`` (outlets not yet open).

    Parameters
    ----------
    opts : ReplayOptions
        Checked with :func:`check_replay_options`.
    tf : TrialsOnDisk
        The file's trials, labels, channels, rate, baseline and units.

    Raises
    ------
    DataFormatError
        If the file holds no trials.
    ConfigError
        If ``opts.trial`` is out of range.
    """
    path = Path(opts.path)
    trials, labels = list(tf.trials), [dict(lab) for lab in tf.labels]
    numbers = list(range(len(trials)))
    if not trials:
        raise DataFormatError(f"{path} holds no trials", "replay a file that contains EEG data")
    if opts.trial is not None:
        if not 0 <= opts.trial < len(trials):
            raise ConfigError(f"--trial {opts.trial} is out of range: {path.name} has "
                              f"{len(trials)} trials (0..{len(trials) - 1})",
                              f"pick a trial between 0 and {len(trials) - 1}")
        trials, numbers = [trials[opts.trial]], [opts.trial]
        labels = [labels[opts.trial]] if labels else []
    return ReplayPlayer(
        trials, tf.sfreq, list(tf.channels), opts.name,
        labels=labels if labels else None, trial_numbers=numbers,
        chunk_size=opts.chunk_size, speed=opts.speed, loop=opts.loop,
        baseline_s=float(tf.baseline_s), units=tf.units or "microvolts",
        dataset=str(tf.kind), source_file=str(path.resolve()),
        synthetic=is_synthetic(path),
    )
