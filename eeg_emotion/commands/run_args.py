"""The options of a live run, shared by ``live`` and ``demo``.

``live`` and ``demo`` run an engine and show its estimates the same way (dashboard
or headless JSON lines, an LSL outlet, OSC, a recording); they differ only in where
the stream and the model come from. :func:`add_run_arguments` adds the options;
:func:`run_options` turns them into :class:`~eeg_emotion.realtime.options.RunOptions`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eeg_emotion.realtime.engine.state import LIVE_HOP_S
from eeg_emotion.realtime.options import RunOptions


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
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


def run_options(args: argparse.Namespace) -> RunOptions:
    """The parsed run options, typed and checked (:meth:`RunOptions.check`).

    Raises
    ------
    ConfigError
        A bad combination or value, before any stream is waited for.
    """
    opts = RunOptions(device=args.device, hop=args.hop, window=args.window,
                      smoothing=args.smoothing, notch=args.notch, threads=args.threads,
                      record=args.record, headless=args.headless, duration=args.duration,
                      output=args.output, append=args.append, overwrite=args.overwrite,
                      screenshot=args.screenshot,
                      outlet=None if args.no_outlet else args.outlet, osc=args.osc)
    opts.check()
    return opts
