"""The options ``live``, ``demo`` and ``calibrate`` share, and their checks.

``live`` and ``demo`` run an engine and show its estimates the same way (dashboard
or headless JSON lines, an LSL outlet, a recording); they differ only in where the
stream and the model come from. ``live`` and ``calibrate`` read the same sources
(:func:`add_source_options`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.state import LIVE_HOP_S
from eeg_emotion.threads import check_threads

#: boards ``--board`` accepts (BrainFlow)
BOARDS = ("cyton", "cyton-daisy", "ganglion", "synthetic", "playback")


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that name a stream or board (``live`` and ``calibrate``).

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
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds to wait for the stream to appear (default 10)")


def check_source_options(args: argparse.Namespace) -> None:
    """Refuse source options that do not go together.

    Raises
    ------
    ConfigError
        ``--master-board`` without ``--board playback``.
    """
    if args.board != "playback" and args.master_board:
        raise ConfigError("--master-board is only for --board playback",
                          "drop --master-board, or add --board playback --file FILE")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Add the options shared by ``live`` and ``demo`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="where the model runs (default: GPU if present)")
    parser.add_argument("--hop", type=float, default=None, metavar="S",
                        help=f"seconds between estimates (default {LIVE_HOP_S:g}, or the "
                             "model's training hop if shorter)")
    parser.add_argument("--window", type=float, default=None, metavar="S",
                        help="window length in seconds (default: the model's)")
    parser.add_argument("--smoothing", type=float, default=0.0, metavar="A",
                        help="exponential smoothing of probabilities, 0 <= A < 1 (default 0)")
    parser.add_argument("--notch", type=float, default=None, choices=(50.0, 60.0),
                        help="add a mains notch filter (50 or 60 Hz)")
    parser.add_argument("--headless", action="store_true",
                        help="no window: JSON lines on stdout (or --output)")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE",
                        help="headless: write JSON lines to FILE instead of stdout (an "
                             "existing FILE needs --append or --overwrite)")
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument("--append", action="store_true",
                      help="--output: add this run's lines to the end of an existing FILE")
    keep.add_argument("--overwrite", action="store_true",
                      help="--output: replace an existing FILE")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch CPU threads for the model (default 1 for live inference; "
                             "see `eeg-emotion doctor`)")
    parser.add_argument("--record", type=Path, default=None, metavar="PATH",
                        help="record raw stream, markers and estimates to folder PATH")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                        help="dashboard: save a screenshot at the end of --duration")
    parser.add_argument("--outlet", default="eeg-emotion", metavar="NAME",
                        help="LSL stream name of the estimates (default eeg-emotion)")
    parser.add_argument("--no-outlet", action="store_true", help="do not publish estimates")
    parser.add_argument("--osc", default=None, metavar="HOST:PORT",
                        help="also send estimates as OSC messages over UDP (/eeg-emotion/...; "
                             "TouchDesigner, Max, Unity), e.g. 127.0.0.1:9000")


def check_output_options(args: argparse.Namespace) -> None:
    """Check the shared options before any stream is waited for (``live`` and ``demo``).

    Raises
    ------
    ConfigError
        ``--output`` without ``--headless``; an existing ``--output`` file without
        ``--append`` or ``--overwrite`` (or a folder); ``--append``/``--overwrite``
        without ``--output``; a ``--hop``, ``--window`` or ``--duration`` that is
        not positive; ``--threads`` below 1.
    """
    if args.output and not args.headless:
        raise ConfigError("--output needs --headless", "add --headless, or drop --output")
    if (args.append or args.overwrite) and not args.output:
        flag = "--append" if args.append else "--overwrite"
        raise ConfigError(f"{flag} applies to --output FILE, which is not given",
                          f"add --output FILE, or drop {flag}")
    if args.output:
        out = Path(args.output).expanduser()
        if out.is_dir():
            raise ConfigError(f"--output {out} is a folder, expected a file",
                              f"name a file, e.g. --output {out / 'estimates.jsonl'}")
        if out.exists() and not (args.append or args.overwrite):
            raise ConfigError(f"--output {out} already exists; it is not overwritten",
                              "add --append to add this run's lines after its lines, "
                              "--overwrite to replace it, or choose another file")
    for name in ("hop", "window", "duration"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            example = {"hop": 0.5, "window": 4, "duration": 60}[name]
            raise ConfigError(f"--{name} {value:g} must be a positive number of seconds",
                              f"use e.g. --{name} {example}, or leave it out"
                              + (" for the default" if name != "duration" else
                                 " to run until Ctrl-C"))
    check_threads(args.threads)
