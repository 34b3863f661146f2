"""What one ``eeg-emotion`` subcommand is: a name, a help line, its options, its run.

Each command module of this package defines ``add_arguments(parser)`` and
``run(args) -> int`` and keeps them as ``COMMAND = Command(...)``; the package lists
every command once (:data:`eeg_emotion.commands.COMMANDS`) and :mod:`eeg_emotion.cli`
builds the parser from that list.

A command module is the boundary between the command line and the package: it
turns its ``argparse.Namespace`` into typed options (dataclasses of the layer that
uses them) and calls into the package, which never sees ``argparse``. Command
modules stay light at import: ``--version`` and ``--help`` import all of them, so
they must not load torch, Qt or BrainFlow; a command's heavy implementation is
imported inside its ``run``, so a broken optional dependency only affects the
commands that need it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One ``eeg-emotion`` subcommand.

    Attributes
    ----------
    name : str
        What the user types: ``eeg-emotion NAME``.
    help : str
        One line for ``eeg-emotion --help`` (also the command's description).
    add_arguments : callable
        ``add_arguments(parser)`` adds the command's options to its sub-parser.
    run : callable
        ``run(args) -> int`` runs the command and returns the exit status; it
        raises :class:`~eeg_emotion.errors.EEGEmotionError` for anything the user
        can fix (the CLI prints it and exits with 2).
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
