"""Stateful polyphase resampler: a stream's rate to the model's, chunk by chunk.

The rate ratio is reduced to ``up / down`` with :class:`fractions.Fraction`
(Cyton 250 Hz -> DEAP 128 Hz is 64/125). Conceptually the input is zero-stuffed
by ``up``, low-pass filtered by an anti-alias FIR (:func:`scipy.signal.firwin`,
Kaiser window, as :func:`scipy.signal.resample_poly` designs it, each polyphase
branch scaled to unit DC gain) and kept every ``down``-th sample. The filter is
causal and only the needed polyphase branch is computed for each output sample,
so the output of consecutive :meth:`StreamResampler.process` calls is exactly
that of one call on the concatenated input, and equals
:func:`scipy.signal.upfirdn` with :attr:`StreamResampler.taps` on the input
preceded by its first sample (the start-up state, so a DC offset does not ring).
"""

from __future__ import annotations

import logging
from fractions import Fraction

import numpy as np
from scipy import signal

from eeg_emotion.errors import ConfigError

log = logging.getLogger(__name__)


def rate_ratio(in_rate: float, out_rate: float, max_denominator: int = 1000) -> tuple[int, int]:
    """Reduce ``out_rate / in_rate`` to a ratio of small integers.

    Parameters
    ----------
    in_rate, out_rate : float
        Sampling rates in Hz.
    max_denominator : int
        Bound on ``up`` and ``down`` (non-integer rates are approximated).

    Returns
    -------
    up, down : int
    """
    if not (np.isfinite(in_rate) and np.isfinite(out_rate)) or in_rate <= 0 or out_rate <= 0:
        raise ConfigError(f"cannot resample {in_rate} Hz to {out_rate} Hz",
                          "the stream must declare a positive nominal rate")
    frac = (Fraction(out_rate).limit_denominator(max_denominator)
            / Fraction(in_rate).limit_denominator(max_denominator))
    frac = frac.limit_denominator(max_denominator)
    return frac.numerator, frac.denominator


def design_antialias(up: int, down: int, half_len_factor: int = 10) -> np.ndarray:
    """Anti-alias FIR for ``up/down`` resampling (the taps resample_poly uses).

    Returns
    -------
    numpy.ndarray
        Taps with gain ``up``.
    """
    max_rate = max(up, down)
    half_len = half_len_factor * max_rate
    taps = signal.firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0))
    return taps * up


class StreamResampler:
    """Resample ``(n_channels, n)`` chunks from ``in_rate`` to ``out_rate`` with carried state.

    Parameters
    ----------
    in_rate, out_rate : float
        Sampling rates in Hz. Equal rates give the identity (no copy, no delay).
    n_channels : int
        Channels of every chunk.

    Attributes
    ----------
    up, down : int
        The reduced ratio.
    delay_s : float
        Group delay of the anti-alias filter in seconds (0 for the identity).
    """

    def __init__(self, in_rate: float, out_rate: float, n_channels: int) -> None:
        self.in_rate = float(in_rate)
        self.out_rate = float(out_rate)
        self.n_channels = int(n_channels)
        self.up, self.down = rate_ratio(in_rate, out_rate)
        self.identity = self.up == self.down == 1
        if self.identity:
            self._poly = np.ones((1, 1))
            self.delay_s = 0.0
        else:
            taps = design_antialias(self.up, self.down)
            n_branch = -(-len(taps) // self.up)  # taps per polyphase branch
            padded = np.zeros(n_branch * self.up)
            padded[:len(taps)] = taps
            # _poly[phase, q] = h[phase + q * up]: weight of x[i0 - q]
            poly = padded.reshape(n_branch, self.up).T.copy()
            # unit DC gain in every branch: a large DC offset (raw Cyton data) must not
            # leave a periodic ripple from the branches' tiny gain differences
            poly /= poly.sum(axis=1, keepdims=True)
            self._poly = poly
            self.delay_s = (len(taps) - 1) / 2.0 / (self.in_rate * self.up)
        self._n_branch = self._poly.shape[1]
        #: the effective FIR (gain ``up``) whose zero-stuffed output this computes
        self.taps = self._poly.T.ravel() if not self.identity else np.ones(1)
        self.reset()

    def output_length(self, n_in: int) -> int:
        """Samples a fresh resampler puts out for ``n_in`` input samples (one call or many)."""
        if self.identity or n_in <= 0:
            return max(int(n_in), 0)
        return (n_in * self.up - 1) // self.down + 1

    def reset(self) -> None:
        """Forget the state: the next chunk starts afresh (after a reconnection)."""
        self._hist: np.ndarray | None = None  # last n_branch - 1 inputs
        self._hist_t: np.ndarray | None = None
        self._n_in = 0  # inputs consumed
        self._n_out = 0  # outputs produced

    def process(self, chunk: np.ndarray, timestamps: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Resample the next chunk.

        Parameters
        ----------
        chunk : numpy.ndarray, shape (n_channels, n)
            New input samples.
        timestamps : numpy.ndarray, shape (n,) | None
            Their timestamps; output timestamps are interpolated from them.

        Returns
        -------
        data : numpy.ndarray, shape (n_channels, m), float64
            Every output sample whose inputs are all known by now.
        timestamps : numpy.ndarray, shape (m,) | None
            Time of each output sample (input clock), or None if none were given.
        """
        x = np.asarray(chunk, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError(f"expected a chunk ({self.n_channels}, n), got {x.shape}")
        t = None if timestamps is None else np.asarray(timestamps, dtype=np.float64)
        if self.identity or x.shape[1] == 0:
            return x, t
        n = x.shape[1]
        keep = self._n_branch - 1
        if self._hist is None:  # steady state of the first sample
            self._hist = np.repeat(x[:, :1], keep, axis=1)
            first_t = t[0] if t is not None else 0.0
            self._hist_t = first_t - np.arange(keep, 0, -1) / self.in_rate
        buf = np.concatenate([self._hist, x], axis=1)
        # output m uses inputs up to i0 = (m * down) // up; all of them known when i0 < n_in + n
        last_in = self._n_in + n - 1
        m_stop = ((last_in + 1) * self.up - 1) // self.down + 1
        m = np.arange(self._n_out, max(m_stop, self._n_out), dtype=np.int64)
        pos = m * self.down
        i0 = pos // self.up
        phase = pos % self.up
        local = i0 - (self._n_in - keep)  # index of x[i0] in buf
        idx = local[:, None] - np.arange(self._n_branch)[None, :]  # (m, branch)
        weights = self._poly[phase]  # (m, branch)
        y = np.einsum("cmq,mq->cm", buf[:, idx], weights, optimize=True)
        out_t = None
        if t is not None:
            tbuf = np.concatenate([self._hist_t, t])
            out_t = tbuf[local] + phase / (self.up * self.in_rate)
            self._hist_t = tbuf[-keep:] if keep else tbuf[:0]
        self._hist = buf[:, -keep:] if keep else buf[:, :0]
        self._n_in += n
        self._n_out += len(m)
        return y, out_t
