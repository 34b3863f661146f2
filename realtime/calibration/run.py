"""What ``eeg-emotion calibrate`` does, step by step (the command: ``commands/calibrate.py``).

1. Check everything that can be checked without a stream: the options, the
   stimulus folder (every file), the ratings file (every block to be run), the
   screen (for the window), the calibration folder (never overwritten).
2. Open the source as ``live`` does (same options; an unlabelled OpenBCI stream
   gets its documented default montage, and the terminal says so).
3. Run the session's blocks (:func:`~.session.run_session`)
   in the window or on the terminal; Ctrl-C, SIGTERM or closing the window end it
   with the finished blocks kept, and the terminal prints the ``--resume`` command.
4. Train and save the personal model (:func:`eeg_emotion.offline.training.personal.train_personal`)
   and print its held-out-block accuracy beside the majority rate.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from eeg_emotion.cache_folder import models_dir
from eeg_emotion.calibration_files import CalibrationFolder, calibrate_command
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.offline.training.personal import PersonalResult, train_personal
from eeg_emotion.realtime.calibration.headless import FileRatings, HeadlessFrontEnd, StdinRatings
from eeg_emotion.realtime.calibration.options import CalibrateOptions
from eeg_emotion.realtime.calibration.protocol import (
    Block,
    built_in_plan,
    folder_plan,
    read_stimulus_folder,
)
from eeg_emotion.realtime.calibration.session import CalibrationStopped, planned_blocks, run_session
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.sources.factory import open_source
from eeg_emotion.realtime.sources.source import Source
from eeg_emotion.stop_signals import stop_on_signals


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _plan(settings: dict, session: int) -> list[Block]:
    seed = int(settings["seed"]) + 1000 * (session - 1)  # another order each session
    if settings.get("stimuli"):
        stimuli = read_stimulus_folder(settings["stimuli"], settings["stimulus_s"])
        return folder_plan(stimuli, settings.get("blocks"), settings["rest_s"], seed)
    return built_in_plan(settings["blocks"], settings["stimulus_s"], settings["rest_s"], seed)


def train(data: Path, opts: CalibrateOptions) -> PersonalResult:
    """Train the personal model and print what came of it."""
    _say(f"training your personal model on {data} ...")
    result = train_personal(data, models_dir(opts.models_dir), device=opts.device,
                            progress=_say)
    for note in result.notes:
        _say(f"note: {note}")
    for line in result.lines():
        _say(line)
    return result


def run_calibrate(opts: CalibrateOptions) -> int:
    """Run ``eeg-emotion calibrate`` (see the module docstring)."""
    if opts.train is not None:
        train(Path(opts.train).expanduser(), opts)
        return 0
    if not opts.source.given:
        raise StreamError("calibrate needs a source",
                          "add --stream OpenBCI (the OpenBCI GUI's LSL stream), --stream NAME "
                          "or --board cyton --serial-port /dev/ttyUSB0")
    if opts.ratings is not None and not opts.headless:
        raise ConfigError("--ratings is for --headless sessions",
                          "add --headless, or drop --ratings and rate in the window")
    if (opts.resume or opts.add) and opts.out is None:
        mode = "--resume" if opts.resume else "--add"
        example = calibrate_command("FOLDER", mode, source=opts.source.flags())
        raise ConfigError(f"{mode} needs --out, the calibration folder to continue",
                          f"pass --out FOLDER, e.g. `{example}` "
                          "(FOLDER: the calibration-YYYYMMDD-HHMMSS folder an earlier "
                          "calibrate wrote)")
    out = Path(opts.out or f"calibration-{datetime.now():%Y%m%d-%H%M%S}").expanduser()
    folder = None
    if opts.resume or opts.add:
        folder = CalibrationFolder.open(out)
        settings = folder.settings
    else:
        settings = {"blocks": opts.blocks, "stimulus_s": float(opts.stimulus_s),
                    "rest_s": float(opts.rest_s),
                    "stimuli": str(Path(opts.stimuli).expanduser().resolve())
                    if opts.stimuli else "",
                    "seed": opts.seed if opts.seed is not None else int(time.time()) % 100_000,
                    "source": opts.source.flags()}  # for the commands hints print later
        if settings["blocks"] is None and not settings["stimuli"]:
            settings["blocks"] = 10
    session = 1 if folder is None else (max(folder.sessions) + (1 if opts.add else 0))
    blocks = planned_blocks(folder, session) if opts.resume else _plan(settings, session)
    if folder is not None and opts.resume:
        blocks = [b for b in blocks if b.index not in folder.finished(session)]
    ratings = None
    if opts.headless:
        if opts.ratings is not None:
            ratings = FileRatings(opts.ratings, session)
            ratings.check(blocks)
        else:
            ratings = StdinRatings()
    else:
        check_display()  # fail before waiting for a stream, not after
    source = open_source(opts.source)
    try:
        for note in source.info.all_notes():
            _say(f"note: {note}")
        if folder is None:
            folder = CalibrationFolder.create(out, source.info, blocks, settings,
                                              overwrite=opts.overwrite)
        elif opts.add:
            session = folder.add_session(blocks)
        _say(f"calibration folder {out}, session {session}: {len(blocks)} block(s) to run")
        finished = _run(folder, session, source, ratings, opts.headless)
    finally:
        source.close()
    if finished is None:  # stopped: what was rated is on disk
        again = calibrate_command(out, "--resume", source=opts.source.flags())
        _say(f"stopped; the finished blocks are kept. Continue with: {again}")
        return 130
    if opts.no_train:
        _say(f"recorded. Train later with: eeg-emotion calibrate --train {shlex.quote(str(out))}")
        return 0
    train(out, opts)
    return 0


def _run(folder: CalibrationFolder, session: int, source: Source,
         ratings: FileRatings | StdinRatings | None, headless: bool) -> dict | None:
    """Run the session in the window or on the terminal; None when it was stopped."""
    stop = threading.Event()
    try:
        # SIGTERM asks the session to stop between phases; Ctrl-C interrupts at once
        with stop_on_signals(lambda _signum: stop.set(), (signal.SIGTERM,)):
            if headless:
                return run_session(folder, session, source, HeadlessFrontEnd(ratings), stop)
            from eeg_emotion.realtime.dashboard.calibration_window import (  # Qt, lazily
                run_calibration_window,
            )
            return run_calibration_window(
                lambda frontend: run_session(folder, session, source, frontend, stop))
    except (CalibrationStopped, KeyboardInterrupt):
        return None
