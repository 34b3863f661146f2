"""A ScalingNet trained on synthetic DEAP beats chance on held-out SUBJECTS.

The synthetic valence signal is frontal alpha asymmetry (offline/synth/deap.py), so the
model sees the 8 frontal channels. Cross-subject 2-fold: every test subject is
unseen in training (and in early stopping). Chance is 0.5; the majority-class rate
of the test folds is reported next to accuracy and checked to be below it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eeg_emotion.offline.synth.deap import write_synthetic_deap
from eeg_emotion.offline.train_config import config_from_dict
from eeg_emotion.offline.training.run_folder import RunOptions
from eeg_emotion.offline.training.sweep import run_config

FRONTAL = ["Fp1", "AF3", "F3", "F7", "Fp2", "AF4", "F4", "F8"]


@pytest.fixture(scope="module")
def deap8(tmp_path_factory):
    """8 synthetic subjects x 20 trials x 8 s (larger than the shared fixture)."""
    out = tmp_path_factory.mktemp("deap8") / "data_preprocessed_python"
    write_synthetic_deap(out, subjects=8, trials=20, seconds=8.0, seed=1)
    return out


def test_scalingnet_generalises_to_unseen_subjects(deap8, tmp_path):
    torch.set_num_threads(1)
    cfg = config_from_dict({
        "data": {"kind": "deap"},
        "preprocess": {"window_s": 4.0, "baseline": "subtract_mean", "channels": FRONTAL},
        "model": {"name": "scalingnet",
                  "hparams": {"kernel_length": 17, "n_levels": 4, "conv_filters": [8, 4]}},
        "train": {"epochs": 20, "batch_size": 32, "lr": 0.001, "patience": 20, "seed": 0,
                  "device": "cpu", "final_model": False},
        "protocol": {"name": "cross_subject", "folds": 2, "targets": ["valence"]},
    }, "generalisation test")
    run = run_config(cfg, deap8, RunOptions(tmp_path / "run", progress=False,
                                            cache_dir=tmp_path / "cache"))
    s = run["summary"]["valence"]
    for fold in run["folds"]:
        test_subjects = set(fold["description"].removeprefix("test subjects ").split(", "))
        assert len(test_subjects) == 4
    acc, majority = s["accuracy"]["mean"], s["majority_rate"]["mean"]
    print(f"valence on unseen subjects: acc {acc:.3f}, majority {majority:.3f}, "
          f"balanced {s['balanced_accuracy']['mean']:.3f}")
    assert acc >= 0.68, f"cross-subject valence accuracy {acc:.3f} (chance 0.5)"
    assert acc > majority + 0.1
    assert s["balanced_accuracy"]["mean"] >= 0.65
    assert np.all(np.array([f["metrics"]["valence"]["balanced_accuracy"]
                            for f in run["folds"]]) > 0.55)
