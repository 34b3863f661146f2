"""``eeg-emotion synth``: write a synthetic DEAP or SEED-IV dataset (or a demo file).

Examples
--------
``eeg-emotion synth deap --out data/deap``
    6 subjects x 12 trials x (3 s + 20 s), ``s01.dat`` ... in DEAP's format.
``eeg-emotion synth seed-iv --out data/seed-iv --subjects 4``
    ``eeg_raw_data/`` and ``eeg_feature_smooth/`` in SEED-IV's format.
``eeg-emotion synth demo --out data/demo``
    One DEAP-format subject file for ``eeg-emotion replay``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from eeg_emotion.checks import check_writable
from eeg_emotion.commands.command import Command

log = logging.getLogger(__name__)

DEFAULTS = {
    "deap": {"subjects": 6, "trials": 12, "seconds": 20.0},
    "seed-iv": {"subjects": 4, "trials": 24, "seconds": 20.0},
    "demo": {"subjects": 1, "trials": 8, "seconds": 30.0},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``synth`` options to ``parser``."""
    parser.add_argument("kind", choices=tuple(DEFAULTS),
                        help="dataset format to write (demo: one DEAP-format file)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--subjects", type=int, default=None,
                        help="number of subjects (deap 6, seed-iv 4)")
    parser.add_argument("--trials", type=int, default=None,
                        help="trials per subject / session (deap 12, seed-iv 24, demo 8)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="trial length in seconds, after DEAP's 3-s baseline (20; demo 30)")
    parser.add_argument("--sessions", type=int, default=3, help="SEED-IV sessions, 1-3")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--full-size", action="store_true",
                        help="the real dimensions (DEAP 32x40x63 s ~3.3 GB; "
                             "SEED-IV 15x3x24 of 2-4 min ~13 GB)")
    parser.add_argument("--no-features", action="store_true",
                        help="SEED-IV: skip eeg_feature_smooth")
    parser.add_argument("--feature-model", choices=("latent", "raw"), default="latent",
                        help="SEED-IV feature files: 'latent' follows the real de_LDS "
                             "statistics (nearly constant within a trial, classes 0.5 "
                             "session SD apart; the default), 'raw' computes them from the "
                             "raw synthetic signal as live does")
    parser.add_argument("--no-raw", action="store_true",
                        help="SEED-IV: skip eeg_raw_data (latent features only; the feature "
                             "configs do not read it, and real-length raw is ~13 GB)")
    parser.add_argument("--real-lengths", action="store_true",
                        help="SEED-IV: trials of 10-64 four-second windows, median 36, as "
                             "the real clips (overrides --seconds)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing files of the same names in --out (without it, "
                             "any file this run would write that exists is refused)")


def run(args: argparse.Namespace) -> int:
    """Write the dataset and print where it went.

    Returns
    -------
    int
        0 on success.
    """
    # the command boundary: the generators (scipy) load when the command runs
    from eeg_emotion.offline.synth.deap import write_demo_recording, write_synthetic_deap
    from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv

    sizes = {k: getattr(args, k) if getattr(args, k) is not None else v
             for k, v in DEFAULTS[args.kind].items()}
    check_writable(args.out, "the --out folder", "pass --out a folder you may write to")
    if args.kind == "deap":
        paths = write_synthetic_deap(args.out, subjects=sizes["subjects"],
                                     trials=sizes["trials"], seconds=sizes["seconds"],
                                     seed=args.seed, full_size=args.full_size,
                                     overwrite=args.overwrite)
        print(f"wrote {len(paths)} DEAP subject files to {args.out}")
    elif args.kind == "seed-iv":
        paths = write_synthetic_seed_iv(args.out, subjects=sizes["subjects"],
                                        trials=sizes["trials"], seconds=sizes["seconds"],
                                        seed=args.seed, full_size=args.full_size,
                                        sessions=args.sessions,
                                        features=not args.no_features,
                                        overwrite=args.overwrite,
                                        feature_model=args.feature_model,
                                        raw=not args.no_raw,
                                        real_lengths=args.real_lengths)
        folders = [f for f, on in (("eeg_raw_data/", not args.no_raw),
                                   ("eeg_feature_smooth/", not args.no_features)) if on]
        print(f"wrote {len(paths)} SEED-IV files to {args.out} ({', '.join(folders)})")
    else:
        path = write_demo_recording(args.out, trials=sizes["trials"],
                                    seconds=sizes["seconds"], seed=args.seed,
                                    overwrite=args.overwrite)
        print(f"wrote {path}")
        print(f"replay it with: eeg-emotion replay {path}")
    return 0


COMMAND = Command(
    "synth", "write a small synthetic DEAP or SEED-IV dataset", add_arguments, run)
