"""EstimateForwarder: every estimate reaches every sink once, in order, from its own
thread (OSC and the outlet under the dashboard), and a failing sink does not stop it."""

from __future__ import annotations

import threading

from eeg_emotion.realtime.engine.estimate_log import EstimateLog
from eeg_emotion.realtime.engine.state import Estimate
from eeg_emotion.realtime.outputs.estimate_forwarder import EstimateForwarder


class FakeEngine:
    def __init__(self) -> None:
        self.log = EstimateLog(100)
        self.running = True

    def wait_for_estimate(self, index: int, timeout: float) -> bool:
        return self.log.wait_for(index, timeout)

    def estimates_since(self, index: int):
        return self.log.since(index)


class Sink:
    def __init__(self, fail: bool = False) -> None:
        self.got: list[int] = []
        self.fail = fail
        self.done = threading.Event()

    def push(self, est: Estimate) -> None:
        self.got.append(est.index)
        if est.index == 9:
            self.done.set()
        if self.fail:
            raise OSError("receiver gone")


def test_every_estimate_once_in_order():
    engine = FakeEngine()
    good, bad = Sink(), Sink(fail=True)
    fwd = EstimateForwarder(engine, [bad, good]).start()
    try:
        for i in range(10):
            engine.log.append(Estimate(i, float(i), 1.0, {"v": {"low": 0.5, "high": 0.5}}))
        assert good.done.wait(10)
    finally:
        engine.running = False
        fwd.stop()
        fwd.stop()
    assert good.got == list(range(10)) and bad.got == list(range(10))
    assert fwd.forwarded == 10
