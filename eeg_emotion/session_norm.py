"""Session normalisation: each recording session's features standardised by its own statistics.

A new recording session (another day, electrodes placed again) shifts EEG band
features by more than the emotion effect (shared/DATASETS.md: about 0.9 against
0.15-0.27 in SEED-IV's DE). Standardising each feature (channel x band) with the
mean and standard deviation of the session it comes from removes that shift.
It needs no labels, so it is allowed on a test session, as unsupervised
adaptation.

* Offline, :func:`normalize_sessions` uses each session's whole set of windows.
* Live, :class:`RunningSessionNorm` uses the running statistics of the current
  session so far (causal), and says when its warm-up is done.
"""

from __future__ import annotations

import numpy as np

#: Standard deviations below this are treated as 1 (a flat feature is only centred).
STD_FLOOR = 1e-6


def normalize_sessions(X: np.ndarray, session_keys: np.ndarray) -> np.ndarray:
    """Standardise every feature within each session.

    Parameters
    ----------
    X : numpy.ndarray, shape (n_windows, ...)
        Features of every window.
    session_keys : numpy.ndarray, shape (n_windows,)
        One key per window naming its recording session (e.g. ``"3/2"`` for
        subject 3, session 2).

    Returns
    -------
    numpy.ndarray
        Same shape, float32; every session's features have mean 0 and std 1.
    """
    X = np.asarray(X)
    keys = np.asarray(session_keys)
    out = np.empty(X.shape, dtype=np.float32)
    for key in np.unique(keys):
        rows = keys == key
        x = X[rows].astype(np.float64)
        std = x.std(axis=0)
        out[rows] = (x - x.mean(axis=0)) / np.where(std > STD_FLOOR, std, 1.0)
    return out


class RunningSessionNorm:
    """Causal session normalisation: running mean and variance of the session so far.

    Parameters
    ----------
    warmup : int
        Windows after which the statistics count as settled (:attr:`adapting`
        turns False); before that the estimates are made with what there is.
    """

    def __init__(self, warmup: int) -> None:
        self.warmup = int(warmup)
        self.n = 0
        self._mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None

    @property
    def adapting(self) -> bool:
        """True until ``warmup`` windows were seen."""
        return self.n < self.warmup

    def update(self, x: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Add one window's features to the statistics and standardise it (Welford).

        Parameters
        ----------
        x : numpy.ndarray, shape (n_channels, n_bands)
            Features of the newest window.
        present : numpy.ndarray of bool, shape (n_channels,) | None
            Channels that exist; absent ones stay 0 and never enter the statistics.

        Returns
        -------
        numpy.ndarray
            The standardised features (0 for absent channels).
        """
        x = np.asarray(x, dtype=np.float64)
        if self._mean is None:
            self._mean = np.zeros_like(x)
            self._m2 = np.zeros_like(x)
        self.n += 1
        delta = x - self._mean
        self._mean += delta / self.n
        self._m2 += delta * (x - self._mean)
        std = np.sqrt(self._m2 / self.n)
        z = (x - self._mean) / np.where(std > STD_FLOOR, std, 1.0)
        if present is not None:
            z[~np.asarray(present, dtype=bool)] = 0.0
        return z
