"""Wall time of a 4-fold synthetic run in one process and over torchrun ranks on the CPU.

A small ScalingNet, cross-subject 4-fold on synthetic DEAP (``eeg-emotion synth deap``
data, 8 subjects), a fixed number of epochs, no final model: what is measured is the
folds, shared out over ranks (``[distributed] mode = "folds"``). Both runs are
``eeg-emotion train`` as a user starts it (a fresh process, torch's import and the
rendezvous included); the window cache is filled beforehand. One process uses the
thread policy of ``train`` (the usable CPUs); N ranks share them (usable / N each).
Prints each wall time, the speed-up, and whether the fold accuracies of the two runs
are the same (with other thread counts the last digits of a float sum can differ).

    python benchmarks/bench_distributed.py [--ranks 2] [--epochs 6] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eeg_emotion import threads
from eeg_emotion.offline.synth.deap import write_synthetic_deap

CONFIG = """
description = "bench_distributed: small ScalingNet, cross-subject 4-fold"
[data]
kind = "deap"
[preprocess]
window_s = 4.0
hop_s = 2.0
baseline = "subtract_mean"
[model]
name = "scalingnet"
[model.hparams]
kernel_length = 17
n_levels = 4
conv_filters = [8, 4]
[train]
epochs = {epochs}
batch_size = 32
lr = 0.003
patience = 1000
device = "cpu"
final_model = false
[protocol]
name = "cross_subject"
folds = 4
targets = ["valence", "arousal"]
"""


def _train(config: Path, data: Path, out: Path, cache: Path, workers: int
           ) -> tuple[float, list[int], float]:
    """``eeg-emotion train`` in ``workers`` processes: wall seconds, the torch threads each
    process started with (from its log), and the machine's load average meanwhile."""
    cmd = [sys.executable, "-m", "eeg_emotion", "-v", "train", "--config", str(config),
           "--data", str(data), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    started = [int(n) for n in re.findall(r"training with (\d+) torch thread", proc.stderr)]
    return seconds, started, os.getloadavg()[0]


def _accuracies(out: Path) -> dict[tuple[str, str], float]:
    folds = json.loads((out / "metrics.json").read_text())["folds"]
    return {(f["name"], t): m["accuracy"] for f in folds for t, m in f["metrics"].items()}


def main() -> None:
    """Time the run with 1 and N ranks and print the speed-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, default=2, help="ranks of the second run")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0, help="trial length (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp:
        work = Path(tmp)
        data, cache, config = work / "deap", work / "cache", work / "bench.toml"
        write_synthetic_deap(data, subjects=8, trials=12, seconds=args.seconds)
        config.write_text(CONFIG.format(epochs=args.epochs))
        cpus = threads.usable_cpus()
        print(f"4 folds x {args.epochs} epochs, small ScalingNet on synthetic DEAP (8 subjects "
              f"x 12 trials x {args.seconds:g} s, 4-s windows), no final model; {cpus} usable "
              f"CPUs, load average {os.getloadavg()[0]:.1f} before", flush=True)
        _train(config, data, work / "warm", cache, 1)  # fills the window cache
        one, n_one, load = _train(config, data, work / "one", cache, 1)
        print(f"1 process     : {one:6.1f} s (threads at start {n_one}; load average "
              f"{load:.1f})", flush=True)
        many, n_many, load = _train(config, data, work / "ranks", cache, args.ranks)
        print(f"{args.ranks} ranks       : {many:6.1f} s (threads at start {n_many}; load "
              f"average {load:.1f}) = {one / many:.2f}x speed-up (ideal "
              f"{min(args.ranks, cpus)}x on {cpus} cores)", flush=True)
        a, b = _accuracies(work / "one"), _accuracies(work / "ranks")
        diff = max(abs(a[k] - b[k]) for k in a)
        print("fold accuracies of the two runs: " + (
            "identical" if a == b else f"differ by up to {diff:.3f} (other thread counts sum "
            "floats in another order; with the same --threads they are identical)"))


if __name__ == "__main__":
    main()
