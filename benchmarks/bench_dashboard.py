"""Dashboard frame rate and CPU cost while a 32-channel, 128 Hz stream is live (offscreen).

Two engines can feed the window:

* ``--engine lsl`` (default): a pylsl outlet in a thread publishes 32 channels at
  128 Hz on loopback; the real :class:`eeg_emotion.realtime.engine.Engine` reads it and runs an
  untrained ScalingNet (4 s windows, 0.5 s hop) on the CPU.
* ``--engine synthetic``: :class:`eeg_emotion.realtime.dashboard.synthetic_engine.SyntheticEngine`.

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
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch
from PyQt6.QtWidgets import QApplication

from eeg_emotion.filters import FilterSpec
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.models.scalingnet import ScalingNet
from eeg_emotion.montages import DEAP
from eeg_emotion.realtime.dashboard.synthetic_engine import SyntheticEngine
from eeg_emotion.realtime.dashboard.theme import configure_pyqtgraph
from eeg_emotion.realtime.dashboard.window import DashboardWindow
from eeg_emotion.realtime.engine import Engine
from eeg_emotion.realtime.lsl_source import LSLSource
from eeg_emotion.targets import deap_targets

SFREQ = 128.0


def _publish(name: str, stop: threading.Event) -> None:
    """Push 32 channels of sines + noise at 128 Hz in 1/16 s chunks until ``stop``."""
    pylsl = import_pylsl()
    info = pylsl.StreamInfo(name, "EEG", len(DEAP), SFREQ, pylsl.cf_float32, name)
    chans = info.desc().append_child("channels")
    for label in DEAP:
        chans.append_child("channel").append_child_value("label", label)
    outlet = pylsl.StreamOutlet(info, chunk_size=8)
    rng = np.random.default_rng(0)
    freqs = rng.uniform(6, 12, len(DEAP))[:, None]
    t0 = pylsl.local_clock()
    sent = 0
    while not stop.is_set():
        due = int((pylsl.local_clock() - t0) * SFREQ)
        if due > sent:
            k = np.arange(sent, due)
            block = 20 * np.sin(2 * np.pi * freqs * k / SFREQ) + 5 * rng.standard_normal(
                (len(DEAP), k.size))
            outlet.push_chunk(np.ascontiguousarray(block.T, dtype=np.float32),
                              (t0 + k / SFREQ).tolist())
            sent = due
        stop.wait(1 / 16)
    del outlet


def _untrained_scalingnet() -> SimpleNamespace:
    torch.manual_seed(0)
    targets = deap_targets(("valence", "arousal", "dominance"))
    model = ScalingNet(len(DEAP), SFREQ, targets).eval()
    meta = {"name": "scalingnet (untrained)", "channels": list(DEAP), "sfreq": SFREQ,
            "filter": FilterSpec(4.0, 45.0).to_dict(), "window_s": 4.0, "hop_s": 0.5,
            "preprocessing": {"standardize": "window"},
            "targets": [t.to_dict() for t in targets], "synthetic": True}
    return SimpleNamespace(model=model, meta=meta)


def _cpu_per_s(seconds: float, work) -> tuple[float, float]:
    """Process CPU seconds per wall second and main-thread CPU per second while ``work`` runs."""
    c0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
    work(seconds)
    wall = time.perf_counter() - w0
    return (time.process_time() - c0) / wall, (time.thread_time() - t0) / wall


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=("lsl", "synthetic"), default="lsl")
    p.add_argument("--seconds", type=float, default=10.0, help="dashboard phase length")
    p.add_argument("--baseline", type=float, default=5.0, help="engine-only phase length")
    p.add_argument("--screenshot", default=None, help="save the window as PNG at the end")
    a = p.parse_args()

    torch.set_num_threads(1)
    app = QApplication.instance() or QApplication(["bench"])
    configure_pyqtgraph()
    stop = threading.Event()
    if a.engine == "lsl":
        name = f"bench-dash-{uuid.uuid4().hex[:8]}"
        pub = threading.Thread(target=_publish, args=(name, stop), daemon=True)
        pub.start()
        engine = Engine(LSLSource(name), _untrained_scalingnet(), device="cpu", markers=None)
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
        s0, st = engine.status().source.samples_received, win.stats
        frames0, busy0, ticks0, traces0 = st.frames, st.busy_s, st.ticks, st.trace_updates
        w0 = time.perf_counter()
        proc, gui = _cpu_per_s(a.seconds, run_gui)
        wall = time.perf_counter() - w0
        status = engine.status()
        frames, ticks = st.frames - frames0, st.ticks - ticks0
        traces = st.trace_updates - traces0
        busy = st.busy_s - busy0
        if a.screenshot:
            win.grab().save(a.screenshot)
        win.timer.stop()
        win.close()
    stop.set()

    print(f"engine: {a.engine}, 32 ch @ 128 Hz, offscreen 1280x800, {a.seconds:.0f} s, "
          f"{os.cpu_count()} CPUs")
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
          f"{status.source.gaps}, overruns {status.source.overruns}, windows skipped "
          f"{status.windows_skipped}, latency p95 {status.latency_ms_p95:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
