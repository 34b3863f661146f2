"""``eeg-emotion live``: run a model on a live stream.

Sources: an LSL stream (``--stream NAME``; ``OpenBCI`` finds OpenBCI GUI streams)
or a BrainFlow board (``--board cyton|cyton-daisy|ganglion|synthetic|playback``).
Output: the dashboard, or with ``--headless`` JSON lines on stdout or
``--output FILE``; estimates are also published as the LSL stream
``eeg-emotion`` (``--outlet NAME``, ``--no-outlet``). With no source and no model
it runs the built-in demo (:mod:`eeg_emotion.realtime.demo`). Ctrl-C and SIGTERM stop
cleanly. The session itself (engine, model, source) is :mod:`eeg_emotion.realtime.session`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from eeg_emotion.commands import Command, register_command
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.run_options import add_run_options, check_output_options

log = logging.getLogger(__name__)

BOARDS = ("cyton", "cyton-daisy", "ganglion", "synthetic", "playback")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``live`` options to ``parser``."""
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
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="model checkpoint (default: one in --models-dir fitting the stream)")
    parser.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                        help="where to look for a default model (default: the cache)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds to wait for the stream to appear (default 10)")
    add_run_options(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion live``; returns the exit status."""
    # the command boundary: the engine, the checkpoints (torch) and the demo load here
    from eeg_emotion.realtime import demo, session

    if not args.stream and not args.board and args.model is None:
        return demo.run_demo_session(args, cache=None)
    check_output_options(args)
    if args.board != "playback" and args.master_board:
        raise ConfigError("--master-board is only for --board playback",
                          "drop --master-board, or add --board playback --file FILE")
    if not args.headless:
        check_display()  # fail before waiting for a stream, not after
    if not args.stream and not args.board:
        raise StreamError("a model was given but no source",
                          "add --stream NAME (LSL) or --board cyton|synthetic|...")
    # a missing or damaged model is reported before waiting for a stream
    loaded = session.load_model(args.model) if args.model is not None else None
    source = session.build_source(args)
    if args.stream:
        source.open(timeout=args.timeout)
    else:
        source.open()
    if loaded is None:
        try:
            models_dir = args.models_dir or demo.cache_dir() / "models"
            loaded = session.load_model(session.find_model_for(source.info.channels,
                                                               models_dir))
        except BaseException:
            source.close()
            raise
    return session.run_engine(args, source, loaded, markers="auto" if args.stream else None)


COMMAND = register_command(Command(
    "live", "run a model on a live stream (dashboard or headless)", add_arguments, run))
