"""``eeg-emotion replay``: publish a dataset file as a real-time LSL stream.

Reads a DEAP ``.dat``/``.mat``, a SEED-IV ``.mat`` or any MNE-readable file with
:func:`eeg_emotion.offline.datasets.readers.load_trial_file` and plays it with
:class:`eeg_emotion.realtime.replay.player.ReplayPlayer`
(:func:`eeg_emotion.realtime.replay.from_file.build_player`): the EEG stream plus
``<name>-markers`` carrying each trial's labels. Stops at the end (or after
``--duration``), on Ctrl-C or SIGTERM, destroying both outlets.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from eeg_emotion.commands.command import Command
from eeg_emotion.stop_signals import stop_on_signals

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
    # the command boundary: the dataset readers (scipy, MNE) and liblsl load here
    from eeg_emotion.offline.datasets.readers import load_trial_file
    from eeg_emotion.realtime.replay.from_file import (
        ReplayOptions,
        build_player,
        check_replay_options,
    )

    opts = ReplayOptions(path=args.path, name=args.name, trial=args.trial, speed=args.speed,
                         loop=args.loop, chunk_size=args.chunk_size, duration=args.duration,
                         wait=args.wait)
    check_replay_options(opts)
    player = build_player(opts, load_trial_file(opts.path))
    stopped_by: list[int] = []

    def on_stop(signum: int) -> None:
        stopped_by.append(signum)
        player.request_stop()

    with stop_on_signals(on_stop):
        try:
            player.open()
            print(f"replaying {opts.path} as LSL stream {player.name!r} "
                  f"({len(player.channels)} channels, {player.sfreq:g} Hz, x{player.speed:g}); "
                  f"markers on {player.name + '-markers'!r}. Ctrl-C stops.", file=sys.stderr)
            if opts.wait > 0 and not stopped_by:
                if not player.wait_for_consumers(opts.wait, markers=False):
                    log.warning("no program subscribed within %g s; sending anyway", opts.wait)
                elif not player.wait_for_marker_consumer(MARKER_GRACE_S):
                    # a consumer that reads only the data never subscribes to the markers
                    log.info("no marker subscriber within %g s; sending anyway",
                             MARKER_GRACE_S)
            stats = player.run(opts.duration)
            print(f"sent {stats.samples} samples ({stats.samples / player.sfreq:.1f} s of "
                  f"data), {stats.markers} markers", file=sys.stderr)
        finally:
            # after a natural end, give subscribers a moment to receive the last chunk
            player.close(linger=0.0 if stopped_by else 0.5)
    if stopped_by:
        name = signal.Signals(stopped_by[0]).name
        print(f"replay stopped ({name})" if name == "SIGTERM" else "replay stopped",
              file=sys.stderr)
    return 0


COMMAND = Command(
    "replay", "publish a dataset file as a real-time LSL stream", add_arguments, run)
