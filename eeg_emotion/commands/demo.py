"""``eeg-emotion demo``: the live dashboard on a built-in synthetic stream and model.

The demo itself (synthetic recording, quick model, background replay) is
:mod:`eeg_emotion.realtime.demo`; this module only holds the command.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eeg_emotion.commands.command import Command
from eeg_emotion.commands.run_args import add_run_arguments, run_options
from eeg_emotion.realtime.options import DemoOptions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``demo`` options to ``parser``."""
    add_run_arguments(parser)
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help="where the demo recording and model are kept")


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion demo``: the built-in synthetic stream and model."""
    # the command boundary: the engine, the quick trainer (torch) and the replay load here
    from eeg_emotion.realtime.demo import run_demo

    return run_demo(DemoOptions(run=run_options(args), cache=args.cache))


COMMAND = Command(
    "demo", "live on a built-in synthetic stream and model", add_arguments, run)
