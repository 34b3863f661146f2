"""MSMAE-CNN beside its baselines on a synthetic SEED-IV with the real feature statistics.

Writes (once, cached) a synthetic SEED-IV whose de_LDS files reproduce the real
statistics (``eeg-emotion synth seed-iv --no-raw --real-lengths``, the latent trial
model: a feature moves 0.08 session SD within a trial, classes lie 0.5 SD apart),
runs every SEED-IV feature config on it, every session ordering, and prints one row
per config: MSMAE-CNN, Random Forest, logistic regression (accuracy mean ± std over
splits) and the majority rate, plus the per-config "below the ..." lines of the report.

Usage::

    python benchmarks/bench_seed_iv_features.py [--subjects 5] [--configs a,b]
        [--set train.noise_std=0.3 ...] [--tag name] [--threads N] [--before]

``--before`` runs the configs with the settings they had before the fine-tuning and
calibration regime (no direct DE path, dropout 0.25, no weight decay, no augmentation,
every weight adapted). It keeps today's step choice for calibration (left-out trials,
no harm), so it is close to, not equal to, the code of that time (commit 542a438),
which chose a fixed number of steps on one held-out trial's loss. Runs go to
``/tmp/eeg-emotion-bench/seed-iv-features/<tag>/``; a finished split is not run again.
"""

from __future__ import annotations

import argparse
import ast
import json
import time
from pathlib import Path

import numpy as np

from eeg_emotion import threads
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv
from eeg_emotion.offline.train_config import apply_override, load_config
from eeg_emotion.offline.training.report import baseline_summaries, losses_to_baselines
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.sweep import run_config

CONFIGS = ("seed_iv_msmae_features", "seed_iv_msmae_features_session_norm",
           "seed_iv_msmae_features_subject", "seed_iv_msmae_features_calibrated")
#: The regime of the configs before the fine-tuning issue (what --before sets back).
BEFORE = {"train.select_on": "loss", "train.encoder_lr_scale": 1.0, "train.noise_std": 0.0,
          "train.mixup_alpha": 0.0, "train.label_smoothing": 0.0,
          "train.channel_mask_ratio": 0.0, "train.weight_decay": 0.0,
          "adapt.fewshot_params": "all", "adapt.fewshot_shrinkage": 0.0,
          "adapt.fewshot_lr": None, "model.hparams.dropout": 0.25,
          "model.hparams.direct_de": False}
ROOT = Path("/tmp/eeg-emotion-bench/seed-iv-features")
CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"


def _value(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _mean(summary: dict, key: str = "accuracy") -> str:
    s = summary["emotion"][key]
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tag", default="after")
    parser.add_argument("--before", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    args = parser.parse_args()
    threads.use_training_threads(args.threads)
    data = ROOT / f"data_{args.subjects}subjects_seed{args.seed}"
    if not (data / "synthetic.json").is_file():
        write_synthetic_seed_iv(data, subjects=args.subjects, seed=args.seed, raw=False,
                                real_lengths=True)
    stats = json.loads((data / "synthetic.json").read_text())["statistics"]
    print(f"synthetic SEED-IV, {args.subjects} subjects x 3 sessions x 24 trials; de_LDS "
          "statistics " + ", ".join(f"{k} {v:g}" for k, v in stats.items()), flush=True)
    overrides = dict(BEFORE) if args.before else {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = _value(value)
    rows = []
    for name in args.configs.split(","):
        cfg = load_config(CONFIG_DIR / f"{name}.toml")
        for key, value in overrides.items():
            if key.startswith("adapt.fewshot") and not cfg.adapt.fewshot_trials:
                continue
            cfg = apply_override(cfg, key, value, "bench")
        cfg = apply_override(cfg, "train.final_model", False, "bench")
        out = ROOT / args.tag / f"{args.subjects}subjects_seed{args.seed}" / name
        start = time.perf_counter()
        run = run_config(cfg, data, RunOptions(out, progress=False))
        seconds = time.perf_counter() - start
        base = baseline_summaries(run)
        rows.append((name, run, base, seconds))
        print(f"{name}: MSMAE {_mean(run['summary'])}  RF {_mean(base['random_forest'])}  "
              f"LR {_mean(base['logistic_regression'])}  majority "
              f"{run['summary']['emotion']['majority_rate']['mean']:.3f}  ({seconds:.0f} s)",
              flush=True)
        for line in losses_to_baselines(run):
            print(f"    {line}", flush=True)
    print("\n| config | MSMAE-CNN | Random Forest | logistic regression | majority |")
    print("|---|---|---|---|---|")
    for name, run, base, _ in rows:
        print(f"| {name} | {_mean(run['summary'])} | {_mean(base['random_forest'])} | "
              f"{_mean(base['logistic_regression'])} | "
              f"{run['summary']['emotion']['majority_rate']['mean']:.3f} |")
    below = [f for _, run, _, _ in rows for f in run["folds"]
             if f["metrics"]["emotion"]["accuracy"] < f["metrics"]["emotion"]["majority_rate"]]
    print(f"\nsplits below their majority rate: {len(below)} of "
          f"{sum(len(r[1]['folds']) for r in rows)}")
    summary = {name: {"msmae": run["summary"]["emotion"]["accuracy"],
                      **{k: v["emotion"]["accuracy"] for k, v in base.items()},
                      "majority": run["summary"]["emotion"]["majority_rate"],
                      "seconds": seconds} for name, run, base, seconds in rows}
    path = ROOT / args.tag / f"{args.subjects}subjects_seed{args.seed}" / "summary.json"
    path.write_text(json.dumps({"overrides": {k: repr(v) for k, v in overrides.items()},
                                "statistics": stats, "configs": summary}, indent=1))
    print(f"wrote {path}; mean seconds per config {np.mean([r[3] for r in rows]):.0f}")


if __name__ == "__main__":
    main()
