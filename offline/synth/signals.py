"""The signal generator shared by the synthetic datasets: coloured noise and rhythms.

Every signal is a sum of unit-variance components scaled by gains in µV: 1/f
background noise and narrow-band theta, alpha, beta and gamma. A synthetic
subject has its own channel gains, background slope, alpha frequency and
reactivity. The datasets (:mod:`.deap`, :mod:`.seed_iv`) put their emotion
structure into the gains.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.io

from eeg_emotion.montages import channel_region

log = logging.getLogger(__name__)

COMPONENTS = ("theta", "alpha", "beta", "gamma")
CENTERS = {"theta": (6.0, 1.2), "beta": (20.0, 4.0), "gamma": (38.0, 4.0)}
ALPHA_WIDTH = 1.0
# Neutral gains in µV: background, theta, alpha, beta, gamma.
BG_GAIN = 8.0
BASE_GAINS = np.array([3.0, 6.0, 2.5, 1.2])


@dataclass(frozen=True)
class Subject:
    """What makes one synthetic subject different from another."""

    channel_gain: np.ndarray  # (n_channels,)
    bg_exponent: float
    iaf: float
    reactivity: float
    base_gains: np.ndarray  # (n_channels, 4) neutral band gains


def regions(channels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    reg = np.array([channel_region(c)[0] for c in channels])
    side = np.array([channel_region(c)[1] for c in channels])
    return reg, side


def make_subject(rng: np.random.Generator, channels: tuple[str, ...]) -> Subject:
    reg, side = regions(channels)
    gains = np.tile(BASE_GAINS, (len(channels), 1))
    gains[np.isin(reg, ("parietal", "occipital")), 1] *= 1.6  # posterior alpha
    gains[reg == "temporal", 3] *= 1.3
    # A subject-specific frontal alpha asymmetry, comparable to the effect itself.
    asym = rng.normal(0.0, 0.3)
    gains[(reg == "frontal") & (side == "right"), 1] *= np.exp(asym)
    gains[(reg == "frontal") & (side == "left"), 1] *= np.exp(-asym)
    gains *= rng.lognormal(0.0, 0.15, size=gains.shape)
    gains *= rng.lognormal(0.0, 0.2, size=(1, 4))  # the subject's own band balance
    return Subject(channel_gain=rng.lognormal(0.0, 0.3, size=len(channels)),
                    bg_exponent=float(rng.uniform(0.9, 1.5)),
                    iaf=float(rng.uniform(9.0, 11.0)),
                    reactivity=float(rng.uniform(0.6, 1.4)),
                    base_gains=gains)


def unit_noise(rng: np.random.Generator, shape: tuple[int, ...], n_times: int,
                amplitude: np.ndarray) -> np.ndarray:
    """Gaussian noise with spectrum ``amplitude`` (n_freq,), unit variance per row."""
    n_freq = n_times // 2 + 1
    spec = (rng.standard_normal((*shape, n_freq), dtype=np.float32)
            + 1j * rng.standard_normal((*shape, n_freq), dtype=np.float32))
    spec *= amplitude.astype(np.float32)
    x = scipy.fft.irfft(spec, n=n_times, axis=-1)
    x -= x.mean(axis=-1, keepdims=True)
    x /= np.maximum(x.std(axis=-1, keepdims=True), 1e-12)
    return x.astype(np.float32, copy=False)


def generate(rng: np.random.Generator, subject: Subject, sfreq: float, n_times: int,
              gains_before: np.ndarray, gains_after: np.ndarray,
              switch_s: float | None) -> np.ndarray:
    """Sum the components for a block of trials of equal length.

    Parameters
    ----------
    gains_before, gains_after : numpy.ndarray, shape (n_trials, n_channels, 4)
        Band gains (µV) before and after ``switch_s`` (fading over 0.5 s);
        ``switch_s=None`` uses ``gains_after`` throughout.

    Returns
    -------
    numpy.ndarray, shape (n_trials, n_channels, n_times), float32
    """
    n_trials, n_ch, _ = gains_after.shape
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    pink = np.where(freqs > 0.5, np.maximum(freqs, 0.5) ** (-subject.bg_exponent / 2), 0.0)
    out = unit_noise(rng, (n_trials, n_ch), n_times, pink)
    out *= (BG_GAIN * subject.channel_gain)[None, :, None].astype(np.float32)
    if switch_s is None:
        fade = None
    else:
        t = np.arange(n_times) / sfreq
        fade = np.clip((t - switch_s) / 0.5, 0.0, 1.0).astype(np.float32)
    for b, name in enumerate(COMPONENTS):
        center, width = (subject.iaf, ALPHA_WIDTH) if name == "alpha" else CENTERS[name]
        if center >= sfreq / 2:
            continue
        bump = np.exp(-0.5 * ((freqs - center) / width) ** 2)
        comp = unit_noise(rng, (n_trials, n_ch), n_times, bump)
        g1 = (gains_after[:, :, b] * subject.channel_gain)[..., None].astype(np.float32)
        if fade is None:
            comp *= g1
        else:
            g0 = (gains_before[:, :, b] * subject.channel_gain)[..., None].astype(np.float32)
            comp *= g0 + (g1 - g0) * fade
        out += comp
    return out


def generate_stationary(rng: np.random.Generator, subject: Subject, sfreq: float,
                         n_times: int, gains: np.ndarray) -> np.ndarray:
    """Like :func:`generate` with constant gains, in a single inverse FFT.

    The components are independent Gaussian processes, so their sum is one
    process whose power spectrum is the gain-weighted sum of theirs; each
    component's expected variance is its gain squared.

    Parameters
    ----------
    gains : numpy.ndarray, shape (n_trials, n_channels, 4)
        Band gains (µV).

    Returns
    -------
    numpy.ndarray, shape (n_trials, n_channels, n_times), float32
    """
    n_trials, n_ch, _ = gains.shape
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    shapes = [np.where(freqs > 0.5, np.maximum(freqs, 0.5) ** -subject.bg_exponent, 0.0)]
    for name in COMPONENTS:
        center, width = (subject.iaf, ALPHA_WIDTH) if name == "alpha" else CENTERS[name]
        shapes.append(np.exp(-((freqs - center) / width) ** 2))
    power = np.stack(shapes)  # (5, n_freq)
    power /= power.sum(axis=1, keepdims=True)
    g2 = np.concatenate([np.full((n_trials, n_ch, 1), BG_GAIN), gains], axis=2) ** 2
    psd = np.einsum("tcb,bf->tcf", g2 * (subject.channel_gain ** 2)[None, :, None], power)
    amp = (np.sqrt(psd) * (n_times / 2.0)).astype(np.float32)
    spec = (rng.standard_normal(amp.shape, dtype=np.float32)
            + 1j * rng.standard_normal(amp.shape, dtype=np.float32)) * amp
    spec[..., 0] = 0.0
    return scipy.fft.irfft(spec, n=n_times, axis=-1).astype(np.float32, copy=False)


def trial_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Multiplicative gain noise of trials (n_trials, n_channels, 4): per channel
    and band, plus a state shared by all channels of a trial and band."""
    return (rng.lognormal(0.0, 0.12, size=shape)
            * rng.lognormal(0.0, 0.2, size=(shape[0], 1, shape[2])))
