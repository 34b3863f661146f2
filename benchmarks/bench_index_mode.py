"""Index mode and OSC: what they cost per estimate, and the delay of the index filter.

Prints, for an OpenBCI Cyton (8 ch @ 250 Hz) and a Cyton + Daisy (16 ch @ 125 Hz):

* the median time of one band-power index reading (Welch powers of a 4-s window,
  asymmetry, beta/alpha, running z-score) over ``--repeats`` runs;
* the group delay of index mode's 4-40 Hz minimum-phase band-pass, next to the
  linear-phase filter of the same band and length;
* the cost of ranking a models folder of ``--models`` small checkpoints (metadata
  only), as ``live`` does at start without ``--model``;
* the time to build and send one estimate's OSC messages to 127.0.0.1 (UDP; nothing
  needs to listen).

Run: ``.venv/bin/python benchmarks/bench_index_mode.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, save_checkpoint
from eeg_emotion.montages import CYTON, CYTON_DAISY
from eeg_emotion.realtime.band_index import BandIndexClassifier, index_model
from eeg_emotion.realtime.engine.state import Estimate
from eeg_emotion.realtime.model_choice import rank_models
from eeg_emotion.realtime.outputs.osc_output import OscOutput, osc_messages
from eeg_emotion.targets import deap_targets


def _median_ms(fn, repeats: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000.0 * statistics.median(times)


def bench_index(repeats: int) -> None:
    rng = np.random.default_rng(0)
    for label, channels, rate in (("Cyton", CYTON, 250.0), ("Cyton+Daisy", CYTON_DAISY, 125.0)):
        loaded = index_model(channels, rate)
        c = loaded.meta.signal
        clf = BandIndexClassifier(loaded.model, c)
        window = rng.normal(0, 10, (len(channels), c.window))
        ms = _median_ms(lambda clf=clf, window=window: clf(window), repeats)
        minimum = c.filter.design(c.sfreq)
        linear = FilterSpec(c.filter.l_freq, c.filter.h_freq).design(c.sfreq)
        print(f"index reading, {label} {len(channels)} ch @ {rate:g} Hz, 4-s window: "
              f"{ms:.2f} ms; filter {c.filter.l_freq:g}-{c.filter.h_freq:g} Hz, "
              f"{len(minimum.taps)} taps: minimum phase {1000 * minimum.group_delay_s:.0f} ms "
              f"vs linear phase {1000 * linear.group_delay_s:.0f} ms")


def bench_ranking(n_models: int) -> None:
    targets = deap_targets(("valence", "arousal"))
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_models):
            chans = tuple(CYTON[: 2 + i % 6])
            model = build_model("scalingnet", len(chans), 128.0, targets)
            meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(),
                                  targets=list(targets), signal=SignalContract(
                                      channels=chans, sfreq=128.0, units="microvolts",
                                      filter=FilterSpec(), window_s=4.0, hop_s=0.5,
                                      baseline="none", standardize="window"))
            save_checkpoint(Path(tmp) / f"m{i}.pt", model, meta)
        t0 = time.perf_counter()
        choices, _ = rank_models(CYTON, 250.0, Path(tmp))
        dt = time.perf_counter() - t0
    print(f"ranking {n_models} checkpoints (metadata only): {1000 * dt:.0f} ms "
          f"({1000 * dt / n_models:.1f} ms each), {len(choices)} usable")


def bench_osc(repeats: int) -> None:
    probs = {"valence": {"low": 0.3, "high": 0.7}, "arousal": {"low": 0.6, "high": 0.4},
             "dominance": {"low": 0.5, "high": 0.5}}
    est = Estimate(1, 100.0, 2.0, probs)
    out = OscOutput("127.0.0.1:9")  # discard port: nothing listens, UDP does not care
    try:
        ms = _median_ms(lambda: out.push(est), repeats)
    finally:
        out.close()
    print(f"OSC, one 3-target estimate ({len(osc_messages(est))} messages): {ms * 1000:.0f} µs")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--models", type=int, default=20)
    a = p.parse_args()
    bench_index(a.repeats)
    bench_ranking(a.models)
    bench_osc(a.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
