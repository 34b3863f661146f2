"""Engine pieces without LSL: NaN repair, smoothing, bad options, failing model/source;
a window mostly of repaired samples gives no estimate, and every estimate says how much
of its window was repaired."""

from __future__ import annotations

import itertools
import json
import threading
import time

import numpy as np
import pytest
import torch

from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.engine.ring_buffer import RingBuffer
from eeg_emotion.realtime.engine.stages import RepairNonFinite, repair_non_finite, repaired_at
from eeg_emotion.realtime.engine.state import LIVE_HOP_S, MAX_REPAIRED, POOR_REPAIRED, Estimate
from eeg_emotion.realtime.outputs.headless import summary_line
from eeg_emotion.realtime.sources.markers import TrialTimeline
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo, SourceLost


class ListSource(Source):
    """Serves prepared chunks, then nothing; can raise SourceLost once on demand."""

    def __init__(self, chunks, channels=("Fp1", "Fp2", "C3", "C4"), sfreq=128.0,
                 lose_after: int | None = None, reopen_ok: bool = True,
                 pace: float = 0.0) -> None:
        self.chunks = list(chunks)
        self.info = SourceInfo("list", "lsl", tuple(channels), sfreq, "list-1")
        self.lose_after = lose_after
        self.reopen_ok = reopen_ok
        self.pace = pace
        self.reopens = 0
        self.closed = False
        self._i = 0
        self._lock = threading.Lock()

    def open(self, timeout: float = 10.0) -> SourceInfo:
        return self.info

    def read(self, timeout: float = 0.1):
        with self._lock:
            if self.lose_after is not None and self._i == self.lose_after:
                self.lose_after = None
                raise SourceLost("gone")
            if self._i >= len(self.chunks):
                time.sleep(timeout)
                return None
            self._i += 1
        time.sleep(self.pace)
        return self.chunks[self._i - 1]

    def reopen(self, timeout: float = 1.0) -> bool:
        self.reopens += 1
        if not self.reopen_ok:
            raise StreamError("came back with 5 channels")
        return True

    def close(self) -> None:
        self.closed = True


def _chunks(n_ch: int, n: int, size: int, rate: float = 128.0, t0: float = 100.0):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((n_ch, n)).astype(np.float32) * 10
    t = t0 + np.arange(n) / rate
    return [Chunk(data[:, i:i + size], t[i:i + size]) for i in range(0, n, size)]



def test_repair_holds_last_good_value_vectorised():
    last = np.array([5.0, 7.0])
    x = np.array([[np.nan, 1.0, np.nan, np.nan, 4.0],
                  [2.0, np.inf, -np.inf, 3.0, np.nan]])
    y, bad = repair_non_finite(x, last)
    np.testing.assert_array_equal(y, [[5.0, 1.0, 1.0, 1.0, 4.0], [2.0, 2.0, 2.0, 3.0, 3.0]])
    assert bad == 5 and last.tolist() == [4.0, 3.0]
    clean = np.ones((2, 3))
    y2, bad2 = repair_non_finite(clean, last)
    assert bad2 == 0 and y2 is clean and last.tolist() == [1.0, 1.0]


def test_smoothing_is_exponential(wait_until, loaded_factory):
    src = ListSource(_chunks(4, 128 * 4, 16), pace=0.02)
    engine = Engine(src, loaded_factory(hop_s=0.5), device="cpu", markers=None, smoothing=0.6)
    with engine:
        assert wait_until(lambda: engine.windows_done + engine.windows_skipped >= 7)
    ests = engine.estimates_since(0)
    assert len(ests) >= 3
    assert ests[0].smoothed == ests[0].probabilities
    for prev, cur in itertools.pairwise(ests):
        for t, p in cur.probabilities.items():
            for c, v in p.items():
                assert cur.smoothed[t][c] == pytest.approx(0.6 * prev.smoothed[t][c] + 0.4 * v)
    assert src.closed


def test_lost_source_reconnects_and_layout_change_fails_cleanly(wait_until, loaded_factory):
    src = ListSource(_chunks(4, 128 * 3, 16), lose_after=5)
    engine = Engine(src, loaded_factory(), device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.raw_samples == 128 * 3)
        assert src.reopens == 1 and engine.connected and engine.failure is None
    bad = ListSource(_chunks(4, 128 * 3, 16), lose_after=2, reopen_ok=False)
    engine = Engine(bad, loaded_factory(), device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.failure is not None)
        assert not engine.running and not engine.wait(1.0)
    assert "5 channels" in engine.status().source.last_error


def test_model_error_stops_engine_without_crash(wait_until, loaded_factory):
    loaded = loaded_factory()

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    loaded.model.forward = broken
    engine = Engine(ListSource(_chunks(4, 128 * 3, 16)), loaded, device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.failure is not None)
    assert isinstance(engine.failure, StreamError) and "boom" in engine.failure.problem


def test_chunk_with_wrong_channel_count_is_reported(wait_until, loaded_factory):
    chunks = _chunks(4, 64, 16) + _chunks(5, 32, 16, t0=101.0)
    engine = Engine(ListSource(chunks), loaded_factory(), device="cpu", markers=None)
    with engine:
        assert wait_until(lambda: engine.failure is not None)
    assert "5 channels instead of 4" in engine.failure.problem


def test_bad_options_are_config_errors(loaded_factory):
    src = ListSource([])
    with pytest.raises(ConfigError, match="smoothing"):
        Engine(src, loaded_factory(), smoothing=1.0)
    with pytest.raises(ConfigError, match="notch"):
        Engine(src, loaded_factory(), notch=55)
    with pytest.raises(ConfigError):
        Engine(src, loaded_factory(), hop_s=-1)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA"):
            Engine(src, loaded_factory(), device="cuda", markers=None).start()


def test_trial_timeline_maps_labels_and_late_join(loaded_factory):
    targets = loaded_factory().meta.targets
    tl = TrialTimeline()
    # joined late: the trial_start was missed, baseline_end still carries the labels
    assert tl.add(10.0, '{"event": "baseline_end", "trial": 0, '
                        '"labels": {"valence": 7.5, "arousal": 5.0}}')
    assert tl.add(20.0, '{"event": "trial_end", "trial": 0, "labels": {"valence": 7.5}}')
    assert tl.add(21.0, '{"event": "trial_start", "trial": 1, "labels": {"valence": 2}}')
    assert not tl.add(22.0, "not json") and not tl.add(23.0, '{"event": "x"}')
    assert tl.truth_at(9.0, targets) is None
    assert tl.truth_at(15.0, targets) == {"valence": "high", "arousal": "low"}  # 5 is not > 5
    assert tl.truth_at(20.5, targets) is None
    assert tl.truth_at(30.0, targets) == {"valence": "low"}


def test_default_hop_is_live_not_training(loaded_factory):
    def hop(model_hop: float, given: float | None = None) -> float:
        src = ListSource(_chunks(4, 128, 16))
        return Engine(src, loaded_factory(hop_s=model_hop), hop_s=given, device="cpu",
                      markers=None).hop_s

    assert hop(4.0) == LIVE_HOP_S == 0.5  # a 4-s training hop is too slow to watch
    assert hop(0.25) == 0.25  # a finer training hop is kept
    assert hop(4.0, given=2.0) == 2.0


def test_status_works_before_start(loaded_factory):
    engine = Engine(ListSource([]), loaded_factory(), device="cpu", markers=None)
    status = engine.status()
    assert status.windows_done == 0 and status.source.samples_received == 0
    assert engine.gaps_since(0) == [] and engine.latest_estimate() is None
    assert engine.windows_skipped == 0 and not engine.connected


def test_no_window_spans_a_gap_and_truth_is_cleared(wait_until, loaded_factory):
    # 3 s of data, then a 10-s hole in the timestamps, then 3 s more (same connection)
    before = _chunks(4, 128 * 3, 16, t0=100.0)
    after = _chunks(4, 128 * 3, 16, t0=113.0)
    src = ListSource(before + after, pace=0.005)
    engine = Engine(src, loaded_factory(window_s=1.0, hop_s=0.25), device="cpu", markers=None)
    engine.timeline.add(99.0, '{"event": "trial_start", "trial": 0, '
                              '"labels": {"valence": 8, "arousal": 2}}')
    with engine:
        assert wait_until(lambda: engine.raw_samples == 128 * 6)
        assert wait_until(lambda: engine.latest_estimate() is not None
                          and engine.latest_estimate().time > 115.9, 5)
    (gap,) = engine.gaps_since(0)
    assert gap.start == pytest.approx(100.0 + (128 * 3 - 1) / 128.0)
    assert gap.end == pytest.approx(113.0) and gap.samples_lost == round(
        (113.0 - gap.start) * 128) - 1
    assert gap.to_json_dict()["type"] == "gap"
    ests = engine.estimates_since(0)
    post = [e for e in ests if e.time > gap.end]
    pre = [e for e in ests if e.time <= gap.start]
    assert pre and post
    # the first window after the gap is a whole window of new data
    assert post[0].time - 1.0 + 1 / 128 >= gap.end - 1e-9
    assert post[0].time == pytest.approx(gap.end + 1.0 - 1 / 128)
    # ground truth held before the gap, unknown after it (until a marker comes)
    assert all(e.ground_truth == {"valence": "high", "arousal": "low"} for e in pre)
    assert all(e.ground_truth is None for e in post)
    assert pre[-1].running_accuracy is not None and post[0].running_accuracy is None
    assert engine.status().source.gaps == 1


def test_stream_in_volts_is_rescaled_and_said(wait_until, loaded_factory):
    chunks = [Chunk(c.data * 1e-6, c.timestamps) for c in _chunks(4, 128 * 2, 16)]
    volts = ListSource(chunks)
    volts.info = SourceInfo("list", "lsl", volts.info.channels, 128.0, "v", units="volts")
    engine = Engine(volts, loaded_factory(), device="cpu", markers=None)
    uv = Engine(ListSource(_chunks(4, 128 * 2, 16)), loaded_factory(), device="cpu",
                markers=None)
    for e in (engine, uv):
        with e:
            assert wait_until(lambda e=e: e.raw_samples == 256)
            assert wait_until(lambda e=e: e.ring.samples_received == 256)
    np.testing.assert_allclose(engine.latest_signal(2.0)[1], uv.latest_signal(2.0)[1],
                               rtol=1e-4, atol=1e-3)
    assert any("rescaled by 1e+06" in n for n in engine.status().notes)
    weird = ListSource(_chunks(4, 128, 16))
    weird.info = SourceInfo("list", "lsl", weird.info.channels, 128.0, "w", units="bananas")
    with pytest.raises(StreamError, match="bananas"):
        Engine(weird, loaded_factory(), device="cpu", markers=None).start()


RATE = 128.0


def _stream(bad: slice | None, n: int = 128 * 6, size: int = 16, unused_nan: bool = False):
    """4 channels of noise (a fifth, unused, all NaN when ``unused_nan``); NaN in ``bad``."""
    rng = np.random.default_rng(0)
    data = rng.standard_normal((5 if unused_nan else 4, n)).astype(np.float32) * 10
    if bad is not None:
        data[:4, bad] = np.nan
    if unused_nan:
        data[4] = np.nan
    t = 100.0 + np.arange(n) / RATE
    return [Chunk(data[:, i:i + size], t[i:i + size]) for i in range(0, n, size)]


def _run(chunks, loaded, wait_until, channels=("Fp1", "Fp2", "C3", "C4")) -> Engine:
    src = ListSource(chunks, channels=channels, pace=0.005)
    engine = Engine(src, loaded, device="cpu", markers=None)
    n_windows = (len(chunks) * chunks[0].n_samples - loaded.meta.signal.window) \
        // engine.hop + 1
    with engine:
        assert wait_until(lambda: engine.windows_done + engine.windows_skipped
                          + engine.windows_unusable >= n_windows - 1, 20)
    return engine


def test_an_all_nan_stream_gives_no_estimate_and_says_why(wait_until, loaded_factory):
    engine = _run(_stream(slice(None)), loaded_factory(hop_s=0.25), wait_until)
    assert engine.bad_samples == engine.raw_samples > 0  # every sample NaN
    assert engine.windows_done == 0 and engine.windows_unusable > 10
    status = engine.status()
    assert status.windows_unusable == engine.windows_unusable
    assert any("no estimate: 100% of the window's samples were repaired" in m
               for m in status.messages)
    assert summary_line(status)["windows_unusable"] == engine.windows_unusable


def test_estimates_carry_the_share_of_repaired_samples(wait_until, loaded_factory):
    # 1-s windows every 0.25 s; 0.3 s of NaN at 3 s: some windows are partly repaired
    engine = _run(_stream(slice(384, 384 + 38)), loaded_factory(hop_s=0.25), wait_until)
    ests = engine.estimates_since(0)
    shares = [e.repaired for e in ests]
    assert min(shares) == 0.0 and 0.25 < max(shares) <= 0.35
    assert engine.windows_unusable == 0
    poor = [e for e in ests if e.quality == "poor"]
    assert poor and all(e.repaired >= POOR_REPAIRED for e in poor)
    line = json.loads(json.dumps(poor[0].to_json_dict()))
    assert line["quality"] == "poor" and line["repaired_share"] == round(poor[0].repaired, 3)
    clean = ests[0].to_json_dict()
    assert clean["quality"] == "ok" and clean["repaired_share"] == 0.0


def test_a_broken_channel_the_model_does_not_use_costs_nothing(wait_until, loaded_factory):
    engine = _run(_stream(None, unused_nan=True), loaded_factory(hop_s=0.5), wait_until,
                  channels=("Fp1", "Fp2", "C3", "C4", "O1"))
    assert engine.bad_samples > 0  # counted for the health panel...
    ests = engine.estimates_since(0)
    assert ests and all(e.repaired == 0.0 for e in ests)  # ...but the model saw none


def test_the_share_is_read_from_a_cumulative_count():
    ring = RingBuffer(1, 8)
    ring.write(np.zeros((1, 6)), np.arange(6.0), np.array([0, 1, 1, 1, 0, 0], bool))
    assert ring.read_last(4).repaired == 0.5  # samples 2..5
    ring.write(np.zeros((1, 6)), np.arange(6.0, 12.0))  # wraps; 4..11 held
    assert ring.read_last(8).repaired == 0.0
    assert ring.read_last(4, end=6).repaired == 0.0  # 4..5; 2..3 are overwritten
    ring.write(np.zeros((1, 20)), np.arange(20.0), np.ones(20, bool))  # more than it holds
    assert ring.read_last(8).repaired == 1.0


def test_flags_follow_the_resampled_samples():
    raw = np.arange(10) / 250.0
    flags = np.zeros(10, bool)
    flags[4:8] = True
    out = repaired_at(raw, flags, np.arange(5) / 125.0)
    assert out.tolist() == [False, False, True, True, False]
    assert repaired_at(raw, None, raw) is None
    stage = RepairNonFinite(3, lambda n: None, rows=np.array([0, 2]))
    x = np.ones((3, 4))
    x[1, :] = np.nan  # a row the model does not use
    stage.process(x, raw[:4])
    assert stage.repaired is None
    x[2, 1] = np.inf
    stage.process(x, raw[:4])
    assert stage.repaired.tolist() == [False, True, False, False]


def test_thresholds():
    assert 0 < POOR_REPAIRED < MAX_REPAIRED == 0.5
    assert Estimate(0, 0.0, 0.0, {}, repaired=POOR_REPAIRED).quality == "poor"
    assert Estimate(0, 0.0, 0.0, {}, repaired=0.05).quality == "ok"
