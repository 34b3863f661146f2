"""Differential entropy (DE) of EEG bands, computed in torch.

A fixed (not learned) bank of linear-phase FIR band-pass filters, one per
band of :data:`eeg_emotion.features.BANDS`, is applied to each channel with one
grouped ``conv1d``; DE of a band-limited, roughly Gaussian signal is
``0.5 * log(2 * pi * e * variance)``. Computing DE inside the model lets the
same network run live on raw windows and offline on SEED-IV's precomputed DE.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import firwin
from torch import Tensor, nn

from eeg_emotion.errors import ConfigError
from eeg_emotion.features import BANDS

logger = logging.getLogger(__name__)

#: Highest usable band edge as a fraction of Nyquist (room for the transition band).
NYQUIST_MARGIN = 0.9


def usable_bands(sfreq: float, bands: dict[str, tuple[float, float]] | None = None
                 ) -> dict[str, tuple[float, float]]:
    """Clip the bands to what a sampling rate can carry.

    A band's upper edge above ``0.9 * Nyquist`` is lowered to it (e.g. gamma
    31-50 Hz becomes 31-45 Hz at 100 Hz); a band whose lower edge is not below
    that limit is refused.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    bands : dict, optional
        name -> (low Hz, high Hz); default :data:`eeg_emotion.features.BANDS`.

    Returns
    -------
    dict
        name -> (low Hz, high Hz) actually used.
    """
    bands = dict(BANDS if bands is None else bands)
    limit = NYQUIST_MARGIN * sfreq / 2.0
    out = {}
    for name, (lo, hi) in bands.items():
        if lo >= limit:
            raise ConfigError(
                f"band {name} ({lo:g}-{hi:g} Hz) lies above what {sfreq:g} Hz sampling carries "
                f"(usable up to {limit:.1f} Hz)",
                f"use a sampling rate above {lo / NYQUIST_MARGIN * 2:.0f} Hz for this band")
        if hi > limit:
            logger.info("band %s clipped from %g-%g Hz to %g-%.1f Hz at %g Hz sampling",
                        name, lo, hi, lo, limit, sfreq)
            hi = limit
        out[name] = (float(lo), float(hi))
    return out


def design_band_bank(sfreq: float, bands: dict[str, tuple[float, float]],
                     filter_s: float = 1.0) -> np.ndarray:
    """Design one FIR band-pass per band (Hamming window, scipy ``firwin``).

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    bands : dict
        name -> (low Hz, high Hz), already clipped by :func:`usable_bands`.
    filter_s : float
        Filter length in seconds (transition width about ``3.3 / filter_s`` Hz).

    Returns
    -------
    numpy.ndarray, shape (n_bands, numtaps)
    """
    if not filter_s > 0:
        raise ConfigError(f"band filter length filter_s={filter_s!r} must be > 0 seconds")
    numtaps = max(3, round(filter_s * sfreq) | 1)
    taps = []
    for lo, hi in bands.values():
        if lo <= 0:
            taps.append(firwin(numtaps, hi, fs=sfreq))
        else:
            taps.append(firwin(numtaps, [lo, hi], pass_zero=False, fs=sfreq))
    return np.stack(taps)


class BandDE(nn.Module):
    """Fixed filter bank and DE per channel, band and sub-segment.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    filter_s : float
        FIR length in seconds.
    bands : dict, optional
        name -> (low, high) Hz; default the five SEED-IV bands.
    eps : float
        Variance floor in µV² so flat (absent) channels stay finite.
    """

    def __init__(self, sfreq: float, filter_s: float = 1.0,
                 bands: dict[str, tuple[float, float]] | None = None, eps: float = 1e-6) -> None:
        super().__init__()
        self.sfreq = float(sfreq)
        self.bands = usable_bands(self.sfreq, bands)
        taps = design_band_bank(self.sfreq, self.bands, filter_s)
        self.register_buffer("taps", torch.from_numpy(taps).float().unsqueeze(1),
                             persistent=False)
        self.n_bands = len(self.bands)
        self.eps = eps

    def band_signals(self, x: Tensor) -> Tensor:
        """Band-passed signals, (batch, C, time) -> (batch, C, n_bands, time).

        Each window's mean is removed first; zero padding keeps the length.
        """
        b, c, t = x.shape
        x = x - x.mean(dim=-1, keepdim=True)
        numtaps = self.taps.shape[-1]
        weight = self.taps.to(x.dtype).repeat(c, 1, 1)  # (C * n_bands, 1, numtaps)
        y = F.conv1d(x, weight, padding=numtaps // 2, groups=c)
        return y.view(b, c, self.n_bands, t)

    def forward(self, x: Tensor, n_segments: int = 1) -> Tensor:
        """DE of each band over ``n_segments`` equal sub-segments of the window.

        Parameters
        ----------
        x : Tensor, shape (batch, C, time)
        n_segments : int
            Sub-segments (at most ``time``); a remainder at the start is dropped
            so the segments end with the window.

        Returns
        -------
        Tensor, shape (batch, C, n_bands, n_segments)
        """
        t = x.shape[-1]
        if not 1 <= n_segments <= t:
            raise ConfigError(f"cannot split a {t}-sample window into {n_segments} segments",
                              "use fewer DE segments or longer windows")
        y = self.band_signals(x)
        seg = t // n_segments
        y = y[..., t - seg * n_segments:].reshape(*y.shape[:3], n_segments, seg)
        var = y.var(dim=-1, unbiased=False)
        return 0.5 * torch.log(2 * math.pi * math.e * (var + self.eps))

    def labels(self) -> tuple[str, ...]:
        """``"alpha 8-14 Hz"`` for each band actually used."""
        return tuple(f"{n} {lo:g}-{hi:.4g} Hz" for n, (lo, hi) in self.bands.items())
