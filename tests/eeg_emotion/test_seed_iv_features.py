"""SEED-IV-style band features and their smoothers (offline and causal) and session norm."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

from eeg_emotion.errors import ConfigError
from eeg_emotion.filters import FilterSpec
from eeg_emotion.seed_iv_features import (
    band_energy,
    default_bands,
    hann_window,
    trial_features,
    window_features,
)
from eeg_emotion.session_norm import RunningSessionNorm, normalize_sessions
from eeg_emotion.smoothing import (
    CausalSmoother,
    lds_smooth,
    moving_average,
    smooth_offline,
    smoother_of_feature,
)


def smooth_causal(x: np.ndarray, kind: str) -> np.ndarray:
    """Run the live :class:`CausalSmoother` over one trial's features (axis 0 is time)."""
    smoother = CausalSmoother(kind)
    x = np.asarray(x, dtype=np.float64)
    return np.stack([smoother.update(v) for v in x]) if len(x) else x.copy()

FS = 200.0


def test_band_energy_is_the_mean_hann_fft_energy_of_the_band_bins(rng):
    x = rng.standard_normal((3, 800))
    spec = np.abs(np.fft.rfft(x * hann_window(800))) ** 2
    freqs = np.fft.rfftfreq(800, 1 / FS)
    e = band_energy(x, FS)
    for b, (_, lo, hi) in enumerate(default_bands()):
        inside = (freqs >= lo) & (freqs < hi)
        np.testing.assert_allclose(e[:, b], spec[:, inside].mean(axis=1))
    np.testing.assert_allclose(window_features(x, FS, "de"), np.log2(100 * e))
    np.testing.assert_allclose(window_features(x, FS, "psd"), e)
    np.testing.assert_allclose(hann_window(4), 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(1, 5) / 5))


def test_a_sine_lands_in_its_band_and_de_has_seed_iv_magnitudes(rng):
    t = np.arange(800) / FS
    alpha = 20 * np.sin(2 * np.pi * 10.0 * t) + rng.standard_normal(800) * 5
    de = window_features(alpha[None], FS)[0]
    assert int(np.argmax(de)) == 2  # alpha 8-14 Hz
    assert 15 < de.min() < de.max() < 35  # the real de_LDS lie around 17-27 in µV


def test_flat_channels_stay_finite_and_bad_arguments_are_named():
    assert np.isfinite(window_features(np.zeros((2, 800)), FS)).all()
    with pytest.raises(ConfigError, match="kind"):
        window_features(np.zeros((1, 800)), FS, "entropy")
    with pytest.raises(ConfigError, match="no FFT bin"):
        band_energy(np.zeros((1, 8)), FS)  # 8 samples: no bin inside delta


def test_trial_features_cut_non_overlapping_windows_of_the_filtered_trial(rng):
    design = FilterSpec(1.0, 75.0).design(FS)
    trial = rng.standard_normal((4, 3 * 800 + 123)) * 10 + 3e4  # raw-like DC offset
    feats = trial_features(trial, design, 800)
    assert feats.shape == (3, 4, 5)
    from eeg_emotion.filters import filter_offline
    y = filter_offline(trial, design)
    for w in range(3):
        np.testing.assert_allclose(feats[w], window_features(y[:, w * 800:(w + 1) * 800], FS))
    assert trial_features(trial[:, :100], design, 800).shape == (0, 4, 5)


def test_lds_forward_pass_is_the_causal_smoother_and_ends_equal(rng):
    x = np.cumsum(rng.standard_normal((40, 3, 5)), axis=0) + 20
    offline = lds_smooth(x)
    causal = smooth_causal(x, "lds")
    np.testing.assert_allclose(offline[-1], causal[-1])  # RTS leaves the last window alone
    assert not np.allclose(offline[:-1], causal[:-1])  # the backward pass uses the future
    # the forward pass does not depend on the trial's variance (gains depend on q / r only)
    np.testing.assert_allclose(smooth_causal(3 * x, "lds"), 3 * causal)
    assert np.abs(offline - x).mean() < np.abs(x - x.mean(0)).mean()  # it does smooth


def test_moving_average_offline_centred_and_causal_trailing(rng):
    x = rng.standard_normal((12, 2, 5))
    np.testing.assert_allclose(moving_average(x), uniform_filter1d(x, 5, axis=0, mode="nearest"))
    causal = smooth_causal(x, "moving_average")
    np.testing.assert_allclose(causal[6], x[2:7].mean(0))
    np.testing.assert_allclose(causal[1], x[:2].mean(0))
    np.testing.assert_allclose(smooth_offline(x, "none"), x)
    assert smoother_of_feature("de_LDS") == "lds"
    assert smoother_of_feature("psd_movingAve") == "moving_average"
    s = CausalSmoother("lds")
    s.update(x[0])
    s.reset()
    np.testing.assert_allclose(s.update(x[1]), x[1])  # reset: starts at the next window
    with pytest.raises(ConfigError, match="smoothing"):
        CausalSmoother("kalman")


def test_session_normalisation_offline_and_running(rng):
    X = np.concatenate([rng.normal(20, 2, (50, 3, 5)), rng.normal(25, 1, (30, 3, 5))])
    keys = np.array(["1/1"] * 50 + ["1/2"] * 30)
    Z = normalize_sessions(X, keys)
    for k in ("1/1", "1/2"):
        np.testing.assert_allclose(Z[keys == k].mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(Z[keys == k].std(0), 1, atol=1e-4)
    norm = RunningSessionNorm(warmup=10)
    present = np.array([True, True, False])
    outs = [norm.update(x, present) for x in X[50:]]
    assert not norm.adapting and norm.n == 30
    np.testing.assert_array_equal(outs[-1][2], 0.0)  # absent channel stays 0
    # the running statistics after the whole session are the session's statistics
    last = X[-1]
    expected = (last - X[50:].mean(0)) / X[50:].std(0)
    np.testing.assert_allclose(outs[-1][:2], expected[:2])
    assert RunningSessionNorm(5).adapting
