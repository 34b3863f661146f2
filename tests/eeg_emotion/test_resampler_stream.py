"""Stateful polyphase resampler: streamed == whole signal == scipy.upfirdn."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from eeg_emotion.errors import ConfigError
from eeg_emotion.resampler import StreamResampler, design_antialias, rate_ratio


@pytest.mark.parametrize(("rin", "rout"), [(250, 128), (1000, 128), (128, 256), (200, 128),
                                           (512, 128)])
def test_streamed_equals_whole_on_random_chunks(rng, rin, rout):
    x = rng.standard_normal((3, 1500)) + 500.0
    whole, _ = StreamResampler(rin, rout, 3).process(x)
    r = StreamResampler(rin, rout, 3)
    outs, i = [], 0
    while i < x.shape[1]:
        n = int(rng.integers(0, 60))
        outs.append(r.process(x[:, i:i + n])[0])
        i += n
    streamed = np.concatenate(outs, axis=1)
    np.testing.assert_array_equal(streamed, whole)
    up, down = rate_ratio(rin, rout)
    assert whole.shape[1] == -(-x.shape[1] * up // down)


def test_matches_upfirdn_with_first_sample_prefix(rng):
    rin, rout = 250, 128
    x = rng.standard_normal((2, 800))
    r = StreamResampler(rin, rout, 2)
    y, _ = r.process(x)
    up, down = r.up, r.down
    taps = r.taps
    assert len(taps) >= len(design_antialias(up, down))
    keep = len(taps) // up - 1
    pad = down * -(-keep // down)  # a multiple of down, so outputs stay aligned
    ref = signal.upfirdn(taps, np.concatenate([np.repeat(x[:, :1], pad, 1), x], 1), up, down,
                         axis=1)
    off = pad * up // down
    np.testing.assert_allclose(y, ref[:, off:off + y.shape[1]], atol=1e-12)


def test_sine_keeps_frequency_and_amplitude():
    rin, rout = 250.0, 128.0
    t = np.arange(int(rin * 8)) / rin
    x = np.sin(2 * np.pi * 10.0 * t)[None]
    r = StreamResampler(rin, rout, 1)
    y, ty = r.process(x, t)
    tail = y[0, 256:]
    assert np.max(np.abs(tail)) == pytest.approx(1.0, abs=0.01)
    # output timestamps step by 1/128 s and the output is the delayed sine
    np.testing.assert_allclose(np.diff(ty), 1 / rout, atol=1e-9)
    expected = np.sin(2 * np.pi * 10.0 * (ty - r.delay_s))
    np.testing.assert_allclose(y[0, 256:], expected[256:], atol=0.02)


def test_identity_and_dc_start():
    x = np.full((2, 100), 3.0e4)
    r = StreamResampler(128, 128, 2)
    y, _ = r.process(x)
    assert r.identity and y is not None and np.array_equal(y, x)
    d = StreamResampler(250, 128, 2).process(x)[0]
    np.testing.assert_allclose(d, 3.0e4, rtol=1e-9)  # no start-up transient


def test_bad_rates_and_shapes():
    with pytest.raises(ConfigError):
        StreamResampler(0, 128, 2)
    with pytest.raises(ValueError):
        StreamResampler(250, 128, 2).process(np.zeros((3, 10)))
