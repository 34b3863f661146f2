"""Every registered model: shapes for many lengths, gradients, hparams round trip, errors."""

from __future__ import annotations

import json

import pytest
import torch

from eeg_emotion.errors import ConfigError, MontageError
from eeg_emotion.models import MODELS, EmotionModel, build_model
from eeg_emotion.models.registry import model_hparam_names
from eeg_emotion.montages import CYTON
from eeg_emotion.targets import Target, deap_targets

HPARAMS = {"scalingnet": {}, "scalingnet-conv": {}, "msmae-cnn": {"channels": list(CYTON)},
           "band-forest": {"n_trees": 3, "max_nodes": 5, "max_depth": 3}}


def _build(name: str, **extra) -> EmotionModel:
    torch.manual_seed(0)
    return build_model(name, 8, 128.0, deap_targets(("valence", "arousal")),
                       **{**HPARAMS[name], **extra})


def test_registry_names():
    assert set(MODELS) == {"scalingnet", "scalingnet-conv", "msmae-cnn", "band-forest"}
    for name, cls in MODELS.items():
        assert cls.name == name
    assert MODELS["msmae-cnn"].supports_missing_channels
    assert not MODELS["scalingnet"].supports_missing_channels


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("n_times", [1, 7, 33, 128, 301])
def test_output_shapes_any_length(name, n_times):
    model = _build(name).eval()
    if n_times < model.min_samples:
        with pytest.raises(ConfigError, match="expects"):
            model(torch.randn(3, 8, n_times))
        return
    out = model(torch.randn(3, 8, n_times))
    assert set(out) == {"valence", "arousal"}
    assert all(v.shape == (3, 2) and torch.isfinite(v).all() for v in out.values())
    level_map = model.level_map(torch.randn(2, 8, n_times))
    assert level_map.ndim == 4 and level_map.shape[:2] == (2, 8)
    assert level_map.shape[2] == len(model.level_labels())


@pytest.mark.parametrize("name", ["scalingnet", "scalingnet-conv"])
def test_long_window(name):
    """A whole 63-s DEAP trial at 128 Hz goes through in one piece."""
    with torch.no_grad():
        out = _build(name, conv_filters=[4, 4]).eval()(torch.randn(1, 8, 63 * 128))
    assert out["valence"].shape == (1, 2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_parameter_gets_a_gradient(name):
    model = _build(name).train()
    if not any(True for _ in model.parameters()):
        pytest.skip(f"{name} has no trainable parameters (fitted elsewhere)")
    out = model(torch.randn(4, 8, 64))
    sum(v.sum() for v in out.values()).backward()
    skip = ("decoder", "discriminator", "mask_token")  # used by pre-training / alignment only
    for pname, p in model.named_parameters():
        if not pname.startswith(skip):
            assert p.grad is not None and torch.isfinite(p.grad).all(), pname
            assert p.grad.abs().sum() > 0, pname


@pytest.mark.parametrize("name", sorted(MODELS))
def test_hparams_rebuild_same_architecture(name):
    model = _build(name)
    hp = json.loads(json.dumps(model.hparams()))  # must survive JSON
    assert set(hp) == set(model_hparam_names(name))
    again = build_model(name, 8, 128.0, model.targets, **hp)
    again.load_state_dict(model.state_dict())
    x = torch.randn(2, 8, 100)
    model.eval()
    again.eval()
    with torch.no_grad():
        for key, value in model(x).items():
            torch.testing.assert_close(again(x)[key], value)


def test_unknown_model_name():
    with pytest.raises(ConfigError, match="unknown model 'eegnet'") as info:
        build_model("eegnet", 8, 128.0, deap_targets())
    assert "scalingnet" in info.value.fix


def test_unknown_hparam_lists_accepted():
    with pytest.raises(ConfigError, match="kernel_size") as info:
        build_model("scalingnet", 8, 128.0, deap_targets(), kernel_size=33)
    assert "kernel_length" in info.value.fix


@pytest.mark.parametrize(("name", "hparams", "match"), [
    ("scalingnet", {"kernel_length": 32}, "odd"),
    ("scalingnet", {"conv_kernel": [3]}, "conv_kernel"),
    ("scalingnet", {"conv_filters": []}, "conv_filters"),
    ("scalingnet", {"dropout": 1.5}, "dropout"),
    ("scalingnet-conv", {"shared_kernel": True}, "shared_kernel"),
    ("msmae-cnn", {"channels": ["Fp1", "Fp2"]}, "channel names"),
    ("msmae-cnn", {"embed_dim": 0}, "embed_dim"),
])
def test_bad_hparam_values(name, hparams, match):
    with pytest.raises(ConfigError, match=match):
        build_model(name, 8, 128.0, deap_targets(), **{**HPARAMS[name], **hparams})


def test_channel_off_the_scalp_grid():
    with pytest.raises(MontageError, match="'EXG1' has no place"):
        build_model("msmae-cnn", 8, 128.0, deap_targets(), channels=[*CYTON[:7], "EXG1"])


@pytest.mark.parametrize(("args", "match"), [
    ((0, 128.0, deap_targets()), "n_channels"),
    ((8, -1.0, deap_targets()), "sfreq"),
    ((8, 128.0, []), "Target"),
    ((8, 128.0, [Target("a.b", ("x", "y"), "a")]), "cannot name a head"),
    ((8, 128.0, deap_targets(("valence", "valence"))), "repeat"),
])
def test_bad_contract(args, match):
    with pytest.raises(ConfigError, match=match):
        build_model("scalingnet", *args)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_wrong_window_shape(name):
    with pytest.raises(ConfigError, match="expects"):
        _build(name)(torch.randn(2, 7, 64))


def test_scalingnet_refuses_missing_channels():
    mask = torch.ones(8, dtype=torch.bool)
    mask[2] = False
    with pytest.raises(ConfigError, match="missing channels"):
        _build("scalingnet")(torch.randn(1, 8, 64), channel_mask=mask)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_same_outputs_on_cuda(name):
    model = _build(name).eval()
    x = torch.randn(4, 8, 300)
    mask = torch.ones(8, dtype=torch.bool)
    with torch.no_grad():
        cpu = model(x)
        gpu = model.to("cuda")(x.cuda())
        gpu_maps = model.level_map(x.cuda())
    for key, value in cpu.items():
        torch.testing.assert_close(gpu[key].cpu(), value, rtol=1e-3, atol=1e-4)
    assert gpu_maps.is_cuda
    model.train()
    out = model(x.cuda(), channel_mask=mask.cuda())
    sum(v.sum() for v in out.values()).backward()
    if name == "msmae-cnn":
        loss, info = model.pretrain_loss(x.cuda(), generator=torch.Generator().manual_seed(0))
        loss.backward()
        assert info["mask"].is_cuda and torch.isfinite(loss)
