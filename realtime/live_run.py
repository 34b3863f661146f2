"""A live run: an engine on an opened source, shown, until told to stop.

What ``eeg-emotion live`` and ``eeg-emotion demo`` (:mod:`eeg_emotion.realtime.demo`)
share. :func:`run_engine` runs an engine on an opened source and shows its
estimates on the dashboard or as headless JSON lines, publishes them on an LSL
outlet, and stops cleanly on ``--duration``, Ctrl-C, SIGTERM or a fatal stream
error: each way writes the headless ``summary`` line and prints a one-line summary
(estimates, gaps, running accuracy) on stderr. This module loads torch (through
the engine and the checkpoints), so command modules import it inside their ``run``.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TextIO

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.checkpoint import LoadedModel
from eeg_emotion.realtime.dashboard import run_dashboard
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.engine.gc_freeze import settle_garbage
from eeg_emotion.realtime.engine.state import EngineStatus
from eeg_emotion.realtime.options import RunOptions
from eeg_emotion.realtime.outputs.estimate_forwarder import EstimateForwarder
from eeg_emotion.realtime.outputs.headless import JsonLinesWriter, run_headless
from eeg_emotion.realtime.outputs.osc_output import OscOutput
from eeg_emotion.realtime.outputs.outlet import EstimateOutlet
from eeg_emotion.realtime.sources.source import Source
from eeg_emotion.stop_signals import stop_on_signals
from eeg_emotion.threads import use_live_threads

log = logging.getLogger(__name__)








def open_output(opts: RunOptions) -> TextIO:
    """Open ``--output`` for JSON lines: appended to, replaced, or created new.

    Raises
    ------
    ConfigError
        If the file exists without ``--append``/``--overwrite`` (also when it
        appeared since the options were checked), or cannot be written.
    """
    mode = "a" if opts.append else "w" if opts.overwrite else "x"
    try:
        return open(opts.output, mode, encoding="utf-8")
    except FileExistsError as exc:
        raise ConfigError(f"--output {opts.output} already exists; it is not overwritten",
                          "add --append or --overwrite, or choose another file") from exc
    except OSError as exc:
        raise ConfigError(f"cannot write --output {opts.output}: {exc}",
                          "choose a writable path") from exc


def summary_text(status: EngineStatus, seconds: float) -> str:
    """One line for the terminal at the end of a run: estimates, gaps, running accuracy."""
    s = status.source
    parts = [f"{status.windows_done} estimates in {seconds:.0f} s"]
    if status.windows_skipped:
        parts.append(f"{status.windows_skipped} windows skipped")
    if status.windows_unusable:
        parts.append(f"{status.windows_unusable} windows without an estimate (mostly "
                     "repaired NaN/Inf samples)")
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


def run_engine(opts: RunOptions, source: Source, loaded: LoadedModel,
               markers: str | None = "auto", notes: tuple[str, ...] = ()) -> int:
    """Run an engine on an opened ``source`` until duration, Ctrl-C, SIGTERM or failure.

    Parameters
    ----------
    opts : RunOptions
        How the engine runs and where its estimates go.
    source : Source
        Opened; the engine takes it over (it is closed here if the engine cannot
        be made).
    loaded : LoadedModel
        The model (:func:`eeg_emotion.realtime.model_choice.load_model`).
    markers : str | None
        Passed to :class:`~eeg_emotion.realtime.engine.engine.Engine` (``"auto"``: listen
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
        engine = Engine(source, loaded, hop_s=opts.hop, window_s=opts.window, device=opts.device,
                        smoothing=opts.smoothing, notch=opts.notch, markers=markers,
                        record=str(opts.record) if opts.record else None, notes=notes)
    except BaseException:
        source.close()  # the engine never took it over
        raise
    stop = threading.Event()
    outlet = out_file = forwarder = osc = None
    started = time.monotonic()
    try:
        with stop_on_signals(lambda _signum: stop.set()):
            use_live_threads(opts.threads)
            settle_garbage()
            engine.start()
            started = time.monotonic()
            if opts.outlet:
                outlet = EstimateOutlet(engine.targets, opts.outlet, model_name=engine.model_name,
                                        index=engine.mode == "index")
            osc = OscOutput(opts.osc) if opts.osc else None
            # OSC (and the outlet under the dashboard; headless pushes it itself) get every
            # estimate from their own thread, whichever viewer runs
            sinks = [s for s in (osc, None if opts.headless else outlet) if s is not None]
            forwarder = EstimateForwarder(engine, sinks).start() if sinks else None
            if opts.headless:
                out_file = open_output(opts) if opts.output else None
                writer = JsonLinesWriter(out_file or sys.stdout, engine.synthetic)
                run_headless(engine, writer, duration=opts.duration, outlet=outlet, stop=stop)
            else:
                run_dashboard(engine, duration=opts.duration,
                              screenshot=str(opts.screenshot) if opts.screenshot else None,
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
