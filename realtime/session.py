"""A live session: load the model, make the source, run the engine until told to stop.

What ``eeg-emotion live`` and ``eeg-emotion demo`` (:mod:`eeg_emotion.realtime.demo`)
share. :func:`run_engine` runs an engine on an opened source and shows its
estimates on the dashboard or as headless JSON lines, publishes them on an LSL
outlet, and stops cleanly on ``--duration``, Ctrl-C, SIGTERM or a fatal stream
error: each way writes the headless ``summary`` line and prints a one-line summary
(estimates, gaps, running accuracy) on stderr. This module loads torch (through
the engine and the checkpoints), so command modules import it inside their ``run``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from eeg_emotion.errors import CheckpointError, ConfigError
from eeg_emotion.models.checkpoint import LoadedModel, load_checkpoint
from eeg_emotion.realtime import brainflow_source
from eeg_emotion.realtime.dashboard import run_dashboard
from eeg_emotion.realtime.engine import Engine
from eeg_emotion.realtime.estimate_forwarder import EstimateForwarder
from eeg_emotion.realtime.gc_freeze import settle_garbage
from eeg_emotion.realtime.headless import JsonLinesWriter, run_headless
from eeg_emotion.realtime.lsl_source import LSLSource
from eeg_emotion.realtime.osc_output import OscOutput
from eeg_emotion.realtime.outlet import EstimateOutlet
from eeg_emotion.realtime.source import Source
from eeg_emotion.realtime.state import EngineStatus
from eeg_emotion.threads import use_live_threads

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
    if path.is_dir():
        inside = sorted(path.glob("*.pt"))
        raise CheckpointError(f"model {path} is a folder, expected a file",
                              f"pass the .pt file, e.g. --model {inside[0]}" if inside else
                              "pass the .pt file that `eeg-emotion train` wrote (its --out "
                              "folder holds model.pt)")
    if not path.is_file():
        raise CheckpointError(f"model file {path} does not exist",
                              "train one with `eeg-emotion train --config demo_synthetic "
                              "--data FOLDER` (FOLDER: a DEAP-format folder; `eeg-emotion "
                              "synth deap --out FOLDER` writes a synthetic one), or run "
                              "`eeg-emotion demo` for a built-in one")
    return load_checkpoint(path, "cpu")


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
def stop_signals_set(stop: threading.Event) -> Iterator[None]:
    """Turn SIGINT (Ctrl-C) and SIGTERM into ``stop.set()`` while inside (main thread only).

    Both then end a run the way ``--duration`` does: the loop returns, the
    summary is written and everything is closed. (The dashboard installs its own
    Ctrl-C handler, which closes the window, while it runs.)

    Parameters
    ----------
    stop : threading.Event
        Set when either signal arrives; the previous handlers are restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def open_output(args: argparse.Namespace) -> TextIO:
    """Open ``--output`` for JSON lines: appended to, replaced, or created new.

    Raises
    ------
    ConfigError
        If the file exists without ``--append``/``--overwrite`` (also when it
        appeared since the options were checked), or cannot be written.
    """
    mode = "a" if args.append else "w" if args.overwrite else "x"
    try:
        return open(args.output, mode, encoding="utf-8")
    except FileExistsError as exc:
        raise ConfigError(f"--output {args.output} already exists; it is not overwritten",
                          "add --append or --overwrite, or choose another file") from exc
    except OSError as exc:
        raise ConfigError(f"cannot write --output {args.output}: {exc}",
                          "choose a writable path") from exc


def summary_text(status: EngineStatus, seconds: float) -> str:
    """One line for the terminal at the end of a run: estimates, gaps, running accuracy."""
    s = status.source
    parts = [f"{status.windows_done} estimates in {seconds:.0f} s"]
    if status.windows_skipped:
        parts.append(f"{status.windows_skipped} windows skipped")
    if s.gaps:
        parts.append(f"{s.gaps} gap(s), {s.gap_seconds:.1f} s lost")
    if status.running_accuracy:
        acc = ", ".join(f"{t} {a:.2f}" for t, a in status.running_accuracy.items())
        parts.append(f"running accuracy {acc} (against the marker stream's ground truth)")
    else:
        parts.append("no ground truth, so no running accuracy")
    if status.windows_done:
        parts.append(f"latency p50 {status.latency_ms_p50:.1f} ms, p99 "
                     f"{status.latency_ms_p99:.1f} ms")
    return "summary: " + "; ".join(parts)


def run_engine(args: argparse.Namespace, source: Source, loaded: LoadedModel,
               markers: str | None = "auto", notes: tuple[str, ...] = ()) -> int:
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
    notes : tuple of str
        Lasting facts for the status (which model and why, index mode).

    Returns
    -------
    int
        0; a fatal stream error is raised as :class:`~eeg_emotion.errors.StreamError`
        after a clean stop.
    """
    try:
        engine = Engine(source, loaded, hop_s=args.hop, window_s=args.window, device=args.device,
                        smoothing=args.smoothing, notch=args.notch, markers=markers,
                        record=str(args.record) if args.record else None, notes=notes)
    except BaseException:
        source.close()  # the engine never took it over
        raise
    stop = threading.Event()
    outlet = out_file = forwarder = osc = None
    started = time.monotonic()
    try:
        with stop_signals_set(stop):
            use_live_threads(args.threads)
            settle_garbage()
            engine.start()
            started = time.monotonic()
            if not args.no_outlet:
                outlet = EstimateOutlet(engine.targets, args.outlet, model_name=engine.model_name,
                                        index=engine.mode == "index")
            osc = OscOutput(args.osc) if args.osc else None
            # OSC (and the outlet under the dashboard; headless pushes it itself) get every
            # estimate from their own thread, whichever viewer runs
            sinks = [s for s in (osc, None if args.headless else outlet) if s is not None]
            forwarder = EstimateForwarder(engine, sinks).start() if sinks else None
            if args.headless:
                out_file = open_output(args) if args.output else None
                writer = JsonLinesWriter(out_file or sys.stdout, engine.synthetic)
                run_headless(engine, writer, duration=args.duration, outlet=outlet, stop=stop)
            else:
                run_dashboard(engine, duration=args.duration,
                              screenshot=str(args.screenshot) if args.screenshot else None,
                              stop=stop)
    finally:
        engine.stop()
        if forwarder is not None:
            forwarder.stop()
        if osc is not None:
            osc.close()
        if outlet is not None:
            outlet.close()
        if out_file is not None:
            out_file.close()
    if engine.windows_done or engine.raw_samples:
        print(summary_text(engine.status(), time.monotonic() - started), file=sys.stderr,
              flush=True)
    if engine.failure is not None:
        raise engine.failure
    return 0
