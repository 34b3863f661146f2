"""The ``eeg-emotion`` command: one console script, one subcommand per job.

Each subcommand lives in the module of the layer it belongs to and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only
when their command runs, so ``eeg-emotion --version`` is instant and a broken
optional dependency only affects the commands that need it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from eeg_emotion import __version__
from eeg_emotion.errors import EEGEmotionError

#: name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("eeg_emotion.doctor", "check the installation: torch, CUDA, LSL, BrainFlow, Qt"),
    "synth": ("eeg_emotion.offline.cmd_synth", "write a small synthetic DEAP or SEED-IV dataset"),
    "train": ("eeg_emotion.offline.cmd_train", "train and cross-validate a model from a config"),
    "evaluate": ("eeg_emotion.offline.cmd_evaluate", "score a saved model on a dataset"),
    "replay": ("eeg_emotion.realtime.cmd_replay",
               "publish a dataset file as a real-time LSL stream"),
    "live": ("eeg_emotion.realtime.cmd_live",
             "run a model on a live stream (dashboard or headless)"),
    "demo": ("eeg_emotion.realtime.cmd_live", "live on a built-in synthetic stream and model"),
    "export": ("eeg_emotion.realtime.cmd_export", "convert a --record recording to FIF or EDF"),
}

log = logging.getLogger(__name__)


def _load(name: str):
    module, _ = COMMANDS[name]
    return importlib.import_module(module)


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser.

    Parameters
    ----------
    commands : sequence of str | None
        Subcommands whose options to load; None loads all of them.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="eeg-emotion",
        description="Real-time EEG emotion recognition (ScalingNet, MSMAE-CNN).",
    )
    parser.add_argument("--version", action="version", version=f"eeg-emotion {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if commands is None or name in commands:
            module = _load(name)
            adder = module.add_demo_arguments if name == "demo" else module.add_arguments
            adder(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eeg-emotion`` console script.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a user-fixable error, 1 otherwise.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if a in COMMANDS), None)
    try:
        parser = build_parser([chosen] if chosen else [])
    except ImportError as exc:
        print(f"error: the '{chosen}' command could not be loaded: {exc}", file=sys.stderr)
        print("  fix: reinstall eeg-emotion with `pip install -e .`", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 0
    module = _load(args.command)
    runner = module.run_demo if args.command == "demo" else module.run
    try:
        return int(runner(args) or 0)
    except EEGEmotionError as exc:
        print(f"error: {exc.problem}", file=sys.stderr)
        if exc.fix:
            print(f"  fix: {exc.fix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
