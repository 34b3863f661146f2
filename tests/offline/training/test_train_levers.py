"""The fine-tuning levers: augmentation at the between-trial scale and averaged weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eeg_emotion.models import build_model
from eeg_emotion.offline.train_config import TrainSection
from eeg_emotion.offline.training.averaging import WeightAverage, average_states
from eeg_emotion.offline.training.trainer import Augment, evaluate_loss, fit
from eeg_emotion.targets import deap_targets

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CPU = torch.device("cpu")


def _features(rng, n=400, n_ch=6, n_bands=5):
    """Features whose SD differs per (channel, band), two targets of two classes."""
    sd = rng.uniform(0.5, 4.0, (n_ch, n_bands))
    X = (rng.standard_normal((n, n_ch, n_bands)) * sd).astype(np.float32)
    labels = {"valence": rng.integers(0, 2, n).astype(np.int64),
              "arousal": rng.integers(0, 2, n).astype(np.int64)}
    return X, labels, sd


def test_noise_follows_each_features_spread(rng):
    X, labels, sd = _features(rng)
    idx = np.arange(len(X))
    aug = Augment(TrainSection(noise_std=0.3), X, idx, labels, CPU, seed=0)
    x = torch.from_numpy(X)
    noisy, mask = aug(x, idx)
    ratio = (noisy - x).std(dim=0).numpy() / sd
    assert mask is None
    assert np.allclose(ratio, 0.3, rtol=0.2)  # 0.3 of each feature's own SD


def test_mixup_pairs_only_windows_of_the_same_classes(rng):
    X, labels, _ = _features(rng, n=256)
    code = labels["valence"] * 2 + labels["arousal"]
    X = (code[:, None, None] * 100.0 + rng.uniform(0, 1, X.shape)).astype(np.float32)
    idx = np.arange(len(X))
    aug = Augment(TrainSection(mixup_alpha=0.4), X, idx, labels, CPU, seed=1)
    mixed, _ = aug(torch.from_numpy(X), idx)
    mixed = mixed.numpy()
    # a window mixed with another class would leave its class's band of values
    assert np.all(np.floor(mixed / 100.0) == code[:, None, None])
    assert not np.allclose(mixed, X)  # and windows were really mixed


def test_channel_masks_hide_the_share_asked_and_never_every_channel(rng):
    X, labels, _ = _features(rng, n=2000, n_ch=2)
    idx = np.arange(len(X))
    aug = Augment(TrainSection(channel_mask_ratio=0.6), X, idx, labels, CPU, seed=2)
    _, present = aug(torch.from_numpy(X), idx)
    assert present.dtype == torch.bool and present.shape == (2000, 2)
    assert bool(present.any(dim=1).all())
    hidden = 1.0 - present.float().mean().item()
    # 0.6 asked; a window that lost both channels (0.36 of them) gets its first back
    assert hidden == pytest.approx((2 * 0.6 - 0.36) / 2, abs=0.03)


def test_weight_average_is_an_exponential_moving_average():
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    avg = WeightAverage(net, 0.75)
    start = net[0].weight.detach().clone()
    with torch.no_grad():
        net[0].weight.add_(4.0)
    net(torch.randn(5, 3))  # batch norm counts a batch
    avg.update()
    torch.testing.assert_close(avg.average["0.weight"], start + 1.0)  # 0.75 old + 0.25 new
    assert int(avg.average["1.num_batches_tracked"]) == 1
    avg.use_average()
    torch.testing.assert_close(net[0].weight.detach(), start + 1.0)
    avg.resume_training()
    torch.testing.assert_close(net[0].weight.detach(), start + 4.0)
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(net, 1.0)


def test_fit_keeps_the_averaged_weights_it_validated(rng):
    X, labels, _ = _features(rng, n=96)
    X[labels["valence"] == 1, 0] += 3.0
    y = {"valence": labels["valence"]}
    torch.manual_seed(0)
    net = build_model("msmae-cnn", 6, 128.0, deap_targets(("valence",)),
                      channels=["F3", "F4", "C3", "C4", "P3", "P4"], direct_de=True)
    torch.manual_seed(0)
    plain = build_model("msmae-cnn", 6, 128.0, deap_targets(("valence",)),
                        channels=["F3", "F4", "C3", "C4", "P3", "P4"], direct_de=True)
    idx = np.arange(len(X))
    settings = TrainSection(epochs=6, batch_size=16, lr=0.01, patience=6, seed=0)
    res = fit(net, X, y, idx[:72], idx[72:], TrainSection(**{**vars(settings),
                                                             "average_decay": 0.9}),
              device=CPU, progress=False, features=True)
    fit(plain, X, y, idx[:72], idx[72:], settings, device=CPU, progress=False, features=True)
    loss, *_ = evaluate_loss(net, X, y, idx[72:], 16, CPU, True)
    assert loss == pytest.approx(res.history[res.best_epoch - 1]["val_loss"], rel=1e-4)
    differ = [not torch.equal(a, b) for a, b in zip(net.state_dict().values(),
                                                     plain.state_dict().values(), strict=True)]
    assert any(differ)


def test_a_soup_is_the_mean_of_the_weights_and_keeps_counters():
    a = {"w": torch.tensor([1.0, 3.0]), "n": torch.tensor(4)}
    b = {"w": torch.tensor([3.0, 5.0]), "n": torch.tensor(9)}
    out = average_states([a, b])
    assert torch.equal(out["w"], torch.tensor([2.0, 4.0])) and int(out["n"]) == 4
    assert torch.equal(a["w"], torch.tensor([1.0, 3.0]))  # the members are left as they were
    with pytest.raises(ValueError, match="no states"):
        average_states([])
