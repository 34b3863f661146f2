"""``eeg-emotion export``: convert a ``--record`` recording to FIF or EDF with MNE.

The conversion is :mod:`eeg_emotion.offline.export`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eeg_emotion.commands.command import Command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``export`` options to ``parser``."""
    parser.add_argument("recording", type=Path, help="folder written by `live --record PATH`")
    parser.add_argument("--to", type=Path, required=True, metavar="OUT",
                        help="output file, e.g. session_raw.fif or session.edf")
    parser.add_argument("--format", choices=("fif", "edf"), default=None,
                        help="output format (default: from the --to extension)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion export``; returns the exit status."""
    from eeg_emotion.offline.export import export_recording  # the command boundary: MNE

    out = export_recording(args.recording, args.to, args.format, args.overwrite)
    print(f"wrote {out}", file=sys.stderr)
    return 0


COMMAND = Command(
    "export", "convert a --record recording to FIF or EDF", add_arguments, run)
