"""MSMAE-CNN: band DE, multi-scale masks, masked loss, missing channels, adaptation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from eeg_emotion.errors import ConfigError
from eeg_emotion.models import build_model
from eeg_emotion.models.adaptation import domain_adversarial_loss, fewshot_adapt, grad_reverse
from eeg_emotion.models.band_de import BandDE, usable_bands
from eeg_emotion.models.masking import channel_groups, make_masks, masked_mse
from eeg_emotion.montages import CYTON, SEED_IV, channel_region
from eeg_emotion.targets import Target


def _model(binary_target: Target, **hp):
    torch.manual_seed(0)
    return build_model("msmae-cnn", 8, 128.0, [binary_target], channels=list(CYTON), **hp)


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return (logits.argmax(1) == y).float().mean().item()


# -- band DE -------------------------------------------------------------------------------
def test_de_peaks_in_the_band_of_a_sinusoid():
    sfreq = 200.0
    t = torch.arange(800) / sfreq
    x = torch.stack([torch.sin(2 * math.pi * f * t) for f in (2.5, 6.0, 11.0, 20.0, 40.0)])
    de = BandDE(sfreq)(x[None], 1)[0, :, :, 0]  # (5 signals, 5 bands)
    assert de.argmax(dim=1).tolist() == [0, 1, 2, 3, 4]
    # A unit sine has variance 1/2: DE in its own band close to 0.5*log(2*pi*e*0.5).
    expected = 0.5 * math.log(2 * math.pi * math.e * 0.5)
    assert de[2, 2].item() == pytest.approx(expected, abs=0.15)


def test_de_segments_follow_the_signal():
    sfreq = 128.0
    t = torch.arange(512) / sfreq
    x = torch.sin(2 * math.pi * 10 * t) * (t >= 2.0)  # alpha only in the second half
    de = BandDE(sfreq)(x.view(1, 1, -1), 4)[0, 0, 2]  # alpha over 4 segments
    assert de[3] > de[0] + 3.0


def test_gamma_clipped_or_refused_at_low_rates():
    assert usable_bands(100.0)["gamma"] == (31.0, 45.0)
    assert usable_bands(200.0)["gamma"] == (31.0, 50.0)
    with pytest.raises(ConfigError, match="gamma"):
        usable_bands(60.0)
    labels = build_model("msmae-cnn", 8, 100.0, [Target("t", ("a", "b"), "t")],
                         channels=list(CYTON)).level_labels()
    assert labels[-1] == "gamma 31-45 Hz"


def test_raw_and_feature_entry_points_agree(binary_target):
    model = _model(binary_target).eval()
    x = torch.randn(3, 8, 256)
    with torch.no_grad():
        a = model(x)["band"]
        b = model.forward_features(model.compute_de(x))["band"]
    torch.testing.assert_close(a, b)


def test_level_map_shape_and_labels(binary_target):
    model = _model(binary_target, map_segments=4)
    assert model.level_map(torch.randn(2, 8, 256)).shape == (2, 8, 5, 4)
    assert model.level_labels()[2] == "alpha 8-14 Hz"


def test_bad_feature_shape(binary_target):
    with pytest.raises(ConfigError, match=r"\(batch, 8, 5\)"):
        _model(binary_target).forward_features(torch.randn(2, 8, 4))


def test_direct_de_heads_see_each_channel_and_ignore_absent_ones(binary_target):
    model = _model(binary_target, direct_de=True).eval()
    assert model.heads["band"][1].in_features == 128 + 8 * 5
    de = torch.randn(4, 8, 5)
    present = torch.ones(8, dtype=torch.bool)
    present[2] = False
    with torch.no_grad():
        base = model.forward_features(de, channel_mask=present)["band"]
        moved = de.clone()
        moved[:, 2] += 50.0  # an absent channel's values reach neither path
        torch.testing.assert_close(model.forward_features(moved, channel_mask=present)["band"],
                                   base)
        head = model.heads["band"][1]
        head.weight[:, :128] = 0.0  # the direct path alone: a linear read-out of each channel
        model.direct_norm.running_mean.normal_()
        model.direct_norm.running_var.uniform_(0.5, 2.0)
        z = (de - model.de_mean) / torch.sqrt(model.de_var + 1e-5)
        norm = model.direct_norm
        z = ((z.flatten(1) - norm.running_mean) / torch.sqrt(norm.running_var + norm.eps)
             ).view_as(z)  # each feature standardised on its own, like the LR's scaler
        z[:, 2] = 0.0
        expected = z.flatten(1) @ head.weight[:, 128:].T + head.bias
        torch.testing.assert_close(model.forward_features(de, channel_mask=present)["band"],
                                   expected)


def test_direct_de_off_by_default_and_checked(binary_target):
    assert _model(binary_target).heads["band"][1].in_features == 128
    with pytest.raises(ConfigError, match="direct_de"):
        _model(binary_target, direct_de=1)


# -- masks ---------------------------------------------------------------------------------
def test_masks_cover_every_scale():
    channels = list(SEED_IV)
    groups = channel_groups(channels)
    regions = {frozenset(g) for g in groups["region"]}
    halves = {frozenset(g) for g in groups["hemisphere"]}
    assert len(regions) == 5 and len(halves) == 2
    mask, scales = make_masks(channels, 60, channel_ratio=0.2,
                              generator=torch.Generator().manual_seed(0))
    assert scales == ["channel", "region", "hemisphere"] * 20
    seen_regions, seen_halves = set(), set()
    for row, scale in zip(mask, scales, strict=True):
        hidden = frozenset(torch.nonzero(row).flatten().tolist())
        assert 0 < len(hidden) < len(channels)
        if scale == "channel":
            assert len(hidden) == round(0.2 * 62)
        elif scale == "region":
            assert hidden in regions
            assert len({channel_region(channels[i])[0] for i in hidden}) == 1
            seen_regions.add(hidden)
        else:
            assert hidden in halves
            assert len({channel_region(channels[i])[1] for i in hidden}) == 1
            seen_halves.add(hidden)
    assert len(seen_regions) >= 4 and seen_halves == halves  # random choice covers them


def test_masks_respect_absent_channels():
    avail = torch.ones(8, dtype=torch.bool)
    avail[[0, 5]] = False
    mask, _ = make_masks(list(CYTON), 30, available=avail,
                         generator=torch.Generator().manual_seed(1))
    assert not mask[:, ~avail].any()
    assert (mask.sum(1) >= 1).all() and ((~mask & avail).sum(1) >= 1).all()


@pytest.mark.parametrize(("kwargs", "match"), [({"scales": ["lobe"]}, "lobe"),
                                               ({"channel_ratio": 1.0}, "channel_ratio")])
def test_bad_mask_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_masks(list(CYTON), 4, **kwargs)


def test_masked_mse_counts_hidden_entries_only():
    pred = torch.randn(2, 4, 5, requires_grad=True)
    target = torch.randn(2, 4, 5)
    mask = torch.tensor([[True, False, False, False], [False, False, True, True]])
    loss = masked_mse(pred, target, mask)
    expected = ((pred - target) ** 2)[mask].mean()
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert (pred.grad[~mask] == 0).all() and (pred.grad[mask] != 0).any()


def test_pretrain_loss_scores_masked_entries_and_learns(binary_target, band_task):
    model = _model(binary_target)
    x, _ = band_task(64, 8, 128.0, 256, np.random.default_rng(3))
    de = model.compute_de(x)
    masks = torch.zeros(64, 8, dtype=torch.bool)
    masks[:, 2] = True
    loss, info = model.pretrain_loss(de, features=True, masks=masks)
    assert torch.equal(info["mask"], masks)
    target = model.normalize(de, torch.ones(8, dtype=torch.bool))
    torch.testing.assert_close(loss, masked_mse(info["reconstruction"], target, masks))
    # Hidden channels' own values never reach the encoder: changing them changes
    # only the (detached) target, not the reconstruction.
    model.eval()
    de2 = de.clone()
    de2[:, 2] += 5.0
    _, a = model.pretrain_loss(de, features=True, masks=masks)
    _, b = model.pretrain_loss(de2, features=True, masks=masks)
    torch.testing.assert_close(a["reconstruction"], b["reconstruction"])
    # A few steps of pre-training on drawn multi-scale masks lower the loss.
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss, info = model.pretrain_loss(de, features=True, generator=gen)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert set(info["scales"]) == {"channel", "region", "hemisphere"}
    assert np.mean(losses[-5:]) < 0.75 * np.mean(losses[:5])
    _, info = model.pretrain_loss(x[:4])  # raw windows work too
    assert info["mask"].shape == (4, 8)
    _, info = model.pretrain_loss(de[:6], features=True, mask_ratio=0.5, scales=["channel"])
    assert info["scales"] == ["channel"] * 6 and (info["mask"].sum(1) == 4).all()


# -- classification, missing channels, adaptation -----------------------------------------
@pytest.fixture(scope="module")
def trained_state(binary_target, band_task, train):
    x, y = band_task(192, 8, 128.0, 128, np.random.default_rng(11))
    model = _model(binary_target)
    train(model, x, y, "band", epochs=5, lr=5e-3)
    return model.state_dict()


@pytest.fixture
def trained(trained_state, binary_target):
    """A fresh copy of the trained model, and a generator for test data."""
    model = _model(binary_target)
    model.load_state_dict(trained_state)
    return model.eval(), np.random.default_rng(12)


def test_learns_band_power_task(trained, band_task):
    model, rng = trained
    x_test, y_test = band_task(160, 8, 128.0, 128, rng)
    with torch.no_grad():
        assert _accuracy(model(x_test)["band"], y_test) >= 0.85


def test_predicts_with_missing_channels(trained, band_task):
    model, rng = trained
    x_test, y_test = band_task(160, 8, 128.0, 128, rng)
    present = torch.ones(8, dtype=torch.bool)
    present[[1, 4, 6]] = False
    broken = x_test.clone()
    broken[:, ~present] = 0.0  # flat, disconnected electrodes
    with torch.no_grad():
        out = model(broken, channel_mask=present)["band"]
        other = broken.clone()
        other[:, ~present] = torch.randn_like(other[:, ~present]) * 100
        out_other = model(other, channel_mask=present)["band"]
    torch.testing.assert_close(out, out_other)  # absent channels' data is ignored
    assert _accuracy(out, y_test) >= 0.75


def test_missing_channels_do_not_bias_normalisation(binary_target):
    model = _model(binary_target).train()
    de = torch.randn(16, 8, 5)
    present = torch.ones(8, dtype=torch.bool)
    present[0] = False
    de_flat = de.clone()
    de_flat[:, 0] = -10.0  # log of a tiny variance
    model.forward_features(de_flat, channel_mask=present)
    torch.testing.assert_close(model.de_mean, de[:, 1:].reshape(-1, 5).mean(0))


def test_all_channels_missing_refused(binary_target):
    with pytest.raises(ConfigError, match="every channel"):
        _model(binary_target)(torch.randn(1, 8, 64), channel_mask=torch.zeros(8, dtype=bool))


def test_fewshot_adapt_adapts_to_a_new_session(trained, band_task):
    """New session where the class-band relation is reversed: few-shot adaptation recovers it."""
    model, rng = trained
    x_new, y_new = band_task(176, 8, 128.0, 128, rng)
    y_new = 1 - y_new
    x_cal, y_cal, x_eval, y_eval = x_new[:16], y_new[:16], x_new[16:], y_new[16:]
    with torch.no_grad():
        before = _accuracy(model(x_eval)["band"], y_eval)
    losses = fewshot_adapt(model, x_cal, y_cal, steps=100, lr=5e-3)
    with torch.no_grad():
        after = _accuracy(model(x_eval)["band"], y_eval)
    assert not model.training
    assert losses[-1] < losses[0]
    assert before < 0.3 and after > 0.8, (before, after)


def test_fewshot_adapt_keeps_the_step_best_on_held_out_windows(trained, band_task):
    """With validation windows, adaptation stops where they say and restores that step."""
    model, rng = trained
    x_new, y_new = band_task(64, 8, 128.0, 128, rng)
    y_new = 1 - y_new
    losses = fewshot_adapt(model, x_new[:16], y_new[:16], steps=80, lr=5e-3,
                       validation=(x_new[16:32], y_new[16:32]))
    assert 1 <= len(losses) <= 80 and not model.training
    with torch.no_grad():
        after = _accuracy(model(x_new[32:])["band"], y_new[32:])
    assert after > 0.8
    fresh = _model(model.targets[0])
    fresh.load_state_dict(model.state_dict())
    # validated on the training window with the other label: every step that fits the
    # window moves its logit margin the wrong way for the validation label (for one
    # window of a binary target the two gradients are opposite), so no step helps
    same = fewshot_adapt(fresh, x_new[:1], y_new[:1], steps=5, lr=1e-3,
                     validation=(x_new[:1], 1 - y_new[:1]))
    assert len(same) == 0  # the weights stay as they were
    for a, b in zip(fresh.state_dict().values(), model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)


def test_fewshot_adapt_bad_labels(trained):
    model, _ = trained
    with pytest.raises(ConfigError, match="unknown target"):
        fewshot_adapt(model, torch.randn(2, 8, 64), {"valence": torch.zeros(2, dtype=torch.long)})


def test_gradient_reversal():
    x = torch.randn(3, 4, requires_grad=True)
    up = torch.randn(3, 4)
    (grad_reverse(x, 0.5) * up).sum().backward()
    torch.testing.assert_close(x.grad, -0.5 * up)


def test_domain_adversarial_loss(binary_target):
    model = _model(binary_target, n_domains=3)
    x = torch.randn(6, 8, 128)
    domain = torch.tensor([0, 0, 1, 1, 2, 2])
    loss = domain_adversarial_loss(model, x, domain, lambda_=1.0)
    loss.backward()
    disc_w = model.discriminator[0].weight.grad
    enc_w = model.embed[1].weight.grad
    assert disc_w is not None and enc_w is not None
    # The encoder's gradient is exactly the reversed one.
    model.zero_grad()
    z = model.embedding(x)
    torch.nn.functional.cross_entropy(model.discriminator(z), domain).backward()
    torch.testing.assert_close(model.embed[1].weight.grad, -enc_w)
    with pytest.raises(ConfigError, match="session labels"):
        domain_adversarial_loss(model, x, torch.tensor([0, 1, 2, 3, 0, 1]))


def test_mask_shapes_single_and_batched(binary_target):
    """(C,), (1, C) (the live path) and (batch, C) masks all work; others are refused."""
    model = _model(binary_target).eval()
    x = torch.randn(3, 8, 128)
    present = torch.ones(8, dtype=torch.bool)
    present[3] = False
    with torch.no_grad():
        a = model(x, channel_mask=present)["band"]
        b = model(x, channel_mask=present[None])["band"]
        c = model(x, channel_mask=present.expand(3, 8).clone())["band"]
        per_row = torch.ones(3, 8, dtype=torch.bool)
        per_row[0, 3] = False
        d = model(x, channel_mask=per_row)["band"]
        full = model(x)["band"]
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, c)
    torch.testing.assert_close(d[0], a[0])
    torch.testing.assert_close(d[1:], full[1:])
    with pytest.raises(ConfigError, match="channel_mask"):
        model(x, channel_mask=torch.ones(2, 8, dtype=torch.bool))
    with pytest.raises(ConfigError, match="channel_mask"):
        model(x, channel_mask=torch.ones(8))


def test_masks_of_a_big_batch_are_reproducible():
    """One seed gives the same 4096 SEED-IV masks; the channel scale hides 30 %."""
    from eeg_emotion.montages import SEED_IV

    a, used = make_masks(SEED_IV, 4096, generator=torch.Generator().manual_seed(3))
    b, _ = make_masks(SEED_IV, 4096, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and set(used) == {"channel", "region", "hemisphere"}
    n_hide = round(0.3 * 62)
    rows = torch.tensor([s == "channel" for s in used])
    assert (a[rows].sum(1) == n_hide).all()
