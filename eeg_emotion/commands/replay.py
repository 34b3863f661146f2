"""``eeg-emotion replay``: publish a dataset file as a real-time LSL stream.

Reads a DEAP ``.dat``/``.mat``, a SEED-IV ``.mat`` or any MNE-readable file with
:func:`eeg_emotion.offline.datasets.readers.load_trial_file` and plays it with
:class:`eeg_emotion.realtime.replay.player.ReplayPlayer`
(:func:`eeg_emotion.realtime.replay.from_file.build_player`): the EEG stream plus
``<name>-markers`` carrying each trial's labels. A LabRecorder ``.xdf`` file is read
with :func:`eeg_emotion.xdf_files.read_xdf` and its EEG and marker streams are
republished as recorded (:class:`eeg_emotion.realtime.replay.xdf_player.XdfPlayer`:
recorded names, types, source ids, labels and units; ``--name`` renames the EEG
stream). Stops at the end (or after ``--duration``), on Ctrl-C or SIGTERM,
destroying the outlets.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from eeg_emotion.commands.command import Command
from eeg_emotion.stop_signals import stop_on_signals

#: LabRecorder's files, replayed stream by stream (a light constant: no pyxdf here)
XDF_SUFFIXES = (".xdf", ".xdfz")

log = logging.getLogger(__name__)

#: with --wait, how long to wait for the marker subscriber once the data has one
MARKER_GRACE_S = 3.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``replay`` options to ``parser``."""
    parser.add_argument("path", type=Path,
                        help="DEAP .dat/.mat, SEED-IV .mat, a LabRecorder .xdf, or any file "
                             "MNE can read")
    parser.add_argument("--name", default=None,
                        help="LSL stream name (markers go to NAME-markers); default "
                             "eeg-emotion-replay, or an .xdf file's recorded names")
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

    opts = ReplayOptions(path=args.path, name=args.name or "eeg-emotion-replay",
                         trial=args.trial, speed=args.speed, loop=args.loop,
                         chunk_size=args.chunk_size, duration=args.duration, wait=args.wait)
    check_replay_options(opts)
    if opts.path.suffix.lower() in XDF_SUFFIXES:
        return _replay_xdf(opts, args.name)
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


def _replay_xdf(opts, name: str | None) -> int:
    """Republish a LabRecorder file's EEG and marker streams as recorded."""
    from eeg_emotion.errors import ConfigError, DataFormatError
    from eeg_emotion.realtime.replay.xdf_player import XdfPlayer
    from eeg_emotion.xdf_files import read_xdf

    if opts.trial is not None or opts.chunk_size is not None:
        raise ConfigError("--trial and --chunk-size do not apply to an .xdf file (it is "
                          "replayed whole, in its recorded chunks of time)",
                          f"drop them: `eeg-emotion replay {opts.path}`")
    xdf = read_xdf(opts.path)
    eeg = xdf.eeg()
    if not eeg:
        found = ", ".join(f"{s.name} ({s.type})" for s in xdf.streams) or "none"
        raise DataFormatError(f"{opts.path} holds no EEG time series (streams: {found})",
                              "replay a recording with an EEG stream")
    player = XdfPlayer([eeg[0], *xdf.markers()], name=name, speed=opts.speed,
                       loop=opts.loop)
    stopped_by: list[int] = []

    def on_stop(signum: int) -> None:
        stopped_by.append(signum)
        player.request_stop()

    with stop_on_signals(on_stop):
        try:
            player.open()
            s = eeg[0]
            print(f"replaying {opts.path} (XDF): {player.name!r} ({s.type}, {len(s.labels)} "
                  f"channels, {s.sfreq:g} Hz, x{opts.speed:g})"
                  + "".join(f"; markers {n!r}" for n in player.names[1:])
                  + ". Ctrl-C stops.", file=sys.stderr)
            if opts.wait > 0 and not stopped_by:
                if not player.wait_for_consumers(opts.wait):
                    log.warning("no program subscribed within %g s; sending anyway", opts.wait)
                elif not player.wait_for_marker_consumers(MARKER_GRACE_S):
                    log.info("no marker subscriber within %g s; sending anyway",
                             MARKER_GRACE_S)
            stats = player.run(opts.duration)
            print("sent " + ", ".join(f"{k}: {v} samples" for k, v in stats.samples.items()),
                  file=sys.stderr)
        finally:
            player.close(linger=0.0 if stopped_by else 0.5)
    return 0


COMMAND = Command(
    "replay", "publish a dataset file as a real-time LSL stream", add_arguments, run)
