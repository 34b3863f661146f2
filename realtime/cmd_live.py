"""``eeg-emotion live`` and ``eeg-emotion demo``: run a model on a live stream.

Sources: an LSL stream (``--stream NAME``; ``OpenBCI`` finds OpenBCI GUI streams)
or a BrainFlow board (``--board cyton|cyton-daisy|ganglion|synthetic|playback``).
Output: the dashboard, or with ``--headless`` JSON lines on stdout or
``--output FILE``; estimates are also published as the LSL stream
``eeg-emotion`` (``--outlet NAME``, ``--no-outlet``). With no source and no model
it runs the built-in demo (:mod:`eeg_emotion.realtime.demo`). Ctrl-C and SIGTERM stop cleanly.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from eeg_emotion.errors import CheckpointError, ConfigError, EEGEmotionError, StreamError
from eeg_emotion.montages import match_channels
from eeg_emotion.realtime.source import Source
from eeg_emotion.realtime.state import LIVE_HOP_S

log = logging.getLogger(__name__)

BOARDS = ("cyton", "cyton-daisy", "ganglion", "synthetic", "playback")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``live`` and ``demo``."""
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="where the model runs (default: GPU if present)")
    parser.add_argument("--hop", type=float, default=None, metavar="S",
                        help=f"seconds between estimates (default {LIVE_HOP_S:g}, or the "
                             "model's training hop if shorter)")
    parser.add_argument("--window", type=float, default=None, metavar="S",
                        help="window length in seconds (default: the model's)")
    parser.add_argument("--smoothing", type=float, default=0.0, metavar="A",
                        help="exponential smoothing of probabilities, 0 <= A < 1 (default 0)")
    parser.add_argument("--notch", type=float, default=None, choices=(50.0, 60.0),
                        help="add a mains notch filter (50 or 60 Hz)")
    parser.add_argument("--headless", action="store_true",
                        help="no window: JSON lines on stdout (or --output)")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="stop after S seconds")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE",
                        help="headless: write JSON lines to FILE instead of stdout")
    parser.add_argument("--record", type=Path, default=None, metavar="PATH",
                        help="record raw stream, markers and estimates to folder PATH")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="PNG",
                        help="dashboard: save a screenshot at the end of --duration")
    parser.add_argument("--outlet", default="eeg-emotion", metavar="NAME",
                        help="LSL stream name of the estimates (default eeg-emotion)")
    parser.add_argument("--no-outlet", action="store_true", help="do not publish estimates")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``live`` options to ``parser``."""
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--stream", default=None, metavar="NAME",
                     help="LSL stream name, type or source id; OpenBCI for the OpenBCI GUI")
    src.add_argument("--board", default=None, choices=BOARDS, help="BrainFlow board")
    parser.add_argument("--serial-port", default=None, metavar="P",
                        help="serial port of a Cyton/Ganglion dongle, e.g. /dev/ttyUSB0")
    parser.add_argument("--file", default=None, metavar="F",
                        help="BrainFlow file for --board playback")
    parser.add_argument("--master-board", default=None, metavar="B",
                        help="--board playback: the board that recorded --file "
                             "(cyton, cyton-daisy, ganglion, synthetic; default synthetic)")
    parser.add_argument("--montage", default=None, metavar="M",
                        help="channel names: cyton, cyton-daisy, or Fp1,Fp2,... in stream order")
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="model checkpoint (default: one in --models-dir fitting the stream)")
    parser.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                        help="where to look for a default model (default: the cache)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds to wait for the stream to appear (default 10)")
    _add_run_options(parser)


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``demo`` options to ``parser``."""
    _add_run_options(parser)
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help="where the demo recording and model are kept")


def load_model(path: Path) -> Any:
    """Load a checkpoint on the CPU with ``eeg_emotion.models.checkpoint.load_checkpoint``.

    The engine moves the model to the chosen device.

    Raises
    ------
    CheckpointError
        If the file does not exist or the checkpoint module is unavailable.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise CheckpointError(f"model file {path} does not exist",
                              "train one with `eeg-emotion train --config CONFIG`, or run "
                              "`eeg-emotion demo` for a built-in one")
    try:
        from eeg_emotion.models.checkpoint import load_checkpoint
    except ImportError as exc:
        raise CheckpointError(f"checkpoints cannot be loaded here: {exc}",
                              "reinstall eeg-emotion with `pip install -e .`") from exc
    return load_checkpoint(path, "cpu")


def find_model_for(channels: tuple[str, ...], models_dir: Path) -> Path:
    """Pick the newest checkpoint in ``models_dir`` whose channels the stream has.

    Raises
    ------
    CheckpointError
        Naming the stream's channels and the command that trains a fitting model.
    """
    candidates = sorted(Path(models_dir).glob("**/*.pt"), key=lambda p: p.stat().st_mtime,
                        reverse=True) if Path(models_dir).is_dir() else []
    try:
        from eeg_emotion.models.checkpoint import read_meta
    except ImportError as exc:
        raise CheckpointError(f"checkpoints cannot be read here: {exc}",
                              "reinstall eeg-emotion with `pip install -e .`") from exc
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
    """Make the LSL or BrainFlow source named in ``args``."""
    if args.board:
        from eeg_emotion.realtime.brainflow_source import BrainFlowSource

        return BrainFlowSource(args.board, serial_port=args.serial_port, file=args.file,
                               master_board=getattr(args, "master_board", None),
                               montage=args.montage)
    from eeg_emotion.realtime.lsl_source import LSLSource

    return LSLSource(args.stream, montage=args.montage)


@contextlib.contextmanager
def _sigterm_sets(stop: threading.Event):
    """Turn SIGTERM into ``stop.set()`` while inside (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_engine(args: argparse.Namespace, source: Source, loaded: Any,
               markers: str | None = "auto") -> int:
    """Run an engine on an opened ``source`` until duration, Ctrl-C, SIGTERM or failure.

    Returns
    -------
    int
        0; a fatal stream error is raised as :class:`StreamError` after a clean stop.
    """
    from eeg_emotion.realtime.engine import Engine

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
            from eeg_emotion.realtime.outlet import EstimateOutlet

            outlet = EstimateOutlet(engine.targets, args.outlet,
                                    model_name=engine.model_name)
        if engine.synthetic:
            log.warning("the model was trained on synthetic data only: a demonstration")
        with _sigterm_sets(stop):
            if args.headless:
                from eeg_emotion.realtime.headless import JsonLinesWriter, run_headless

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
                from eeg_emotion.realtime.dashboard import run_dashboard

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


def check_output_options(args: argparse.Namespace) -> None:
    """Refuse ``--output`` without ``--headless`` (``live`` and ``demo``)."""
    if args.output and not args.headless:
        raise ConfigError("--output needs --headless", "add --headless, or drop --output")


def run(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion live``; returns the exit status."""
    if not args.stream and not args.board and args.model is None:
        from eeg_emotion.realtime.demo import run_demo_session

        return run_demo_session(args, cache=getattr(args, "cache", None))
    check_output_options(args)
    if args.board != "playback" and getattr(args, "master_board", None):
        raise ConfigError("--master-board is only for --board playback",
                          "drop --master-board, or add --board playback --file FILE")
    if not args.headless:
        from eeg_emotion.realtime.dashboard import check_display

        check_display()  # fail before waiting for a stream, not after
    if not args.stream and not args.board:
        raise StreamError("a model was given but no source",
                          "add --stream NAME (LSL) or --board cyton|synthetic|...")
    # a missing or damaged model is reported before waiting for a stream
    loaded = load_model(args.model) if args.model is not None else None
    source = build_source(args)
    if args.stream:
        source.open(timeout=args.timeout)
    else:
        source.open()
    if loaded is None:
        try:
            from eeg_emotion.realtime.demo import cache_dir

            models_dir = args.models_dir or cache_dir() / "models"
            loaded = load_model(find_model_for(source.info.channels, models_dir))
        except BaseException:
            source.close()
            raise
    return run_engine(args, source, loaded, markers="auto" if args.stream else None)


def run_demo(args: argparse.Namespace) -> int:
    """Run ``eeg-emotion demo``: the built-in synthetic stream and model."""
    from eeg_emotion.realtime.demo import run_demo_session

    return run_demo_session(args, cache=args.cache)
