"""GPU figures: live latency on cuda vs cpu, ScalingNet epochs at DEAP size, MSMAE
pre-training at SEED-IV size. On a machine without CUDA it prints the CPU's and says so.

Random data of the real shapes, through the loops ``eeg-emotion train`` and ``live`` use:

* live inference: :class:`~eeg_emotion.realtime.engine.inference.WindowClassifier` (per-window
  standardisation, ScalingNet with its level map in one pass, probabilities back on
  the host) on one 32 ch x 4 s window at a time, after its warm-up: p50 / p99 ms on
  ``cuda`` and on the CPU (one thread, the live default);
* ScalingNet with the paper's hyper-parameters (kernel 33, filters 16-8-6, 3 targets),
  DEAP at full size, 32 subjects x 40 trials x 60 s x 32 channels at 128 Hz: one
  training epoch (:func:`~eeg_emotion.offline.training.trainer.fit`, batch 32) of the
  4-s windows hopping 2 s (37,120 windows) in fp32 with and without pinned memory and
  in bf16, and of the whole 60-s trials (1,280) in fp32 and bf16;
* MSMAE-CNN pre-training (:func:`~eeg_emotion.offline.training.pretrain.pretrain`,
  batch 64) at SEED-IV size (15 subjects x 3 sessions x 24 trials x ~36 windows =
  38,880 windows): windows/s on 4-s raw windows (62 ch x 800 samples at 200 Hz) and on
  de_LDS features (62 x 5), and the epoch time that makes at full size.

Each line is printed as soon as it is measured. ``--quick`` (and any run without
CUDA) times fewer windows and projects the epoch time to full size, saying so.

    python benchmarks/bench_gpu.py [--quick] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import torch

from eeg_emotion import threads
from eeg_emotion.contract import SignalContract
from eeg_emotion.devices import resolve_device
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.offline.train_config import PretrainSection, TrainSection
from eeg_emotion.offline.training.pretrain import pretrain
from eeg_emotion.offline.training.trainer import fit
from eeg_emotion.realtime.engine.inference import WindowClassifier
from eeg_emotion.targets import deap_targets, seed_iv_target

DEAP_WINDOWS = 32 * 40 * 29  # 4-s windows hopping 2 s in 60-s trials
DEAP_TRIALS = 32 * 40
SEED_WINDOWS = 15 * 3 * 24 * 36
PAPER_NET = {"kernel_length": 33, "conv_filters": [16, 8, 6], "conv_kernel": [3, 5]}
TARGETS = deap_targets(("valence", "arousal", "dominance"))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _windows(rng: np.random.Generator, n: int, n_ch: int, n_t: int) -> np.ndarray:
    return rng.standard_normal((n, n_ch, n_t), dtype=np.float32) * 10


def live_latency(device: torch.device, n: int, rng: np.random.Generator) -> tuple[float, float]:
    """p50 and p99 ms of the live classifier on one 32 ch x 4 s window at a time."""
    torch.manual_seed(0)
    model = build_model("scalingnet", 32, 128.0, TARGETS, **PAPER_NET).eval()
    contract = SignalContract(channels=tuple(f"E{i}" for i in range(32)), sfreq=128.0,
                              units="microvolts", filter=FilterSpec(4.0, 45.0), window_s=4.0,
                              hop_s=0.5, baseline="none", standardize="window")
    clf = WindowClassifier(model, contract, TARGETS, str(device))
    clf.warm_up(512)
    window = _windows(rng, 1, 32, 512)[0]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        clf(window)  # probabilities come back to the host: the time includes the sync
        times.append(1000 * (time.perf_counter() - t0))
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def scalingnet_epoch(device: torch.device, X: np.ndarray, precision: str, pin: bool) -> float:
    """Seconds of one training epoch over every window of ``X`` (after a warm-up)."""
    rng = np.random.default_rng(1)
    labels = {t.name: rng.integers(0, 2, len(X)) for t in TARGETS}
    torch.manual_seed(0)
    model = build_model("scalingnet", X.shape[1], 128.0, TARGETS, **PAPER_NET)
    empty = np.zeros(0, np.int64)
    fit(model, X, labels, np.arange(min(len(X), 64 * 32)), empty,  # autotune, allocations
        TrainSection(epochs=1, batch_size=32, precision=precision, pin_memory=pin),
        device=device, progress=False)
    _sync(device)
    res = fit(model, X, labels, np.arange(len(X)), empty,
              TrainSection(epochs=1, batch_size=32, precision=precision, pin_memory=pin),
              device=device, progress=False)
    return res.train_seconds


def msmae_pretrain_rate(device: torch.device, X: np.ndarray, features: bool, precision: str,
                        epochs: int) -> float:
    """MSMAE-CNN pre-training windows per second over ``X`` (after a warm-up epoch)."""
    torch.manual_seed(0)
    model = build_model("msmae-cnn", 62, 200.0, [seed_iv_target()])
    empty = np.zeros(0, np.int64)
    settings = PretrainSection(enabled=True, epochs=1, patience=99)
    warm = np.arange(min(len(X), 64 * 16))
    pretrain(model, X, warm, empty, settings, batch_size=64, seed=0, device=device,
             progress=False, features=features, precision=precision, pin_memory=True)
    _sync(device)
    settings = PretrainSection(enabled=True, epochs=epochs, patience=99)
    info = pretrain(model, X, np.arange(len(X)), empty, settings, batch_size=64, seed=0,
                    device=device, progress=False, features=features, precision=precision,
                    pin_memory=True)
    return len(X) * epochs / info["seconds"]


def main() -> None:
    """Measure and print, one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer windows; epoch times projected to full size")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    quick = args.quick or not cuda
    rng = np.random.default_rng(0)
    name = torch.cuda.get_device_name(device) if cuda else "no CUDA: CPU figures"
    print(f"device: {device} ({name}); torch {torch.__version__}; "
          f"{threads.usable_cpus()} usable CPUs"
          + ("; --quick sizes, epochs projected to full size" if quick else ""), flush=True)

    n_live = 200 if quick else 500
    threads.use_live_threads()
    if cuda:
        p50, p99 = live_latency(device, n_live, rng)
        print(f"live, ScalingNet 32 ch x 4 s, one window: cuda p50 {p50:.2f} ms, "
              f"p99 {p99:.2f} ms ({n_live} windows)", flush=True)
    p50, p99 = live_latency(torch.device("cpu"), n_live, rng)
    print(f"live, ScalingNet 32 ch x 4 s, one window: cpu (1 thread) p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms ({n_live} windows)", flush=True)

    threads.use_training_threads()
    n = 2048 if quick else DEAP_WINDOWS
    X = _windows(rng, n, 32, 512)
    cases = [("fp32", True), ("fp32", False), ("bf16", True)] if cuda else [("fp32", False)]
    for precision, pin in cases:
        s = scalingnet_epoch(device, X, precision, pin) * DEAP_WINDOWS / n
        print(f"ScalingNet, DEAP 4-s windows ({DEAP_WINDOWS:,}), {precision}"
              f"{', pinned' if pin else ''}: {s:7.1f} s per epoch "
              f"({DEAP_WINDOWS / s:,.0f} windows/s)"
              + (f", projected from {n:,}" if n != DEAP_WINDOWS else ""), flush=True)
    del X
    n = 128 if quick else DEAP_TRIALS
    X = _windows(rng, n, 32, 7680)
    for precision in ("fp32", "bf16") if cuda else ("fp32",):
        s = scalingnet_epoch(device, X, precision, True) * DEAP_TRIALS / n
        print(f"ScalingNet, DEAP whole 60-s trials ({DEAP_TRIALS:,}), {precision}: {s:7.1f} s "
              f"per epoch ({DEAP_TRIALS / s:,.1f} trials/s)"
              + (f", projected from {n:,}" if n != DEAP_TRIALS else ""), flush=True)
    del X

    n = 1024 if quick else 8192
    X = _windows(rng, n, 62, 800)
    for precision in ("fp32", "bf16") if cuda else ("fp32",):
        rate = msmae_pretrain_rate(device, X, False, precision, epochs=2)
        print(f"MSMAE-CNN pre-training, SEED-IV 4-s raw windows (62 x 800), {precision}: "
              f"{rate:,.0f} windows/s ({n:,} timed) = {SEED_WINDOWS / rate:.1f} s per epoch of "
              f"{SEED_WINDOWS:,}", flush=True)
    del X
    n = 8192 if quick else SEED_WINDOWS
    X = (rng.standard_normal((n, 62, 5), dtype=np.float32) + 22).astype(np.float32)
    for precision in ("fp32", "bf16") if cuda else ("fp32",):
        rate = msmae_pretrain_rate(device, X, True, precision, epochs=2)
        print(f"MSMAE-CNN pre-training, SEED-IV de_LDS features (62 x 5), {precision}: "
              f"{rate:,.0f} windows/s ({n:,} timed) = {SEED_WINDOWS / rate:.1f} s per epoch",
              flush=True)
    if not cuda:
        print("no CUDA: torch sees no GPU, so the figures above are the CPU's "
              "(bf16 and pinned memory are GPU options and were not timed)")


if __name__ == "__main__":
    main()
