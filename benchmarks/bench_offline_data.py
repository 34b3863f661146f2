"""Offline data path: synthetic generation, indexing, preprocessing (cold and cached), features.

1. Synth: writes the default synthetic DEAP (6 x 12 x 23 s) and SEED-IV (4 x 3 x 24 x
   ~20 s, raw + features) datasets; prints seconds and MB written.
2. Index: :func:`~eeg_emotion.offline.datasets.readers.open_dataset` on both (DEAP reads
   every file once).
3. Preprocess: :func:`eeg_emotion.offline.preprocess.prepare_windows` on 4-s z-scored windows
   (4-45 Hz causal FIR, 4-s windows, per-window z-score), cold (computed and cached)
   then warm (cache reused); prints windows/s and input seconds of EEG per second.
4. Features: DE and Welch band power of the DEAP windows; prints windows/s.

Run: ``.venv/bin/python benchmarks/bench_offline_data.py [--full-subject]``;
``--full-subject`` adds one DEAP subject of the real size (40 x 63 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from eeg_emotion.features import band_power_psd, differential_entropy
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.preprocess import contract_for, prepare_windows
from eeg_emotion.offline.synth.deap import write_synthetic_deap
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv
from eeg_emotion.offline.train_config import PreprocessSection


def _mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def bench(root: Path, full_subject: bool) -> None:
    """Run and print every measurement."""
    sets = [("deap", write_synthetic_deap, {}), ("seed-iv", write_synthetic_seed_iv, {})]
    if full_subject:
        sets.append(("deap-full-subject", write_synthetic_deap,
                     {"subjects": 1, "trials": 40, "seconds": 60.0}))
    # 4-s z-scored windows with the default 4-45 Hz band-pass (what the demo trains on)
    section = PreprocessSection(window_s=4.0, baseline="none", standardize="window")
    cache = root / "cache"
    for name, write, sizes in sets:
        folder = root / name
        _, dt = _timed(write, folder, **sizes)
        print(f"{name:18s} synth      {dt:6.2f} s  {_mb(folder):7.1f} MB written")
        index, dt = _timed(open_dataset, folder)
        eeg_s = sum(t.n_times for t in index.trials) / index.sfreq
        print(f"{name:18s} index      {dt:6.2f} s  {len(index.trials)} trials, "
              f"{eeg_s / 60:.1f} min of EEG")
        contract = contract_for(index, section)
        ws, dt = _timed(prepare_windows, index, contract, cache_dir=cache, progress=False)
        print(f"{name:18s} preprocess {dt:6.2f} s  {len(ws) / dt:8.0f} windows/s  "
              f"{eeg_s / dt:8.0f} s of EEG per s (cold, {len(ws)} windows)")
        contract = contract_for(index, section)
        ws, dt = _timed(prepare_windows, index, contract, cache_dir=cache, progress=False)
        print(f"{name:18s} preprocess {dt:6.2f} s  (warm: cache reused)")
        X = np.asarray(ws.X[: min(len(ws), 500)])
        _, dt = _timed(differential_entropy, X, ws.sfreq)
        print(f"{name:18s} DE         {len(X) / dt:8.0f} windows/s")
        _, dt = _timed(band_power_psd, X, ws.sfreq)
        print(f"{name:18s} Welch PSD  {len(X) / dt:8.0f} windows/s")


def main() -> None:
    """Parse arguments and run the benchmark in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-subject", action="store_true",
                        help="also time one DEAP subject of the real size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(Path(tmp), args.full_subject)


if __name__ == "__main__":
    main()
