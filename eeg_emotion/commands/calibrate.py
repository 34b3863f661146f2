"""``eeg-emotion calibrate``: record your own labelled session and train your own model.

Examples
--------
``eeg-emotion calibrate --stream OpenBCI``
    About 15 minutes of blocks (rest, a built-in stimulus, your ratings) in a window,
    then a personal model saved where ``eeg-emotion live --stream OpenBCI`` finds it.
``eeg-emotion calibrate --stream OpenBCI --headless --ratings ratings.csv``
    The same with prompts on the terminal and ratings from a file (or typed).
``eeg-emotion calibrate --resume --out calibration-20261201 --stream OpenBCI``
    Continue a session that was interrupted (its finished blocks are kept).
``eeg-emotion calibrate --add --out calibration-20261201 --stream OpenBCI``
    Another session (another day): validation then goes across sessions.
``eeg-emotion calibrate --train calibration-20261201``
    Train (again) on what is recorded, no stream needed.

What it does is :mod:`eeg_emotion.realtime.calibration.run`; this module holds the
command and its options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eeg_emotion.commands.command import Command
from eeg_emotion.commands.source_args import add_source_arguments, source_options
from eeg_emotion.realtime.calibration.options import CalibrateOptions
from eeg_emotion.realtime.calibration.protocol import (
    DEFAULT_BLOCKS,
    DEFAULT_REST_S,
    DEFAULT_STIMULUS_S,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``calibrate`` options to ``parser``."""
    add_source_arguments(parser)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="calibration folder (default: calibration-<date-time> here)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="continue the last session of --out after its finished blocks")
    mode.add_argument("--add", action="store_true",
                      help="record another session into --out (validation goes across "
                           "sessions)")
    mode.add_argument("--train", type=Path, default=None, metavar="DIR",
                      help="only train the personal model from the calibration folder DIR")
    parser.add_argument("--headless", action="store_true", default=None,
                        help="prompts on the terminal, ratings typed or from --ratings "
                             "(--resume/--add: as the folder was recorded)")
    parser.add_argument("--ratings", type=Path, default=None, metavar="FILE",
                        help="headless: CSV of block,valence,arousal,dominance (1-9)")
    parser.add_argument("--stimuli", type=Path, default=None, metavar="DIR",
                        help="your own images/audio/video with a stimuli.csv "
                             "(file,seconds,category); default: built-in prompts")
    parser.add_argument("--blocks", type=int, default=None, metavar="N",
                        help=f"blocks per session (default {DEFAULT_BLOCKS}; with --stimuli "
                             "one per stimulus)")
    parser.add_argument("--stimulus-seconds", type=float, default=DEFAULT_STIMULUS_S,
                        metavar="S", help=f"seconds of each stimulus (default "
                                          f"{DEFAULT_STIMULUS_S:g})")
    parser.add_argument("--rest-seconds", type=float, default=DEFAULT_REST_S, metavar="S",
                        help=f"seconds of rest before each stimulus (default "
                             f"{DEFAULT_REST_S:g})")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the block order (default: from the time)")
    parser.add_argument("--no-train", action="store_true", default=None,
                        help="record only; train later with --train DIR")
    parser.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                        help="where the personal model goes (default: the cache's models/)")
    parser.add_argument("--device", default=None, choices=("auto", "cpu", "cuda"),
                        help="where the personal model trains (default auto)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch CPU threads for training (default: OMP_NUM_THREADS, else "
                             "the usable CPUs that other processes leave free, re-checked "
                             "each epoch)")
    parser.add_argument("--overwrite", action="store_true",
                        help="start over in an --out folder that holds a plan but no "
                             "recording (recordings are never deleted)")


def calibrate_options(args: argparse.Namespace) -> CalibrateOptions:
    """``calibrate``'s parsed options, typed and checked (:meth:`CalibrateOptions.check`).

    Options not given are None where ``--resume`` / ``--add`` take them from the
    folder's plan (``--headless``, ``--ratings``, ``--models-dir``, ``--device``,
    ``--threads``, ``--no-train``).
    """
    opts = CalibrateOptions(
        source=source_options(args), out=args.out, resume=args.resume, add=args.add,
        train=args.train, headless=args.headless, ratings=args.ratings, stimuli=args.stimuli,
        blocks=args.blocks, stimulus_s=args.stimulus_seconds, rest_s=args.rest_seconds,
        seed=args.seed, no_train=args.no_train, models_dir=args.models_dir,
        device=args.device, threads=args.threads, overwrite=args.overwrite)
    opts.check()
    return opts


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion calibrate``; returns the exit status."""
    # the command boundary: the stream, Qt and the training (torch) load here
    from eeg_emotion.realtime.calibration.run import run_calibrate

    return run_calibrate(calibrate_options(args))


COMMAND = Command(
    "calibrate", "record your own labelled session and train a personal model",
    add_arguments, run)
