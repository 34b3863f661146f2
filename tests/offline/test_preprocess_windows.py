"""Preprocessing: same filter and windows as live, baseline, z-score, channels, cache."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError, MontageError
from eeg_emotion.filters import FilterSpec, filter_offline
from eeg_emotion.offline import preprocess as pp
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.registry import DatasetIndex
from eeg_emotion.offline.preprocess import contract_for, prepare_windows
from eeg_emotion.offline.train_config import FilterSection, PreprocessSection

RAW = dict(standardize="none")


def settings(index, *, filter: FilterSpec | None = None, window_s: float | None = 4.0,
             baseline: str = "none", standardize: str = "window", **kw):
    """The contract of a [preprocess] table on ``index`` (4-s z-scored windows unless told)."""
    section = PreprocessSection(filter=FilterSection(**(filter or FilterSpec()).to_dict()),
                                window_s=window_s, baseline=baseline, standardize=standardize,
                                **kw)
    channels = kw.get("channels")
    return contract_for(index, section, list(channels) if channels else None)


def test_windows_equal_filter_offline_of_the_trial(deap_index, tmp_path):
    s = settings(deap_index, window_s=2.0, hop_s=1.0, **RAW)
    ws = prepare_windows(deap_index, s, cache_dir=tmp_path, progress=False)
    # 8 s after the 3-s baseline at 128 Hz: windows of 256 every 128 samples -> 7 per trial
    assert ws.X.shape == (12 * 7, 32, 256)
    assert ws.X.dtype == np.float32
    np.testing.assert_array_equal(ws.start[:7], np.arange(7) * 128)
    design = FilterSpec().design(128.0)
    for tid in (0, 5, 11):
        trial = deap_index.load(deap_index.trials[tid])
        y = filter_offline(trial[:, 384:], design)
        rows = np.flatnonzero(ws.trial_id == tid)
        for row in rows:
            st = ws.start[row]
            np.testing.assert_allclose(ws.X[row], y[:, st:st + 256], rtol=1e-5, atol=1e-4)
    ref = deap_index.trials[5]
    rows = ws.trial_id == 5
    assert set(ws.subject[rows]) == {ref.subject}
    assert (ws.session[rows] == 1).all()
    for key, value in ref.labels.items():
        np.testing.assert_array_equal(ws.labels[key][rows], value)


def test_baseline_subtraction(deap_index):
    s = settings(deap_index, window_s=4.0, baseline="subtract_mean", **RAW)
    ws = prepare_windows(deap_index, s, progress=False, cache=False)
    trial = deap_index.load(deap_index.trials[2]).astype(np.float64)
    x = trial[:, 384:] - trial[:, :384].mean(axis=1, keepdims=True)
    y = filter_offline(x, FilterSpec().design(128.0))
    np.testing.assert_allclose(ws.X[ws.trial_id == 2][1], y[:, 512:1024], rtol=1e-5, atol=1e-4)
    # With a low-pass (DC kept) the difference is exactly the baseline mean per channel.
    low = FilterSpec(l_freq=0.0, h_freq=45.0)
    kept = prepare_windows(deap_index, settings(deap_index, filter=low, window_s=4.0, **RAW),
                           progress=False, cache=False)
    sub = prepare_windows(deap_index, settings(deap_index, filter=low, window_s=4.0,
                                               baseline="subtract_mean", **RAW),
                          progress=False, cache=False)
    diff = kept.X[kept.trial_id == 2] - sub.X[sub.trial_id == 2]
    expected = trial[:, :384].mean(axis=1)
    assert np.abs(expected).max() > 0.05
    np.testing.assert_allclose(diff, np.broadcast_to(expected[None, :, None], diff.shape),
                               atol=1e-3)


def test_standardisation_per_window(deap_index):
    ws = prepare_windows(deap_index, settings(deap_index, window_s=2.0), progress=False,
                         cache=False)
    np.testing.assert_allclose(ws.X.mean(axis=-1), 0.0, atol=1e-4)
    np.testing.assert_allclose(ws.X.std(axis=-1), 1.0, atol=1e-3)


def test_discard_and_channel_restriction(deap_index):
    full = prepare_windows(deap_index, settings(deap_index, window_s=2.0, **RAW),
                           progress=False, cache=False)
    s = settings(deap_index, window_s=2.0, channels=["FP2", "fp1", "Oz"], discard_s=1.0,
                 **RAW)
    sub = prepare_windows(deap_index, s, progress=False, cache=False)
    assert sub.channels == ["FP2", "fp1", "Oz"]
    assert sub.X.shape == (12 * 3, 3, 256)  # 7 s after discard: 3 whole 2-s windows
    chans = deap_index.channels
    idx = [chans.index("Fp2"), chans.index("Fp1"), chans.index("Oz")]
    design = FilterSpec().design(128.0)
    y = filter_offline(deap_index.load(deap_index.trials[0])[idx, 384:], design)
    np.testing.assert_allclose(sub.X[0], y[:, 128:384], rtol=1e-5, atol=1e-4)
    assert not np.allclose(sub.X[0], full.X[0, idx], atol=1e-3)  # the discard shifted it
    with pytest.raises(MontageError, match="lacks 1 of the model's 2 channels: Xx9"):
        settings(deap_index, channels=["Fp1", "Xx9"])
    other = settings(deap_index, window_s=2.0, **RAW)
    with pytest.raises(MontageError, match="lacks 1 of the model's 2 channels: Xx9"):
        prepare_windows(deap_index, dataclasses.replace(other, channels=("Fp1", "Xx9")),
                        progress=False, cache=False)


def test_whole_trial_mode(deap_index, seed_iv_index):
    whole = settings(deap_index, window_s=None)
    assert whole.window_s == whole.hop_s == 8.0  # the contract records the trial length
    ws = prepare_windows(deap_index, whole, progress=False, cache=False)
    assert ws.X.shape == (12, 32, 8 * 128)
    np.testing.assert_array_equal(ws.trial_id, np.arange(12))
    with pytest.raises(ConfigError, match="whole-trial windows need trials of equal length"):
        settings(seed_iv_index, window_s=None)


def test_seed_iv_windows(seed_iv_index):
    ws = prepare_windows(seed_iv_index, settings(seed_iv_index, window_s=2.0), progress=False,
                         cache=False)
    assert ws.X.shape[1:] == (62, 400)
    lengths = [t.n_times for t in seed_iv_index.trials]
    assert len(ws) == sum(n // 400 for n in lengths)
    assert set(ws.session.tolist()) == {1, 2, 3}
    assert set(ws.labels["emotion"].tolist()) == {0.0, 1.0, 2.0, 3.0}


def test_bad_settings(deap_index, seed_iv_index):
    with pytest.raises(ConfigError, match="needs a pre-trial baseline"):
        settings(seed_iv_index, baseline="subtract_mean")
    with pytest.raises(ConfigError, match="shorter than one 10-s window"):
        prepare_windows(deap_index, settings(deap_index, window_s=10.0), progress=False,
                        cache=False)
    with pytest.raises(ConfigError, match="window_s=0"):
        settings(deap_index, window_s=0)
    with pytest.raises(ConfigError, match="standardize='zscore'"):
        settings(deap_index, standardize="zscore")
    empty = DatasetIndex("deap", 128.0, list(deap_index.channels), [], deap_index.root)
    with pytest.raises(Exception, match="has no trials"):
        prepare_windows(empty, settings(deap_index), progress=False, cache=False)
    at_256 = dataclasses.replace(settings(deap_index), sfreq=256.0)
    with pytest.raises(Exception, match="sampled at 128 Hz"):
        prepare_windows(deap_index, at_256, progress=False, cache=False)


def test_process_trial_design_or_streaming_filter_agree(deap_index):
    s = settings(deap_index, window_s=2.0, baseline="subtract_mean")
    design = s.filter.design(128.0)
    streaming = pp.StreamingFilter(design, 32)
    for ref in deap_index.trials[:2]:
        trial = deap_index.load(ref)
        a = pp.process_trial(trial, design, s, 384)
        b = pp.process_trial(trial, streaming, s, 384)  # reset between trials
        np.testing.assert_array_equal(a, b)


def test_contract_for_takes_only_the_section_defaults(deap_index):
    c = contract_for(deap_index, PreprocessSection())
    assert c.channels == tuple(deap_index.channels) and c.sfreq == 128.0
    assert (c.window_s, c.hop_s) == (8.0, 8.0)  # whole trials by default
    assert (c.baseline, c.standardize, c.units, c.input) == ("subtract_mean", "none",
                                                              "microvolts", "raw")
    assert c.filter == FilterSection().spec()
    picked = contract_for(deap_index, PreprocessSection(window_s=2.0, channels=["Cz"]),
                          ["Fp2", "Fp1"])  # --channels wins over the config's
    assert picked.channels == ("Fp2", "Fp1") and picked.hop_s == 2.0


def test_cache_reused_and_invalidated(deap_index, tmp_path, monkeypatch):
    s = settings(deap_index, window_s=2.0)
    first = prepare_windows(deap_index, s, cache_dir=tmp_path, progress=False)
    assert isinstance(first.X, np.memmap)
    entries = [p for p in tmp_path.iterdir()]
    assert len(entries) == 1 and not entries[0].name.startswith(".tmp")
    loads = []
    real = DatasetIndex.load
    monkeypatch.setattr(DatasetIndex, "load",
                        lambda self, ref: loads.append(ref) or real(self, ref))
    again = prepare_windows(deap_index, s, cache_dir=tmp_path, progress=False)
    assert loads == []  # nothing recomputed
    np.testing.assert_array_equal(again.X, first.X)
    np.testing.assert_array_equal(again.trial_id, first.trial_id)
    assert again.labels.keys() == first.labels.keys()
    other = prepare_windows(deap_index, settings(deap_index, window_s=2.0, hop_s=1.0),
                            cache_dir=tmp_path, progress=False)
    assert len(loads) == 12 and len(other) != len(first)
    assert len(list(tmp_path.iterdir())) == 2


def test_cache_key_follows_files(deap_index, tmp_path):
    import os
    import shutil

    shutil.copytree(deap_index.root, tmp_path / "d")
    index = open_dataset(tmp_path / "d")
    s = settings(index)
    key = pp.cache_key(index, s)
    assert pp.cache_key(index, s) == key
    f = tmp_path / "d" / "s02.dat"
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert pp.cache_key(index, s) != key


def test_interrupted_run_leaves_no_entry(deap_index, tmp_path, monkeypatch):
    calls = []
    real = pp.process_trial

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pp, "process_trial", failing)
    with pytest.raises(KeyboardInterrupt):
        prepare_windows(deap_index, settings(deap_index), cache_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(pp, "process_trial", real)
    ws = prepare_windows(deap_index, settings(deap_index), cache_dir=tmp_path, progress=False)
    assert len(ws) == 24


def test_damaged_cache_entry_is_rebuilt(deap_index, tmp_path, caplog):
    s = settings(deap_index, window_s=2.0)
    first = prepare_windows(deap_index, s, cache_dir=tmp_path, progress=False)
    expected = np.array(first.X)
    del first
    (entry,) = tmp_path.iterdir()
    (entry / "X.npy").write_bytes(b"\x93NUMPY truncated")
    again = prepare_windows(deap_index, s, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(again.X, expected)
    assert "is damaged" in caplog.text


def test_stale_temporary_folders_are_swept(deap_index, tmp_path):
    import os
    import time

    old = tmp_path / ".tmp-windows-deap-abc-1234"
    old.mkdir()
    (old / "X.npy").write_bytes(b"partial")
    ancient = time.time() - 2 * pp.STALE_TMP_S
    os.utime(old, (ancient, ancient))
    recent = tmp_path / ".tmp-windows-deap-def-5678"  # maybe another run, still going
    recent.mkdir()
    prepare_windows(deap_index, settings(deap_index), cache_dir=tmp_path, progress=False)
    assert not old.exists() and recent.exists()


def test_resampled_and_partial_windows_match_the_live_path(deap_index):
    """Windows at another rate and with absent channels: what the live stages would make."""
    from eeg_emotion.resampler import StreamResampler

    base = settings(deap_index, window_s=2.0, **RAW)
    at_100 = dataclasses.replace(base, sfreq=100.0, channels=("Fp2", "Xx1", "Oz"))
    with pytest.raises(Exception, match="sampled at 128 Hz"):
        prepare_windows(deap_index, at_100, progress=False, cache=False)
    ws = prepare_windows(deap_index, at_100, progress=False, cache=False, resample=True,
                         missing_channels=True)
    trial = deap_index.load(deap_index.trials[0]).astype(np.float64)
    rows = [deap_index.channels.index("Fp2"), deap_index.channels.index("Oz")]
    res = StreamResampler(128.0, 100.0, 2).process(trial[rows])[0]
    y = filter_offline(res[:, 300:], FilterSpec().design(100.0))  # 3-s baseline at 100 Hz
    first = ws.X[ws.trial_id == 0]
    np.testing.assert_allclose(first[0][[0, 2]], y[:, :200], rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(first[:, 1], 0.0)  # the absent channel
    assert ws.X.shape[2] == 200
