"""Sliding windows: the one definition offline training and live inference share.

Live, the engine takes the latest ``window`` samples every ``hop`` samples. Offline,
:func:`window_starts` yields the same windows over a recording: window ``k`` ends at
sample ``window + k * hop`` (exclusive), exactly where the live engine would cut it
if the recording were streamed from its first sample.
"""

from __future__ import annotations

import numpy as np

from eeg_emotion.errors import ConfigError


def seconds_to_samples(seconds: float, sfreq: float) -> int:
    """Convert a duration to a whole number of samples (rounded, at least 1)."""
    return max(1, round(seconds * sfreq))


def window_starts(n_times: int, window: int, hop: int) -> np.ndarray:
    """Start indices of every full window of ``window`` samples, ``hop`` apart.

    Parameters
    ----------
    n_times : int
        Length of the recording in samples.
    window, hop : int
        Window length and hop in samples (both >= 1).

    Returns
    -------
    numpy.ndarray of int
        Empty when the recording is shorter than one window.
    """
    if window < 1 or hop < 1:
        raise ConfigError(f"window ({window}) and hop ({hop}) must be >= 1 sample")
    if n_times < window:
        return np.zeros(0, dtype=np.intp)
    return np.arange(0, n_times - window + 1, hop, dtype=np.intp)


def sliding_windows(data: np.ndarray, window: int, hop: int) -> np.ndarray:
    """Cut ``(..., n_times)`` data into windows without copying.

    Parameters
    ----------
    data : numpy.ndarray, shape (..., n_times)
        The signal(s).
    window, hop : int
        Window length and hop in samples.

    Returns
    -------
    numpy.ndarray, shape (n_windows, ..., window)
        A read-only strided view; copy it before writing.
    """
    starts = window_starts(data.shape[-1], window, hop)
    if not len(starts):  # shorter than one window
        return np.zeros((0, *data.shape[:-1], window), dtype=data.dtype)
    view = np.lib.stride_tricks.sliding_window_view(data, window, axis=-1)
    view = view[..., starts, :]  # (..., n_windows, window)
    return np.moveaxis(view, -2, 0)
