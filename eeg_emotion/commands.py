"""The subcommands of ``eeg-emotion``: each command module registers its :class:`Command`.

A command module (:mod:`eeg_emotion.doctor`, ``offline/cmd_*.py``,
``realtime/cmd_*.py``) defines ``add_arguments(parser)`` and ``run(args) -> int``
and registers them with :func:`register_command` when it is imported;
:mod:`eeg_emotion.cli` imports every command module and builds its parser from
:func:`registered_commands`. Nothing central names a module by string.

Command modules stay light at import: ``--version`` and ``--help`` import all of
them, so they must not load torch, Qt or BrainFlow. A command's heavy
implementation is imported inside its ``run`` (the command boundary), so a broken
optional dependency only affects the commands that need it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass

from eeg_emotion.errors import ConfigError

log = logging.getLogger(__name__)


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


_COMMANDS: dict[str, Command] = {}


def register_command(command: Command) -> Command:
    """Add a command to the registry (its module calls this when imported).

    Parameters
    ----------
    command : Command
        Registering a name again from the same module (a reload) replaces it.

    Returns
    -------
    Command
        ``command``, so a module can keep it: ``COMMAND = register_command(...)``.

    Raises
    ------
    ConfigError
        If another module already registered a command of that name.
    """
    old = _COMMANDS.get(command.name)
    if old is not None and old.run.__module__ != command.run.__module__:
        raise ConfigError(
            f"two eeg-emotion commands are named {command.name!r} ({old.run.__module__} "
            f"and {command.run.__module__})", "give one of them another name")
    _COMMANDS[command.name] = command
    log.debug("registered command %s from %s", command.name, command.run.__module__)
    return command


def registered_commands() -> list[Command]:
    """Every registered command, sorted by name (the order ``--help`` lists them)."""
    return [_COMMANDS[name] for name in sorted(_COMMANDS)]


def get_command(name: str) -> Command:
    """The registered command called ``name``.

    Raises
    ------
    ConfigError
        If no command of that name is registered.
    """
    try:
        return _COMMANDS[name]
    except KeyError:
        raise ConfigError(f"eeg-emotion has no command {name!r}",
                          f"use one of {', '.join(sorted(_COMMANDS))}") from None
