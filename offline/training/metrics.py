"""Classification metrics of one fold, and their mean ± std over folds.

Accuracy is never reported alone: the majority-class rate (what always
guessing the most frequent test class scores), balanced accuracy and macro-F1
sit beside it, as DATASETS.md "Honest evaluation" asks.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)

from eeg_emotion.errors import DataFormatError

#: scalar metrics, in report order
SCALAR_METRICS = ("accuracy", "majority_rate", "balanced_accuracy", "macro_f1",
                  "precision", "recall", "error_rate")


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray,
                           n_classes: int) -> dict[str, float | int | list]:
    """Score predictions of one fold and target.

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray of int
        True and predicted class indices, same length.
    n_classes : int
        Number of classes (the confusion matrix is ``n_classes`` square even
        when a class is absent from the fold).

    Returns
    -------
    dict
        ``accuracy``, ``majority_rate`` (share of the most frequent true
        class), ``balanced_accuracy``, ``macro_f1``, ``precision`` and ``recall``
        (macro), ``error_rate``, ``n``, ``class_counts`` and ``confusion`` (rows
        true, columns predicted).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise DataFormatError(f"metrics: y_true {y_true.shape} and y_pred {y_pred.shape} must "
                              "be 1-D arrays of the same length")
    if y_true.size == 0:
        raise DataFormatError("metrics: no samples to score",
                              "check that the test split is not empty")
    labels = np.arange(n_classes)
    counts = np.bincount(y_true, minlength=n_classes)
    present = labels[counts > 0]
    acc = float(accuracy_score(y_true, y_pred))
    with warnings.catch_warnings():
        # a fold may lack a class, or the model may predict one absent from y_true: expected
        warnings.simplefilter("ignore", UserWarning)
        bal = float(balanced_accuracy_score(y_true, y_pred))
    return {
        "accuracy": acc,
        "majority_rate": float(counts.max() / y_true.size),
        # sklearn averages over classes present in y_true or y_pred; recall over true classes
        "balanced_accuracy": bal,
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro",
                                   zero_division=0)),
        "precision": float(precision_score(y_true, y_pred, labels=present, average="macro",
                                           zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, labels=present, average="macro",
                                     zero_division=0)),
        "error_rate": 1.0 - acc,
        "n": int(y_true.size),
        "class_counts": counts.tolist(),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def summarize_folds(fold_metrics: Sequence[dict]) -> dict[str, dict[str, float] | list]:
    """Mean ± std over folds of each scalar metric, and the summed confusion matrix.

    Parameters
    ----------
    fold_metrics : sequence of dict
        Outputs of :func:`classification_metrics`, one per fold.

    Returns
    -------
    dict
        ``{metric: {"mean", "std", "min", "max"}}`` for every metric of
        :data:`SCALAR_METRICS` (std is the population std over folds, 0 for one
        fold), plus ``confusion`` summed over folds and ``n_folds``.
    """
    if not fold_metrics:
        raise DataFormatError("no fold results to summarise", "run at least one fold")
    out: dict = {"n_folds": len(fold_metrics)}
    for key in SCALAR_METRICS:
        vals = np.array([m[key] for m in fold_metrics], dtype=np.float64)
        out[key] = {"mean": float(vals.mean()), "std": float(vals.std()),
                    "min": float(vals.min()), "max": float(vals.max())}
    out["confusion"] = np.sum([np.asarray(m["confusion"]) for m in fold_metrics],
                              axis=0).tolist()
    return out


def format_mean_std(summary: dict, key: str, digits: int = 4) -> str:
    """``"0.7113 ± 0.0210"`` for one metric of :func:`summarize_folds` output."""
    s = summary[key]
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"
