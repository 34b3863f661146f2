"""Replay pacing and recorder throughput.

1. Replay: a :class:`eeg_emotion.realtime.replay.player.ReplayPlayer` publishes ``--channels`` x
   ``--sfreq`` noise for ``--seconds`` on loopback; an inlet in this process
   receives it. Prints samples sent/received, the timestamp span against the
   schedule (drift), how late samples arrived after their timestamp (p50, p95,
   max; this is sender wake-up + LSL transport), and the replay's and receiver's CPU time
   per second of wall time.
2. Recorder: writes max(60, --seconds) s of data in 1/32-s chunks to a recording
   folder as fast as it can; prints MB/s and microseconds per chunk.

Run: ``LSLAPICFG=/work/shared/lsl_api.cfg .venv/bin/python benchmarks/bench_replay.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("LSLAPICFG", str(Path(__file__).resolve().parents[1] / "eeg_emotion"
                                       / "data" / "lsl_api.cfg"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.replay.player import ReplayPlayer
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo
from eeg_emotion.recording_files import read_recording


def bench_replay(n_ch: int, sfreq: float, seconds: float, speed: float) -> None:
    pylsl = import_pylsl()
    n = int(sfreq * seconds)
    data = np.random.default_rng(0).normal(0, 20, (n_ch, n)).astype(np.float32)
    player = ReplayPlayer(data, sfreq, [f"EEG{i}" for i in range(n_ch)],
                          f"bench-replay-{uuid.uuid4().hex[:8]}", speed=speed)
    player.open()
    found = pylsl.resolve_byprop("source_id", player.source_id, 1, 10.0)
    inlet = pylsl.StreamInlet(found[0], max_buflen=int(seconds) + 10)
    inlet.open_stream(5.0)
    player.wait_for_consumers(5.0, markers=False)
    cpu0 = time.process_time()
    player.start()
    stamps, lateness = [], []
    received = 0
    deadline = time.monotonic() + seconds / speed + 10
    while received < n and time.monotonic() < deadline:
        _, ts = inlet.pull_chunk(timeout=0.5, max_samples=4096, min_samples=1, as_numpy=True)
        if len(ts):
            now = pylsl.local_clock()
            stamps.append(ts)
            lateness.append(now - ts[-1])  # arrival of each chunk's newest sample
            received += len(ts)
    player.join(10.0)
    cpu = time.process_time() - cpu0
    inlet.close_stream()
    del inlet
    player.stop()
    ts = np.concatenate(stamps)
    late_ms = 1000 * np.asarray(lateness)
    span_err = (ts[-1] - ts[0]) - (n - 1) / (sfreq * speed)
    print(f"replay: {n_ch} ch x {sfreq:g} Hz x {seconds:g} s at x{speed:g}, "
          f"chunk {player.chunk_size} samples")
    print(f"  sent {player.stats.samples}, received {received} samples; "
          f"fell behind {player.stats.behind_events} times")
    print(f"  timestamp span - schedule: {span_err * 1e9:+.1f} ns "
          f"(max |step - 1/rate|: {np.abs(np.diff(ts) - 1 / (sfreq * speed)).max() * 1e9:.1f} ns)")
    print(f"  arrival after newest timestamp: p50 {np.percentile(late_ms, 50):.2f} ms, "
          f"p95 {np.percentile(late_ms, 95):.2f} ms, max {late_ms.max():.2f} ms")
    print(f"  CPU (replay + receiver threads): {cpu / (seconds / speed) * 1000:.1f} ms "
          f"per s of wall time")


def bench_recorder(n_ch: int, sfreq: float, seconds: float) -> None:
    n = int(sfreq * seconds)
    chunk = max(1, round(sfreq / 32))
    data = np.random.default_rng(1).normal(0, 20, (n_ch, n))
    stamps = np.arange(n) / sfreq
    info = SourceInfo(name="bench", kind="lsl", channels=tuple(f"EEG{i}" for i in range(n_ch)),
                      sfreq=sfreq)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.rec"
        t0 = time.perf_counter()
        with Recorder(path, info) as rec:
            for a in range(0, n, chunk):
                rec.write_samples(Chunk(data[:, a:a + chunk], stamps[a:a + chunk]))
        dt = time.perf_counter() - t0
        t1 = time.perf_counter()
        back = read_recording(path)
        dt_read = time.perf_counter() - t1
    mb = n * n_ch * 4 / 1e6 + n * 8 / 1e6
    n_chunks = -(-n // chunk)
    print(f"recorder: {n_ch} ch x {n} samples in {n_chunks} chunks of {chunk}: "
          f"{mb / dt:.0f} MB/s, {dt / n_chunks * 1e6:.0f} us per chunk "
          f"({seconds / dt:.0f}x real time); read back {back.data.shape} in "
          f"{dt_read * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--sfreq", type=float, default=128.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--speed", type=float, default=1.0)
    args = parser.parse_args()
    bench_replay(args.channels, args.sfreq, args.seconds, args.speed)
    bench_recorder(args.channels, args.sfreq, max(args.seconds, 60.0))


if __name__ == "__main__":
    main()
