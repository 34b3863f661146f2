"""The headless writer: a gap's line comes before the estimates after it, and the summary
is written however the loop ends."""

from __future__ import annotations

import io
import json
import threading

import pytest

from eeg_emotion.realtime.engine.state import EngineStatus, Estimate, GapEvent, SourceHealth
from eeg_emotion.realtime.outputs.headless import JsonLinesWriter, run_headless


class ScriptedEngine:
    """Estimates and gaps that exist from the start; stops after they were read."""

    def __init__(self, estimates: list[Estimate], gaps: list[GapEvent]) -> None:
        self._estimates, self._gaps = estimates, gaps
        self.window_s, self.hop_s = 1.0, 0.25
        self.reads = 0

    @property
    def running(self) -> bool:
        return self.reads < 2

    def status(self) -> EngineStatus:
        health = SourceHealth("s", "lsl", ("Fp1",), 128.0, 128.0, 10, len(self._gaps), 2.0,
                              0, 0, True)
        return EngineStatus(health, "tiny", ("Fp1",), 128.0, "cpu", 0.0, len(self._estimates),
                            0, 1.0, 2.0, False, None, running_accuracy={"valence": 0.5})

    def wait_for_estimate(self, index: int, timeout: float) -> bool:
        return index < len(self._estimates)

    def estimates_since(self, index: int) -> list[Estimate]:
        self.reads += 1
        return [e for e in self._estimates if e.index >= index]

    def gaps_since(self, index: int) -> list[GapEvent]:
        return [g for g in self._gaps if g.index >= index]


def _est(i: int, t: float) -> Estimate:
    return Estimate(i, t, 1.0, {"valence": {"low": 0.4, "high": 0.6}})


def test_gap_line_sits_between_the_estimates_it_separates():
    engine = ScriptedEngine([_est(0, 10.0), _est(1, 10.5), _est(2, 25.0)],
                            [GapEvent(0, 10.6, 23.9, 1700)])
    out = io.StringIO()
    run_headless(engine, JsonLinesWriter(out))
    kinds = [json.loads(s).get("type", json.loads(s).get("index")) for s in
             out.getvalue().splitlines()]
    assert kinds == ["info", 0, 1, "gap", 2, "summary"]
    gap = json.loads(out.getvalue().splitlines()[3])
    assert gap == {"type": "gap", "index": 0, "start": 10.6, "end": 23.9, "seconds": 13.3,
                   "samples_lost": 1700}


def test_summary_is_written_when_the_loop_is_interrupted():
    engine = ScriptedEngine([_est(0, 10.0)], [])

    class Boom(JsonLinesWriter):
        def write_estimate(self, est: Estimate) -> None:
            raise KeyboardInterrupt  # Ctrl-C arriving mid-write, outside the main thread

    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        run_headless(engine, Boom(out), stop=threading.Event())
    last = json.loads(out.getvalue().splitlines()[-1])
    assert last["type"] == "summary" and last["running_accuracy"] == {"valence": 0.5}
