"""The built-in demo: a synthetic DEAP recording replayed live and a small model.

On first use it writes a small synthetic DEAP subject
(:func:`eeg_emotion.offline.synth.deap.write_demo_recording`): 8 trials to replay (two of each
valence x arousal class) and 40 other trials of the same subject, on which a small
ScalingNet trains for some epochs
(:func:`eeg_emotion.offline.training.quick_model.train_quick_model`), into a cache folder; later
runs reuse both. The model never sees the replayed trials while training; it is
scored on them before it is cached, and kept only if it clearly beats the
majority-class rate (else it retrains with another seed, or the demo fails
saying so). The recording is replayed
by ``eeg-emotion replay --loop`` in a background process under a unique stream
name (killed on exit), and the engine runs on it like on any LSL stream. The
model knows only synthetic data, which the output says. The engine runs as in
``live`` (:mod:`eeg_emotion.realtime.live_run`).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from eeg_emotion.cache_folder import cache_dir, check_cache_writable
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.offline.synth.deap import write_demo_recording
from eeg_emotion.offline.training.quick_model import train_quick_model
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.live_run import run_engine
from eeg_emotion.realtime.model_choice import load_model
from eeg_emotion.realtime.options import DemoOptions
from eeg_emotion.realtime.replay.process import ReplayProcess
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.threads import use_training_threads

log = logging.getLogger(__name__)

#: Bumped whenever the demo data or model change, so caches of older runs are rebuilt
#: (3: models trained for epochs and checked on the replayed trials; version-2 models
#: could be cached after two epochs at chance).
DEMO_VERSION = 3
#: trials of the demo subject the model trains on (never replayed)
DEMO_TRAIN_TRIALS = 40


def ensure_demo_recording(cache: Path, option: str | None = None) -> Path:
    """Write the synthetic demo data once; return the file to replay (a DEAP ``.dat``).

    Beside it, ``train/s01.dat`` holds other trials of the same synthetic subject,
    which the demo model trains on (:func:`ensure_demo_model`). ``option``: how the
    cache was named (``"--cache"``; None: the default cache), for the error when it
    cannot be written.
    """
    path = Path(cache) / "demo" / f"data-v{DEMO_VERSION}" / "s01.dat"
    if not (path.is_file() and (path.parent / "train" / "s01.dat").is_file()):
        check_cache_writable(path.parent, option)
        log.info("writing the synthetic demo recording to %s", path)
        # the demo's own cache folder: a half-written earlier attempt is replaced
        write_demo_recording(path, train_trials=DEMO_TRAIN_TRIALS, overwrite=True)
    return path


def ensure_demo_model(cache: Path, data: Path, progress: bool = True,
                      threads: int | None = None, option: str | None = None) -> Path:
    """Train the small demo model once (half a minute to a minute); return its path.

    It trains on ``train/`` beside the replayed file ``data`` (other trials of the
    same subject; :func:`ensure_demo_recording` writes both) and is checked on
    ``data`` itself before it is cached. ``threads``: ``--threads`` (None: the
    automatic training policy of :mod:`eeg_emotion.threads`). ``option``: as for
    :func:`ensure_demo_recording`.

    Raises
    ------
    CheckpointError
        If no attempt learned (nothing is cached then).
    """
    path = Path(cache) / "demo" / f"demo-model-v{DEMO_VERSION}.pt"
    if path.is_file():
        return path
    check_cache_writable(path.parent, option)
    print("eeg-emotion demo: training the demo model on synthetic data (first run only, "
          "up to about a minute on 2 cores)", file=sys.stderr, flush=True)
    use_training_threads(threads)
    # the checkpoint is written atomically (save_checkpoint uses eeg_emotion.atomic), and
    # only once the model passed its held-out check: an interrupted or failed first run
    # leaves nothing to be reused
    result = train_quick_model(Path(data).parent / "train", path, check_path=data,
                               progress=progress)
    print(f"eeg-emotion demo: model ready in {result.seconds:.0f} s (seed {result.seed}, "
          f"{result.epochs} epochs); accuracy on the replayed "
          f"trials it never trained on: {result.describe()}", file=sys.stderr, flush=True)
    return path


def open_replayed(replay: ReplayProcess, timeout: float = 30.0) -> LSLSource:
    """An opened :class:`~eeg_emotion.realtime.sources.lsl_source.LSLSource` on the replay."""
    source = LSLSource(replay.name)
    end = time.monotonic() + timeout
    while True:
        replay.check()
        try:
            source.open(timeout=min(2.0, max(0.1, end - time.monotonic())))
            return source
        except StreamError:
            if time.monotonic() >= end:
                raise
            continue


def run_demo(opts: DemoOptions) -> int:
    """Build (or reuse) the demo data and model, replay, and run the engine on it.

    Parameters
    ----------
    opts : DemoOptions
        The run's options (checked) and the cache folder.

    Returns
    -------
    int
        0 after a clean stop.
    """
    run = opts.run
    if not run.headless:
        try:
            check_display()  # before model building, not after
        except ConfigError:
            if run.screenshot:
                raise
            # the embedded default must run anywhere: without a screen, headless
            log.warning("no screen for the dashboard: running headless (JSON lines on "
                        "stdout); set DISPLAY, or pass --headless to silence this")
            run = replace(run, headless=True)
    cache = Path(opts.cache) if opts.cache else cache_dir()
    option = "--cache" if opts.cache else None
    data = ensure_demo_recording(cache, option)
    loaded = load_model(ensure_demo_model(cache, data, threads=run.threads, option=option))
    with ReplayProcess(data) as replay:
        source = open_replayed(replay)
        return run_engine(run, source, loaded, markers="auto")
