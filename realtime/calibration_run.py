"""What ``eeg-emotion calibrate`` does, step by step (the command is in ``cmd_calibrate``).

1. Check everything that can be checked without a stream: the options, the
   stimulus folder (every file), the ratings file (every block to be run), the
   screen (for the window), the calibration folder (never overwritten).
2. Open the source as ``live`` does (same options; an unlabelled OpenBCI stream
   gets its documented default montage, and the terminal says so).
3. Run the session's blocks (:func:`~eeg_emotion.realtime.calibration_session.run_session`)
   in the window or on the terminal; Ctrl-C, SIGTERM or closing the window end it
   with the finished blocks kept, and the terminal prints the ``--resume`` command.
4. Train and save the personal model (:func:`eeg_emotion.offline.training.personal.train_personal`)
   and print its held-out-block accuracy beside the majority rate.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from eeg_emotion.cache_folder import cache_dir
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.offline.training.personal import PersonalResult, train_personal
from eeg_emotion.realtime.calibration_headless import FileRatings, HeadlessFrontEnd, StdinRatings
from eeg_emotion.realtime.calibration_protocol import (
    Block,
    built_in_plan,
    folder_plan,
    read_stimulus_folder,
)
from eeg_emotion.realtime.calibration_session import (
    CalibrationFolder,
    CalibrationStopped,
    run_session,
)
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.run_options import check_source_options
from eeg_emotion.realtime.session import build_source


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _plan(args: argparse.Namespace, settings: dict, session: int) -> list[Block]:
    seed = int(settings["seed"]) + 1000 * (session - 1)  # another order each session
    if settings.get("stimuli"):
        stimuli = read_stimulus_folder(settings["stimuli"], settings["stimulus_s"])
        return folder_plan(stimuli, settings.get("blocks"), settings["rest_s"], seed)
    return built_in_plan(settings["blocks"], settings["stimulus_s"], settings["rest_s"], seed)


def _source_flags(args: argparse.Namespace) -> list[str]:
    parts = []
    for flag, value in (("--stream", args.stream), ("--board", args.board),
                        ("--serial-port", args.serial_port), ("--montage", args.montage)):
        if value:
            parts += [flag, str(value)]
    return parts


def models_folder(args: argparse.Namespace) -> Path:
    """``--models-dir``, else the cache's ``models/`` (where ``live`` looks)."""
    return Path(args.models_dir) if args.models_dir else cache_dir() / "models"


def train(data: Path, args: argparse.Namespace) -> PersonalResult:
    """Train the personal model and print what came of it."""
    _say(f"training your personal model on {data} ...")
    result = train_personal(data, models_folder(args), device=args.device, progress=_say)
    for note in result.notes:
        _say(f"note: {note}")
    for line in result.lines():
        _say(line)
    return result


def run_calibrate(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion calibrate`` (see the module docstring)."""
    check_source_options(args)
    if args.train is not None:
        train(Path(args.train).expanduser(), args)
        return 0
    if not args.stream and not args.board:
        raise StreamError("calibrate needs a source",
                          "add --stream OpenBCI (the OpenBCI GUI's LSL stream), --stream NAME "
                          "or --board cyton --serial-port /dev/ttyUSB0")
    if args.ratings is not None and not args.headless:
        raise ConfigError("--ratings is for --headless sessions",
                          "add --headless, or drop --ratings and rate in the window")
    if (args.resume or args.add) and args.out is None:
        raise ConfigError(f"--{'resume' if args.resume else 'add'} needs --out, the "
                          "calibration folder to continue",
                          "pass --out FOLDER, e.g. `eeg-emotion calibrate "
                          f"{'--resume' if args.resume else '--add'} --out FOLDER "
                          f"{shlex.join(_source_flags(args))}` (FOLDER: the "
                          "calibration-YYYYMMDD-HHMMSS folder an earlier calibrate wrote)")
    out = Path(args.out or f"calibration-{datetime.now():%Y%m%d-%H%M%S}").expanduser()
    folder = None
    if args.resume or args.add:
        folder = CalibrationFolder.open(out)
        settings = folder.plan["settings"]
    else:
        settings = {"blocks": args.blocks, "stimulus_s": float(args.stimulus_seconds),
                    "rest_s": float(args.rest_seconds),
                    "stimuli": str(Path(args.stimuli).expanduser().resolve())
                    if args.stimuli else "",
                    "seed": args.seed if args.seed is not None else int(time.time()) % 100_000,
                    "source": _source_flags(args)}  # for the commands hints print later
        if settings["blocks"] is None and not settings["stimuli"]:
            settings["blocks"] = 10
    session = 1 if folder is None else (max(folder.sessions) + (1 if args.add else 0))
    blocks = folder.blocks(session) if args.resume else _plan(args, settings, session)
    if folder is not None and args.resume:
        blocks = [b for b in blocks if b.index not in folder.finished(session)]
    ratings = None
    if args.headless:
        if args.ratings is not None:
            ratings = FileRatings(args.ratings, session)
            ratings.check(blocks)
        else:
            ratings = StdinRatings()
    else:
        check_display()  # fail before waiting for a stream, not after
    source = build_source(args)
    if args.stream:
        source.open(timeout=args.timeout)
    else:
        source.open()
    try:
        if source.info.montage_note:
            _say(f"note: {source.info.montage_note}")
        if folder is None:
            folder = CalibrationFolder.create(out, source.info, blocks, settings,
                                              overwrite=args.overwrite)
        elif args.add:
            session = folder.add_session(blocks)
        _say(f"calibration folder {out}, session {session}: {len(blocks)} block(s) to run")
        finished = _run(folder, session, source, ratings, args)
    finally:
        source.close()
    if finished is None:  # stopped: what was rated is on disk
        again = shlex.join(["eeg-emotion", "calibrate", "--resume", "--out", str(out),
                            *_source_flags(args)])
        _say(f"stopped; the finished blocks are kept. Continue with: {again}")
        return 130
    if args.no_train:
        _say(f"recorded. Train later with: eeg-emotion calibrate --train {shlex.quote(str(out))}")
        return 0
    train(out, args)
    return 0


def _run(folder: CalibrationFolder, session: int, source, ratings, args) -> dict | None:
    """Run the session in the window or on the terminal; None when it was stopped."""
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.headless:
            return run_session(folder, session, source, HeadlessFrontEnd(ratings), stop)
        from eeg_emotion.realtime.dashboard.calibration_window import (  # Qt, lazily
            run_calibration_window,
        )
        return run_calibration_window(
            lambda frontend: run_session(folder, session, source, frontend, stop))
    except (CalibrationStopped, KeyboardInterrupt):
        return None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
