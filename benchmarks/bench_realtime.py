"""End-to-end real-time figures of the live engine on loopback LSL.

For each configuration a :class:`eeg_emotion.realtime.replay.player.ReplayPlayer` publishes noise in
a subprocess, paced in real time and stamped with each sample's push time; the
engine (LSL inlet -> resample -> FIR -> windows -> untrained ScalingNet) runs in
this process. Printed per configuration:

* end-to-end latency, from the push of a window's last sample to the estimate
  (p50 / p95 / p99 ms; the filter's group delay comes on top of it and is printed
  separately, it is a property of the trained model's filter),
* CPU time of this process per second of stream (1.0 = one core busy),
* whether the stream was sustained in real time (all samples arrived, the engine
  kept up: backlog < 0.5 s).

Then it raises channels x rate until the engine no longer keeps up (or the
publisher cannot push that fast), bounded to about a minute in all.

Run: ``LSLAPICFG=/work/shared/lsl_api.cfg .venv/bin/python benchmarks/bench_realtime.py``
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_common import start_load, start_publisher, stop_load, untrained_scalingnet  # noqa: E402

from eeg_emotion.lsl import import_pylsl  # noqa: E402
from eeg_emotion.realtime.engine.engine import Engine  # noqa: E402
from eeg_emotion.realtime.engine.gc_freeze import settle_garbage  # noqa: E402
from eeg_emotion.realtime.sources.lsl_source import LSLSource  # noqa: E402
from eeg_emotion.threads import use_live_threads  # noqa: E402


def run_config(n_ch: int, sfreq: float, seconds: float, model_rate: float = 128.0,
               window_s: float = 4.0, hop_s: float = 0.25) -> dict:
    """Publish ``n_ch`` x ``sfreq`` for ``seconds`` and run the engine on it."""
    pylsl = import_pylsl()
    name = f"bench-{uuid.uuid4().hex[:8]}"
    pub = start_publisher(n_ch, sfreq, seconds + 2, name)
    chans = [f"E{i}" for i in range(n_ch)]
    loaded = untrained_scalingnet(chans, model_rate, window_s, hop_s)
    engine = Engine(LSLSource(name, lost_after=5.0), loaded, device="auto", markers=None,
                    open_timeout=20)
    lat: list[float] = []
    lags: list[float] = []
    try:
        engine.start()
        t_wall, t_cpu = time.monotonic(), time.process_time()
        end = t_wall + seconds
        nxt = 0
        while time.monotonic() < end and engine.running:
            engine.wait_for_estimate(nxt, timeout=0.2)
            for e in engine.estimates_since(nxt):
                lat.append((pylsl.local_clock() - e.time) * 1000.0)
                nxt = e.index + 1
            ts, _ = engine.latest_signal(0.01)
            if len(ts):
                lags.append(pylsl.local_clock() - ts[-1])
        wall, cpu = time.monotonic() - t_wall, time.process_time() - t_cpu
        status = engine.status()
    finally:
        engine.stop()
        pub.kill()
        _, err = pub.communicate()
    got = status.source.samples_received
    first_ok = len(lags) > 0
    backlog = float(np.percentile(lags, 95)) if first_ok else float("inf")
    expected = sfreq * wall
    sustained = (first_ok and got >= 0.97 * expected and backlog < 0.5
                 and engine.failure is None)
    a = np.array(lat) if lat else np.array([np.nan])
    return {"n_ch": n_ch, "sfreq": sfreq, "estimates": len(lat),
            "p50": np.percentile(a, 50), "p95": np.percentile(a, 95), "p99": np.percentile(a, 99),
            "cpu": cpu / wall, "received": got, "expected": expected, "backlog_s": backlog,
            "skipped": status.windows_skipped, "device": status.device,
            "filter_delay_ms": status.filter_delay_ms, "sustained": sustained,
            "publisher": err.strip().splitlines()[-1] if err.strip() else ""}


def show(r: dict) -> None:
    """Print one configuration's figures."""
    print(f"{r['n_ch']:4d} ch @ {r['sfreq']:6.0f} Hz -> model 128 Hz on {r['device']}: "
          f"latency p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms "
          f"({r['estimates']} estimates, {r['skipped']} skipped); "
          f"CPU {r['cpu']:.2f} s per s of stream; received {r['received']}/"
          f"{r['expected']:.0f} samples, backlog p95 {r['backlog_s'] * 1000:.0f} ms; "
          f"real time: {'yes' if r['sustained'] else 'NO'}")
    if r["publisher"]:
        print(f"      ({r['publisher']})")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=12.0, help="run per main configuration")
    p.add_argument("--ramp-seconds", type=float, default=7.0, help="run per ramp step")
    p.add_argument("--beside", choices=("none", "torch", "shell"), default="none",
                   help="run beside a competing CPU-bound process: a 2-thread torch loop "
                        "or a busy shell loop")
    p.add_argument("--quick", action="store_true",
                   help="only the 32 ch @ 128 Hz configuration (the README's latency figure)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (default: live's policy, 1)")
    p.add_argument("--no-gc-freeze", action="store_true",
                   help="leave the garbage collector as it is (live freezes it)")
    a = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    use_live_threads(a.threads)  # what `eeg-emotion live` does before its engine starts
    if not a.no_gc_freeze:
        settle_garbage()
    print(f"bench_realtime: {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, cuda {torch.cuda.is_available()}; "
          "ScalingNet (untrained), window 4 s, hop 0.25 s")
    load = start_load(a.beside)
    try:
        return _run(a)
    finally:
        stop_load(load)


def _run(a: argparse.Namespace) -> int:
    """The configurations, in order."""
    if a.beside != "none":
        print(f"beside a competing process: {a.beside}")
    first = run_config(32, 128.0, a.seconds)
    print(f"filter delay (4-45 Hz linear-phase FIR + resampler): "
          f"{first['filter_delay_ms']:.0f} ms at 128 Hz, not included in latency")
    show(first)
    if a.quick:
        return 0
    show(run_config(64, 1000.0, a.seconds))
    best = None
    for n_ch, sfreq in ((128, 2000.0), (256, 4000.0), (512, 8000.0)):
        r = run_config(n_ch, sfreq, a.ramp_seconds)
        show(r)
        if not r["sustained"]:
            break
        best = r
    if best is None:
        print("largest sustained: 64 ch x 1000 Hz (or less; see above)")
    else:
        print(f"largest sustained: {best['n_ch']} ch x {best['sfreq']:.0f} Hz "
              f"= {best['n_ch'] * best['sfreq']:.0f} values/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
