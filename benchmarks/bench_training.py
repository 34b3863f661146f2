"""Training and inference throughput of ScalingNet and MSMAE-CNN (windows per second).

Random windows of the shapes the protocols use (DEAP: 32 channels at 128 Hz;
SEED-IV: 62 channels at 200 Hz, and SEED-IV's feature files: 62 channels x 5
bands per window), through the same loop as ``eeg-emotion train``
(:func:`eeg_emotion.offline.trainer.fit`, :func:`eeg_emotion.offline.trainer.predict`) and MSMAE
pre-training (:func:`eeg_emotion.offline.pretrain.pretrain`). Prints one line per case.

    python benchmarks/bench_training.py [--device auto|cpu|cuda] [--windows 256]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from eeg_emotion.models import build_model
from eeg_emotion.offline.pretrain import pretrain
from eeg_emotion.offline.train_config import PretrainSection, TrainSection
from eeg_emotion.offline.trainer import fit, predict, resolve_device
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


def main() -> None:
    """Run the benchmark and print windows per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--windows", type=int, default=256, help="windows per case")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {device} ({name}); torch {torch.__version__}; {args.windows} windows, "
          f"{args.epochs} epochs, batch {args.batch_size}")
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
