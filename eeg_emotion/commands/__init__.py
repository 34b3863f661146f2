"""The ``eeg-emotion`` commands: one thin module each, listed once in :data:`COMMANDS`.

Each module parses its options, turns them into the typed options of the layer it
calls (see :mod:`eeg_emotion.commands.command`) and calls in; nothing below this
package reads ``argparse`` results. Options that several commands share are added
and converted in :mod:`.source_args` (a stream or board) and :mod:`.run_args` (how
an engine runs and shows its estimates).
"""

from __future__ import annotations

from eeg_emotion.commands import (
    calibrate,
    demo,
    doctor,
    evaluate,
    export,
    live,
    replay,
    streams,
    synth,
    train,
)
from eeg_emotion.commands.command import Command
from eeg_emotion.errors import ConfigError

#: Every command, in the order ``eeg-emotion --help`` lists them.
COMMANDS: tuple[Command, ...] = tuple(sorted(
    (m.COMMAND for m in (calibrate, demo, doctor, evaluate, export, live, replay, streams,
                         synth, train)), key=lambda c: c.name))


def get_command(name: str) -> Command:
    """The command called ``name``.

    Raises
    ------
    ConfigError
        If there is no command of that name.
    """
    for command in COMMANDS:
        if command.name == name:
            return command
    raise ConfigError(f"eeg-emotion has no command {name!r}",
                      f"use one of {', '.join(c.name for c in COMMANDS)}")
