"""The options that name a stream or a board (``live``, ``calibrate``).

:func:`add_source_arguments` adds them to a command's parser; :func:`source_options`
turns the parsed values into :class:`~eeg_emotion.realtime.options.SourceOptions`.
"""

from __future__ import annotations

import argparse

from eeg_emotion.boards import BOARDS, INPUT_PARAMS, board_name, parse_board_params
from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.options import DEFAULT_TIMEOUT_S, SourceOptions


def _board(text: str) -> str:
    try:
        return board_name(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(f"{exc.problem}; {exc.fix}") from None


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that name a stream or board.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--stream", default=None, metavar="NAME",
                     help="LSL stream name, type or source id; OpenBCI for the OpenBCI GUI")
    src.add_argument("--board", default=None, type=_board, metavar="NAME",
                     help="BrainFlow board, by BrainFlow's name: " + ", ".join(BOARDS))
    parser.add_argument("--serial-port", default=None, metavar="P",
                        help="serial port of a Cyton/Ganglion dongle, e.g. /dev/ttyUSB0")
    parser.add_argument("--board-param", action="append", default=[], metavar="KEY=VALUE",
                        help="a BrainFlowInputParams field for --board, repeatable: "
                             + ", ".join(INPUT_PARAMS)
                             + " (e.g. mac_address=00:55:DA:B5:0E:1C for a Muse)")
    parser.add_argument("--file", default=None, metavar="F",
                        help="BrainFlow file for --board playback")
    parser.add_argument("--master-board", default=None, metavar="B",
                        help="--board playback: the board that recorded --file (a --board "
                             "name; default synthetic)")
    parser.add_argument("--montage", default=None, metavar="M",
                        help="channel names: cyton, cyton-daisy, muse, unicorn, crown, "
                             "emotiv-epoc, emotiv-insight, or Fp1,Fp2,... in stream order")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help=f"seconds to wait for the stream to appear (default "
                             f"{DEFAULT_TIMEOUT_S:g})")


def source_options(args: argparse.Namespace) -> SourceOptions:
    """The parsed source options, typed and checked.

    Raises
    ------
    ConfigError
        Options that do not go together (:meth:`SourceOptions.check`).
    """
    opts = SourceOptions(stream=args.stream, board=args.board, serial_port=args.serial_port,
                         file=args.file, master_board=args.master_board,
                         montage=args.montage, timeout=args.timeout,
                         board_params=parse_board_params(args.board_param))
    opts.check()
    return opts
