"""``eeg-emotion doctor``: check torch, threads, LSL, streams, BrainFlow and Qt.

The checks are :mod:`eeg_emotion.doctor`; each imports what it checks when it runs.
"""

from __future__ import annotations

import argparse

from eeg_emotion.commands.command import Command
from eeg_emotion.doctor import report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """doctor takes no options."""


def run(args: argparse.Namespace) -> int:
    """Print one OK/FIX line per check (and any note); exit 1 if any failed."""
    return 1 if report() else 0


COMMAND = Command("doctor", "check torch, threads, LSL, streams, BrainFlow and Qt",
                  add_arguments, run)
