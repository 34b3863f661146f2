"""The options that name a stream or a board (``live``, ``calibrate``).

:func:`add_source_arguments` adds them to a command's parser; :func:`source_options`
turns the parsed values into :class:`~eeg_emotion.realtime.options.SourceOptions`.
"""

from __future__ import annotations

import argparse

from eeg_emotion.realtime.options import DEFAULT_TIMEOUT_S, SourceOptions

#: boards ``--board`` accepts (BrainFlow)
BOARDS = ("cyton", "cyton-daisy", "ganglion", "synthetic", "playback")


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
    src.add_argument("--board", default=None, choices=BOARDS, help="BrainFlow board")
    parser.add_argument("--serial-port", default=None, metavar="P",
                        help="serial port of a Cyton/Ganglion dongle, e.g. /dev/ttyUSB0")
    parser.add_argument("--file", default=None, metavar="F",
                        help="BrainFlow file for --board playback")
    parser.add_argument("--master-board", default=None, metavar="B",
                        help="--board playback: the board that recorded --file "
                             "(cyton, cyton-daisy, ganglion, synthetic; default synthetic)")
    parser.add_argument("--montage", default=None, metavar="M",
                        help="channel names: cyton, cyton-daisy, or Fp1,Fp2,... in stream order")
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
                         montage=args.montage, timeout=args.timeout)
    opts.check()
    return opts
