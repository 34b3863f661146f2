"""The engine on real LSL streams (loopback), published from subprocesses."""

from __future__ import annotations

import time

import numpy as np
import pytest

from eeg_emotion.errors import MontageError, StreamError
from eeg_emotion.filters import FilterSpec, filter_offline
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.resampler import StreamResampler


def test_every_sample_accounted_for_and_ring_matches_offline(wait_until, publishers, stream_name,
                                                             loaded_factory, raw_chunks):
    """Replay subprocess -> engine: no drop, no duplicate, in order; filter == offline."""
    n = 128 * 3
    labels = "C3,Fp1,C4,Fp2,Cz"  # channel 0 (the counter) is C3; model order differs
    publishers.start(stream_name, mode="replay", channels=5, labels=labels, seconds=3.0,
                     chunk=7, linger=3.0)
    loaded = loaded_factory(channels=("Fp1", "Fp2", "C3", "C4"), sfreq=128.0)
    engine = Engine(LSLSource(stream_name), loaded, device="cpu", markers=None)
    chunks = raw_chunks(engine)
    with engine:
        assert wait_until(lambda: engine.raw_samples >= n, 15), engine.raw_samples
        assert wait_until(lambda: engine.windows_done + engine.windows_skipped
                     >= (n - 128) // 32 + 1, 5)
        status = engine.status()
        ring = engine.ring.read_last(engine.ring.capacity)
    raw = np.concatenate([c.data for c in chunks], axis=1)
    ts = np.concatenate([c.timestamps for c in chunks])
    np.testing.assert_array_equal(raw[0], np.arange(n))  # counter: every sample once, in order
    np.testing.assert_allclose(np.diff(ts), 1 / 128, atol=1e-4)  # clock sync may step
    assert status.source.samples_received == n and status.source.gaps == 0
    assert status.source.channels == tuple(labels.split(","))
    # the ring holds exactly the offline-filtered model channels
    sel = raw[[1, 3, 0, 2]].astype(np.float64)
    want = filter_offline(sel, FilterSpec(4.0, 45.0).design(128.0))
    np.testing.assert_allclose(ring.data, want[:, -ring.data.shape[1]:], rtol=1e-5, atol=1e-3)
    assert ring.data.shape[1] == n
    ests = engine.estimates_since(0)
    assert [e.index for e in ests] == list(range(len(ests)))
    assert status.windows_done + status.windows_skipped == (n - 128) // 32 + 1
    first = ests[0]
    # window 0 ends at sample 128 -> its last sample is the 128th (index 127)
    assert first.time == pytest.approx(ts[127], abs=1e-6)
    assert set(first.probabilities) == {"valence", "arousal"}
    for p in first.probabilities.values():
        assert sum(p.values()) == pytest.approx(1.0, abs=1e-5)
    assert first.level_map.shape == (4, 2, 16) and first.level_labels == ("L1", "L2")
    assert status.synthetic_model
    assert status.filter_delay_ms == pytest.approx(1000 * 106 / 128)  # 213 taps at 128 Hz
    assert all(e.latency_ms >= 0 for e in ests)


def test_resampled_stream_matches_offline(wait_until, publishers, stream_name, loaded_factory,
                                          raw_chunks):
    n = 250 * 2
    publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", sfreq=250, seconds=2.0,
                     chunk=13, linger=3.0)
    loaded = loaded_factory(sfreq=128.0)
    engine = Engine(LSLSource(stream_name), loaded, device="cpu", markers=None, hop_s=0.5)
    chunks = raw_chunks(engine)
    with engine:
        assert wait_until(lambda: engine.raw_samples >= n, 15)
        ring = engine.ring.read_last(engine.ring.capacity)
    raw = np.concatenate([c.data for c in chunks], axis=1).astype(np.float64)
    np.testing.assert_array_equal(raw[0], np.arange(n))
    res, _ = StreamResampler(250, 128, 4).process(raw)
    want = filter_offline(res, FilterSpec(4.0, 45.0).design(128.0))
    assert ring.data.shape[1] == res.shape[1] == 256
    np.testing.assert_allclose(ring.data, want, rtol=1e-5, atol=1e-3)


def test_nan_inf_samples_are_counted_and_held(wait_until, publishers, stream_name, loaded_factory):
    publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", seconds=2.0,
                     nan_at="40,41,42,200", linger=3.0)
    engine = Engine(LSLSource(stream_name), loaded_factory(), device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.raw_samples >= 256, 15)
        assert wait_until(lambda: engine.windows_done >= 2, 5)
        status = engine.status()
        ring = engine.ring.read_last(256)
    assert status.source.bad_samples == 4
    assert any("NaN/Inf" in m for m in status.messages)
    assert np.isfinite(ring.data).all()
    assert all(np.isfinite(list(p.values())).all() for e in engine.estimates_since(0)
               for p in e.probabilities.values())


def test_missing_channels_error_and_mask(wait_until, publishers, stream_name, loaded_factory):
    publishers.start(stream_name, channels=3, labels="Fp1,Fp2,C3", seconds=4.0, linger=1.0)
    with pytest.raises(MontageError, match="C4"):
        Engine(LSLSource(stream_name), loaded_factory(), device="cpu", markers=None).start()
    loaded = loaded_factory(supports_missing=True)
    engine = Engine(LSLSource(stream_name), loaded, device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.windows_done >= 1, 10)
    mask = loaded.model.masks[-1]
    assert mask is not None and mask.tolist() == [[True, True, True, False]]


def test_slow_inference_skips_stale_windows(wait_until, publishers, stream_name, loaded_factory):
    """A model slower than the hop: windows are skipped, latency does not grow."""
    publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", seconds=2.5,
                     linger=1.0)
    loaded = loaded_factory(hop_s=0.0625, delay_s=0.3)  # hop 8 samples, model 0.3 s
    engine = Engine(LSLSource(stream_name), loaded, device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.raw_samples >= 320, 15)
        time.sleep(0.4)
        status = engine.status()
    ests = engine.estimates_since(0)
    assert status.windows_skipped > 0
    assert status.windows_done + status.windows_skipped <= (320 - 128) // 8 + 1
    assert status.windows_done < 12  # far fewer than the 25 boundaries
    # every estimate is about the newest window: latency stays about one model call
    assert max(e.latency_ms for e in ests[1:]) < 3 * 300 + 500


def test_stream_not_found_is_a_clean_error(stream_name):
    with pytest.raises(StreamError, match="no LSL stream") as info:
        LSLSource(stream_name).open(timeout=0.3)
    assert "replay" in info.value.fix


def test_ground_truth_from_replay_markers(wait_until, publishers, stream_name, loaded_factory):
    trials = '[{"valence": 7.0, "arousal": 2.0}, {"valence": 3.0, "arousal": 8.0}]'
    publishers.start(stream_name, mode="replay", channels=4, labels="Fp1,Fp2,C3,C4",
                     seconds=3.0, trial_labels=trials, wait_markers=True, linger=2.0)
    engine = Engine(LSLSource(stream_name), loaded_factory(hop_s=0.25), device="cpu")
    with engine:
        assert wait_until(lambda: engine.raw_samples >= 384, 15)
        assert wait_until(lambda: engine.windows_done >= 9, 5)
    status = engine.status()  # after stop: counts the same estimates as `ests`
    ests = engine.estimates_since(0)
    truths = [e.ground_truth for e in ests]
    # trial 0 holds samples 0-191, trial 1 samples 192-383
    for e in ests:
        sample = round((e.time - ests[0].time) * 128) + 127
        want = ({"valence": "high", "arousal": "low"} if sample < 192
                else {"valence": "low", "arousal": "high"})
        if sample not in (191, 383):  # the trial_end sample itself is ambiguous
            assert e.ground_truth == want, (sample, e.ground_truth)
    assert truths.count(None) <= 2  # only windows ending on a trial_end sample
    hits = sum(max(e.probabilities["valence"], key=e.probabilities["valence"].get)
               == e.ground_truth["valence"] for e in ests if e.ground_truth)
    n = sum(1 for e in ests if e.ground_truth)
    assert status.running_accuracy["valence"] == pytest.approx(hits / n)
    assert "ground_truth" in ests[0].to_json_dict()
