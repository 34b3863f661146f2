"""Baselines on band features: the Random Forest (as the MSMAE-CNN paper compares) and
a regularised logistic regression.

A network pre-trained on every subject should beat both. On SEED-IV's real
de_LDS features a per-subject logistic regression (features standardised, strong L2,
C = 0.01) reached 0.69 cross-session, above the Random Forest; a report that shows only
the forest hides where the network loses.

Features are differential entropy (DE) or Welch band power (log) of each
channel and band, computed from the same preprocessed windows the networks see,
or read from SEED-IV's own feature files. They are flattened to
``channels x bands`` per window; nothing is fitted on test data.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from eeg_emotion.errors import ConfigError
from eeg_emotion.features import band_power_psd, differential_entropy

log = logging.getLogger(__name__)


def band_features(X: np.ndarray, sfreq: float, kind: str = "de",
                  batch: int = 256) -> np.ndarray:
    """Band features of every window, computed in batches (memmap friendly).

    Parameters
    ----------
    X : numpy.ndarray, shape (n, C, T)
        Windows.
    sfreq : float
        Sampling rate in Hz.
    kind : {"de", "psd"}
        Differential entropy, or log10 of Welch band power.
    batch : int
        Windows per batch.

    Returns
    -------
    numpy.ndarray, shape (n, C, n_bands), float32
    """
    if kind not in ("de", "psd"):
        raise ConfigError(f"baseline.features = {kind!r} is unknown", "use 'de' or 'psd'")
    out = []
    for start in range(0, X.shape[0], batch):
        w = np.asarray(X[start:start + batch], dtype=np.float64)
        if kind == "de":
            f = differential_entropy(w, sfreq)
        else:
            f = np.log10(np.maximum(band_power_psd(w, sfreq), 1e-20))
        out.append(f.astype(np.float32))
    return np.concatenate(out) if out else np.zeros((0, X.shape[1], 5), np.float32)


def make_random_forest(n_estimators: int = 200, max_depth: int | None = None,
                       seed: int = 0, n_jobs: int = 1) -> RandomForestClassifier:
    """The baseline classifier (balanced class weights, seeded)."""
    return RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                  random_state=seed, n_jobs=n_jobs,
                                  class_weight="balanced")


#: The baselines a network is compared with, by name (``baseline.models``).
BASELINES = ("random_forest", "logistic_regression")


def make_logistic_regression(c: float = 0.01, seed: int = 0):
    """Standardised features, L2-regularised logistic regression (balanced classes)."""
    return make_pipeline(StandardScaler(), LogisticRegression(
        C=c, max_iter=2000, class_weight="balanced", random_state=seed))


def fit_predict_baseline(name: str, features: np.ndarray, labels: np.ndarray,
                         train_idx: np.ndarray, test_idx: np.ndarray, *,
                         n_estimators: int = 200, max_depth: int | None = None,
                         logistic_c: float = 0.01, seed: int = 0
                         ) -> tuple[np.ndarray, float, float]:
    """Fit baseline ``name`` (:data:`BASELINES`) on ``train_idx``, predict ``test_idx``.

    Returns
    -------
    pred : numpy.ndarray of int64
    train_seconds, inference_seconds : float
    """
    if name == "random_forest":
        return fit_predict_forest(features, labels, train_idx, test_idx,
                                  n_estimators=n_estimators, max_depth=max_depth, seed=seed)
    if name != "logistic_regression":
        raise ConfigError(f"baseline {name!r} is unknown", f"use one of {', '.join(BASELINES)}")
    flat = _finite_flat(features, train_idx)
    model = make_logistic_regression(logistic_c, seed)
    t0 = time.perf_counter()
    model.fit(flat[train_idx], labels[train_idx])
    t1 = time.perf_counter()
    pred = model.predict(flat[test_idx]).astype(np.int64)
    return pred, t1 - t0, time.perf_counter() - t1


def _finite_flat(features: np.ndarray, train_idx: np.ndarray) -> np.ndarray:
    flat = np.asarray(features).reshape(len(features), -1)
    if not np.all(np.isfinite(flat[train_idx])):
        raise ConfigError("band features contain NaN or infinity",
                          "check the data for flat or broken channels")
    return flat


def fit_predict_forest(features: np.ndarray, labels: np.ndarray, train_idx: np.ndarray,
                       test_idx: np.ndarray, *, n_estimators: int = 200,
                       max_depth: int | None = None, seed: int = 0
                       ) -> tuple[np.ndarray, float, float]:
    """Fit a Random Forest on ``train_idx`` and predict ``test_idx``.

    Parameters
    ----------
    features : numpy.ndarray, shape (n, ...)
        Features per sample (flattened inside).
    labels : numpy.ndarray of int, shape (n,)
        Class index per sample.
    train_idx, test_idx : numpy.ndarray of int
    n_estimators, max_depth, seed
        Forest settings.

    Returns
    -------
    pred : numpy.ndarray of int64
        Predictions for ``test_idx``.
    train_seconds, inference_seconds : float
    """
    flat = _finite_flat(features, train_idx)
    forest = make_random_forest(n_estimators, max_depth, seed)
    t0 = time.perf_counter()
    forest.fit(flat[train_idx], labels[train_idx])
    t1 = time.perf_counter()
    pred = forest.predict(flat[test_idx]).astype(np.int64)
    t2 = time.perf_counter()
    return pred, t1 - t0, t2 - t1
