"""ScalingNet: architecture per the paper, level labels, learning a band-power task."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eeg_emotion.models import build_model
from eeg_emotion.models.scaling import ScalingLayer
from eeg_emotion.models.scalingnet import level_bands
from eeg_emotion.targets import Target


def test_paper_architecture(binary_target):
    model = build_model("scalingnet", 32, 128.0, [binary_target])
    assert isinstance(model.extractor, ScalingLayer)
    assert model.extractor.weight.shape == (32, 33)  # one base kernel per EEG channel
    convs = [m for m in model.transform if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 8, 6]
    assert convs[0].in_channels == 32  # EEG channels are the input planes
    assert all(c.kernel_size == (3, 5) for c in convs)
    assert model.heads["band"][-1].in_features == 6


def test_ablation_has_same_map_shape(binary_target):
    conv = build_model("scalingnet-conv", 32, 128.0, [binary_target])
    scaling = build_model("scalingnet", 32, 128.0, [binary_target])
    x = torch.randn(2, 32, 256)
    assert conv.level_map(x).shape == scaling.level_map(x).shape == (2, 32, 6, 256)
    assert conv.extractor.conv.groups == 32


def test_level_labels_follow_kernel_lengths(binary_target):
    model = build_model("scalingnet", 4, 128.0, [binary_target])
    labels = model.level_labels()
    assert len(labels) == 6
    assert labels[0] == "L0 (33 taps) ~ 4-8 Hz"
    assert labels[2].startswith("L2 (9 taps) ~ 14-28 Hz")
    assert "broadband" in labels[-1]
    bands = level_bands((33, 17, 9), 256.0)
    assert bands[0] == pytest.approx((256 / 33, 512 / 33))
    assert all(lo < hi for lo, hi in bands)


@pytest.mark.parametrize("name", ["scalingnet", "scalingnet-conv"])
def test_learns_band_power_task(name, binary_target, band_task, train):
    rng = np.random.default_rng(7)
    x_train, y_train = band_task(192, 8, 128.0, 128, rng)
    x_test, y_test = band_task(160, 8, 128.0, 128, rng)
    torch.manual_seed(0)
    model = build_model(name, 8, 128.0, [binary_target])
    with torch.no_grad():
        before = (model(x_test)["band"].argmax(1) == y_test).float().mean().item()
    train(model, x_train, y_train, "band", epochs=5, lr=5e-3)
    with torch.no_grad():
        acc = (model(x_test)["band"].argmax(1) == y_test).float().mean().item()
    assert acc >= 0.85, (before, acc)  # chance is 0.5; held-out windows


def test_joint_heads_train_together(binary_target, band_task, train):
    other = Target("other", ("a", "b"), "other", None)
    model = build_model("scalingnet", 8, 128.0, [binary_target, other])
    x, _ = band_task(4, 8, 128.0, 64, np.random.default_rng(0))
    out = model(x)
    assert set(out) == {"band", "other"}
    (out["band"].sum() + out["other"].sum()).backward()
    assert model.heads["other"][-1].weight.grad is not None


def test_each_level_doubles_the_pattern_frequency():
    """The premise of the level labels: scaling a pattern down doubles its frequency."""
    layer = ScalingLayer(1, 65)
    n = np.arange(65)
    pattern = np.cos(2 * np.pi * 3 * (n - 32) / 65) * np.hanning(65)  # 3 periods
    with torch.no_grad():
        layer.weight[0] = torch.as_tensor(pattern, dtype=torch.float32)
    kernels = layer.scaled_kernels()[0].detach().numpy()
    freqs = np.fft.rfftfreq(8192, 1 / 128.0)
    peaks = [freqs[np.abs(np.fft.rfft(k, 8192)).argmax()] for k in kernels[:4]]
    assert peaks[0] == pytest.approx(128 * 3 / 65, rel=0.05)
    ratios = np.array(peaks[1:]) / np.array(peaks[:-1])
    assert np.all((ratios > 1.8) & (ratios < 2.1)), peaks
