"""The ``eeg-emotion`` console script: one parser, one subcommand per job.

The commands are listed once in :data:`eeg_emotion.commands.COMMANDS`, one thin
module each under ``eeg_emotion/commands/``; this module builds the parser from
that list, runs the chosen command, and turns an
:class:`~eeg_emotion.errors.EEGEmotionError` into ``error: ...`` / ``fix: ...`` and
exit status 2. Command modules are light at import (no torch, Qt or BrainFlow;
those load inside a command's ``run``), so ``eeg-emotion --version`` is quick and a
broken optional dependency only affects the commands that need it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from eeg_emotion import __version__
from eeg_emotion.checks import describe_os_error
from eeg_emotion.commands import COMMANDS, get_command
from eeg_emotion.errors import EEGEmotionError

log = logging.getLogger(__name__)


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser.

    Parameters
    ----------
    commands : sequence of str | None
        Subcommands whose options to add; None adds every command's options.

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
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        if commands is None or command.name in commands:
            command.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eeg-emotion`` console script.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a user-fixable error (also a file that could not
        be read or written: the error names it), 1 when a command's code cannot be
        imported, 130 on Ctrl-C.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 0
    command = get_command(args.command)
    try:
        return int(command.run(args) or 0)
    except EEGEmotionError as exc:
        print(f"error: {exc.problem}", file=sys.stderr)
        if exc.fix:
            print(f"  fix: {exc.fix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a place the checks before the work did not foresee
        log.debug("%s failed", command.name, exc_info=exc)
        print(f"error: {command.name} could not read or write a file: "
              f"{describe_os_error(exc)}", file=sys.stderr)
        print("  fix: check that the place exists, that you may write there and that the "
              "disk has room; -vv shows where it happened", file=sys.stderr)
        return 2
    except ImportError as exc:  # the command's implementation (its run's imports)
        print(f"error: the '{command.name}' command could not be loaded: {exc}",
              file=sys.stderr)
        print("  fix: reinstall eeg-emotion with `pip install -e .`", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
