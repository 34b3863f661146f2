"""Few-shot calibration on a new session can only help: steps chosen on left-out
calibration trials, the unadapted model kept when no step beats it there."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from eeg_emotion.models import build_model
from eeg_emotion.models.adaptation import fewshot_curve
from eeg_emotion.offline.train_config import config_from_dict
from eeg_emotion.offline.training.run_data import load_run_data
from eeg_emotion.offline.training.split_run import _fewshot_adapt
from eeg_emotion.offline.training.trainer import fit, load_batch, predict

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _cfg(**adapt):
    return config_from_dict({
        "data": {"kind": "seed_iv", "input": "features", "feature": "de_LDS"},
        "model": {"name": "msmae-cnn", "hparams": {"branch_filters": 4, "embed_dim": 16}},
        "train": {"epochs": 3, "batch_size": 64, "device": "cpu", "patience": 3, "lr": 3e-3},
        "adapt": {"fewshot_trials": 4, "fewshot_steps": 15, "session_norm": True,
                  "fewshot_lr": 0.01, **adapt},
        "protocol": {"name": "cross_session", "targets": ["emotion"],
                     "train_sessions": [1, 2], "test_session": 3, "per_subject": True}},
        "test")


@pytest.fixture(scope="module")
def trained(seed_iv_latent_dir):
    """One subject's model trained on sessions 1-2; 4 calibration trials of session 3."""
    cfg = _cfg()
    data = load_run_data(cfg, seed_iv_latent_dir)
    one = data.subject == np.unique(data.subject)[0]
    train = np.flatnonzero(one & (data.session != 3))
    torch.manual_seed(0)
    model = build_model("msmae-cnn", 62, data.sfreq, data.targets, channels=list(data.channels),
                        branch_filters=4, embed_dim=16)
    fit(model, data.X, data.labels, train, np.zeros(0, np.int64), cfg.train,
        device=torch.device("cpu"), progress=False, features=True)
    test = np.flatnonzero(one & (data.session == 3))
    trials = np.unique(data.trial_id[test])
    rng = np.random.default_rng(1)
    # one calibration trial per class, as a user's first ratings would be
    cal_trials = [rng.choice(np.unique(data.trial_id[test][data.labels["emotion"][test] == c]))
                  for c in range(4)]
    assert set(cal_trials) <= set(trials)
    cal = test[np.isin(data.trial_id[test], cal_trials)]
    return cfg, data, model, cal


def _accuracy(model, data, idx):
    preds, _, _ = predict(model, data.X, idx, 256, torch.device("cpu"), True)
    return float((preds["emotion"] == data.labels["emotion"][idx]).mean())


@pytest.mark.parametrize("params", ["heads", "all"])
def test_calibration_never_ends_below_the_uncalibrated_model_on_a_held_out_trial(
        trained, params):
    """Each calibration trial in turn is held out: calibrating on the other three never
    scores it below the uncalibrated model."""
    cfg, data, model, cal = trained
    cfg = dataclasses.replace(cfg, adapt=dataclasses.replace(cfg.adapt, fewshot_params=params))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    for held in np.unique(data.trial_id[cal]):
        model.load_state_dict(start)
        is_held = data.trial_id[cal] == held
        before = _accuracy(model, data, cal[is_held])
        info = _fewshot_adapt(cfg, data, model, data.targets, cal[~is_held],
                              torch.device("cpu"))
        after = _accuracy(model, data, cal[is_held])
        assert info["heldout_accuracy_after"] >= info["heldout_accuracy_before"]
        assert info["fell_back"] == (info["steps"] == 0)
        assert after >= before, (held, before, after, info)
        if info["fell_back"]:  # the unadapted model is kept, weight for weight
            assert all(torch.equal(v, start[k]) for k, v in model.state_dict().items())
    model.load_state_dict(start)


def test_calibration_on_contradicting_ratings_keeps_the_uncalibrated_model(trained):
    """Calibration trials whose labels contradict each other cannot help a left-out
    one: no step is taken and the weights stay as training left them."""
    cfg, data, model, cal = trained
    start = {k: v.clone() for k, v in model.state_dict().items()}
    labels = {"emotion": data.labels["emotion"].copy()}
    trials = np.unique(data.trial_id[cal])
    for i, t in enumerate(trials):  # each trial a class no other calibration trial has,
        rows = cal[data.trial_id[cal] == t]  # and not the one the model predicts for it
        predicted = np.bincount(predict(model, data.X, rows, 256, torch.device("cpu"),
                                        True)[0]["emotion"], minlength=4).argmax()
        labels["emotion"][rows] = (predicted + 1 + i) % 4 if i < 3 else predicted
    wrong = dataclasses.replace(data, labels=labels)
    info = _fewshot_adapt(cfg, wrong, model, data.targets, cal, torch.device("cpu"))
    assert info["heldout_accuracy_after"] >= info["heldout_accuracy_before"]
    if info["fell_back"]:
        assert all(torch.equal(v, start[k]) for k, v in model.state_dict().items())
    model.load_state_dict(start)


def test_the_curve_starts_at_the_unadapted_model_and_leaves_it_unchanged(trained):
    _, data, model, cal = trained
    start = {k: v.clone() for k, v in model.state_dict().items()}
    idx = np.sort(cal)
    x = load_batch(data.X, idx, torch.device("cpu"))
    y = torch.from_numpy(data.labels["emotion"][idx])
    loss, acc = fewshot_curve(model, x[::2], y[::2], x[1::2], y[1::2], 10, 0.01, features=True,
                              shrinkage=1.0)
    assert loss.shape == acc.shape == (11,)
    assert acc[0] == pytest.approx(_accuracy(model, data, idx[1::2]))
    assert all(torch.equal(v, start[k]) for k, v in model.state_dict().items())
    assert loss[-1] < loss[0]  # odd and even windows of the same trials: it does learn
