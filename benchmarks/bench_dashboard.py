"""Dashboard frame rate and CPU cost while a 32-channel, 128 Hz stream is live (offscreen).

Two engines can feed the window:

* ``--engine lsl`` (default): a publisher subprocess (``bench_common.start_publisher``)
  sends 32 channels of noise at 128 Hz on loopback, each chunk when it is due; the
  real :class:`eeg_emotion.realtime.engine.engine.Engine` reads it and runs an untrained
  ScalingNet (4 s windows, 0.5 s hop) on the CPU.
* ``--engine synthetic``: :class:`eeg_emotion.realtime.testing.SyntheticEngine`.

It first measures the engine alone (no window), then with the dashboard, and
prints frames per second, milliseconds per refresh, GUI-thread CPU per second,
and process CPU per second in both phases (their difference is the dashboard's
cost). Run: ``LSLAPICFG=/work/shared/lsl_api.cfg .venv/bin/python benchmarks/bench_dashboard.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
from bench_common import start_load, start_publisher, stop_load, untrained_scalingnet
from PyQt6.QtWidgets import QApplication

from eeg_emotion.lsl import import_pylsl
from eeg_emotion.montages import DEAP
from eeg_emotion.realtime.dashboard.theme import configure_pyqtgraph
from eeg_emotion.realtime.dashboard.window import DashboardWindow
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.engine.gc_freeze import settle_garbage
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.realtime.testing import SyntheticEngine
from eeg_emotion.threads import use_live_threads

SFREQ = 128.0


def _cpu_per_s(seconds: float, work) -> tuple[float, float]:
    """Process CPU seconds per wall second and main-thread CPU per second while ``work`` runs."""
    c0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
    work(seconds)
    wall = time.perf_counter() - w0
    return (time.process_time() - c0) / wall, (time.thread_time() - t0) / wall


def _latencies(engine, pylsl, stop: threading.Event, out: list[float]) -> None:
    """Collect push-to-estimate latency (ms) of every estimate until ``stop``.

    As in ``bench_realtime.py``: the window's last sample was pushed at ``Estimate.time``
    (LSL clock); the estimate is seen here as soon as it is logged.
    """
    nxt = engine.windows_done
    while not stop.is_set():
        if engine.wait_for_estimate(nxt, timeout=0.2):
            now = pylsl.local_clock()
            for e in engine.estimates_since(nxt):
                out.append((now - e.time) * 1000.0)
                nxt = e.index + 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=("lsl", "synthetic"), default="lsl")
    p.add_argument("--seconds", type=float, default=10.0, help="dashboard phase length")
    p.add_argument("--baseline", type=float, default=5.0, help="engine-only phase length")
    p.add_argument("--beside", choices=("none", "torch", "shell"), default="none",
                   help="run beside a competing CPU-bound process (2-thread torch or shell loop)")
    p.add_argument("--screenshot", default=None, help="save the window as PNG at the end")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (default: live's policy, 1)")
    a = p.parse_args()

    use_live_threads(a.threads)  # what `eeg-emotion live` does before its engine starts
    settle_garbage()
    app = QApplication.instance() or QApplication(["bench"])
    configure_pyqtgraph()
    load = start_load(a.beside)
    pub = None
    if a.engine == "lsl":
        name = f"bench-dash-{uuid.uuid4().hex[:8]}"
        pub = start_publisher(len(DEAP), SFREQ, a.seconds + a.baseline + 15, name, DEAP)
        model = untrained_scalingnet(DEAP, SFREQ, 4.0, 0.5, ("valence", "arousal", "dominance"))
        engine = Engine(LSLSource(name), model, device="cpu", markers=None)
    else:
        engine = SyntheticEngine(DEAP, SFREQ)
    with engine:
        time.sleep(4.5)  # first window
        base_proc, _ = _cpu_per_s(a.baseline, time.sleep)

        win = DashboardWindow(engine)
        win.resize(1280, 800)
        win.show()
        win.start()

        def run_gui(seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.002)

        run_gui(1.0)  # warm-up
        lat: list[float] = []
        done = threading.Event()
        if a.engine == "lsl":
            watcher = threading.Thread(target=_latencies, args=(engine, import_pylsl(), done, lat),
                                       daemon=True)
            watcher.start()
        s0, st = engine.status().source.samples_received, win.stats
        frames0, busy0, ticks0, traces0 = st.frames, st.busy_s, st.ticks, st.trace_updates
        w0 = time.perf_counter()
        proc, gui = _cpu_per_s(a.seconds, run_gui)
        wall = time.perf_counter() - w0
        status = engine.status()
        done.set()
        frames, ticks = st.frames - frames0, st.ticks - ticks0
        traces = st.trace_updates - traces0
        busy = st.busy_s - busy0
        if a.screenshot:
            win.grab().save(a.screenshot)
        win.timer.stop()
        win.close()
    if pub is not None:
        pub.kill()
        pub.communicate()
    stop_load(load)

    print(f"engine: {a.engine}, 32 ch @ 128 Hz, offscreen 1280x800, {a.seconds:.0f} s, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}"
          + (f", beside a competing {a.beside} process" if load is not None else ""))
    print(f"refresh ticks (frames) : {frames} in {wall:.1f} s = {frames / wall:.1f} fps "
          f"(timer 30 ms)")
    print(f"trace redraws          : {traces / wall:.1f} per s (only when new samples came)")
    print(f"refresh time           : {1000 * busy / max(ticks, 1):.1f} ms mean, "
          f"{st.max_ms:.1f} ms max (read engine + setData)")
    print(f"GUI thread CPU         : {gui:.3f} s/s ({1000 * gui / max(frames / wall, 1e-9):.1f} "
          f"ms CPU per tick, painting included)")
    print(f"process CPU, engine    : {base_proc:.3f} s/s (no window)")
    print(f"process CPU, with GUI  : {proc:.3f} s/s (dashboard adds {proc - base_proc:+.3f})")
    got = status.source.samples_received - s0
    print(f"samples during GUI run : {got} (expected ~{SFREQ * wall:.0f}), gaps "
          f"{status.source.gaps}, windows skipped "
          f"{status.windows_skipped}, latency p95 {status.latency_ms_p95:.0f} ms")
    if lat:
        p50, p95, p99 = np.percentile(lat, (50, 95, 99))
        print(f"latency while drawing  : p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms "
              f"({len(lat)} estimates; last sample pushed -> estimate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
