"""Headless output: one JSON object per line, flushed as each estimate arrives.

The first line describes the run (``"type": "info"``: stream, model, channels,
and whether the model is a synthetic-data demonstration); then one line per
estimate (:meth:`eeg_emotion.realtime.engine.state.Estimate.to_json_dict`: ``index``, ``time``,
``latency_ms``, ``probabilities`` ``{target: {class: p}}``, ``smoothed``,
``ground_truth`` and, with it, ``running_accuracy``; ``quality`` (``"ok"``, or
``"poor"`` when a tenth or more of the window was repaired NaN/Inf samples) and
``repaired_share``; plus ``synthetic_model: true`` for a demonstration model; a
window mostly of repaired samples gives no line, and ``windows_unusable`` in the
summary counts them); a ``"type": "gap"`` line wherever the stream was
interrupted (:meth:`eeg_emotion.realtime.engine.state.GapEvent.to_json_dict`: ``start``,
``end``, ``seconds``, ``samples_lost``; no window spans it), written before the
first estimate after it; the last line (``"type": "summary"``) holds the engine's
counters, however the run ended (``--duration``, Ctrl-C, SIGTERM, a lost stream).
In index mode (no trained model fits the stream) the estimate lines are ``index``
lines (``"type": "index"``, z-scored band-power ``indices``, marked
``"uncalibrated": true``), and the info line has ``"mode": "index"``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TextIO

from eeg_emotion.realtime.engine.state import INDEX_NOTE, EngineStatus, Estimate, GapEvent
from eeg_emotion.realtime.outputs.outlet import EstimateOutlet

log = logging.getLogger(__name__)

SYNTHETIC_NOTE = ("this model was trained on synthetic data only: a demonstration of the "
                  "pipeline, not an estimate of anyone's emotion")


def info_line(status: EngineStatus, window_s: float, hop_s: float) -> dict:
    """The first JSON line: what is running."""
    out = {"type": "info", "stream": status.source.name, "stream_kind": status.source.kind,
           "stream_channels": list(status.source.channels),
           "stream_rate": status.source.nominal_rate, "model": status.model_name,
           "model_channels": list(status.model_channels), "model_rate": status.model_rate,
           "device": status.device, "window_s": window_s, "hop_s": hop_s,
           "filter_delay_ms": round(status.filter_delay_ms, 3),
           "synthetic_model": status.synthetic_model, "notes": list(status.notes),
           "mode": status.mode}
    if status.synthetic_model:
        out["note"] = SYNTHETIC_NOTE
    if status.mode == "index":
        out["note"] = INDEX_NOTE
    return out


def summary_line(status: EngineStatus) -> dict:
    """The last JSON line: counters of the run."""
    s = status.source
    return {"type": "summary", "windows_done": status.windows_done,
            "windows_skipped": status.windows_skipped,
            "windows_unusable": status.windows_unusable,
            "samples_received": s.samples_received,
            "gaps": s.gaps, "gap_seconds": round(s.gap_seconds, 3),
            "bad_samples": s.bad_samples, "latency_ms_p50": round(status.latency_ms_p50, 3),
            "latency_ms_p95": round(status.latency_ms_p95, 3),
            "latency_ms_p99": round(status.latency_ms_p99, 3),
            "running_accuracy": status.running_accuracy, "last_error": s.last_error,
            **({"session_norm": {"windows": status.adaptation[0],
                                 "warmup": status.adaptation[1]}}
               if status.adaptation is not None else {})}


class JsonLinesWriter:
    """Write dicts as JSON lines to a text stream, flushing after each line."""

    def __init__(self, stream: TextIO, synthetic: bool = False) -> None:
        self.stream = stream
        self.synthetic = synthetic
        self.lines = 0

    def write(self, obj: dict) -> None:
        """Write one object as a line and flush."""
        self.stream.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.stream.flush()
        self.lines += 1

    def write_estimate(self, est: Estimate) -> None:
        """Write one estimate line."""
        obj = est.to_json_dict()
        if self.synthetic:
            obj["synthetic_model"] = True
        self.write(obj)


def run_headless(engine, writer: JsonLinesWriter, *, duration: float | None = None,
                 outlet: EstimateOutlet | None = None,
                 stop: threading.Event | None = None) -> int:
    """Stream estimates of a started engine to ``writer`` (and ``outlet``) until done.

    Parameters
    ----------
    engine : Engine
        A started engine.
    writer : JsonLinesWriter
        Where lines go.
    duration : float | None
        Seconds to run; None runs until ``stop`` is set or the engine fails.
    outlet : EstimateOutlet | None
        Also publish each estimate on LSL.
    stop : threading.Event | None
        Set it (e.g. from a signal handler) to end the loop.

    Returns
    -------
    int
        Number of estimates written.
    """
    stop = stop or threading.Event()
    writer.write(info_line(engine.status(), engine.window_s, engine.hop_s))
    end = None if duration is None else time.monotonic() + duration
    next_index = next_gap = 0
    written = 0
    try:
        while engine.running and not stop.is_set():
            left = 0.25 if end is None else min(0.25, end - time.monotonic())
            if left <= 0:
                break
            engine.wait_for_estimate(next_index, timeout=left)
            ests = engine.estimates_since(next_index)
            gaps = engine.gaps_since(next_gap)  # after the estimates: none is missed
            for est in ests:
                while gaps and gaps[0].end <= est.time:  # a gap's line before what follows
                    next_gap = _write_gap(writer, gaps.pop(0))
                if est.index > next_index:
                    log.warning("%d estimates dropped from history before output",
                                est.index - next_index)
                writer.write_estimate(est)
                if outlet is not None:
                    outlet.push(est)
                next_index = est.index + 1
                written += 1
            for gap in gaps:
                next_gap = _write_gap(writer, gap)
    finally:  # every way out writes the gaps seen and the summary
        for gap in engine.gaps_since(next_gap):
            _write_gap(writer, gap)
        writer.write(summary_line(engine.status()))
    return written


def _write_gap(writer: JsonLinesWriter, gap: GapEvent) -> int:
    """Write one ``gap`` line; return the index of the next gap."""
    writer.write(gap.to_json_dict())
    return gap.index + 1
