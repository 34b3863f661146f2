"""Training and inference throughput of ScalingNet and MSMAE-CNN (windows per second).

Random windows of the shapes the protocols use (DEAP: 32 channels at 128 Hz;
SEED-IV: 62 channels at 200 Hz, and SEED-IV's feature files: 62 channels x 5
bands per window), through the same loop as ``eeg-emotion train``
(:func:`~eeg_emotion.offline.training.trainer.fit`,
:func:`~eeg_emotion.offline.training.trainer.predict`) and MSMAE
pre-training (:func:`eeg_emotion.offline.training.pretrain.pretrain`). Prints one line per case.

``--demo-config`` instead times the demo config end to end (``configs/demo_synthetic.toml``
on ``eeg-emotion synth deap`` data, 2 epochs x 2 folds and the final model, windows
cached) on a quiet machine and beside a competing 2-thread torch process, with the
thread policy of ``eeg-emotion train`` (:mod:`eeg_emotion.threads`), and prints the
ratio (goal: at most 1.5x); ``--contrast`` adds the old default (as many threads as
cores, whatever else runs) beside the same process.

``--calibrate`` times ``eeg-emotion calibrate --train DIR`` as a user runs it (a fresh
process) on a synthetic calibration folder of a Cyton (8 channels at 250 Hz,
``--blocks`` rated blocks of ``--stimulus-seconds``), quiet and beside the same
2-thread torch process, with calibrate's thread policy (that of ``train``), and prints
the ratio (goal: at most 1.5x); ``--contrast`` adds 2 fixed threads beside the load
(what calibrate did before it applied the policy: torch's default of one thread per
core).

    python benchmarks/bench_training.py [--device auto|cpu|cuda] [--windows 256]
                                        [--beside torch|shell] [--threads N]
    python benchmarks/bench_training.py --demo-config [--contrast] [--threads N]
    python benchmarks/bench_training.py --calibrate [--blocks 10] [--stimulus-seconds 30]
                                        [--contrast] [--threads N]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from bench_common import start_load, stop_load

from eeg_emotion import threads
from eeg_emotion.config import resolve_config
from eeg_emotion.devices import resolve_device
from eeg_emotion.models import build_model
from eeg_emotion.offline.synth.deap import write_synthetic_deap
from eeg_emotion.offline.train_config import (
    PretrainSection,
    TrainSection,
    apply_override,
    load_config,
)
from eeg_emotion.offline.training.pretrain import pretrain
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.sweep import run_config
from eeg_emotion.offline.training.trainer import fit, predict
from eeg_emotion.targets import deap_targets, seed_iv_target

CASES = [
    # name, model, channels, sfreq, seconds (0: band features), targets
    ("scalingnet DEAP 4-s windows", "scalingnet", 32, 128.0, 4.0, "deap"),
    ("scalingnet DEAP whole 60-s trials", "scalingnet", 32, 128.0, 60.0, "deap"),
    ("msmae-cnn SEED-IV 4-s windows", "msmae-cnn", 62, 200.0, 4.0, "seed"),
    ("msmae-cnn SEED-IV de_LDS features", "msmae-cnn", 62, 200.0, 0.0, "seed"),
]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _demo_run(cfg, data: Path, work: Path, label: str, cache: Path) -> float:
    """One end-to-end run of the demo config into a fresh folder; its wall seconds."""
    out = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=work))
    t0 = time.perf_counter()
    run_config(cfg, data, RunOptions(out=out, device="cpu", progress=False, cache_dir=cache))
    return time.perf_counter() - t0


def _demo_cli(data: Path, work: Path, label: str, cache: Path, threads_arg: int | None
              ) -> float:
    """``eeg-emotion train`` on the demo config as a user runs it (a fresh process); wall s."""
    out = Path(tempfile.mkdtemp(prefix=f"cli-{label}-", dir=work))
    cmd = [sys.executable, "-m", "eeg_emotion.cli", "train", "--config", "demo_synthetic",
           "--data", str(data), "--out", str(out), "--epochs", "2", "--folds", "2",
           "--cache-dir", str(cache), "--quiet"]
    if threads_arg is not None:
        cmd += ["--threads", str(threads_arg)]
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def demo_config(args: argparse.Namespace) -> None:
    """The demo config quiet and beside a competing torch process; print the ratio."""
    logging.basicConfig(level=logging.WARNING)
    cfg = load_config(resolve_config("demo_synthetic"))
    cfg = apply_override(cfg, "train.epochs", 2)
    cfg = apply_override(cfg, "protocol.folds", 2)
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        work = Path(tmp)
        data, cache = work / "deap", work / "cache"
        write_synthetic_deap(data)  # `eeg-emotion synth deap` defaults
        print(f"demo config, 2 epochs x 2 folds + final model, {threads.usable_cpus()} usable "
              f"CPUs; policy: {threads.describe_policy()}", flush=True)
        threads.use_training_threads(args.threads)
        _demo_run(cfg, data, work, "warm", cache)  # fills the window cache, warms torch
        n = threads.use_training_threads(args.threads)
        quiet = _demo_run(cfg, data, work, "quiet", cache)
        print(f"quiet                               : {quiet:6.1f} s ({n} thread(s) at start)",
              flush=True)
        cli_quiet = _demo_cli(data, work, "quiet", cache, args.threads)
        load = start_load("torch")
        try:
            time.sleep(1.0)
            n = threads.use_training_threads(args.threads)
            busy = _demo_run(cfg, data, work, "busy", cache)
            print(f"beside a 2-thread torch process     : {busy:6.1f} s ({n} thread(s) at "
                  f"start) = {busy / quiet:.2f}x quiet (goal <= 1.5x)", flush=True)
            cli_busy = _demo_cli(data, work, "busy", cache, args.threads)
            print(f"`eeg-emotion train` as a command (start-up included): quiet "
                  f"{cli_quiet:.1f} s, beside the torch process {cli_busy:.1f} s = "
                  f"{cli_busy / cli_quiet:.2f}x", flush=True)
            if args.contrast:
                threads.use_training_threads(os.cpu_count() or 1)
                old = _demo_run(cfg, data, work, "old", cache)
                print(f"  same, {os.cpu_count()} fixed threads (old default): {old:6.1f} s = "
                      f"{old / quiet:.2f}x quiet", flush=True)
        finally:
            stop_load(load)


def _calibrate_cli(folder: Path, work: Path, label: str, threads_arg: int | None
                   ) -> tuple[float, float]:
    """``eeg-emotion calibrate --train FOLDER`` in a fresh process; its wall and CPU seconds.

    The CPU seconds (user + system of the child) do not depend on what else runs:
    threads spinning at barriers for a descheduled sibling show up there.
    """
    models = Path(tempfile.mkdtemp(prefix=f"models-{label}-", dir=work))
    cmd = [sys.executable, "-m", "eeg_emotion.cli", "calibrate", "--train", str(folder),
           "--models-dir", str(models), "--device", "cpu"]
    if threads_arg is not None:
        cmd += ["--threads", str(threads_arg)]
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def calibrate(args: argparse.Namespace) -> None:
    """``calibrate --train`` quiet and beside a competing torch process; print the ratio."""
    from eeg_emotion.realtime.calibration.synthetic_folder import write_calibration_folder

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-calibrate-") as tmp:
        work = Path(tmp)
        folder = work / "calibration"
        write_calibration_folder(folder, n_blocks=args.blocks,
                                 stimulus_s=args.stimulus_seconds)
        print(f"calibrate --train: {args.blocks} blocks x {args.stimulus_seconds:g} s, Cyton "
              f"8 ch @ 250 Hz, {threads.usable_cpus()} usable CPUs; policy: "
              f"{threads.describe_policy()}", flush=True)
        _calibrate_cli(folder, work, "warm", args.threads)  # disk cache, imports
        print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
        quiet, quiet_cpu = _calibrate_cli(folder, work, "quiet", args.threads)
        print(f"quiet                           : {quiet:6.1f} s ({quiet_cpu:.1f} s CPU)",
              flush=True)
        load = start_load("torch")
        try:
            time.sleep(1.0)
            busy, busy_cpu = _calibrate_cli(folder, work, "busy", args.threads)
            print(f"beside a 2-thread torch process : {busy:6.1f} s ({busy_cpu:.1f} s CPU) = "
                  f"{busy / quiet:.2f}x quiet (goal <= 1.5x)", flush=True)
            if args.contrast:
                old, old_cpu = _calibrate_cli(folder, work, "old", os.cpu_count() or 1)
                print(f"  same, {os.cpu_count()} fixed threads (before the policy): "
                      f"{old:6.1f} s ({old_cpu:.1f} s CPU) = {old / quiet:.2f}x quiet",
                      flush=True)
        finally:
            stop_load(load)
        print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


def main() -> None:
    """Run the benchmark and print windows per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--windows", type=int, default=256, help="windows per case")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: the training policy, see "
                             "`eeg-emotion doctor`)")
    parser.add_argument("--beside", choices=("none", "torch", "shell"), default="none",
                        help="run beside a competing CPU-bound process")
    parser.add_argument("--demo-config", action="store_true",
                        help="time the demo config quiet and beside a torch process instead")
    parser.add_argument("--contrast", action="store_true",
                        help="--demo-config, --calibrate: also the old default threads "
                             "beside the load")
    parser.add_argument("--calibrate", action="store_true",
                        help="time `calibrate --train` quiet and beside a torch process")
    parser.add_argument("--blocks", type=int, default=10, help="--calibrate: rated blocks")
    parser.add_argument("--stimulus-seconds", type=float, default=30.0,
                        help="--calibrate: seconds of each block's stimulus")
    args = parser.parse_args()
    if args.demo_config:
        demo_config(args)
        return
    if args.calibrate:
        calibrate(args)
        return
    load = start_load(args.beside)
    try:
        time.sleep(1.0 if load is not None else 0.0)
        threads.use_training_threads(args.threads)
        _cases(args)
    finally:
        stop_load(load)


def _cases(args: argparse.Namespace) -> None:
    """The throughput cases, one line each."""
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {device} ({name}); torch {torch.__version__}; {args.windows} windows, "
          f"{args.epochs} epochs, batch {args.batch_size}"
          + (f"; beside a competing {args.beside} process" if args.beside != "none" else ""))
    rng = np.random.default_rng(0)
    settings = TrainSection(epochs=args.epochs, batch_size=args.batch_size, patience=99,
                            device=args.device)
    for label, model_name, n_ch, sfreq, seconds, kind in CASES:
        features = seconds == 0
        n_windows = args.windows * (8 if features else 1) if seconds <= 4 else \
            max(args.windows // 8, 32)
        targets = deap_targets(("valence", "arousal", "dominance")) if kind == "deap" \
            else [seed_iv_target()]
        shape = (n_windows, n_ch, 5) if features else (n_windows, n_ch, int(seconds * sfreq))
        X = (rng.standard_normal(shape) * (1 if features else 10)
             + (22 if features else 0)).astype(np.float32)
        labels = {t.name: rng.integers(0, len(t.classes), n_windows) for t in targets}
        torch.manual_seed(0)
        model = build_model(model_name, n_ch, sfreq, targets)
        idx = np.arange(n_windows)
        # warm-up (cuDNN autotune, allocations) outside the timing
        fit(model, X[:64], labels, idx[:min(64, n_windows)], np.zeros(0, np.int64),
            TrainSection(epochs=1, batch_size=args.batch_size), device=device, progress=False,
            features=features)
        _sync(device)
        res = fit(model, X, labels, idx, np.zeros(0, np.int64), settings, device=device,
                  progress=False, features=features)
        train_wps = n_windows * len(res.history) / res.train_seconds
        _, _, secs = predict(model, X, idx, 256, device, features)
        line = (f"{label:36s} train {train_wps:9.1f} windows/s   "
                f"inference {n_windows / secs:10.1f} windows/s")
        if model_name == "msmae-cnn":
            t0 = time.perf_counter()
            pretrain(model, X, idx, np.zeros(0, np.int64),
                     PretrainSection(enabled=True, epochs=args.epochs, patience=99),
                     batch_size=args.batch_size, seed=0, device=device, progress=False,
                     features=features)
            _sync(device)
            pre_wps = n_windows * args.epochs / (time.perf_counter() - t0)
            line += (f"   pre-train {pre_wps:9.1f} windows/s "
                     f"({pre_wps / train_wps:.2f}x fine-tuning)")
        print(line, flush=True)


if __name__ == "__main__":
    main()
