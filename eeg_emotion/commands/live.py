"""``eeg-emotion live``: run a model on a live stream.

Sources: an LSL stream (``--stream NAME``; ``OpenBCI`` finds OpenBCI GUI streams)
or a BrainFlow board (``--board cyton|cyton-daisy|ganglion|synthetic|playback``).
Output: the dashboard, or with ``--headless`` JSON lines on stdout or
``--output FILE``; estimates are also published as the LSL stream
``eeg-emotion`` (``--outlet NAME``, ``--no-outlet``) and, with ``--osc HOST:PORT``,
as OSC messages. Without ``--model`` the best checkpoint of the models folder is
taken, or, when none fits, training-free band-power indices
(:mod:`eeg_emotion.realtime.model_choice`); the terminal says which and why. Without
``--stream`` or ``--board`` it refuses, naming the streams visible now: a user who
forgot the flag wants their headset, not the built-in synthetic demo
(``eeg-emotion demo``), whose estimates would look like theirs. Ctrl-C and SIGTERM
stop cleanly. The run itself (engine, outputs, stopping) is
:mod:`eeg_emotion.realtime.live_run`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from eeg_emotion.commands.command import Command
from eeg_emotion.commands.run_args import add_run_arguments, run_options
from eeg_emotion.commands.source_args import add_source_arguments, source_options
from eeg_emotion.errors import StreamError
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.options import LiveOptions

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``live`` options to ``parser``."""
    add_source_arguments(parser)
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="model checkpoint (default: one in --models-dir fitting the stream)")
    parser.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                        help="where to look for a default model (default: the cache)")
    parser.add_argument("--min-coverage", type=float, default=None, metavar="F",
                        help="least share of a missing-channel model's channels the stream "
                             "must have for it to be chosen by default (default 0.1)")
    add_run_arguments(parser)


def live_options(args: argparse.Namespace) -> LiveOptions:
    """``live``'s parsed options, typed and checked (:meth:`LiveOptions.check`)."""
    opts = LiveOptions(source=source_options(args), run=run_options(args), model=args.model,
                       models_dir=args.models_dir, min_coverage=args.min_coverage)
    opts.check()
    return opts


def no_source_error(wait: float = 1.0) -> StreamError:
    """The error of a ``live`` without ``--stream`` or ``--board``, naming the visible streams.

    Parameters
    ----------
    wait : float
        Seconds to listen for LSL streams to name.

    Returns
    -------
    StreamError
    """
    from eeg_emotion.lsl_streams import visible_streams  # liblsl loads here

    streams = [s for s in visible_streams(wait) if s.type.lower() != "markers"]
    seen = (f"LSL streams visible now: {', '.join(s.name for s in streams[:6])}"
            f"{', ...' if len(streams) > 6 else ''}; " if streams else
            "no LSL stream is visible now; ")
    first = streams[0].name if streams else "OpenBCI"
    return StreamError("live needs a source: no --stream or --board was given",
                       f"{seen}run e.g. `eeg-emotion live --stream {first}` (a stream's name, "
                       "type or source id), `eeg-emotion live --board cyton --serial-port "
                       "/dev/ttyUSB0` for a board, or `eeg-emotion demo` for the built-in "
                       "synthetic stream and model")


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion live``; returns the exit status."""
    # the command boundary: the engine, the checkpoints (torch) and the demo load here
    from eeg_emotion.realtime import live_run, model_choice
    from eeg_emotion.realtime.outputs.osc_output import parse_osc_target
    from eeg_emotion.realtime.sources.factory import open_source

    if args.osc:
        parse_osc_target(args.osc)  # a bad --osc is reported before anything starts
    opts = live_options(args)
    if not opts.source.given:
        raise no_source_error()
    if not opts.run.headless:
        check_display()  # fail before waiting for a stream, not after
    # a missing or damaged model is reported before waiting for a stream
    loaded = model_choice.load_model(opts.model) if opts.model is not None else None
    source = open_source(opts.source)
    flags = opts.source.flags()
    notes = (model_choice.given_model_notes(opts.model, loaded, flags)
             if loaded is not None else ())
    if loaded is None:  # the best model in the models folder, or band-power indices
        try:
            loaded, notes = model_choice.default_model(
                source.info, models_dir=opts.models_dir, min_coverage=opts.min_coverage,
                source_flags=flags)
        except BaseException:
            source.close()
            raise
    for note in (*source.info.all_notes(), *notes):
        if note:
            print(f"note: {note}", file=sys.stderr, flush=True)
    return live_run.run_engine(opts.run, source, loaded,
                               markers="auto" if opts.source.stream else None, notes=notes)


COMMAND = Command(
    "live", "run a model on a live stream (dashboard or headless)", add_arguments, run)
