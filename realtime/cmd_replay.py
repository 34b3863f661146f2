"""``eeg-emotion replay``: publish a dataset file as a real-time LSL stream.

Reads a DEAP ``.dat``/``.mat``, a SEED-IV ``.mat`` or any MNE-readable file with
:func:`eeg_emotion.offline.datasets.readers.load_trial_file` and plays it with
:class:`eeg_emotion.realtime.replay.ReplayPlayer`
(:func:`eeg_emotion.realtime.replay_file.build_player`): the EEG stream plus
``<name>-markers`` carrying each trial's labels. Stops at the end (or after ``--duration``), on
Ctrl-C or SIGTERM, destroying both outlets.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from eeg_emotion.commands import Command, register_command

log = logging.getLogger(__name__)

#: with --wait, how long to wait for the marker subscriber once the data has one
MARKER_GRACE_S = 3.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``replay`` options to ``parser``."""
    parser.add_argument("path", type=Path,
                        help="DEAP .dat/.mat, SEED-IV .mat, or any file MNE can read")
    parser.add_argument("--name", default="eeg-emotion-replay",
                        help="LSL stream name (markers go to NAME-markers)")
    parser.add_argument("--trial", type=int, default=None, metavar="N",
                        help="replay only trial N (0-based, in file order); default all")
    parser.add_argument("--speed", type=float, default=1.0, metavar="X",
                        help="replay speed, 2 = twice real time (default 1)")
    parser.add_argument("--loop", action="store_true", help="start again after the last trial")
    parser.add_argument("--chunk-size", type=int, default=None, metavar="N",
                        help="samples per pushed chunk (default about 1/32 s)")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds")
    parser.add_argument("--wait", type=float, default=0.0, metavar="S",
                        help="wait up to S seconds for a program to subscribe before sending")


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion replay``; returns the exit status."""
    # the command boundary: the dataset readers (scipy, MNE) load when the command runs
    from eeg_emotion.realtime.replay_file import build_player

    player = build_player(args)
    stopping = {"signal": None}

    def on_term(signum: int, _frame: object) -> None:
        stopping["signal"] = signum
        player.request_stop()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        player.open()
        print(f"replaying {args.path} as LSL stream {player.name!r} "
              f"({len(player.channels)} channels, {player.sfreq:g} Hz, x{player.speed:g}); "
              f"markers on {player.name + '-markers'!r}. Ctrl-C stops.", file=sys.stderr)
        if args.wait > 0:
            if not player.wait_for_consumers(args.wait, markers=False):
                log.warning("no program subscribed within %g s; sending anyway", args.wait)
            elif not player.wait_for_marker_consumer(MARKER_GRACE_S):
                # a consumer that reads only the data never subscribes to the markers
                log.info("no marker subscriber within %g s; sending anyway", MARKER_GRACE_S)
        stats = player.run(args.duration)
        print(f"sent {stats.samples} samples ({stats.samples / player.sfreq:.1f} s of data), "
              f"{stats.markers} markers", file=sys.stderr)
    except KeyboardInterrupt:
        stopping["signal"] = signal.SIGINT
        print("replay stopped", file=sys.stderr)
    finally:
        # After a natural end, give subscribers a moment to receive the last chunk.
        player.close(linger=0.5 if stopping["signal"] is None else 0.0)
        signal.signal(signal.SIGTERM, previous)
    if stopping["signal"] == signal.SIGTERM:
        print("replay stopped (SIGTERM)", file=sys.stderr)
    return 0


COMMAND = register_command(Command(
    "replay", "publish a dataset file as a real-time LSL stream", add_arguments, run))
