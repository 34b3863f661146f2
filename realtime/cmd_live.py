"""``eeg-emotion live``: run a model on a live stream.

Sources: an LSL stream (``--stream NAME``; ``OpenBCI`` finds OpenBCI GUI streams)
or a BrainFlow board (``--board cyton|cyton-daisy|ganglion|synthetic|playback``).
Output: the dashboard, or with ``--headless`` JSON lines on stdout or
``--output FILE``; estimates are also published as the LSL stream
``eeg-emotion`` (``--outlet NAME``, ``--no-outlet``) and, with ``--osc HOST:PORT``,
as OSC messages. Without ``--model`` the best checkpoint of the models folder is
taken (:mod:`eeg_emotion.realtime.model_choice`), or, when none fits, training-free
band-power indices (:mod:`eeg_emotion.realtime.live_setup`); the terminal says
which and why. With no source and no model it runs the built-in demo
(:mod:`eeg_emotion.realtime.demo`). Ctrl-C and SIGTERM stop cleanly. The session
itself (engine, model, source) is :mod:`eeg_emotion.realtime.session`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from eeg_emotion.commands import Command, register_command
from eeg_emotion.errors import StreamError
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.run_options import (
    add_run_options,
    add_source_options,
    check_output_options,
    check_source_options,
)

log = logging.getLogger(__name__)

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``live`` options to ``parser``."""
    add_source_options(parser)
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="model checkpoint (default: one in --models-dir fitting the stream)")
    parser.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                        help="where to look for a default model (default: the cache)")
    parser.add_argument("--min-coverage", type=_fraction, default=None, metavar="F",
                        help="least share of a missing-channel model's channels the stream "
                             "must have for it to be chosen by default (default 0.1)")
    add_run_options(parser)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share in (0, 1], e.g. 0.25")
    return value


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion live``; returns the exit status."""
    # the command boundary: the engine, the checkpoints (torch) and the demo load here
    from eeg_emotion.realtime import demo, live_setup, session
    from eeg_emotion.realtime.osc_output import parse_osc_target

    if args.osc:
        parse_osc_target(args.osc)  # a bad --osc is reported before anything starts
    if not args.stream and not args.board and args.model is None:
        return demo.run_demo_session(args, cache=None)
    check_output_options(args)
    check_source_options(args)
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
    notes = live_setup.given_model_notes(args, loaded) if loaded is not None else ()
    if loaded is None:  # the best model in the models folder, or band-power indices
        try:
            loaded, notes = live_setup.default_model(source.info, args)
        except BaseException:
            source.close()
            raise
    for note in (source.info.montage_note, *notes):
        if note:
            print(f"note: {note}", file=sys.stderr, flush=True)
    return session.run_engine(args, source, loaded, markers="auto" if args.stream else None,
                              notes=notes)


COMMAND = register_command(Command(
    "live", "run a model on a live stream (dashboard or headless)", add_arguments, run))
