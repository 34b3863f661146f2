"""Band features against analytic values: sinusoids, white noise, shapes, bad bands."""

from __future__ import annotations

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.features import (
    BANDS,
    band_filter_bank,
    band_power_psd,
    band_variance,
    differential_entropy,
)

FS = 200.0


def _sine(freq, amp, n=800, phase=0.3):
    t = np.arange(n) / FS
    return amp * np.sin(2 * np.pi * freq * t + phase)


def test_bands_unchanged():
    assert BANDS == {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 14.0),
                     "beta": (14.0, 31.0), "gamma": (31.0, 50.0)}


def test_sinusoid_variance_lands_in_its_band():
    # 10 Hz (alpha) amplitude 3 and 20 Hz (beta) amplitude 2, on whole FFT bins
    x = _sine(10.0, 3.0) + _sine(20.0, 2.0, phase=1.0)
    var = band_variance(x[None, :], FS)[0]
    np.testing.assert_allclose(var, [0.0, 0.0, 4.5, 2.0, 0.0], atol=1e-10)
    de = differential_entropy(x[None, :], FS)[0]
    np.testing.assert_allclose(de[2], 0.5 * np.log(2 * np.pi * np.e * 4.5))
    np.testing.assert_allclose(de[3], 0.5 * np.log(2 * np.pi * np.e * 2.0))
    assert de[0] < -20  # empty band: floored, finite
    psd = band_power_psd(x[None, :], FS)[0]
    np.testing.assert_allclose(psd[2], 4.5, rtol=0.1)
    np.testing.assert_allclose(psd[3], 2.0, rtol=0.1)
    assert psd[0] < 1e-3 and psd[4] < 1e-3


def test_white_noise_band_variance_is_proportional_to_width(rng):
    sigma = 2.0
    x = rng.normal(0.0, sigma, size=(200, 4, 1000))
    var = band_variance(x, FS).mean(axis=(0, 1))
    widths = np.array([hi - lo for lo, hi in BANDS.values()])
    expected = sigma ** 2 * widths / (FS / 2)
    np.testing.assert_allclose(var, expected, rtol=0.05)
    de = differential_entropy(x, FS).mean(axis=(0, 1))
    np.testing.assert_allclose(de, 0.5 * np.log(2 * np.pi * np.e * expected), atol=0.05)
    psd = band_power_psd(x, FS).mean(axis=(0, 1))
    np.testing.assert_allclose(psd, expected, rtol=0.1)


def test_parseval_bank_covers_the_spectrum(rng):
    x = rng.normal(size=(3, 999))
    x -= x.mean(axis=-1, keepdims=True)
    allband = {"all": (0.0, FS / 2)}
    np.testing.assert_allclose(band_variance(x, FS, allband)[:, 0], x.var(axis=-1),
                               rtol=1e-10)
    bank = band_filter_bank(FS, 1000)
    assert bank.shape == (5, 501)
    assert set(np.unique(bank)) <= {0.0, 1.0, 2.0}
    assert (np.count_nonzero(bank, axis=0) <= 1).all()  # bands do not overlap


def test_shapes_and_nyquist_clipping(rng):
    x = rng.normal(size=(7, 2, 32, 256))
    assert differential_entropy(x, 128.0).shape == (7, 2, 32, 5)
    assert band_power_psd(x, 128.0).shape == (7, 2, 32, 5)
    # at 80 Hz, gamma (31-50 Hz) is clipped to 31-40 Hz; a 35 Hz sine is all gamma
    t = np.arange(400) / 80.0
    var = band_variance(np.sin(2 * np.pi * 35.0 * t)[None], 80.0)[0]
    np.testing.assert_allclose(var, [0, 0, 0, 0, 0.5], atol=1e-10)


def test_bad_bands():
    with pytest.raises(ConfigError, match="lies above Nyquist"):
        band_filter_bank(40.0, 100)  # gamma 31-50 Hz above 20 Hz
    with pytest.raises(ConfigError, match="is empty"):
        band_filter_bank(FS, 100, {"x": (10.0, 5.0)})
    with pytest.raises(ConfigError, match="has no spectrum"):
        band_filter_bank(FS, 1)
