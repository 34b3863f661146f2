"""The options ``eeg-emotion live`` and ``eeg-emotion demo`` share, and their checks.

Both commands run an engine and show its estimates the same way (dashboard or
headless JSON lines, an LSL outlet, a recording); they differ only in where the
stream and the model come from.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.state import LIVE_HOP_S


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
                        help="headless: write JSON lines to FILE instead of stdout")
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
    """Refuse ``--output`` without ``--headless`` (``live`` and ``demo``).

    Raises
    ------
    ConfigError
        If ``--output`` is given without ``--headless``.
    """
    if args.output and not args.headless:
        raise ConfigError("--output needs --headless", "add --headless, or drop --output")
