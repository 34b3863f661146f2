"""Band-power features of EEG windows: differential entropy (DE) and PSD.

The five standard bands are those of the SEED / SEED-IV feature files.

* :func:`differential_entropy`: each window is band-passed with an ideal
  (frequency-domain) filter per band; for a band-limited, roughly Gaussian
  signal of variance ``s2`` the DE is ``0.5 * log(2 * pi * e * s2)``. The band
  variance comes from the window's spectrum by Parseval's theorem, so all
  windows, channels and bands are computed in one FFT.
* :func:`band_power_psd`: Welch's PSD (:func:`scipy.signal.welch`, 1-s Hann
  segments, 50 % overlap, or the whole window when shorter), integrated over
  each band: the band's power in signal units squared (µV²).

A band whose upper edge lies above Nyquist is clipped to it; a band that lies
wholly above Nyquist is refused.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from eeg_emotion.errors import ConfigError

#: name -> (low Hz, high Hz), SEED-IV's definition.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 14.0),
    "beta": (14.0, 31.0),
    "gamma": (31.0, 50.0),
}


def _check_bands(sfreq: float, bands: dict[str, tuple[float, float]] | None
                 ) -> dict[str, tuple[float, float]]:
    bands = BANDS if bands is None else bands
    nyq = sfreq / 2.0
    out = {}
    for name, (lo, hi) in bands.items():
        if not 0 <= lo < hi:
            raise ConfigError(f"band {name!r} ({lo}-{hi} Hz) is empty",
                              "give each band as (low, high) with low < high")
        if lo >= nyq:
            raise ConfigError(
                f"band {name!r} ({lo}-{hi} Hz) lies above Nyquist ({nyq} Hz) "
                f"at {sfreq} Hz", "drop the band or use data with a higher sampling rate")
        out[name] = (float(lo), float(min(hi, nyq)))
    return out


def band_filter_bank(sfreq: float, n_times: int,
                     bands: dict[str, tuple[float, float]] | None = None) -> np.ndarray:
    """Ideal band-pass filters over the real-FFT bins of an ``n_times`` window.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    n_times : int
        Window length in samples.
    bands : dict | None
        name -> (low, high) Hz; default :data:`BANDS`.

    Returns
    -------
    numpy.ndarray, shape (n_bands, n_times // 2 + 1), float64
        Weight of each rFFT bin in each band: 1 inside ``[low, high)``, 0 outside
        (the top band includes its upper edge). Bins are weighted so that
        ``sum(w * |X|**2)`` over a band is the band-passed signal's energy.
    """
    if n_times < 2:
        raise ConfigError(f"a window of {n_times} sample(s) has no spectrum",
                          "use windows of at least 2 samples")
    bands = _check_bands(sfreq, bands)
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    bank = np.zeros((len(bands), freqs.size))
    for i, (lo, hi) in enumerate(bands.values()):
        inside = (freqs >= lo) & ((freqs < hi) | (np.isclose(freqs, hi) & (hi >= sfreq / 2)))
        bank[i] = inside
    # One-sided spectrum: every bin but DC (and Nyquist for even n) counts twice.
    weight = np.full(freqs.size, 2.0)
    weight[0] = 1.0
    if n_times % 2 == 0:
        weight[-1] = 1.0
    return bank * weight


def band_variance(windows: np.ndarray, sfreq: float,
                  bands: dict[str, tuple[float, float]] | None = None) -> np.ndarray:
    """Variance of each window after an ideal band-pass, per band.

    Parameters
    ----------
    windows : numpy.ndarray, shape (..., n_channels, n_times)
        EEG windows.
    sfreq : float
        Sampling rate in Hz.
    bands : dict | None
        name -> (low, high) Hz; default :data:`BANDS`.

    Returns
    -------
    numpy.ndarray, shape (..., n_channels, n_bands), float64
    """
    x = np.asarray(windows, dtype=np.float64)
    n = x.shape[-1]
    bank = band_filter_bank(sfreq, n, bands)
    spec = np.fft.rfft(x, axis=-1)
    power = spec.real ** 2 + spec.imag ** 2
    return power @ bank.T / (n * n)


def differential_entropy(windows: np.ndarray, sfreq: float,
                         bands: dict[str, tuple[float, float]] | None = None) -> np.ndarray:
    """Differential entropy of each band of each channel of each window.

    Parameters
    ----------
    windows : numpy.ndarray, shape (..., n_channels, n_times)
        EEG windows (any units; DE shifts by ``log(scale)`` with the units).
    sfreq : float
        Sampling rate in Hz.
    bands : dict | None
        name -> (low, high) Hz; default :data:`BANDS`.

    Returns
    -------
    numpy.ndarray, shape (..., n_channels, n_bands), float64
        ``0.5 * log(2 * pi * e * var)`` of the band-passed signal; a band with
        zero power gives a large negative finite value (variance floored at 1e-20).
    """
    var = band_variance(windows, sfreq, bands)
    return 0.5 * np.log(2.0 * np.pi * np.e * np.maximum(var, 1e-20))


def band_power_psd(windows: np.ndarray, sfreq: float,
                   bands: dict[str, tuple[float, float]] | None = None,
                   segment_s: float = 1.0) -> np.ndarray:
    """Band power from Welch's power spectral density.

    Parameters
    ----------
    windows : numpy.ndarray, shape (..., n_channels, n_times)
        EEG windows.
    sfreq : float
        Sampling rate in Hz.
    bands : dict | None
        name -> (low, high) Hz; default :data:`BANDS`.
    segment_s : float
        Welch segment length in seconds (Hann window, 50 % overlap); the whole
        window when it is shorter.

    Returns
    -------
    numpy.ndarray, shape (..., n_channels, n_bands), float64
        PSD summed over the frequency bins in ``[low, high)`` times the bin width
        (units squared).
    """
    x = np.asarray(windows, dtype=np.float64)
    bands = _check_bands(sfreq, bands)
    nperseg = min(x.shape[-1], max(2, round(segment_s * sfreq)))
    freqs, psd = signal.welch(x, fs=sfreq, nperseg=nperseg, axis=-1)
    df = freqs[1] - freqs[0]
    out = np.empty((*x.shape[:-1], len(bands)))
    for i, (lo, hi) in enumerate(bands.values()):
        inside = (freqs >= lo) & ((freqs < hi) | (np.isclose(freqs, hi) & (hi >= sfreq / 2)))
        out[..., i] = psd[..., inside].sum(axis=-1) * df
    return out
