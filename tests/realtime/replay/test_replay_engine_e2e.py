"""End to end: ReplayPlayer -> LSL -> Engine with ground truth -> recording -> FIF."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import mne
import numpy as np

from eeg_emotion.offline.export import export_recording
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.replay.player import ReplayPlayer
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.recording_files import read_recording


def test_replayed_trials_reach_the_engine_with_ground_truth(wait_until, tmp_path: Path, rng,
                                                            loaded_factory) -> None:
    sfreq, channels = 128.0, ("Fp1", "Fp2", "C3", "C4")
    trials = [rng.normal(0, 20, (4, 384)).astype(np.float32) for _ in range(2)]  # 2 x 3 s
    labels = [{"valence": 8.0, "arousal": 2.0}, {"valence": 2.0, "arousal": 8.0}]
    name = f"test-replay-e2e-{uuid.uuid4().hex[:8]}"
    player = ReplayPlayer(trials, sfreq, channels, name, labels=labels, speed=3.0,
                          dataset="deap")
    loaded = loaded_factory(channels=channels, sfreq=sfreq, window_s=1.0, hop_s=0.25)
    engine = Engine(LSLSource(name), loaded, device="cpu", markers="auto")
    rec_path = tmp_path / "replay.rec"
    try:
        player.open()
        engine.start()
        engine.start_recording(str(rec_path))
        assert player.wait_for_consumers(15.0), "engine did not subscribe to both streams"
        player.start()
        assert player.join(15.0)
        assert wait_until(lambda: engine.raw_samples >= 768, 10), engine.raw_samples
        time.sleep(0.3)  # let the last markers and windows through
        engine.stop_recording()
        ests = engine.estimates_since(0)
    finally:
        engine.stop()
        player.stop()

    truths = [e.ground_truth for e in ests if e.ground_truth]
    assert {"valence": "high", "arousal": "low"} in truths  # trial 0
    assert {"valence": "low", "arousal": "high"} in truths  # trial 1
    rec = read_recording(rec_path)
    np.testing.assert_array_equal(rec.data, np.concatenate(trials, axis=1))
    np.testing.assert_allclose(np.diff(rec.timestamps), 1 / (3 * sfreq), atol=1e-6)
    events = [json.loads(text)["event"] for _, text in rec.markers]
    assert events == ["trial_start", "trial_end", "trial_start", "trial_end"]
    raw = mne.io.read_raw_fif(export_recording(rec_path, tmp_path / "replay_raw.fif"),
                              verbose="error")
    ann = dict(zip(raw.annotations.description, raw.annotations.onset, strict=True))
    # On their sample, up to the inlets' clock-sync estimates (microseconds here).
    # the annotations keep each trial's labels
    assert abs(ann["trial_start trial 1 valence=2 arousal=8"] - 384 / sfreq) < 0.25 / sfreq
    assert abs(ann["trial_end trial 0 valence=8 arousal=2"] - 383 / sfreq) < 0.25 / sfreq
