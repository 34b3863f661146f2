"""Metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from eeg_emotion.errors import DataFormatError
from eeg_emotion.offline.training.metrics import (
    classification_metrics,
    format_mean_std,
    summarize_folds,
)


def test_binary_metrics_by_hand():
    y = np.array([0, 0, 0, 0, 1, 1])
    p = np.array([0, 0, 1, 1, 1, 0])
    m = classification_metrics(y, p, 2)
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["error_rate"] == pytest.approx(0.5)
    assert m["majority_rate"] == pytest.approx(4 / 6)
    # recall: class0 2/4, class1 1/2 -> balanced 0.5
    assert m["balanced_accuracy"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    # precision: class0 2/3, class1 1/3
    assert m["precision"] == pytest.approx(0.5)
    f0, f1 = 2 * (2 / 3 * 0.5) / (2 / 3 + 0.5), 2 * (1 / 3 * 0.5) / (1 / 3 + 0.5)
    assert m["macro_f1"] == pytest.approx((f0 + f1) / 2)
    assert m["confusion"] == [[2, 2], [1, 1]]
    assert m["class_counts"] == [4, 2]


def test_constant_predictor_scores_majority_rate_but_chance_balanced():
    y = np.array([1] * 7 + [0] * 3)
    m = classification_metrics(y, np.ones(10, int), 2)
    assert m["accuracy"] == pytest.approx(m["majority_rate"]) == pytest.approx(0.7)
    assert m["balanced_accuracy"] == pytest.approx(0.5)


def test_confusion_is_full_size_with_absent_class():
    m = classification_metrics(np.array([0, 1]), np.array([0, 1]), 4)
    assert np.array(m["confusion"]).shape == (4, 4)
    assert m["macro_f1"] == pytest.approx(1.0)


def test_summary_mean_std():
    folds = [classification_metrics(np.array([0, 1]), np.array([0, 1]), 2),
             classification_metrics(np.array([0, 1]), np.array([1, 1]), 2)]
    s = summarize_folds(folds)
    assert s["accuracy"]["mean"] == pytest.approx(0.75)
    assert s["accuracy"]["std"] == pytest.approx(0.25)
    assert s["confusion"] == [[1, 1], [0, 2]]
    assert format_mean_std(s, "accuracy", 2) == "0.75 ± 0.25"


def test_bad_inputs():
    with pytest.raises(DataFormatError, match="same length"):
        classification_metrics(np.array([0, 1]), np.array([0]), 2)
    with pytest.raises(DataFormatError, match="no samples"):
        classification_metrics(np.array([], int), np.array([], int), 2)
    with pytest.raises(DataFormatError):
        summarize_folds([])
