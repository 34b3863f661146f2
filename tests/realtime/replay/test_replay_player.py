"""ReplayPlayer: every sample in order, exact timestamps, markers, speed, loop, errors."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.replay.player import ReplayPlayer, replay_source_id

pylsl = import_pylsl()

SFREQ = 200.0


def _ramp_trials(n_channels: int, lengths: list[int]) -> list[np.ndarray]:
    """Trials whose value encodes (global sample index, channel): easy to check order."""
    out, start = [], 0
    for n in lengths:
        idx = np.arange(start, start + n, dtype=np.float32)
        out.append(idx[None, :] + 1000.0 * np.arange(n_channels, dtype=np.float32)[:, None])
        start += n
    return out


def _connect(player: ReplayPlayer):
    """Open the outlets, subscribe inlets to data and markers, wait for both."""
    player.open()
    data = pylsl.resolve_byprop("source_id", player.source_id, 1, 10.0)
    marks = pylsl.resolve_byprop("source_id", f"{player.source_id}-markers", 1, 10.0)
    assert data and marks, "replay streams not found on loopback"
    inlet = pylsl.StreamInlet(data[0], max_buflen=30, recover=False)
    minlet = pylsl.StreamInlet(marks[0], recover=False)
    inlet.open_stream(5.0)
    minlet.open_stream(5.0)
    assert player.wait_for_consumers(5.0)
    return inlet, minlet


def _pull_all(inlet, n_expected: int, timeout: float = 10.0):
    samples, stamps, arrival = [], [], []
    deadline = pylsl.local_clock() + timeout
    got = 0
    while got < n_expected and pylsl.local_clock() < deadline:
        chunk, ts = inlet.pull_chunk(timeout=0.2, max_samples=4096, as_numpy=True)
        if len(ts):
            samples.append(np.asarray(chunk))
            stamps.append(np.asarray(ts))
            arrival.append(np.full(len(ts), pylsl.local_clock()))
            got += len(ts)
    if not samples:
        return np.empty((0, 0)), np.empty(0), np.empty(0)
    return np.concatenate(samples), np.concatenate(stamps), np.concatenate(arrival)


def _pull_markers(minlet, n: int, timeout: float = 5.0) -> list[tuple[dict, float]]:
    out = []
    deadline = pylsl.local_clock() + timeout
    while len(out) < n and pylsl.local_clock() < deadline:
        sample, ts = minlet.pull_sample(timeout=0.2)
        if sample is not None:
            out.append((json.loads(sample[0]), ts))
    return out


def _play(player: ReplayPlayer, inlet, minlet, n_samples: int, n_markers: int, **start):
    """Start the replay, collect its samples and markers, wait for it, close all."""
    try:
        player.start(**start)
        data, stamps, arrival = _pull_all(inlet, n_samples)
        markers = _pull_markers(minlet, n_markers)
        assert player.join(5.0)
    finally:
        _close(inlet, minlet)
        player.stop()
    return data, stamps, arrival, markers


def _close(*inlets) -> None:
    for inlet in inlets:
        inlet.close_stream()
        del inlet


def _name() -> str:
    return f"test-replay-{uuid.uuid4().hex[:10]}"


def test_every_sample_in_order_with_exact_timestamps_and_markers() -> None:
    channels = ["Fp1", "Fp2", "C3", "C4"]
    trials = _ramp_trials(4, [60, 40])
    labels = [{"valence": 7.1, "arousal": 2.0}, {"valence": 3.0, "arousal": 8.5}]
    player = ReplayPlayer(trials, SFREQ, channels, _name(), labels=labels, chunk_size=7,
                          baseline_s=0.1, dataset="deap", source_file="/data/s01.dat")
    inlet, minlet = _connect(player)
    try:
        info = inlet.info(5.0)
        assert info.nominal_srate() == SFREQ
        assert info.type() == "EEG" and info.channel_format() == pylsl.cf_float32
        ch = info.desc().child("channels").child("channel")
        got_labels, units, types = [], [], []
        while not ch.empty():
            got_labels.append(ch.child_value("label"))
            units.append(ch.child_value("unit"))
            types.append(ch.child_value("type"))
            ch = ch.next_sibling()
        assert got_labels == channels
        assert units == ["microvolts"] * 4 and types == ["EEG"] * 4
        acq = info.desc().child("acquisition")
        assert acq.child_value("dataset") == "deap"
        assert acq.child_value("file") == "/data/s01.dat"
    except BaseException:
        _close(inlet, minlet)
        player.stop()
        raise
    data, stamps, arrival, markers = _play(player, inlet, minlet, 100, 6)

    expected = np.concatenate(trials, axis=1).T
    assert data.shape == expected.shape  # no drop, no duplicate
    np.testing.assert_array_equal(data, expected)
    # Drift-free: timestamps exactly one period apart, from the schedule.
    assert abs((stamps[-1] - stamps[0]) - 99 / SFREQ) < 1e-6
    np.testing.assert_allclose(np.diff(stamps), 1 / SFREQ, atol=1e-6)
    t0 = player.stats.t0
    assert abs(stamps[0] - t0) < 1e-6
    # Paced on the wall clock: no sample arrives before it was due.
    assert np.all(arrival >= stamps - 1e-3)
    assert player.stats.samples == 100

    events = [(m["event"], m["trial"]) for m, _ in markers]
    assert events == [("trial_start", 0), ("baseline_end", 0), ("trial_end", 0),
                      ("trial_start", 1), ("baseline_end", 1), ("trial_end", 1)]
    by_event = {(m["event"], m["trial"]): (m, ts) for m, ts in markers}
    assert by_event[("trial_start", 0)][0]["labels"] == labels[0]
    assert by_event[("trial_start", 1)][0]["labels"] == labels[1]
    assert by_event[("trial_end", 1)][0]["dataset"] == "deap"
    # Markers are stamped with the time of the sample they mark.
    for (event, trial), sample in [(("trial_start", 0), 0), (("baseline_end", 0), 20),
                                   (("trial_end", 0), 59), (("trial_start", 1), 60),
                                   (("baseline_end", 1), 80), (("trial_end", 1), 99)]:
        assert abs(by_event[(event, trial)][1] - stamps[sample]) < 1e-6, event


def test_speed_spaces_timestamps_and_duration_limits_samples() -> None:
    trials = _ramp_trials(2, [400])
    player = ReplayPlayer(trials, SFREQ, ["Cz", "Pz"], _name(), speed=4.0, chunk_size=16)
    inlet, minlet = _connect(player)
    try:
        player.start(duration=0.25)  # 0.25 s at 4 x 200 Hz = 200 samples
        data, stamps, _ = _pull_all(inlet, 200)
        assert player.join(5.0)
    finally:
        _close(inlet, minlet)
        player.stop()
    assert player.stats.samples == 200
    assert data.shape == (200, 2)
    np.testing.assert_array_equal(data[:, 0], np.arange(200))
    np.testing.assert_allclose(np.diff(stamps), 1 / (4 * SFREQ), atol=1e-6)
    assert abs((stamps[-1] - stamps[0]) - 199 / (4 * SFREQ)) < 1e-6


def test_loop_repeats_trials_and_markers() -> None:
    trials = _ramp_trials(1, [30, 20])
    player = ReplayPlayer(trials, SFREQ, ["Oz"], _name(), loop=True, speed=5.0,
                          labels=[{"emotion": 1}, {"emotion": 3}], trial_numbers=[4, 9],
                          dataset="seed-iv")
    inlet, minlet = _connect(player)
    data, stamps, _, markers = _play(player, inlet, minlet, 120, 9,
                                     duration=120 / (5 * SFREQ))  # 2.4 passes of 50
    one_pass = np.concatenate(trials, axis=1)[0]
    np.testing.assert_array_equal(data[:, 0], np.tile(one_pass, 3)[:120])
    np.testing.assert_allclose(np.diff(stamps), 1 / (5 * SFREQ), atol=1e-6)
    starts = [(m["trial"], m["labels"]["emotion"]) for m, _ in markers
              if m["event"] == "trial_start"]
    assert starts == [(4, 1), (9, 3), (4, 1), (9, 3), (4, 1)]
    assert player.stats.trials_started == 5


def test_stop_ends_a_looping_replay_and_destroys_outlets() -> None:
    name = _name()
    player = ReplayPlayer(_ramp_trials(1, [50]), SFREQ, ["Oz"], name, loop=True)
    player.start()
    assert player.running
    player.stop()
    assert not player.running
    assert player._outlet is None and player._marker_outlet is None
    # The stream disappears from the network once the outlet is destroyed.
    assert not pylsl.resolve_byprop("source_id", player.source_id, 1, 0.5)


def test_source_id_is_stable_and_file_specific() -> None:
    assert replay_source_id("a", "/x.dat") == replay_source_id("a", "/x.dat")
    assert replay_source_id("a", "/x.dat") != replay_source_id("a", "/y.dat")
    assert replay_source_id("a", "/x.dat") != replay_source_id("b", "/x.dat")


@pytest.mark.parametrize("kwargs, match", [
    ({"speed": 0.0}, "speed"),
    ({"speed": -1.0}, "speed"),
    ({"chunk_size": 0}, "--chunk-size 0 must be at least 1"),
    ({"speed": float("nan")}, "--speed nan is not a finite number"),
    ({"labels": [{"valence": 1.0}, {"valence": 2.0}]}, "label sets"),
    ({"channel_types": ["EEG"]}, "channel types"),
])
def test_bad_options_raise_config_error(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ReplayPlayer(np.zeros((2, 10)), SFREQ, ["Cz", "Pz"], "x", **kwargs)


def test_bad_data_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="shape"):
        ReplayPlayer(np.zeros((3, 10)), SFREQ, ["Cz", "Pz"], "x")
    with pytest.raises(ConfigError, match="no trials"):
        ReplayPlayer([], SFREQ, ["Cz"], "x")
    with pytest.raises(ConfigError, match="sampling rate"):
        ReplayPlayer(np.zeros((1, 10)), 0.0, ["Cz"], "x")
    with pytest.raises(ConfigError, match="label 'valence'"):
        ReplayPlayer(np.zeros((1, 10)), SFREQ, ["Cz"], "x", labels=[{"valence": [1, 2]}])
    player = ReplayPlayer(np.zeros((1, 10)), SFREQ, ["Cz"], "x",
                          labels=[{"valence": np.float32(7.5), "emotion": np.int64(2)}])
    assert player.labels == [{"valence": 7.5, "emotion": 2}]
    assert type(player.labels[0]["emotion"]) is int
    with pytest.raises(ConfigError, match="duration"):
        player.run(duration=0)


class _SlowOnce:
    """Wraps an outlet; the first push stalls, as a busy machine would."""

    def __init__(self, outlet, stall_s: float) -> None:
        self.outlet, self.stall_s = outlet, stall_s

    def push_chunk(self, *args, **kwargs) -> None:
        if self.stall_s:
            stall, self.stall_s = self.stall_s, 0.0
            import time

            time.sleep(stall)
        self.outlet.push_chunk(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.outlet, name)


def test_falling_behind_catches_up_without_drift(caplog: pytest.LogCaptureFixture) -> None:
    trials = _ramp_trials(1, [200])  # 1 s at 200 Hz
    player = ReplayPlayer(trials, SFREQ, ["Cz"], _name(), chunk_size=10)
    inlet, minlet = _connect(player)
    player._outlet = _SlowOnce(player._outlet, 1.0)
    try:
        with caplog.at_level("WARNING", logger="eeg_emotion.realtime.replay.player"):
            player.start()
            data, stamps, arrival = _pull_all(inlet, 200)
            assert player.join(5.0)
    finally:
        _close(inlet, minlet)
        player.stop()
    np.testing.assert_array_equal(data[:, 0], np.arange(200))
    # The schedule, not the stall, sets the timestamps.
    np.testing.assert_allclose(np.diff(stamps), 1 / SFREQ, atol=1e-6)
    assert abs(stamps[0] - player.stats.t0) < 1e-6
    assert player.stats.behind_events >= 1 and player.stats.max_lateness_s > 0.5
    assert "behind schedule" in caplog.text
    # Caught up: the overdue chunks went out at once, so the last sample did not
    # inherit the 1-s stall (sleeping chunk by chunk would deliver it >= 1 s late).
    assert arrival[-1] - stamps[-1] < 0.5


def test_in_trial_markers_repeat_the_labels_for_late_subscribers() -> None:
    trials = _ramp_trials(2, [100, 30])
    labels = [{"valence": 7.0}, {"valence": 2.0}]
    player = ReplayPlayer(trials, SFREQ, ["Cz", "Pz"], _name(), labels=labels,
                          chunk_size=16, speed=4.0, label_every_s=0.2)  # every 40 samples
    data, stamps, _, markers = _play(player, *_connect(player), 130, 6)
    assert len(data) == 130  # the extra marker boundaries drop or repeat nothing
    got = [(m["event"], m["trial"], m["labels"]) for m, _ in markers]
    assert got == [("trial_start", 0, labels[0]), ("in_trial", 0, labels[0]),
                   ("in_trial", 0, labels[0]), ("trial_end", 0, labels[0]),
                   ("trial_start", 1, labels[1]), ("trial_end", 1, labels[1])]
    assert abs(markers[1][1] - stamps[40]) < 1e-6 and abs(markers[2][1] - stamps[80]) < 1e-6


def test_label_interval_must_not_be_negative() -> None:
    with pytest.raises(ConfigError, match="label interval"):
        ReplayPlayer(_ramp_trials(1, [10]), SFREQ, ["Cz"], _name(), label_every_s=-1.0)
