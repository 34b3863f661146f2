import numpy as np
import pytest
from scipy import signal

from eeg_emotion.errors import ConfigError
from eeg_emotion.filters import (
    FilterSpec,
    StreamingFilter,
    default_numtaps,
    design_filter,
    filter_offline,
)


def test_default_design_fits_deap():
    d = FilterSpec().design(128.0)
    assert len(d.taps) == default_numtaps(128.0, 4.0) == 213
    assert d.group_delay_s == pytest.approx(106 / 128)
    _, h = signal.freqz(d.taps, worN=[1.0, 10.0, 30.0, 55.0], fs=128.0)
    gain = np.abs(h)
    assert gain[1] == pytest.approx(1, abs=0.01) and gain[2] == pytest.approx(1, abs=0.01)
    assert gain[0] < 0.1 and gain[3] < 0.01


@pytest.mark.parametrize("spec", [FilterSpec(), FilterSpec(notch=50.0),
                                  FilterSpec(phase="minimum", numtaps=129)])
def test_streamed_equals_offline_for_random_chunks(spec, rng):
    design = spec.design(250.0)
    x = rng.standard_normal((5, 3000)) * 20 + 25000.0  # Cyton-like DC offset
    whole = filter_offline(x, design)
    filt = StreamingFilter(design, 5)
    out, i = [], 0
    while i < x.shape[1]:
        n = int(rng.integers(0, 70))
        out.append(filt.process(x[:, i:i + n]))
        i += n
    np.testing.assert_allclose(np.concatenate(out, axis=1), whole, rtol=0, atol=1e-8)


def test_steady_state_start_suppresses_dc_transient(rng):
    design = FilterSpec().design(250.0)
    x = rng.standard_normal((2, 1000)) * 10 + 30000.0
    y = filter_offline(x, design)
    assert np.abs(y).max() < 100  # a cold start would ring at ~30000


def test_initial_state_equals_scipy_steady_state(rng):
    design = FilterSpec(1.0, 45.0).design(1000.0)
    x = rng.standard_normal((3, 400)) + 5.0
    expected, _ = signal.lfilter(design.taps, [1.0], x, axis=1,
                                 zi=signal.lfilter_zi(design.taps, [1.0])[None, :] * x[:, :1])
    np.testing.assert_allclose(StreamingFilter(design, 3).process(x), expected, atol=1e-9)


def test_minimum_phase_has_lower_delay():
    lin = FilterSpec().design(128.0)
    mini = FilterSpec(phase="minimum").design(128.0)
    assert mini.group_delay_s < lin.group_delay_s / 4


def test_stack_of_trials_filtered_independently(rng):
    design = FilterSpec(numtaps=65).design(128.0)
    trials = rng.standard_normal((3, 4, 500))
    out = filter_offline(trials, design)
    np.testing.assert_allclose(out[1], filter_offline(trials[1], design))


@pytest.mark.parametrize("kwargs,sfreq", [({"h_freq": 70.0}, 128.0), ({"numtaps": 64}, 128.0),
                                          ({"l_freq": 50.0, "h_freq": 40.0}, 128.0),
                                          ({"phase": "zero"}, 128.0)])
def test_bad_specs_are_refused(kwargs, sfreq):
    with pytest.raises(ConfigError):
        design_filter(FilterSpec(**kwargs), sfreq)


def test_wrong_channel_count_is_refused():
    filt = StreamingFilter(FilterSpec(numtaps=33).design(128.0), 4)
    with pytest.raises(ValueError, match=r"\(4, n_times\)"):
        filt.process(np.zeros((3, 10)))
