"""Pure helpers of the dashboard: scales, stacking, mosaic layout, health rows, fake engine."""

from __future__ import annotations

import time

import numpy as np
import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.dashboard.estimates import history_series, top_class
from eeg_emotion.realtime.dashboard.health import format_health
from eeg_emotion.realtime.dashboard.level_map import (
    color_levels,
    mosaic,
    mosaic_gaps,
    mosaic_shape,
    pool_time,
)
from eeg_emotion.realtime.dashboard.traces import auto_spacing, nice_scale, stack
from eeg_emotion.realtime.testing import SyntheticEngine


@pytest.mark.parametrize("value, want", [
    (1.0, 1.0), (1.2, 2.0), (2.0, 2.0), (3.1, 5.0), (7.0, 10.0), (0.03, 0.05),
    (140.0, 200.0), (0.0, 1.0), (-5.0, 1.0), (float("nan"), 1.0), (float("inf"), 1.0),
])
def test_nice_scale(value, want):
    assert nice_scale(value) == pytest.approx(want)


def test_auto_spacing_follows_amplitude(rng):
    quiet = rng.standard_normal((8, 500))
    loud = 30 * quiet  # 4 x 30 ~ 120 -> 200
    assert auto_spacing(quiet) == 5.0  # 4 x std ~ 4 -> 5
    assert auto_spacing(loud) == 200.0
    assert auto_spacing(np.zeros((3, 0))) == 1.0


def test_stack_centres_orders_and_clips(rng):
    data = rng.standard_normal((4, 300)) + np.array([[1000.0], [-50.0], [0.0], [3.0]])
    data[2, 10] = 1e6  # an artefact
    y = stack(data, spacing=10.0)
    np.testing.assert_allclose(np.median(y, axis=1), [3, 2, 1, 0], atol=1e-9)
    assert y[2].max() == pytest.approx(1 + 2.0)  # clipped at 2 spacings
    assert np.all(np.abs(y - np.array([[3], [2], [1], [0]])) <= 2.0 + 1e-12)


def test_mosaic_places_channel_zero_top_left():
    lm = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)  # C=5, L=2, T=3
    img = mosaic(lm, cols=2)
    rows = 3
    assert img.shape == (rows * 3 - 1, 2 * 4 - 1)
    # top tile row (channel 0, 1) is at the image's last rows (pyqtgraph: row 0 at bottom)
    np.testing.assert_array_equal(img[6:8, 0:3], lm[0])
    np.testing.assert_array_equal(img[6:8, 4:7], lm[1])
    np.testing.assert_array_equal(img[0:2, 0:3], lm[4])
    assert np.isnan(img[0:2, 4:7]).all()  # empty tile
    assert np.isnan(img[2]).all() and np.isnan(img[:, 3]).all()  # gaps
    wide = mosaic(lm, cols=3, gaps=(2, 5))
    assert wide.shape == (2 * 4 - 2, 3 * 8 - 5)
    np.testing.assert_array_equal(wide[4:6, 8:11], lm[1])
    assert mosaic_gaps((6, 512)) == (1, 32) and mosaic_gaps((2, 16)) == (1, 1)


def test_pool_time_keeps_newest_and_averages():
    x = np.arange(2 * 3 * 130, dtype=float).reshape(2, 3, 130)
    out = pool_time(x, max_steps=64)
    assert out.shape == (2, 3, 43)  # k = 3, the oldest sample dropped
    np.testing.assert_allclose(out[..., -1], x[..., -3:].mean(-1))
    assert pool_time(x[..., :10], 64) is not None and pool_time(x[..., :10], 64).shape[-1] == 10


@pytest.mark.parametrize("n, want", [(1, (1, 1)), (4, (2, 2)), (32, (7, 5)), (62, (9, 7))])
def test_mosaic_shape_fits_all_channels(n, want):
    rows, cols = mosaic_shape(n)
    assert rows * cols >= n and (rows - 1) * cols < n
    assert (rows, cols) == want


def test_color_levels_are_robust():
    img = np.linspace(0, 1, 1000)
    img[0] = 1e9
    lo, hi = color_levels(img)
    assert 0 <= lo < 0.05 and 0.95 < hi <= 1.0
    assert color_levels(np.full(10, 3.0)) == (2.5, 3.5)
    assert color_levels(np.array([np.nan])) == (0.0, 1.0)


def test_history_series_and_top_class():
    targets = {"valence": ("low", "high"), "emotion": ("neutral", "sad", "fear", "happy")}
    assert history_series(targets) == [("valence", "high"), ("emotion", "neutral"),
                                       ("emotion", "sad"), ("emotion", "fear"),
                                       ("emotion", "happy")]
    assert top_class({"low": 0.3, "high": 0.7}) == ("high", 0.7)


def test_format_health_rows():
    with SyntheticEngine(("Fp1", "Fp2", "C3", "C4", "P3", "P4", "O1", "O2"), 250.0) as eng:
        time.sleep(0.2)
        rows = dict(format_health(eng.status()))
    assert rows["Stream"] == "synthetic (lsl)"
    assert rows["Channels"] == "8 (Fp1, Fp2, C3, C4, P3, P4, …)"
    assert rows["Rate"].startswith("250 Hz nominal")
    assert rows["Recording"] == "off"
    assert "cpu" in rows["Model"] and "8 ch @ 250 Hz" in rows["Model"]


@pytest.mark.parametrize("kwargs, match", [
    ({"channels": ()}, "no channels"),
    ({"sfreq": 0.0}, "sfreq"),
    ({"hop_s": float("nan")}, "hop_s"),
    ({"window_s": 8.0, "history_s": 4.0}, "history_s"),
    ({"targets": {"valence": ("only",)}}, "2 classes"),
])
def test_synthetic_engine_bad_input(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        SyntheticEngine(**kwargs)


def test_synthetic_engine_keeps_pace_and_estimates():
    with SyntheticEngine(("A", "B"), 128.0, window_s=0.5, hop_s=0.1, trial_s=0.3) as eng:
        time.sleep(1.0)
        status = eng.status()
        times, data = eng.latest_signal(0.5)
        ests = eng.estimates_since(0)
    assert data.shape == (2, 64) and np.all(np.diff(times) > 0)
    assert status.source.samples_received == pytest.approx(128, rel=0.2)
    assert [e.index for e in ests] == list(range(len(ests))) and len(ests) >= 3
    assert ests[-1].level_map.shape == (2, 6, 16) and np.isfinite(ests[-1].level_map).all()
    assert set(status.running_accuracy) == {"valence", "arousal", "dominance"}
