"""Causal FIR band-pass filtering shared by training and live inference.

Offline preprocessing calls :func:`filter_offline`, which runs the very same
:class:`StreamingFilter` as the live engine over the whole recording in one
chunk. Because the filter is causal and its state carries across chunks, a
model sees in the lab exactly what it sees on the head, sample for sample.

Design
------
* Band-pass taps come from :func:`scipy.signal.firwin` (Hamming window).
  ``numtaps=None`` picks MNE's rule of thumb: transition band
  ``min(max(0.25 * l_freq, 2), l_freq)`` Hz and length
  ``3.3 * sfreq / transition`` rounded up to odd (211 taps at 128 Hz for 4 Hz).
* ``phase="linear"`` keeps the symmetric taps: constant group delay of
  ``(numtaps - 1) / 2`` samples. ``phase="minimum"`` converts them with
  :func:`scipy.signal.minimum_phase` (same magnitude response, lower delay).
* An optional IIR notch (50 or 60 Hz) runs after the band-pass.
* Start-up: filter state begins at the steady state for the first sample of
  each channel, so a DC offset (tens of thousands of µV on raw OpenBCI data)
  does not ring through the filter. The first sample, not the first chunk's
  mean, is used so that the output does not depend on how data were chunked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import signal

from eeg_emotion.errors import ConfigError


@dataclass(frozen=True)
class FilterSpec:
    """What the band-pass (and optional notch) filter is; stored in checkpoints.

    Parameters
    ----------
    l_freq, h_freq : float
        Pass-band edges in Hz. ``l_freq=0`` gives a low-pass.
    numtaps : int | None
        Odd number of FIR taps; None picks MNE's default length for the rate.
    phase : {"linear", "minimum"}
        Linear phase (constant delay) or minimum phase (lower delay).
    notch : float | None
        Mains frequency to notch out (50 or 60 Hz), or None.
    """

    l_freq: float = 4.0
    h_freq: float = 45.0
    numtaps: int | None = None
    phase: str = "linear"
    notch: float | None = None

    def to_dict(self) -> dict:
        """Return the spec as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FilterSpec:
        """Build a spec from :meth:`to_dict` output."""
        return cls(**data)

    def design(self, sfreq: float) -> FilterDesign:
        """Design the filter for a sampling rate.

        Parameters
        ----------
        sfreq : float
            Sampling rate in Hz.

        Returns
        -------
        FilterDesign
        """
        return design_filter(self, sfreq)


@dataclass(frozen=True)
class FilterDesign:
    """Coefficients of a :class:`FilterSpec` at one sampling rate."""

    spec: FilterSpec
    sfreq: float
    taps: np.ndarray
    notch_sos: np.ndarray | None
    group_delay_s: float


def default_numtaps(sfreq: float, l_freq: float) -> int:
    """MNE's default FIR length for a band-pass with lower edge ``l_freq``.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    l_freq : float
        Lower pass-band edge in Hz (0 for a low-pass).

    Returns
    -------
    int
        An odd number of taps.
    """
    trans = min(max(0.25 * l_freq, 2.0), l_freq) if l_freq > 0 else 2.0
    n = int(np.ceil(3.3 * sfreq / trans))
    return n + 1 if n % 2 == 0 else n


def design_filter(spec: FilterSpec, sfreq: float) -> FilterDesign:
    """Design band-pass taps (and a notch) for ``spec`` at ``sfreq``.

    Parameters
    ----------
    spec : FilterSpec
        The filter to design.
    sfreq : float
        Sampling rate in Hz.

    Returns
    -------
    FilterDesign

    Raises
    ------
    ConfigError
        If the band does not fit below Nyquist, or taps are even or too few.
    """
    nyq = sfreq / 2.0
    if not 0 <= spec.l_freq < spec.h_freq:
        raise ConfigError(f"filter band {spec.l_freq}-{spec.h_freq} Hz is empty",
                          "set l_freq < h_freq, e.g. 4 and 45")
    if spec.h_freq >= nyq:
        raise ConfigError(
            f"filter high edge {spec.h_freq} Hz is at or above Nyquist ({nyq} Hz) "
            f"for a {sfreq} Hz signal", f"set h_freq below {nyq} Hz")
    if spec.phase not in ("linear", "minimum"):
        raise ConfigError(f"filter phase {spec.phase!r} is unknown",
                          "use 'linear' or 'minimum'")
    numtaps = spec.numtaps or default_numtaps(sfreq, spec.l_freq)
    if numtaps < 3 or numtaps % 2 == 0:
        raise ConfigError(f"filter numtaps={numtaps} must be odd and >= 3",
                          f"use {numtaps + 1 if numtaps % 2 == 0 else 3}")
    cutoff = [spec.l_freq, spec.h_freq] if spec.l_freq > 0 else spec.h_freq
    taps = signal.firwin(numtaps, cutoff, pass_zero=spec.l_freq <= 0, fs=sfreq)
    delay = (numtaps - 1) / 2.0 / sfreq
    if spec.phase == "minimum":
        taps = signal.minimum_phase(taps, method="homomorphic", half=False)
        delay = _passband_group_delay(taps, spec, sfreq)
    notch_sos = None
    if spec.notch:
        if not 0 < spec.notch < nyq:
            raise ConfigError(f"notch {spec.notch} Hz is not below Nyquist ({nyq} Hz)",
                              "use 50 or 60, or no notch")
        b, a = signal.iirnotch(spec.notch, Q=30.0, fs=sfreq)
        notch_sos = signal.tf2sos(b, a)
    return FilterDesign(spec=spec, sfreq=float(sfreq), taps=taps.astype(np.float64),
                        notch_sos=notch_sos, group_delay_s=float(delay))


def _passband_group_delay(taps: np.ndarray, spec: FilterSpec, sfreq: float) -> float:
    """Median group delay (s) of ``taps`` over the pass band."""
    lo = max(spec.l_freq, 0.5)
    freqs = np.linspace(lo, spec.h_freq, 64)
    _, gd = signal.group_delay((taps, [1.0]), w=freqs, fs=sfreq)
    return float(np.median(gd) / sfreq)


class StreamingFilter:
    """Causal filter whose state carries across chunks.

    Parameters
    ----------
    design : FilterDesign
        Coefficients from :func:`design_filter`.
    n_channels : int
        Number of channels of every chunk.

    Notes
    -----
    ``process`` on consecutive chunks returns exactly what one call on their
    concatenation returns. Data are ``(n_channels, n_times)``; the state is
    float64 whatever the input dtype.
    """

    def __init__(self, design: FilterDesign, n_channels: int) -> None:
        self.design = design
        self.n_channels = int(n_channels)
        # steady state for a unit step: for an FIR filter zi[k] = sum(taps[k+1:]),
        # the closed form of signal.lfilter_zi (which solves a dense system)
        self._zi_unit = np.cumsum(design.taps[::-1])[::-1][1:].copy()  # (ntaps-1,)
        self._zi: np.ndarray | None = None
        self._sos_zi_unit = (signal.sosfilt_zi(design.notch_sos)
                             if design.notch_sos is not None else None)
        self._sos_zi: np.ndarray | None = None

    @property
    def group_delay_s(self) -> float:
        """Delay of the band-pass in seconds (constant for linear phase)."""
        return self.design.group_delay_s

    def reset(self) -> None:
        """Forget the state: the next chunk starts the filter afresh."""
        self._zi = None
        self._sos_zi = None

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Filter one chunk, continuing from the previous one.

        Parameters
        ----------
        chunk : numpy.ndarray, shape (n_channels, n_times)
            New samples.

        Returns
        -------
        numpy.ndarray, shape (n_channels, n_times), float64
        """
        x = np.asarray(chunk, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError(
                f"expected a chunk of shape ({self.n_channels}, n_times), got {x.shape}")
        if x.shape[1] == 0:
            return x.copy()
        if self._zi is None:
            self._zi = self._zi_unit[None, :] * x[:, :1]
        y, self._zi = signal.lfilter(self.design.taps, [1.0], x, axis=1, zi=self._zi)
        if self.design.notch_sos is not None:
            if self._sos_zi is None:
                self._sos_zi = (self._sos_zi_unit[:, None, :]
                                * y[None, :, :1])  # (n_sections, n_ch, 2)
            y, self._sos_zi = signal.sosfilt(self.design.notch_sos, y, axis=1,
                                             zi=self._sos_zi)
        return y


def filter_offline(data: np.ndarray, design: FilterDesign) -> np.ndarray:
    """Filter a whole recording exactly as the live engine would.

    Parameters
    ----------
    data : numpy.ndarray, shape (..., n_channels, n_times)
        One recording, or a stack of independent recordings (e.g. trials);
        each is filtered from a fresh state.
    design : FilterDesign
        Coefficients from :func:`design_filter`.

    Returns
    -------
    numpy.ndarray
        Same shape, float64.
    """
    x = np.asarray(data)
    if x.ndim == 2:
        return StreamingFilter(design, x.shape[0]).process(x)
    flat = x.reshape(-1, *x.shape[-2:])
    out = np.stack([StreamingFilter(design, r.shape[0]).process(r) for r in flat])
    return out.reshape(x.shape)
