"""Test helper run as a subprocess: publish a known signal as an LSL stream.

Channel 0 carries a sample counter (``start``, ``start + 1``, ...) so a reader
can check that every sample arrived once and in order; the other channels are
a sine plus a DC offset. ``--mode replay`` publishes through
:class:`eeg_emotion.realtime.replay.player.ReplayPlayer` (labels in the description, trial markers
on ``<name>-markers``); ``--mode plain`` uses a bare pylsl outlet, with channel
labels in the description only when ``--labels`` is given. ``--mode openbci``
publishes like OpenBCI GUI's LSL widget with a raw Cyton: float32, no channel
labels, source id ``openbcigui``, chunks of ``--chunk`` samples pushed without
timestamps, each channel riding on a DC offset of 1e4-5e4 µV (``--seed``) with a
10 Hz alpha rhythm (stronger on even channels) in 5 µV noise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.replay.player import ReplayPlayer


def make_signal(n_ch: int, n: int, sfreq: float, start: int, nan_at: list[int]) -> np.ndarray:
    """Counter on channel 0, offset sines elsewhere, NaN columns at ``nan_at``."""
    k = np.arange(start, start + n)
    data = np.empty((n_ch, n), dtype=np.float32)
    data[0] = k
    if n_ch > 1:
        f = 3.0 + np.arange(1, n_ch)[:, None]
        data[1:] = 1000.0 + 20.0 * np.sin(2 * np.pi * f * k[None] / sfreq)
    for i in nan_at:
        if 0 <= i - start < n:
            data[1:, i - start] = np.nan
            if n_ch > 2:
                data[2, i - start] = np.inf
    return data


def openbci_signal(n_ch: int, n: int, sfreq: float, seed: int) -> np.ndarray:
    """Raw-Cyton-like data: large DC offsets, alpha, noise, a slow drift (float32)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sfreq
    offsets = rng.uniform(1e4, 5e4, n_ch) * rng.choice([-1.0, 1.0], n_ch)
    alpha = np.where(np.arange(n_ch) % 2 == 1, 20.0, 8.0)[:, None] * np.sin(
        2 * np.pi * 10.0 * t + rng.uniform(0, 2 * np.pi, (n_ch, 1)))
    drift = 30.0 * np.sin(2 * np.pi * 0.05 * t)[None]
    data = offsets[:, None] + alpha + drift + rng.normal(0.0, 5.0, (n_ch, n))
    return data.astype(np.float32)


def publish_openbci(a: argparse.Namespace, pylsl) -> None:
    """Push unlabelled float32 chunks without timestamps, as OpenBCI GUI does."""
    n = round(a.seconds * a.sfreq)
    data = openbci_signal(a.channels, n, a.sfreq, a.seed)
    info = pylsl.StreamInfo(a.name, "EEG", a.channels, a.sfreq, pylsl.cf_float32,
                            a.source_id or "openbcigui")
    outlet = pylsl.StreamOutlet(info)
    outlet.wait_for_consumers(a.wait)
    print("READY", flush=True)
    t0 = time.monotonic()
    for s in range(0, n, a.chunk):
        wait = t0 + s / (a.sfreq * a.speed) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        outlet.push_chunk(np.ascontiguousarray(data[:, s:s + a.chunk].T))  # no timestamps
    time.sleep(a.linger)
    del outlet


def emotion_trials(n_trials: int, seconds: float, sfreq: float, seed: int
                   ) -> tuple[list[np.ndarray], list[dict]]:
    """Synthetic DEAP trials with emotion structure, as a Cyton would record them.

    The Cyton's 8 channels of a synthetic DEAP subject, resampled to ``sfreq`` with
    Cyton-like DC offsets; trials alternate clearly high and clearly low valence (and
    their arousal and dominance as drawn), so a calibration on them has something to
    learn.
    """
    from scipy.signal import resample_poly

    from eeg_emotion.montages import CYTON, DEAP
    from eeg_emotion.offline.synth.deap import synth_deap_subject

    rng = np.random.default_rng(seed)
    data, ratings = synth_deap_subject(rng, 4 * n_trials, seconds, baseline_s=0.5)
    high = [i for i in range(len(ratings)) if ratings[i, 0] > 7.0]
    low = [i for i in range(len(ratings)) if ratings[i, 0] < 3.0]
    order = [x for pair in zip(high, low, strict=False) for x in pair][:n_trials]
    rows = [DEAP.index(c) for c in CYTON]
    offsets = rng.uniform(1e4, 5e4, (len(CYTON), 1))
    trials = [(resample_poly(data[i][rows], int(sfreq), 128, axis=-1) + offsets)
              .astype(np.float32) for i in order]
    labels = [dict(zip(("valence", "arousal", "dominance"), map(float, ratings[i, :3]),
                       strict=True)) for i in order]
    return trials, labels


def publish_openbci_emotion(a: argparse.Namespace, pylsl) -> None:
    """Emotion trials as OpenBCI GUI would stream them, plus a marker stream of labels."""
    import json

    trials, labels = emotion_trials(a.trials, a.seconds, a.sfreq, a.seed)
    info = pylsl.StreamInfo(a.name, "EEG", trials[0].shape[0], a.sfreq, pylsl.cf_float32,
                            a.source_id or "openbcigui")
    outlet = pylsl.StreamOutlet(info)
    markers = pylsl.StreamOutlet(pylsl.StreamInfo(f"{a.name}-markers", "Markers", 1, 0.0,
                                                  pylsl.cf_string, f"{a.name}-markers"))
    outlet.wait_for_consumers(a.wait)
    print("READY", flush=True)
    t0, sent = time.monotonic(), 0
    for k, (x, lab) in enumerate(zip(trials, labels, strict=True)):
        for s in range(0, x.shape[1], a.chunk):
            wait = t0 + sent / a.sfreq - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if s == 0:
                markers.push_sample([json.dumps({"event": "trial_start", "trial": k,
                                                 "labels": lab})], pylsl.local_clock())
            outlet.push_chunk(np.ascontiguousarray(x[:, s:s + a.chunk].T))
            sent += min(a.chunk, x.shape[1] - s)
        markers.push_sample([json.dumps({"event": "trial_end", "trial": k, "labels": lab})],
                            pylsl.local_clock())
    time.sleep(a.linger)
    del outlet, markers


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--mode", choices=("plain", "replay", "openbci", "openbci-emotion"),
                   default="plain")
    p.add_argument("--trials", type=int, default=6, help="openbci-emotion: trials")
    p.add_argument("--seed", type=int, default=0, help="openbci: seed of offsets and noise")
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--labels", default="")
    p.add_argument("--sfreq", type=float, default=128.0)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--chunk", type=int, default=8)
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--nan-at", default="")
    p.add_argument("--source-id", default="")
    p.add_argument("--wait", type=float, default=5.0, help="wait for a consumer first")
    p.add_argument("--linger", type=float, default=1.0, help="keep the outlet open after")
    p.add_argument("--trial-labels", default="", help="JSON list of label dicts (replay)")
    p.add_argument("--wait-markers", action="store_true", help="wait for a marker consumer")
    a = p.parse_args()
    if a.mode == "openbci-emotion":
        publish_openbci_emotion(a, import_pylsl())
        return 0
    if a.mode == "openbci":
        publish_openbci(a, import_pylsl())
        return 0
    n = round(a.seconds * a.sfreq)
    nan_at = [int(s) for s in a.nan_at.split(",") if s]
    data = make_signal(a.channels, n, a.sfreq, a.start, nan_at)
    labels = [s for s in a.labels.split(",") if s]
    pylsl = import_pylsl()
    if a.mode == "replay":
        trial_labels = json.loads(a.trial_labels) if a.trial_labels else None
        parts = np.array_split(data, len(trial_labels), axis=1) if trial_labels else [data]
        player = ReplayPlayer(parts, a.sfreq, labels or [f"ch{i}" for i in range(a.channels)],
                              a.name, labels=trial_labels, chunk_size=a.chunk, speed=a.speed,
                              source_id=a.source_id or None)
        player.open()
        player.wait_for_consumers(a.wait, markers=a.wait_markers)
        print("READY", flush=True)
        player.run()
        time.sleep(a.linger)
        player.close()
        return 0
    info = pylsl.StreamInfo(a.name, "EEG", a.channels, a.sfreq, pylsl.cf_float32,
                            a.source_id or a.name)
    if labels:
        chans = info.desc().append_child("channels")
        for lab in labels:
            chans.append_child("channel").append_child_value("label", lab)
    outlet = pylsl.StreamOutlet(info, chunk_size=a.chunk)
    outlet.wait_for_consumers(a.wait)
    print("READY", flush=True)
    t0 = pylsl.local_clock()
    dt = 1.0 / (a.sfreq * a.speed)
    for s in range(0, n, a.chunk):
        due = t0 + s * dt
        wait = due - pylsl.local_clock()
        if wait > 0:
            time.sleep(wait)
        block = data[:, s:s + a.chunk]
        stamps = due + np.arange(block.shape[1]) * dt
        outlet.push_chunk(np.ascontiguousarray(block.T), stamps.tolist())
    time.sleep(a.linger)
    del outlet
    return 0


if __name__ == "__main__":
    sys.exit(main())
