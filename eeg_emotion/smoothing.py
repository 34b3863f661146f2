"""Smoothing of band features over successive windows: SEED-IV's, and its causal twins.

SEED-IV's feature files come smoothed along time in two ways, both of which use
future windows and so cannot run live:

* ``movingAve``: :func:`moving_average`, a centred mean over 5 windows (edges
  repeat the first / last window, like ``scipy.ndimage.uniform_filter1d`` with
  ``mode="nearest"``);
* ``LDS``: :func:`lds_smooth`, a linear dynamical system: a random-walk Kalman
  filter followed by a Rauch-Tung-Striebel (RTS) backward pass. Process noise is
  ``q = 1e-3`` and observation noise ``r = 1`` times each feature's variance
  over the trial, the state starting at the first window with that variance.

The live path runs :class:`CausalSmoother`, which uses past windows only:

* for ``LDS``: the same Kalman filter *without* the backward pass. Its output at
  window ``t`` is exactly the forward pass of :func:`lds_smooth` at ``t`` (the
  Kalman gains depend on ``q / r`` only, not on the trial variance), and at a
  trial's last window the two are equal; earlier windows differ by what the
  backward pass adds from the future;
* for ``movingAve``: a trailing mean over the last 5 windows (the centred mean
  delayed by 2 windows, with a shorter mean at the start).

All functions take time (windows) as the first axis: ``(n_windows, ...)``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.ndimage import uniform_filter1d

from eeg_emotion.errors import ConfigError

#: SEED-IV's smoothers, by the suffix of the feature name (``de_LDS`` -> ``"lds"``)
SMOOTHERS = ("none", "lds", "moving_average")
Smoother = Literal["none", "lds", "moving_average"]

MOVING_AVERAGE_WINDOWS = 5
LDS_Q = 1e-3
LDS_R = 1.0


def smoother_of_feature(name: str) -> Smoother:
    """The smoother of a SEED-IV feature name: ``de_LDS`` -> ``"lds"``, ``psd_movingAve`` ->
    ``"moving_average"``, ``de`` -> ``"none"``."""
    if name.endswith("_LDS"):
        return "lds"
    if name.endswith("_movingAve"):
        return "moving_average"
    return "none"


def moving_average(x: np.ndarray, size: int = MOVING_AVERAGE_WINDOWS) -> np.ndarray:
    """Centred moving average over windows (SEED-IV's ``movingAve``), axis 0."""
    return uniform_filter1d(np.asarray(x, dtype=np.float64), size=size, axis=0, mode="nearest")


def _kalman_forward(x: np.ndarray, q: float, r: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random-walk Kalman filter in units of the prior variance (axis 0 is time).

    Returns the filtered means and variances, and the predicted ones.
    """
    w = x.shape[0]
    m = np.empty_like(x)
    p = np.empty(w)
    m_pred = np.empty_like(x)
    p_pred = np.empty(w)
    mean, var = x[0], 1.0
    for t in range(w):  # over windows (a few hundred per trial), vectorised over features
        mp, pp = (x[0], 1.0) if t == 0 else (mean, var + q)
        gain = pp / (pp + r)
        mean = mp + gain * (x[t] - mp)
        var = (1.0 - gain) * pp
        m[t], p[t], m_pred[t], p_pred[t] = mean, var, mp, pp
    return m, p, m_pred, p_pred


def lds_smooth(x: np.ndarray, q: float = LDS_Q, r: float = LDS_R) -> np.ndarray:
    """SEED-IV's ``LDS`` smoothing: Kalman filter + RTS backward pass, axis 0.

    Parameters
    ----------
    x : numpy.ndarray, shape (n_windows, ...)
        Features of one trial.
    q, r : float
        Process and observation noise, as fractions of each feature's variance.

    Returns
    -------
    numpy.ndarray
        Same shape, float64.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape[0] == 0:
        return x.copy()
    m, p, m_pred, p_pred = _kalman_forward(x, q, r)
    out = m.copy()
    for t in range(x.shape[0] - 2, -1, -1):
        j = p[t] / p_pred[t + 1]
        out[t] = m[t] + j * (out[t + 1] - m_pred[t + 1])
    return out


def smooth_offline(x: np.ndarray, kind: Smoother) -> np.ndarray:
    """Apply SEED-IV's smoother ``kind`` to one trial's features (axis 0 is time)."""
    if kind == "lds":
        return lds_smooth(x)
    if kind == "moving_average":
        return moving_average(x)
    if kind == "none":
        return np.asarray(x, dtype=np.float64).copy()
    raise ConfigError(f"smoothing {kind!r} is unknown", f"use one of {', '.join(SMOOTHERS)}")


class CausalSmoother:
    """The live counterpart of a SEED-IV smoother: one window in, one smoothed out.

    Parameters
    ----------
    kind : {"none", "lds", "moving_average"}
        Which offline smoother to follow (see the module docstring).
    """

    def __init__(self, kind: Smoother) -> None:
        if kind not in SMOOTHERS:
            raise ConfigError(f"smoothing {kind!r} is unknown",
                              f"use one of {', '.join(SMOOTHERS)}")
        self.kind = kind
        self.reset()

    def reset(self) -> None:
        """Start afresh (a new recording, or after a gap in the stream)."""
        self._mean: np.ndarray | None = None
        self._var = 1.0
        self._recent: list[np.ndarray] = []

    def update(self, x: np.ndarray) -> np.ndarray:
        """Smooth the features of the newest window.

        Parameters
        ----------
        x : numpy.ndarray
            Features of one window (any shape, e.g. (channels, bands)).

        Returns
        -------
        numpy.ndarray
            The smoothed features, float64.
        """
        x = np.asarray(x, dtype=np.float64)
        if self.kind == "none":
            return x.copy()
        if self.kind == "moving_average":
            self._recent.append(x)
            del self._recent[:-MOVING_AVERAGE_WINDOWS]
            return np.mean(self._recent, axis=0)
        if self._mean is None:  # the first window, as lds_smooth starts
            pred_mean, pred_var = x, 1.0
        else:
            pred_mean, pred_var = self._mean, self._var + LDS_Q
        gain = pred_var / (pred_var + LDS_R)
        self._mean = pred_mean + gain * (x - pred_mean)
        self._var = (1.0 - gain) * pred_var
        return self._mean.copy()
