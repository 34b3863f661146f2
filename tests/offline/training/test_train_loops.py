"""The training, pre-training and prediction loops on tiny random data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eeg_emotion.devices import resolve_device
from eeg_emotion.errors import ConfigError
from eeg_emotion.models import build_model
from eeg_emotion.offline.train_config import PretrainSection, TrainSection
from eeg_emotion.offline.training.pretrain import pretrain
from eeg_emotion.offline.training.trainer import (
    AdversarialSpec,
    batches,
    evaluate_loss,
    fit,
    predict,
)
from eeg_emotion.targets import deap_targets, seed_iv_target

NET = {"kernel_length": 9, "n_levels": 3, "conv_filters": [4]}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _toy(rng, n=48, n_ch=4, n_t=128):
    """Class 1 windows carry a 20 Hz sine on channel 0: learnable in a few epochs."""
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, n_ch, n_t)).astype(np.float32)
    t = np.arange(n_t) / 128.0
    X[y == 1, 0] += 3 * np.sin(2 * np.pi * 20 * t).astype(np.float32)
    return X, {"valence": y.astype(np.int64)}


def _model(seed=0):
    torch.manual_seed(seed)
    return build_model("scalingnet", 4, 128.0, deap_targets(("valence",)), **NET)


def test_fit_learns_and_is_reproducible(rng):
    X, y = _toy(rng)
    idx = np.arange(len(X))
    settings = TrainSection(epochs=15, batch_size=8, lr=0.01, patience=15, seed=3)
    a, b = _model(), _model()
    ra = fit(a, X, y, idx[:36], idx[36:], settings, device=torch.device("cpu"),
             progress=False)
    rb = fit(b, X, y, idx[:36], idx[36:], settings, device=torch.device("cpu"),
             progress=False)
    assert [r["train_loss"] for r in ra.history] == [r["train_loss"] for r in rb.history]
    assert ra.history[-1]["train_loss"] < ra.history[0]["train_loss"]
    preds, probs, secs = predict(a, X, idx[36:], 5, torch.device("cpu"))
    assert (preds["valence"] == y["valence"][36:]).mean() >= 0.75
    assert probs["valence"].shape == (12, 2) and secs > 0


def test_best_weights_are_restored(rng):
    X, y = _toy(rng)
    idx = np.arange(len(X))
    model = _model()
    res = fit(model, X, y, idx[:36], idx[36:], TrainSection(epochs=12, batch_size=8, lr=0.01,
                                                             patience=2),
              device=torch.device("cpu"), progress=False)
    best = min(r["val_loss"] for r in res.history)
    assert res.history[res.best_epoch - 1]["val_loss"] == best
    loss, *_ = evaluate_loss(model, X, y, idx[36:], 8, torch.device("cpu"))
    assert loss == pytest.approx(best, rel=1e-4)
    if res.stopped_early:
        assert len(res.history) == res.best_epoch + 3


def test_predict_keeps_the_order_of_indices(rng):
    X, _ = _toy(rng)
    model = _model()
    idx = np.array([7, 2, 30, 2, 11])
    _, probs, _ = predict(model, X, idx, 2, torch.device("cpu"))
    _, single, _ = predict(model, X, idx[[2]], 1, torch.device("cpu"))
    np.testing.assert_allclose(probs["valence"][2], single["valence"][0], rtol=1e-5)
    np.testing.assert_allclose(probs["valence"][1], probs["valence"][3])


def test_batches_cover_every_index_once(rng):
    idx = np.arange(10, 47)
    got = np.concatenate(list(batches(idx, 8, rng)))
    assert np.array_equal(np.sort(got), idx)
    assert all(np.all(np.diff(b) > 0) for b in batches(idx, 8, rng))


def test_fit_refuses_empty_training_set(rng):
    X, y = _toy(rng)
    with pytest.raises(ConfigError, match="no training samples"):
        fit(_model(), X, y, np.zeros(0, int), np.zeros(0, int), TrainSection(epochs=1),
            device=torch.device("cpu"), progress=False)


def test_cuda_without_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="sees no GPU"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


def _msmae():
    torch.manual_seed(0)
    return build_model("msmae-cnn", 62, 200.0, [seed_iv_target()], branch_filters=4,
                       embed_dim=16, filter_s=0.5)


def test_msmae_pretraining_lowers_reconstruction_loss(rng):
    X = (rng.standard_normal((24, 62, 400)) * 10).astype(np.float32)
    X[:, :31] *= 3  # structure to learn: left half louder
    model = _msmae()
    info = pretrain(model, X, np.arange(20), np.arange(20, 24),
                    PretrainSection(enabled=True, epochs=6, lr=0.01, patience=10),
                    batch_size=8, seed=0, device=torch.device("cpu"), progress=False)
    losses = [r["loss"] for r in info["history"]]
    assert losses[-1] < losses[0]
    assert info["n_windows"] == 24 and 1 <= info["best_epoch"] <= 6


def test_pretrain_refuses_models_without_it(rng):
    X, _ = _toy(rng)
    with pytest.raises(ConfigError, match="no pre-training"):
        pretrain(_model(), X, np.arange(10), np.zeros(0, int), PretrainSection(),
                 batch_size=4, seed=0, device=torch.device("cpu"), progress=False)


def test_adversarial_alignment_runs_with_unlabelled_target(rng):
    X = (rng.standard_normal((24, 62, 400)) * 10).astype(np.float32)
    y = {"emotion": rng.integers(0, 4, 24)}
    dom = np.repeat([0, 1, 2], 8)
    model = build_model("msmae-cnn", 62, 200.0, [seed_iv_target()], branch_filters=4,
                        embed_dim=16, filter_s=0.5, n_domains=3)
    before = [p.detach().clone() for p in model.discriminator.parameters()]
    fit(model, X, y, np.arange(16), np.zeros(0, int), TrainSection(epochs=1, batch_size=8),
        device=torch.device("cpu"), progress=False,
        adversarial=AdversarialSpec(dom, 0.5, np.arange(16, 24)))
    after = list(model.discriminator.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
