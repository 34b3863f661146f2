"""Band features the way SEED-IV computed its ``eeg_feature_smooth`` files.

A model trained on SEED-IV's feature files must see, live, features computed
from the signal by the same recipe, or its input scale and meaning differ.
The recipe implemented here is the differential-entropy / PSD code that
accompanies the SEED datasets (BCMI lab, "DE_PSD"), which public SEED-IV
pipelines reproduce; its magnitudes match the real ``de_LDS`` files (values
around 17-27 for EEG in µV, band means falling from delta to gamma):

1. non-overlapping 4-s windows of the 200-Hz signal (live: the last 4 s);
2. a Hann window over the whole window (MATLAB's ``hanning(N)``: symmetric, no
   zero end points);
3. the FFT of the whole window (``nfft = N``: 0.25-Hz bins at 200 Hz);
4. per band, the band energy ``E``: the mean of ``|X_k|**2`` over the bins with
   ``low <= f_k < high`` (the five SEED-IV bands, :data:`eeg_emotion.features.BANDS`:
   delta 1-4, theta 4-8, alpha 8-14, beta 14-31, gamma 31-50 Hz);
5. ``psd = E`` and ``de = log2(100 * E)``.

For a band-limited Gaussian signal the textbook DE is ``0.5 * log(2 pi e var)``;
``log2(100 E)`` is the same log band power in other units and offset, which is
what matters to a model that standardises its input, and it is the scale the
dataset's files use. Two differences from the published MATLAB code are
deliberate: the FFT uses the whole window (that code's ``STFTN = fs`` truncates
a 4-s window to its first second), and band bins are half-open ``[low, high)``
(that code's 1-based indexing shifts each band down by one bin).

Smoothing over windows (SEED-IV's ``LDS`` and ``movingAve``) is in
:mod:`eeg_emotion.smoothing`, with the causal versions the live path uses.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from eeg_emotion.errors import ConfigError
from eeg_emotion.features import BANDS
from eeg_emotion.filters import FilterDesign, StreamingFilter
from eeg_emotion.windows import sliding_windows

#: Feature kinds of SEED-IV's files this module computes.
KINDS = ("de", "psd")
#: Energy floor, so a flat (absent) channel gives a finite, very low DE.
ENERGY_FLOOR = 1e-12


def hann_window(n: int) -> np.ndarray:
    """MATLAB's ``hanning(n)``: ``0.5 - 0.5 cos(2 pi k / (n + 1))``, k = 1..n."""
    k = np.arange(1, n + 1)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * k / (n + 1))


@lru_cache(maxsize=16)
def _band_bins(sfreq: float, n: int, bands: tuple[tuple[str, float, float], ...]
               ) -> tuple[np.ndarray, np.ndarray]:
    freqs = np.fft.rfftfreq(n, 1.0 / sfreq)
    masks = []
    for name, lo, hi in bands:
        inside = (freqs >= lo) & (freqs < hi)
        if not inside.any():
            raise ConfigError(f"band {name} ({lo:g}-{hi:g} Hz) holds no FFT bin of a "
                              f"{n}-sample window at {sfreq:g} Hz",
                              "use longer windows or a higher sampling rate")
        masks.append(inside)
    weights = np.stack(masks).astype(np.float64)
    return weights / weights.sum(axis=1, keepdims=True), hann_window(n)


def default_bands() -> tuple[tuple[str, float, float], ...]:
    """The five SEED-IV bands as ``(name, low, high)`` tuples."""
    return tuple((name, float(lo), float(hi)) for name, (lo, hi) in BANDS.items())


def band_energy(windows: np.ndarray, sfreq: float,
                bands: tuple[tuple[str, float, float], ...] | None = None) -> np.ndarray:
    """Mean Hann-windowed FFT energy per band (SEED-IV's ``psd``).

    Parameters
    ----------
    windows : numpy.ndarray, shape (..., n_channels, n_times)
        Signal windows in µV.
    sfreq : float
        Sampling rate in Hz.
    bands : tuple of (name, low, high) | None
        Default :func:`default_bands`.

    Returns
    -------
    numpy.ndarray, shape (..., n_channels, n_bands), float64
    """
    x = np.asarray(windows, dtype=np.float64)
    bands = default_bands() if bands is None else tuple(bands)
    n = x.shape[-1]
    if n < 2:
        raise ConfigError(f"a window of {n} sample(s) has no spectrum",
                          "use windows of at least 2 samples")
    weights, hann = _band_bins(float(sfreq), n, bands)
    spec = np.fft.rfft(x * hann, axis=-1)
    power = spec.real ** 2 + spec.imag ** 2
    return power @ weights.T


def window_features(windows: np.ndarray, sfreq: float, kind: str = "de",
                    bands: tuple[tuple[str, float, float], ...] | None = None) -> np.ndarray:
    """SEED-IV features of signal windows: ``de = log2(100 E)`` or ``psd = E``.

    Parameters
    ----------
    windows : numpy.ndarray, shape (..., n_channels, n_times)
        Filtered signal windows in µV.
    sfreq : float
        Sampling rate in Hz.
    kind : {"de", "psd"}
        Which feature.
    bands : tuple of (name, low, high) | None
        Default the five SEED-IV bands.

    Returns
    -------
    numpy.ndarray, shape (..., n_channels, n_bands), float64
    """
    if kind not in KINDS:
        raise ConfigError(f"feature kind {kind!r} is unknown", f"use one of {', '.join(KINDS)}")
    energy = band_energy(windows, sfreq, bands)
    if kind == "psd":
        return energy
    return np.log2(100.0 * np.maximum(energy, ENERGY_FLOOR))


def trial_features(trial: np.ndarray, design: FilterDesign, window: int, kind: str = "de",
                   bands: tuple[tuple[str, float, float], ...] | None = None) -> np.ndarray:
    """Unsmoothed features of one recording, window by window, as the live path makes them.

    The recording goes through the causal filter from a fresh state (as a live
    stream starting at its first sample), is cut into non-overlapping windows
    from its start, and each window's features are computed.

    Parameters
    ----------
    trial : numpy.ndarray, shape (n_channels, n_times)
        Raw EEG in µV.
    design : FilterDesign
        The filter run before the features (at the trial's rate).
    window : int
        Window (and hop) in samples, e.g. 800 for 4 s at 200 Hz.
    kind : {"de", "psd"}
        Which feature.
    bands : tuple | None
        Default the five SEED-IV bands.

    Returns
    -------
    numpy.ndarray, shape (n_windows, n_channels, n_bands), float64
        Empty (0 windows) when the trial is shorter than one window.
    """
    x = np.asarray(trial)
    y = StreamingFilter(design, x.shape[0]).process(x)
    wins = sliding_windows(y, window, window)  # (n_windows, n_channels, window)
    if not len(wins):
        return np.zeros((0, x.shape[0], len(bands or BANDS)))
    return window_features(wins, design.sfreq, kind, bands)
