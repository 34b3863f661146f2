"""The signal contract: one frozen description of what a model needs, with checks."""

from __future__ import annotations

import numpy as np
import pytest

from eeg_emotion.contract import SignalContract, standardize_windows, unit_scale
from eeg_emotion.errors import ConfigError
from eeg_emotion.filters import FilterSpec


def _contract(**kw) -> SignalContract:
    base = dict(channels=("Fp1", "Fp2"), sfreq=128.0, units="microvolts",
                filter=FilterSpec(4.0, 45.0), window_s=4.0, hop_s=2.0, baseline="none",
                standardize="window")
    return SignalContract(**{**base, **kw})


def test_round_trip_and_derived_samples() -> None:
    c = _contract(discard_s=0.5, filter=FilterSpec(1.0, 40.0, numtaps=129, phase="minimum"))
    again = SignalContract.from_dict(c.to_dict())
    assert again == c
    assert (c.window, c.hop, c.n_discard) == (512, 256, 64)
    assert isinstance(c.to_dict()["filter"], dict) and c.to_dict()["channels"] == ["Fp1", "Fp2"]


@pytest.mark.parametrize(("change", "message"), [
    ({"channels": ()}, "channels"),
    ({"channels": ("Fp1", "FP1")}, "repeat"),
    ({"sfreq": 0}, "sfreq"),
    ({"window_s": float("nan")}, "window_s"),
    ({"hop_s": -1.0}, "hop_s"),
    ({"units": "furlongs"}, "units"),
    ({"baseline": "median"}, "baseline"),
    ({"standardize": "zscore"}, "standardize"),
    ({"input": "video"}, "input"),
    ({"discard_s": -1.0}, "discard_s"),
])
def test_bad_fields_are_named(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _contract(**change)


def test_from_dict_names_missing_and_unknown_fields() -> None:
    data = _contract().to_dict()
    del data["sfreq"]
    data["colour"] = "blue"
    with pytest.raises(ConfigError, match=r"unknown field\(s\) colour.*missing field\(s\) sfreq"):
        SignalContract.from_dict(data)
    bad_filter = {**_contract().to_dict(), "filter": {"lo": 1}}
    with pytest.raises(ConfigError, match="filter"):
        SignalContract.from_dict(bad_filter)


def test_units_scale_to_microvolts() -> None:
    assert unit_scale("V") == 1e6 and unit_scale("volts") == 1e6
    assert unit_scale("µV") == unit_scale("uV") == unit_scale("microvolts") == 1.0
    assert unit_scale("mV") == 1e3 and unit_scale("nanovolts") == 1e-3
    assert unit_scale("bananas") is None
    c = _contract()
    assert c.unit_factor("volts") == 1e6 and c.unit_factor("microvolts") == 1.0
    assert c.unit_factor("??") is None


def test_standardize_is_one_rule_for_both_paths() -> None:
    x = np.vstack([np.arange(10.0), np.full(10, 3.0)])
    z = standardize_windows(x, "window")
    assert z[0].mean() == pytest.approx(0) and z[0].std() == pytest.approx(1)
    np.testing.assert_array_equal(z[1], 0.0)  # flat channel: centred, not divided
    stack = np.stack([x, 2 * x + 1])
    np.testing.assert_allclose(standardize_windows(stack, "window")[1], z)
    assert standardize_windows(x, "none") is x
    assert _contract().standardize_windows(x).dtype == np.float64
    with pytest.raises(ConfigError, match="standardize"):
        standardize_windows(x, "zscore")
