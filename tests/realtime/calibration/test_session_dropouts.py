"""A calibration block is rated only over a stretch the recording holds.

A scripted source (real-time paced, 250 Hz) is lost mid-session, as a muselsl or
replay stream is when its program ends: the block it was lost in is cut short and
run again once the stream is back, and a stream that never comes back stops the
session with the rated blocks kept, instead of running the remaining blocks over
nothing (what a CI run showed: three blocks "rated" with no samples, the personal
model then refused).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.errors import StreamError
from eeg_emotion.montages import CYTON
from eeg_emotion.offline.datasets.calibration_folders import index_calibration
from eeg_emotion.realtime.calibration.protocol import Block, built_in_plan
from eeg_emotion.realtime.calibration.session import run_session
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo, SourceLost

SFREQ = 250.0
BLOCKS, STIMULUS_S, REST_S = 3, 1.0, 0.2


class _ScriptedStream(Source):
    """Paced samples on the LSL clock while ``up`` is set; lost while it is clear."""

    def __init__(self) -> None:
        self.info = SourceInfo("scripted", "lsl", CYTON, SFREQ, "scripted", montage="cyton")
        self.up = threading.Event()
        self.up.set()
        self._t0 = time.monotonic()
        self._sent = 0
        self._lost = False

    def open(self, timeout: float = 10.0) -> SourceInfo:
        return self.info

    def read(self, timeout: float = 0.1) -> Chunk | None:
        if not self.up.is_set():
            self._lost = True
            raise SourceLost(f"stream {self.info.name!r} was lost", "check the headset")
        time.sleep(0.02)
        due = int((time.monotonic() - self._t0) * SFREQ)
        n, self._sent = due - self._sent, due
        if n <= 0:
            return None
        ts = self._t0 + (np.arange(due - n, due) / SFREQ)
        return Chunk(np.random.default_rng(due).normal(0, 10, (len(CYTON), n)), ts)

    def reopen(self, timeout: float = 1.0) -> bool:
        if not self.up.is_set():
            time.sleep(0.05)
            return False
        self._lost = False
        return True

    def close(self) -> None:
        pass


class _FrontEnd:
    """Rates every block; drops the stream in the block ``lose_in`` (for ``lost_s``)."""

    def __init__(self, stream: _ScriptedStream, lose_in: int, lost_s: float | None) -> None:
        self.stream, self.lose_in, self.lost_s = stream, lose_in, lost_s
        self.messages: list[str] = []
        self.shown: list[tuple[int, str]] = []
        self.rated: list[int] = []

    def show(self, block: Block, phase: str, seconds: float, done: int, total: int) -> None:
        self.shown.append((block.index, phase))
        if phase == "stimulus" and block.index == self.lose_in and \
                self.shown.count((block.index, phase)) == 1:
            self.stream.up.clear()
            if self.lost_s is not None:
                threading.Timer(self.lost_s, self.stream.up.set).start()

    def tick(self, seconds_left: float, quality: list) -> None:
        pass

    def rate(self, block: Block) -> dict[str, float]:
        self.rated.append(block.index)
        return {"valence": 8.0 - 6 * (block.index % 2), "arousal": 5.0, "dominance": 5.0}

    def message(self, text: str) -> None:
        self.messages.append(text)


def _folder(tmp_path, stream: _ScriptedStream) -> CalibrationFolder:
    return CalibrationFolder.create(
        tmp_path / "cal", stream.info, built_in_plan(BLOCKS, STIMULUS_S, REST_S, 1),
        {"blocks": BLOCKS, "stimulus_s": STIMULUS_S, "rest_s": REST_S, "stimuli": "",
         "seed": 1, "source": ["--stream", "scripted"]})


def test_a_block_the_stream_was_lost_in_is_run_again_once_it_is_back(tmp_path):
    stream = _ScriptedStream()
    folder = _folder(tmp_path, stream)
    front = _FrontEnd(stream, lose_in=1, lost_s=1.5)
    done = run_session(folder, 1, stream, front, stream_wait_s=20.0)
    assert sorted(done) == [0, 1, 2] and sorted(front.rated) == [0, 1, 2]
    assert front.shown.count((1, "stimulus")) == 2  # cut short, then run again
    said = " ".join(front.messages)
    assert "the stream was lost during block 2; it will be run again" in said
    assert "waiting up to 20 s" in said and "is back" in said
    # every rated block holds its stimulus period's samples
    index = index_calibration(folder.root)
    assert len(index.trials) == BLOCKS
    for trial in index.trials:
        assert index.load(trial).shape[1] >= 0.9 * STIMULUS_S * SFREQ, trial


def test_a_stream_that_never_comes_back_stops_the_session_with_the_rated_blocks(tmp_path):
    stream = _ScriptedStream()
    folder = _folder(tmp_path, stream)
    front = _FrontEnd(stream, lose_in=1, lost_s=None)
    start = time.monotonic()
    with pytest.raises(StreamError) as err:
        run_session(folder, 1, stream, front, stream_wait_s=1.0)
    assert time.monotonic() - start < 15  # no hang
    assert "did not come back within 1 s" in err.value.problem
    assert "--resume" in err.value.fix
    assert front.rated == [0]  # blocks 2 and 3 were not run over nothing
    assert sorted(CalibrationFolder.open(folder.root).finished(1)) == [0]
