"""A live session: load the model, make the source, run the engine until told to stop.

What ``eeg-emotion live`` and ``eeg-emotion demo`` (:mod:`eeg_emotion.realtime.demo`)
share. :func:`run_engine` runs an engine on an opened source and shows its
estimates on the dashboard or as headless JSON lines, publishes them on an LSL
outlet, and stops cleanly on ``--duration``, Ctrl-C, SIGTERM or a fatal stream
error. This module loads torch (through the engine and the checkpoints), so
command modules import it inside their ``run``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from eeg_emotion.errors import CheckpointError, ConfigError, EEGEmotionError
from eeg_emotion.models.checkpoint import LoadedModel, load_checkpoint, read_meta
from eeg_emotion.montages import match_channels
from eeg_emotion.realtime import brainflow_source
from eeg_emotion.realtime.dashboard import run_dashboard
from eeg_emotion.realtime.engine import Engine
from eeg_emotion.realtime.headless import JsonLinesWriter, run_headless
from eeg_emotion.realtime.lsl_source import LSLSource
from eeg_emotion.realtime.outlet import EstimateOutlet
from eeg_emotion.realtime.source import Source

log = logging.getLogger(__name__)


def load_model(path: Path) -> LoadedModel:
    """Load a checkpoint on the CPU (the engine moves the model to the chosen device).

    Parameters
    ----------
    path : pathlib.Path
        A checkpoint written by ``eeg-emotion train``.

    Returns
    -------
    LoadedModel

    Raises
    ------
    CheckpointError
        If the file does not exist or is not a readable checkpoint.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise CheckpointError(f"model file {path} does not exist",
                              "train one with `eeg-emotion train --config CONFIG`, or run "
                              "`eeg-emotion demo` for a built-in one")
    return load_checkpoint(path, "cpu")


def find_model_for(channels: tuple[str, ...], models_dir: Path) -> Path:
    """Pick the newest checkpoint in ``models_dir`` whose channels the stream has.

    Parameters
    ----------
    channels : tuple of str
        The stream's channel names.
    models_dir : pathlib.Path
        Searched recursively for ``*.pt`` files.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    CheckpointError
        Naming the stream's channels and the command that trains a fitting model.
    """
    candidates = sorted(Path(models_dir).glob("**/*.pt"), key=lambda p: p.stat().st_mtime,
                        reverse=True) if Path(models_dir).is_dir() else []
    for path in candidates:
        try:
            match_channels(channels, read_meta(path).channels)
        except EEGEmotionError as exc:
            log.debug("model %s does not fit: %s", path, exc)
            continue
        log.info("using model %s (its channels fit the stream)", path)
        return path
    chans = ",".join(channels)
    raise CheckpointError(
        f"no model in {models_dir} uses only the stream's channels ({chans})",
        f"train one: `eeg-emotion train --config configs/deap_scalingnet.toml "
        f"--channels {chans} --out {Path(models_dir) / 'my-headset.pt'}`, or pass --model")


def build_source(args: argparse.Namespace) -> Source:
    """Make the LSL or BrainFlow source named in ``args`` (not yet opened).

    Parameters
    ----------
    args : argparse.Namespace
        ``live``'s options: ``--stream`` or ``--board`` (with ``--serial-port``,
        ``--file``, ``--master-board``), and ``--montage``.

    Returns
    -------
    Source
    """
    if args.board:
        return brainflow_source.BrainFlowSource(
            args.board, serial_port=args.serial_port, file=args.file,
            master_board=args.master_board, montage=args.montage)
    return LSLSource(args.stream, montage=args.montage)


@contextlib.contextmanager
def sigterm_sets(stop: threading.Event) -> Iterator[None]:
    """Turn SIGTERM into ``stop.set()`` while inside (main thread only).

    Parameters
    ----------
    stop : threading.Event
        Set when SIGTERM arrives; the previous handler is restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_engine(args: argparse.Namespace, source: Source, loaded: LoadedModel,
               markers: str | None = "auto") -> int:
    """Run an engine on an opened ``source`` until duration, Ctrl-C, SIGTERM or failure.

    Parameters
    ----------
    args : argparse.Namespace
        The options of :func:`eeg_emotion.realtime.run_options.add_run_options`.
    source : Source
        Opened; the engine takes it over (it is closed here if the engine cannot
        be made).
    loaded : LoadedModel
        The model, from :func:`load_model`.
    markers : str | None
        Passed to :class:`~eeg_emotion.realtime.engine.Engine` (``"auto"``: listen
        for the stream's ``<name>-markers``).

    Returns
    -------
    int
        0; a fatal stream error is raised as :class:`~eeg_emotion.errors.StreamError`
        after a clean stop.
    """
    try:
        engine = Engine(source, loaded, hop_s=args.hop, window_s=args.window, device=args.device,
                        smoothing=args.smoothing, notch=args.notch, markers=markers,
                        record=str(args.record) if args.record else None)
    except BaseException:
        source.close()  # the engine never took it over
        raise
    stop = threading.Event()
    outlet = out_file = None
    try:
        engine.start()
        if not args.no_outlet:
            outlet = EstimateOutlet(engine.targets, args.outlet, model_name=engine.model_name)
        with sigterm_sets(stop):
            if args.headless:
                if args.output:
                    try:
                        out_file = open(args.output, "w", encoding="utf-8")
                    except OSError as exc:
                        raise ConfigError(f"cannot write --output {args.output}: {exc}",
                                          "choose a writable path") from exc
                writer = JsonLinesWriter(out_file or sys.stdout, engine.synthetic)
                try:
                    run_headless(engine, writer, duration=args.duration, outlet=outlet,
                                 stop=stop)
                except KeyboardInterrupt:
                    log.info("interrupted")
            else:
                run_dashboard(engine, duration=args.duration,
                              screenshot=str(args.screenshot) if args.screenshot else None,
                              stop=stop)
    finally:
        engine.stop()
        if outlet is not None:
            outlet.close()
        if out_file is not None:
            out_file.close()
    if engine.failure is not None:
        raise engine.failure
    return 0
