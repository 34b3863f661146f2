"""Scaling layer: kernel scaling, fused == literal reference, gradients, bad input."""

from __future__ import annotations

import pytest
import torch

from eeg_emotion.errors import ConfigError
from eeg_emotion.models.scaling import ScalingLayer, downsample_kernel, scaled_kernel_lengths


@pytest.mark.parametrize(("length", "expected"), [
    (33, (33, 17, 9, 5, 3, 1)),
    (17, (17, 9, 5, 3, 1)),
    (65, (65, 33, 17, 9, 5, 3, 1)),
    (129, (129, 65, 33, 17, 9, 5, 3, 1)),
    (63, (63, 31, 15, 7, 3, 1)),
])
def test_kernel_lengths(length, expected):
    assert scaled_kernel_lengths(length) == expected
    assert ScalingLayer(2, length).kernel_lengths == expected
    assert ScalingLayer(2, length, n_levels=3).kernel_lengths == expected[:3]


def test_downsample_matches_paper_rule():
    # 33 taps: 33 // 2 = 16 is even -> one zero of padding each side, zeros count.
    k = torch.arange(1.0, 34.0)
    out = downsample_kernel(k)
    assert out.shape == (17,)
    assert out[0] == pytest.approx(0.5)  # (0 + 1) / 2
    assert out[1] == pytest.approx(2.5)  # (2 + 3) / 2
    # PyTorch's pooling drops the incomplete last window: the right zero is never used.
    assert out[-1] == pytest.approx(32.5)  # (32 + 33) / 2
    # 3 taps: 3 // 2 = 1 is odd -> no padding, the last tap is dropped.
    assert downsample_kernel(torch.tensor([2.0, 4.0, 8.0])).tolist() == [3.0]


@pytest.mark.parametrize("bad", [32, 0, -3, 2.0])
def test_even_or_invalid_length_refused(bad):
    with pytest.raises(ConfigError, match="odd"):
        ScalingLayer(4, bad)


def test_too_many_levels_refused():
    with pytest.raises(ConfigError, match="n_levels"):
        ScalingLayer(4, 33, n_levels=7)
    with pytest.raises(ConfigError, match="n_levels"):
        ScalingLayer(4, 33, n_levels=0)


def test_parameter_shapes():
    layer = ScalingLayer(5, 17)
    assert layer.weight.shape == (5, 17)
    assert layer.bias.shape == (5, 5)
    shared = ScalingLayer(5, 17, n_levels=3, shared=True)
    assert shared.weight.shape == (1, 17)
    assert shared.bias.shape == (1, 3)


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize(("kernel_length", "n_times"),
                         [(33, 1), (33, 7), (33, 32), (33, 131), (17, 2), (65, 40), (5, 3)])
def test_fused_equals_reference_values_and_grads(shared, kernel_length, n_times):
    torch.manual_seed(kernel_length + n_times)
    layer = ScalingLayer(3, kernel_length, shared=shared).double()
    with torch.no_grad():
        layer.bias.uniform_(-0.2, 0.6)  # keep a mix of active and clipped units
    x = torch.randn(2, 3, n_times, dtype=torch.float64)
    upstream = torch.randn(2, 3, layer.n_levels, n_times, dtype=torch.float64)

    fused = layer(x)
    grads_fused = torch.autograd.grad((fused * upstream).sum(), [layer.weight, layer.bias])
    ref = layer.forward_reference(x)
    grads_ref = torch.autograd.grad((ref * upstream).sum(), [layer.weight, layer.bias])

    assert fused.shape == (2, 3, layer.n_levels, n_times)
    torch.testing.assert_close(fused, ref, rtol=1e-10, atol=1e-12)
    for g_f, g_r in zip(grads_fused, grads_ref, strict=True):
        torch.testing.assert_close(g_f, g_r, rtol=1e-10, atol=1e-12)


def test_level_is_literal_cross_correlation():
    """Level 1 of a one-channel layer equals a hand-written sum (no flip)."""
    torch.manual_seed(0)
    layer = ScalingLayer(1, 5, n_levels=2).double()
    with torch.no_grad():
        layer.bias.zero_()
    x = torch.randn(1, 1, 9, dtype=torch.float64)
    k1 = downsample_kernel(layer.weight[0].detach())  # 3 taps
    xp = torch.nn.functional.pad(x[0, 0], (1, 1))
    expected = torch.stack([(k1 * xp[n:n + 3]).sum() for n in range(9)]).clamp(min=0)
    torch.testing.assert_close(layer(x)[0, 0, 1], expected)


def test_gradients_reach_base_kernel_and_biases():
    layer = ScalingLayer(4, 33)
    with torch.no_grad():
        layer.bias.fill_(1.0)  # all units active
    layer(torch.randn(2, 4, 50)).sum().backward()
    assert layer.weight.grad is not None and layer.bias.grad is not None
    assert (layer.weight.grad.abs().sum(dim=1) > 0).all()
    assert (layer.bias.grad.abs() > 0).all()  # every channel and level


@pytest.mark.parametrize("shape", [(2, 3, 0), (2, 4, 10), (3, 10)])
def test_bad_input_shape(shape):
    with pytest.raises(ConfigError, match="expects"):
        ScalingLayer(3, 9)(torch.zeros(shape))
