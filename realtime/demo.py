"""The built-in demo: a synthetic DEAP recording replayed live and a small model.

On first use it writes a small synthetic DEAP subject
(:func:`eeg_emotion.offline.synth.write_demo_recording`): 8 trials to replay and 40 other
trials of the same subject, on which a small ScalingNet trains in seconds
(:func:`eeg_emotion.offline.quick_model.train_quick_model`), into a cache folder; later
runs reuse both. The model never sees the replayed trials. The recording is replayed
by ``eeg-emotion replay --loop`` in a background process under a unique stream
name (killed on exit), and the engine runs on it like on any LSL stream. The
model knows only synthetic data, which the output says. The engine runs as in
``live`` (:mod:`eeg_emotion.realtime.session`).
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.offline.quick_model import train_quick_model
from eeg_emotion.offline.synth import write_demo_recording
from eeg_emotion.realtime.dashboard import check_display
from eeg_emotion.realtime.lsl_source import LSLSource
from eeg_emotion.realtime.run_options import check_output_options
from eeg_emotion.realtime.session import load_model, run_engine

log = logging.getLogger(__name__)

DEMO_VERSION = 2
#: trials of the demo subject the model trains on (never replayed)
DEMO_TRAIN_TRIALS = 40


def cache_dir() -> Path:
    """The eeg-emotion cache folder (``$EEG_EMOTION_CACHE`` or ``~/.cache/eeg-emotion``)."""
    env = os.environ.get("EEG_EMOTION_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "eeg-emotion"


def ensure_demo_recording(cache: Path) -> Path:
    """Write the synthetic demo data once; return the file to replay (a DEAP ``.dat``).

    Beside it, ``train/s01.dat`` holds other trials of the same synthetic subject,
    which the demo model trains on (:func:`ensure_demo_model`).
    """
    path = Path(cache) / "demo" / f"data-v{DEMO_VERSION}" / "s01.dat"
    if not (path.is_file() and (path.parent / "train" / "s01.dat").is_file()):
        log.info("writing the synthetic demo recording to %s", path)
        write_demo_recording(path, train_trials=DEMO_TRAIN_TRIALS)
    return path


def ensure_demo_model(cache: Path, data: Path) -> Path:
    """Train the small demo model once (seconds); return its path.

    It trains on ``train/`` beside the replayed file ``data``: other trials of the
    same subject (:func:`ensure_demo_recording` writes both).
    """
    path = Path(cache) / "demo" / f"demo-model-v{DEMO_VERSION}.pt"
    if path.is_file():
        return path
    log.warning("training the demo model on synthetic data (first run only, a few seconds)")
    # the checkpoint is written atomically (save_checkpoint uses eeg_emotion.atomic), so
    # an interrupted first run leaves no half-written model to be reused
    train_quick_model(Path(data).parent / "train", path)
    return path


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent dies."""
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass  # no glibc: the replay then outlives a killed demo until it is stopped


class ReplayProcess:
    """``eeg-emotion replay FILE --loop --name NAME`` in a background process.

    Parameters
    ----------
    path : pathlib.Path
        Recording to replay.
    name : str | None
        Stream name; default a unique ``eeg-emotion-demo-<random>``.
    """

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or f"eeg-emotion-demo-{uuid.uuid4().hex[:8]}"
        self.proc: subprocess.Popen | None = None
        self._err = None

    def start(self) -> ReplayProcess:
        """Start the replay process."""
        self._err = tempfile.TemporaryFile(mode="w+")
        cmd = [sys.executable, "-m", "eeg_emotion.cli", "replay", str(self.path), "--loop",
               "--name", self.name]
        # Its own session: Ctrl-C or a SIGTERM to the terminal's process group reaches
        # only the demo, which then stops the replay itself (no "stream lost" on the
        # way out). On Linux the replay also dies with the demo, even after kill -9.
        linux = sys.platform.startswith("linux")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err,
                                     stdin=subprocess.DEVNULL, start_new_session=linux,
                                     preexec_fn=_die_with_parent if linux else None)
        log.info("replaying %s as LSL stream %r (pid %d)", self.path, self.name, self.proc.pid)
        return self

    def check(self) -> None:
        """Raise :class:`StreamError` with the replay's own message if it has exited."""
        if self.proc is not None and self.proc.poll() is not None:
            self._err.seek(0)
            tail = self._err.read()[-800:].strip()
            raise StreamError(f"the demo replay exited (status {self.proc.returncode}): {tail}",
                              "run `eeg-emotion replay FILE` yourself to see what fails")

    def stop(self) -> None:
        """Terminate the process (kill it if it does not exit within 5 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._err is not None:
            self._err.close()
            self._err = None

    def __enter__(self) -> ReplayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def open_replayed(replay: ReplayProcess, timeout: float = 30.0) -> LSLSource:
    """Open an :class:`~eeg_emotion.realtime.lsl_source.LSLSource` on the replay's stream."""
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


def run_demo_session(args: argparse.Namespace, cache: Path | None = None) -> int:
    """Build (or reuse) the demo data and model, replay, and run the engine on it."""
    check_output_options(args)
    if not args.headless:
        try:
            check_display()  # before model building, not after
        except ConfigError:
            if args.screenshot:
                raise
            # the embedded default must run anywhere: without a screen, headless
            log.warning("no screen for the dashboard: running headless (JSON lines on "
                        "stdout); set DISPLAY, or pass --headless to silence this")
            args.headless = True
    cache = Path(cache) if cache else cache_dir()
    data = ensure_demo_recording(cache)
    loaded = load_model(ensure_demo_model(cache, data))
    with ReplayProcess(data) as replay:
        source = open_replayed(replay)
        return run_engine(args, source, loaded, markers="auto")
