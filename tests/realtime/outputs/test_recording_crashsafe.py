"""Recorder / read_recording: round trip, threads, torn records, and kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError, DataFormatError, StreamError
from eeg_emotion.realtime.engine.state import Estimate
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo
from eeg_emotion.recording_files import read_recording

ROOT = Path(__file__).resolve().parents[3]
INFO = SourceInfo(name="test", kind="lsl", channels=("Fp1", "Fp2", "Cz"), sfreq=250.0,
                  source_id="sid")


def _chunk(start: int, n: int, n_ch: int = 3) -> Chunk:
    idx = np.arange(start, start + n, dtype=np.float64)
    data = idx[None, :] + 1000.0 * np.arange(n_ch)[:, None]
    return Chunk(data=data, timestamps=100.0 + idx / 250.0)


def _estimate(i: int) -> Estimate:
    return Estimate(index=i, time=100.0 + i, latency_ms=12.5,
                    probabilities={"valence": {"low": 0.25, "high": 0.75}},
                    ground_truth={"valence": "high"})


def test_round_trip_of_samples_markers_and_estimates(tmp_path: Path) -> None:
    path = tmp_path / "s.rec"
    with Recorder(path, INFO) as rec:
        rec.write_samples(_chunk(0, 10))
        rec.write_marker(100.02, '{"event": "trial_start", "trial": 0}')
        rec.write_samples(_chunk(10, 15))
        rec.write_estimate(_estimate(0))
        assert rec.n_samples == 25
    assert rec.closed
    back = read_recording(path)
    assert back.channels == list(INFO.channels) and back.sfreq == 250.0
    assert back.units == "microvolts" and not back.truncated
    np.testing.assert_array_equal(back.data, _chunk(0, 25).data.astype(np.float32))
    np.testing.assert_array_equal(back.timestamps, _chunk(0, 25).timestamps)
    assert back.markers == [(100.02, '{"event": "trial_start", "trial": 0}')]
    assert back.estimates == [_estimate(0).to_json_dict()]
    with pytest.raises(StreamError, match="closed"):
        rec.write_samples(_chunk(25, 1))
    rec.close()  # twice is safe


def test_concurrent_writers_keep_every_record(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "t.rec", INFO)
    n_chunks = 200

    def acquire() -> None:
        for i in range(n_chunks):
            rec.write_samples(_chunk(i * 5, 5))
            rec.write_marker(100.0 + i, f"m{i}")

    def infer() -> None:
        for i in range(n_chunks):
            rec.write_estimate(_estimate(i))

    threads = [threading.Thread(target=acquire), threading.Thread(target=infer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.close()
    back = read_recording(tmp_path / "t.rec")
    np.testing.assert_array_equal(back.data, _chunk(0, 5 * n_chunks).data.astype(np.float32))
    assert [m[1] for m in back.markers] == [f"m{i}" for i in range(n_chunks)]
    assert [e["index"] for e in back.estimates] == list(range(n_chunks))


def test_torn_last_records_are_dropped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "torn.rec"
    with Recorder(path, INFO) as rec:
        rec.write_samples(_chunk(0, 8))
        rec.write_estimate(_estimate(0))
    with open(path / "samples.f32", "ab") as f:
        f.write(b"\x00" * 7)  # part of a sample
    with open(path / "timestamps.f64", "ab") as f:
        f.write(np.float64(1.0).tobytes())  # a timestamp whose sample never landed
    with open(path / "estimates.jsonl", "a") as f:
        f.write('{"index": 1, "ti')
    back = read_recording(path)
    assert back.truncated
    assert back.data.shape == (3, 8) and back.timestamps.shape == (8,)
    np.testing.assert_array_equal(back.data, _chunk(0, 8).data.astype(np.float32))
    assert len(back.estimates) == 1


def test_corrupt_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.rec"
    with Recorder(path, INFO) as rec:
        rec.write_samples(_chunk(0, 2))
    (path / "markers.jsonl").write_text('{"time": 1, "text": "a"}\nnot json\n{"time": 2, '
                                        '"text": "b"}\n')
    with pytest.raises(DataFormatError, match="line 2"):
        read_recording(path)


def test_bad_paths_and_chunks(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="not a recording folder"):
        read_recording(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(ConfigError, match="already exists"):
        Recorder(tmp_path / "busy", INFO)
    with Recorder(tmp_path / "ok.rec", INFO) as rec, \
            pytest.raises(StreamError, match="3 channels"):
        rec.write_samples(_chunk(0, 4, n_ch=2))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "meta.json").write_text('{"format": "something-else"}')
    with pytest.raises(DataFormatError):
        read_recording(tmp_path / "other")


_WRITER = """
import sys, time
import numpy as np
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo
from eeg_emotion.realtime.engine.state import Estimate
info = SourceInfo(name="kill", kind="lsl", channels=("A", "B"), sfreq=250.0)
rec = Recorder(sys.argv[1], info)
k = 0
t0 = time.monotonic()
while True:
    idx = np.arange(k, k + 25, dtype=np.float64)
    rec.write_samples(Chunk(np.vstack([idx, -idx]), idx / 250.0))
    rec.write_estimate(Estimate(index=k // 25, time=k / 250.0, latency_ms=1.0,
                                probabilities={"v": {"low": 0.5, "high": 0.5}}))
    k += 25
    print(k, flush=True)
    time.sleep(max(0.0, t0 + k / 250.0 - time.monotonic()))
"""


def test_sigkill_loses_at_most_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "killed.rec"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reported = 0
    try:
        deadline = time.monotonic() + 30
        while reported < 500 and time.monotonic() < deadline:  # ~2 s of data
            line = proc.stdout.readline()
            if not line:
                break
            reported = int(line)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
    assert reported >= 500, err
    back = read_recording(path)
    n = back.data.shape[1]
    # Everything the writer had reported before the kill is there, minus at most 1 s.
    assert n >= reported - 250
    assert n % 25 == 0 or back.truncated
    np.testing.assert_array_equal(back.data[0], np.arange(n, dtype=np.float32))
    np.testing.assert_array_equal(back.data[1], -np.arange(n, dtype=np.float32))
    np.testing.assert_allclose(back.timestamps, np.arange(n) / 250.0)
    assert len(back.estimates) >= reported // 25 - 10
    assert json.loads(json.dumps(back.meta))["channels"] == ["A", "B"]
