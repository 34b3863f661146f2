"""A dataset file as a :class:`~eeg_emotion.realtime.replay.ReplayPlayer` (``eeg-emotion replay``).

The file is read with :func:`eeg_emotion.offline.datasets.readers.load_trial_file` (any
registered reader's file: DEAP, SEED-IV, MNE-readable recordings), and the
command's options are checked before any outlet opens.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.offline.datasets.readers import load_trial_file
from eeg_emotion.realtime.replay import ReplayPlayer

log = logging.getLogger(__name__)


#: Suffixes of the files ``replay`` reads.
RECORDING_SUFFIXES = (".dat", ".mat", ".fif", ".edf", ".bdf", ".vhdr")


def _first_recording(folder: Path) -> Path | None:
    """The first file ``replay`` could read in ``folder`` or its subfolders (sorted)."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in RECORDING_SUFFIXES:
            return path
    return None


def build_player(args: argparse.Namespace) -> ReplayPlayer:
    """Load the file named in ``args`` and make its player (outlets not yet open).

    Raises
    ------
    DataFormatError
        If the file is missing or cannot be read.
    ConfigError
        If ``--trial`` is out of range or another option is invalid.
    """
    path = Path(args.path)
    if path.is_dir():
        inside = _first_recording(path)
        raise DataFormatError(
            f"replay path {path} is a folder, expected a file",
            f"replay one of its files, e.g. `eeg-emotion replay {inside}`" if inside else
            "replay one recording file (.dat, .mat, .fif, .edf, .bdf, .vhdr)")
    if not path.exists():
        raise DataFormatError(f"replay file {path} does not exist",
                              "check the path; `eeg-emotion synth demo --out data/demo` "
                              "writes a small file to replay")
    if args.speed <= 0:
        raise ConfigError(f"--speed {args.speed} must be > 0",
                          "use --speed 1 for real time, 2 for twice as fast")
    if args.duration is not None and args.duration <= 0:
        raise ConfigError(f"--duration {args.duration} must be > 0",
                          "use e.g. --duration 10, or leave it out to play everything")
    tf = load_trial_file(path)
    trials, labels = list(tf.trials), [dict(lab) for lab in tf.labels]
    numbers = list(range(len(trials)))
    if not trials:
        raise DataFormatError(f"{path} holds no trials", "replay a file that contains EEG data")
    if args.trial is not None:
        if not 0 <= args.trial < len(trials):
            raise ConfigError(f"--trial {args.trial} is out of range: {path.name} has "
                              f"{len(trials)} trials (0..{len(trials) - 1})",
                              f"pick a trial between 0 and {len(trials) - 1}")
        trials, numbers = [trials[args.trial]], [args.trial]
        labels = [labels[args.trial]] if labels else []
    channels = list(tf.channels)
    return ReplayPlayer(
        trials, tf.sfreq, channels, args.name,
        labels=labels if labels else None, trial_numbers=numbers,
        chunk_size=args.chunk_size, speed=args.speed, loop=args.loop,
        baseline_s=float(tf.baseline_s), units=tf.units or "microvolts",
        dataset=str(tf.kind), source_file=str(path.resolve()),
    )
