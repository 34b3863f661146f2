"""What ``eeg-emotion calibrate`` does, step by step (the command: ``commands/calibrate.py``).

1. Check everything that can be checked without a stream: the options (every
   number), the stimulus folder (every file), the ratings file (every block to be
   run, every value), the screen (for the window), the calibration folder (never
   overwritten) and the models folder (writable). ``--resume`` / ``--add`` take the
   options not given again from the folder's plan.
2. Open the source as ``live`` does (same options; an unlabelled OpenBCI stream
   gets its documented default montage, and the terminal says so).
3. Run the session's blocks (:func:`~.session.run_session`)
   in the window or on the terminal; Ctrl-C, SIGTERM, closing the window or a
   failure end it with the finished blocks kept, and the terminal prints the
   ``--resume`` command, which runs as printed.
4. Train and save the personal model (:func:`eeg_emotion.offline.training.personal.train_personal`)
   with the training thread policy of ``train`` (``--threads``), showing the
   candidate, the fold and the time so far, and print its held-out-block accuracy
   beside the majority rate.
"""

from __future__ import annotations

import shlex
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from eeg_emotion.cache_folder import models_dir
from eeg_emotion.calibration_files import CalibrationFolder, calibrate_command
from eeg_emotion.checks import check_writable
from eeg_emotion.errors import ConfigError, EEGEmotionError, StreamError
from eeg_emotion.offline.training.personal import PersonalResult, train_personal
from eeg_emotion.realtime.calibration.headless import FileRatings, HeadlessFrontEnd, StdinRatings
from eeg_emotion.realtime.calibration.options import CalibrateOptions
from eeg_emotion.realtime.calibration.protocol import (
    DEFAULT_BLOCKS,
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
from eeg_emotion.threads import use_training_threads


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _plan(settings: dict, session: int) -> list[Block]:
    seed = int(settings["seed"]) + 1000 * (session - 1)  # another order each session
    if settings.get("stimuli"):
        stimuli = read_stimulus_folder(settings["stimuli"], settings["stimulus_s"])
        return folder_plan(stimuli, settings.get("blocks"), settings["rest_s"], seed)
    return built_in_plan(settings["blocks"], settings["stimulus_s"], settings["rest_s"], seed)


def train(data: Path, opts: CalibrateOptions) -> PersonalResult:
    """Train the personal model with the training thread policy and print what came of it.

    Parameters
    ----------
    data : pathlib.Path
        The calibration folder.
    opts : CalibrateOptions
        ``models_dir``, ``device`` and ``threads`` are used.

    Returns
    -------
    PersonalResult
    """
    folder = check_writable(models_dir(opts.models_dir), "the models folder",
                            "pass --models-dir a folder you may write to (live finds the "
                            "model there with --models-dir too), or fix its permissions")
    n = use_training_threads(opts.threads)
    _say(f"training your personal model on {data} with {n} torch thread(s) ...")
    try:
        result = train_personal(data, folder, device=opts.device or "auto", progress=_say)
    except KeyboardInterrupt:
        _say("training interrupted; the recordings are kept. Train again with: "
             + shlex.join(["eeg-emotion", "calibrate", "--train", str(data)]))
        raise
    for note in result.notes:
        _say(f"note: {note}")
    for line in result.lines():
        _say(line)
    return result


def _settings(opts: CalibrateOptions) -> dict:
    """The plan's settings of a new calibration folder."""
    settings = {"blocks": opts.blocks, "stimulus_s": float(opts.stimulus_s),
                "rest_s": float(opts.rest_s),
                "stimuli": str(Path(opts.stimuli).expanduser().resolve())
                if opts.stimuli else "",
                "seed": opts.seed if opts.seed is not None else int(time.time()) % 100_000,
                "source": opts.source.flags(),  # for the commands hints print later
                **opts.settings()}
    if settings["blocks"] is None and not settings["stimuli"]:
        settings["blocks"] = DEFAULT_BLOCKS
    return settings


def run_calibrate(opts: CalibrateOptions) -> int:
    """Run ``eeg-emotion calibrate`` (see the module docstring)."""
    if opts.train is not None:
        train(Path(opts.train).expanduser(), opts.resolved())
        return 0
    if not opts.source.given:
        raise StreamError("calibrate needs a source",
                          "add --stream OpenBCI (the OpenBCI GUI's LSL stream), --stream NAME "
                          "or --board cyton --serial-port /dev/ttyUSB0")
    out = Path(opts.out or f"calibration-{datetime.now():%Y%m%d-%H%M%S}").expanduser()
    folder = None
    if opts.resume or opts.add:
        folder = CalibrationFolder.open(out)
        opts = opts.continuing(folder.settings)  # what the folder was recorded with
        settings = folder.settings
    else:
        settings = _settings(opts)
    opts = opts.resolved()
    if opts.ratings is not None and not opts.headless:
        raise ConfigError("--ratings is for --headless sessions",
                          "add --headless, or drop --ratings and rate in the window")
    session = 1 if folder is None else (max(folder.sessions) + (1 if opts.add else 0))
    blocks = planned_blocks(folder, session) if opts.resume else _plan(settings, session)
    if folder is not None and opts.resume:
        blocks = [b for b in blocks if b.index not in folder.finished(session)]
    ratings = None
    if opts.headless:
        if opts.ratings is not None:
            ratings = FileRatings(opts.ratings, session)
            ratings.check(blocks)  # every block and value, before anything is recorded
        else:
            ratings = StdinRatings()
    else:  # fail before waiting for a stream, not after
        check_display("the calibration window",
                      fix="add --headless (prompts on the terminal; ratings typed, or from "
                          "--ratings FILE), or run where a screen is (a desktop session, "
                          "or xvfb-run)")
    if not opts.no_train:
        check_writable(models_dir(opts.models_dir), "the models folder",
                       "pass --models-dir a folder you may write to, or --no-train to "
                       "record only")
    if folder is None:
        check_writable(out.parent if out.parent != Path() else Path.cwd(),
                       "the folder of --out", "pass --out a folder you may write to")
    source = open_source(opts.source)
    try:
        for note in source.info.all_notes():
            _say(f"note: {note}")
        if folder is None:
            folder = CalibrationFolder.create(out, source.info, blocks, settings,
                                              overwrite=opts.overwrite)
        else:  # the next printed command continues with what this run was given
            folder.update_settings({**opts.settings(), "source": opts.source.flags()})
            if opts.add:
                session = folder.add_session(blocks)
        _say(f"calibration folder {out}, session {session}: {len(blocks)} block(s) to run")
        again = calibrate_command(out, "--resume", source=opts.source.flags())
        try:
            finished = _run(folder, session, source, ratings, opts.headless)
        except EEGEmotionError as exc:  # a failure mid-session: what was rated is kept
            _say(f"the session stopped: {exc.problem}")
            _say(f"the finished blocks are kept. Continue with: {again}")
            raise
    finally:
        source.close()
    if finished is None:  # stopped: what was rated is on disk
        _say(f"stopped; the finished blocks are kept. Continue with: {again}")
        return 130
    if opts.no_train:
        _say(f"recorded. Train later with: eeg-emotion calibrate --train {shlex.quote(str(out))}")
        return 0
    train(out, opts)
    return 0


def _run(folder: CalibrationFolder, session: int, source: Source,
         ratings: FileRatings | StdinRatings | None, headless: bool) -> dict | None:
    """Run the session in the window or on the terminal; None when it was stopped.

    Ctrl-C and SIGTERM end it the same way (:func:`eeg_emotion.stop_signals.stop_on_signals`):
    on the terminal they interrupt at once (also a wait for typed ratings); the window
    notices the request within a fraction of a second and closes. Either way the
    finished blocks are on disk.
    """
    stop = threading.Event()
    try:
        with stop_on_signals(lambda _signum: stop.set(), interrupt=headless):
            if headless:
                return run_session(folder, session, source, HeadlessFrontEnd(ratings), stop)
            from eeg_emotion.realtime.dashboard.calibration_window import (  # Qt, lazily
                run_calibration_window,
            )
            return run_calibration_window(
                lambda frontend: run_session(folder, session, source, frontend, stop), stop)
    except (CalibrationStopped, KeyboardInterrupt):
        return None
