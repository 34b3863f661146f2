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

from eeg_emotion.errors import CheckpointError, ConfigError
from eeg_emotion.models.checkpoint import LoadedModel, load_checkpoint
from eeg_emotion.realtime import brainflow_source
from eeg_emotion.realtime.dashboard import run_dashboard
from eeg_emotion.realtime.engine import Engine
from eeg_emotion.realtime.estimate_forwarder import EstimateForwarder
from eeg_emotion.realtime.headless import JsonLinesWriter, run_headless
from eeg_emotion.realtime.lsl_source import LSLSource
from eeg_emotion.realtime.osc_output import OscOutput
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
    try:
        engine.start()
        if not args.no_outlet:
            outlet = EstimateOutlet(engine.targets, args.outlet, model_name=engine.model_name,
                                    index=engine.mode == "index")
        osc = OscOutput(args.osc) if args.osc else None
        # OSC (and the outlet under the dashboard; headless pushes it itself) get every
        # estimate from their own thread, whichever viewer runs
        sinks = [s for s in (osc, None if args.headless else outlet) if s is not None]
        forwarder = EstimateForwarder(engine, sinks).start() if sinks else None
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
        if forwarder is not None:
            forwarder.stop()
        if osc is not None:
            osc.close()
        if outlet is not None:
            outlet.close()
        if out_file is not None:
            out_file.close()
    if engine.failure is not None:
        raise engine.failure
    return 0
