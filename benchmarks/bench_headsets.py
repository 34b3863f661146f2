"""What ``eeg-emotion live`` does with each headset's own LSL publisher, with no flags.

Each publisher of ``tests/realtime/headset_publishers.py`` (muselsl, mne-lsl's
PlayerLSL, g.tec's Unicorn app, explorepy, BrainVision RDA, EmotivPRO, BrainAmp;
layouts read from each program's source) runs in a subprocess; ``eeg-emotion live
--stream NAME --headless`` runs on it with an empty models folder, as a new user
would, and the table row is read from what it printed: the stream taken, the
channels, the unit, the montage, the channels that reached the indices, and what
live did (the valence pair, or why valence is unavailable), with the latency of its
estimates. The muselsl and mne-lsl publishers replay a real Muse recording
(``tests/data/muse``).

``--micro`` times instead what the headset work adds per chunk on the hot path: the
clock check of :class:`~eeg_emotion.realtime.sources.clock.StreamClock` (LSL clock,
and UNIX time mapped) and the acquisition stages with per-channel unit factors.

Run: ``LSLAPICFG=/work/shared/lsl_api.cfg .venv/bin/python benchmarks/bench_headsets.py``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLISHER = ROOT / "tests" / "realtime" / "headset_publishers.py"


def _uid() -> str:
    return uuid.uuid4().hex[:6]


def cases() -> list[tuple[str, list[str], str]]:
    """(row title, publisher arguments, --stream value)."""
    muse, mne, serial = f"Muse-{_uid()}", f"mne-{_uid()}", f"UN-2021.{_uid()}"
    explore, rda, amp = f"Explore_{_uid()}", f"BrainVision RDA {_uid()}", f"BrainAmp-{_uid()}"
    emotiv = f"EmotivDataStream-EEG-{_uid()}"
    return [
        ("muselsl -p -c -g (UNIX time)", ["--mode", "muselsl", "--name", muse, "--address",
                                          _uid(), "--ppg", "--acc", "--gyro"], muse),
        ("mne-lsl PlayerLSL", ["--mode", "mne-lsl", "--name", mne, "--source-id",
                               f"MNE-LSL-{_uid()}"], mne),
        ("g.tec Unicorn LSL", ["--mode", "unicorn", "--name", serial, "--source-id", serial],
         serial),
        ("Mentalab explorepy", ["--mode", "explorepy", "--name", explore], f"{explore}_ExG"),
        ("BrainVision RDA", ["--mode", "brainvision-rda", "--source-id", rda], rda),
        ("EmotivPRO", ["--mode", "emotivpro", "--name", emotiv], emotiv),
        ("BrainAmp Series (raw counts)", ["--mode", "brainamp", "--source-id", amp], amp),
    ]


def run_case(title: str, pub_args: list[str], stream: str, seconds: float) -> dict:
    env = {**os.environ}
    pub = subprocess.Popen([sys.executable, str(PUBLISHER), *pub_args, "--seconds",
                            str(seconds + 15), "--wait", "20"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "live.jsonl"
        t0 = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "eeg_emotion.cli", "live", "--stream",
                               stream, "--headless", "--duration", str(seconds), "--output",
                               str(out), "--no-outlet", "--models-dir", str(Path(tmp) / "m"),
                               "--timeout", "20"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=seconds + 120)
        wall = time.monotonic() - t0
        lines = [json.loads(s) for s in out.read_text().splitlines()] if out.exists() else []
    pub.kill()
    pub.wait()
    info = next((x for x in lines if x.get("type") == "info"), {})
    index = [x for x in lines if x.get("type") == "index"]
    summary = next((x for x in lines if x.get("type") == "summary"), {})
    notes = " | ".join(info.get("notes", []))
    return {"title": title, "rc": done.returncode, "stderr": done.stderr[-600:],
            "stream": info.get("stream"), "channels": info.get("stream_channels"),
            "used": info.get("model_channels"), "notes": notes, "index": index[-1] if index
            else None, "n_index": len(index), "p50": summary.get("latency_ms_p50"),
            "p99": summary.get("latency_ms_p99"), "gaps": summary.get("gaps"), "wall": wall}


def micro() -> None:
    """Per-chunk cost of the clock check and of per-channel unit factors."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from eeg_emotion.contract import SignalContract
    from eeg_emotion.filters import FilterSpec
    from eeg_emotion.realtime.engine.stages import build_stages
    from eeg_emotion.realtime.sources.clock import StreamClock

    c = SignalContract(channels=("TP9", "AF7", "AF8", "TP10"), sfreq=256.0,
                       units="microvolts", filter=FilterSpec(4.0, 40.0, phase="minimum"),
                       window_s=4.0, hop_s=0.5, baseline="none", standardize="none")
    design = c.filter.design(256.0)
    chunk = np.random.default_rng(0).normal(0, 10, (5, 12)).astype(np.float32)
    stamps = 5000 + np.arange(12) / 256
    index = np.arange(4)

    def per_chunk(stages, n=20000) -> float:
        t = time.perf_counter()
        for _ in range(n):
            d, s = chunk, stamps
            for st in stages:
                d, s = st.process(d, s)
        return (time.perf_counter() - t) / n * 1e6

    def chain(scales):
        return build_stages(["c"] * 5, 256.0, "microvolts", index, None, c, design,
                            lambda n: None, scales=scales).stages

    for title, scales in (("one unit", None), ("per-channel, all volts", [1e6] * 4 + [1.0]),
                          ("per-channel, mixed", [1e6, 1.0, 1e3, 1.0, 1.0])):
        print(f"stages ({title}): {per_chunk(chain(scales)):.1f} µs per 12-sample chunk")
    for title, base in (("LSL clock", 5000.0), ("UNIX time, mapped", time.time())):
        clock = StreamClock("s")
        ts = base + np.arange(12) / 256
        clock.map(ts, 5000.05)
        t = time.perf_counter()
        for _ in range(100_000):
            clock.map(ts, 5000.05)
        print(f"clock check ({title}): {(time.perf_counter() - t) / 100_000 * 1e6:.2f} µs "
              "per chunk")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=12.0)
    p.add_argument("--micro", action="store_true", help="per-chunk costs only")
    a = p.parse_args()
    if a.micro:
        micro()
        return 0
    rows = [run_case(*case, a.seconds) for case in cases()]
    print("| publisher | stream taken | channels | unit / montage (notes) | channels used | "
          "live did | estimates, p50/p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if r["rc"] != 0:
            print(f"| {r['title']} | FAILED rc={r['rc']} | | | | {r['stderr']} | |")
            continue
        idx = r["index"] or {}
        did = (f"index: valence {idx.get('pair')}, arousal" if idx.get("pair") else
               f"index: arousal only; valence unavailable ({idx.get('unavailable', {})})")
        print(f"| {r['title']} | {r['stream']} | {', '.join(r['channels'] or [])} | "
              f"{r['notes'][:400]} | {', '.join(r['used'] or [])} | {did} | "
              f"{r['n_index']}, {r['p50']}/{r['p99']} (gaps {r['gaps']}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
