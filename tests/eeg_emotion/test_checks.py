"""One place judges every number a user gives: options and config values alike."""

from __future__ import annotations

import math

import pytest

from eeg_emotion.checks import (
    check_count,
    check_finite,
    check_positive,
    check_range,
    check_seconds,
    check_writable,
)
from eeg_emotion.cli import main
from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.train_config import config_from_dict


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_seconds_are_refused_with_the_option_and_a_value_that_works(value):
    with pytest.raises(ConfigError) as err:
        check_seconds("--hop", value, 0.5, leave_out="for the default")
    assert err.value.problem.startswith(f"--hop {value:g} is not a finite number")
    assert err.value.fix == "use e.g. --hop 0.5, or leave it out for the default"


def test_bounds_and_kinds():
    assert check_seconds("--wait", 0.0, 2, allow_zero=True) == 0.0
    with pytest.raises(ConfigError, match="--wait -3 must be 0 or more seconds"):
        check_seconds("--wait", -3, 2, allow_zero=True)
    with pytest.raises(ConfigError, match="--timeout -1 must be more than 0 seconds"):
        check_seconds("--timeout", -1.0, 10)
    assert check_seconds("--duration", None, 60) is None
    with pytest.raises(ConfigError, match="--blocks 1 must be at least 2"):
        check_count("--blocks", 1, 10, minimum=2)
    with pytest.raises(ConfigError, match="not a whole number"):
        check_count("--blocks", 2.5, 10)
    with pytest.raises(ConfigError, match=r"--smoothing 1 is outside \[0, 1\)"):
        check_range("--smoothing", 1.0, 0.7, low=0, high=1, high_open=True)
    with pytest.raises(ConfigError, match="--speed 0 must be more than 0"):
        check_positive("--speed", 0.0, 1)
    with pytest.raises(ConfigError, match="is not a number"):
        check_finite("--speed", "fast", 1)


def test_config_values_name_the_file_and_the_key(tmp_path, capsys):
    with pytest.raises(ConfigError) as err:
        config_from_dict({"preprocess": {"window_s": 4.0, "hop_s": math.nan}}, "my.toml")
    assert err.value.problem == "my.toml: preprocess.hop_s = nan is not a finite number"
    assert err.value.fix.startswith("in my.toml, set preprocess.hop_s =")
    with pytest.raises(ConfigError, match=r"my.toml: train.lr = inf is not a finite number"):
        config_from_dict({"train": {"lr": math.inf}}, "my.toml")
    with pytest.raises(ConfigError, match=r"my.toml: train.max_seconds = -5 must be more than 0"):
        config_from_dict({"train": {"max_seconds": -5.0}}, "my.toml")
    # a real TOML file with `nan`, through the command
    path = tmp_path / "bad.toml"
    path.write_text("[preprocess]\nwindow_s = 4.0\nhop_s = nan\n")
    assert main(["train", "--config", str(path), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: preprocess.hop_s = nan is not a finite number" in err and "fix:" in err


@pytest.mark.parametrize("argv, message", [
    (["live", "--stream", "x", "--headless", "--window", "inf"], "--window inf is not a finite"),
    (["live", "--stream", "x", "--headless", "--hop", "inf"], "--hop inf is not a finite"),
    (["live", "--stream", "x", "--headless", "--timeout", "nan"], "--timeout nan is not a"),
    (["live", "--stream", "x", "--headless", "--timeout", "-1"],
     "--timeout -1 must be more than 0 seconds"),
    (["live", "--stream", "x", "--headless", "--smoothing", "nan"], "--smoothing nan is not"),
    (["live", "--stream", "x", "--headless", "--min-coverage", "2"],
     "--min-coverage 2 is outside (0, 1]"),
    (["streams", "--wait", "-3"], "--wait -3 must be more than 0 seconds"),
    (["synth", "deap", "--out", "never-written", "--seconds", "nan"], "--seconds nan is not"),
    (["synth", "seed-iv", "--out", "never-written", "--sessions", "5"],
     "--sessions 5 must be from 1 to 3"),
    (["train", "--config", "demo_synthetic", "--data", ".", "--folds", "1"],
     "--folds 1 must be at least 2"),
    (["evaluate", "m.pt", "--data", ".", "--batch-size", "0"], "--batch-size 0 must be"),
    (["calibrate", "--stream", "x", "--headless", "--blocks", "1"], "--blocks 1 must be"),
    (["calibrate", "--stream", "x", "--headless", "--rest-seconds", "nan"],
     "--rest-seconds nan is not a finite"),
    (["calibrate", "--stream", "x", "--headless", "--stimulus-seconds", "0"],
     "--stimulus-seconds 0 must be more than 0 seconds"),
])
def test_bad_numbers_exit_2_before_anything_waits(argv, message, capsys, tmp_path,
                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "fix:" in err and "Traceback" not in err
    assert not (tmp_path / "never-written").exists()


def test_an_unwritable_folder_is_named(unwritable):
    with pytest.raises(ConfigError) as err:
        check_writable(unwritable / "out", "the --out folder", "pass --out a folder you may "
                       "write to")
    assert str(unwritable / "out") in err.value.problem
    assert err.value.fix == "pass --out a folder you may write to"
