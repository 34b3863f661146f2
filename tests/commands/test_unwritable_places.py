"""A place a command cannot write is an error naming it and the fix, never a traceback.

Every command that writes checks its folders before the work starts: ``synth``,
``train`` (``--out``, ``--cache-dir``, ``$EEG_EMOTION_CACHE``), ``evaluate``,
``export`` (``tests/offline/test_export_fif_edf.py``), ``calibrate`` (``--out``, the
models folder) and ``demo`` (``--cache``, ``$EEG_EMOTION_CACHE``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eeg_emotion.cli import main
from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, save_checkpoint
from eeg_emotion.offline.synth.deap import write_synthetic_deap
from eeg_emotion.targets import deap_targets


@pytest.fixture(scope="module")
def deap(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deap")
    write_synthetic_deap(root, subjects=2, trials=4, seconds=4.0)
    return root


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    targets = deap_targets(("valence",))
    net = build_model("scalingnet", 2, 128.0, targets, kernel_length=9, n_levels=2,
                      conv_filters=[2])
    contract = SignalContract(channels=("Fp1", "Fp2"), sfreq=128.0, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=1.0, hop_s=1.0,
                              baseline="none", standardize="window")
    path = tmp_path_factory.mktemp("model") / "m.pt"
    save_checkpoint(path, net, CheckpointMeta("scalingnet", net.hparams(), contract,
                                              list(targets), synthetic=True))
    return path


def _fails_naming(argv: list[str], place: str, fix: str, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert f"cannot write to {place}" in err, err
    assert f"fix: {fix}" in err, err


def test_synth(unwritable, capsys):
    _fails_naming(["synth", "deap", "--out", str(unwritable / "x")],
                  f"the --out folder {unwritable / 'x'}", "pass --out a folder", capsys)


def test_train_out_cache_dir_and_cache_variable(unwritable, deap, tmp_path, capsys,
                                                monkeypatch):
    base = ["train", "--config", "demo_synthetic", "--data", str(deap), "--epochs", "1",
            "--quiet"]
    _fails_naming([*base, "--out", str(unwritable / "run")],
                  f"the --out folder {unwritable / 'run'}", "pass --out a folder", capsys)
    _fails_naming([*base, "--out", str(tmp_path / "run1"), "--cache-dir",
                   str(unwritable / "cache")],
                  f"the --cache-dir folder {unwritable / 'cache'}", "pass --cache-dir",
                  capsys)
    monkeypatch.setenv("EEG_EMOTION_CACHE", str(unwritable))
    _fails_naming([*base, "--out", str(tmp_path / "run2")],
                  f"the cache folder ($EEG_EMOTION_CACHE) {unwritable}",
                  "point EEG_EMOTION_CACHE at a folder you may write to", capsys)


def test_evaluate(unwritable, deap, model, capsys):
    _fails_naming(["evaluate", str(model), "--data", str(deap), "--out",
                   str(unwritable / "e")], f"the --out folder {unwritable / 'e'}",
                  "pass --out a folder", capsys)


def test_calibrate_out_and_models_folder(unwritable, tmp_path, calibration_factory, capsys):
    _fails_naming(["calibrate", "--headless", "--stream", "never-waited-for", "--out",
                   str(unwritable / "cal"), "--models-dir", str(tmp_path / "m"),
                   "--timeout", "30"],
                  f"the folder of --out {unwritable}", "pass --out a folder", capsys)
    _fails_naming(["calibrate", "--headless", "--stream", "never-waited-for", "--out",
                   str(tmp_path / "cal"), "--models-dir", str(unwritable / "m"),
                   "--timeout", "30"],
                  f"the models folder {unwritable / 'm'}", "pass --models-dir", capsys)
    assert not (tmp_path / "cal").exists()
    calibration_factory(tmp_path / "rec", n_blocks=4, stimulus_s=5.0)
    _fails_naming(["calibrate", "--train", str(tmp_path / "rec"), "--models-dir",
                   str(unwritable / "m")], f"the models folder {unwritable / 'm'}",
                  "pass --models-dir", capsys)


def test_demo_cache_option_and_variable(unwritable, capsys, monkeypatch):
    _fails_naming(["demo", "--headless", "--cache", str(unwritable / "c")],
                  f"the --cache folder {unwritable / 'c'}", "pass --cache a folder", capsys)
    monkeypatch.setenv("EEG_EMOTION_CACHE", str(unwritable))
    _fails_naming(["demo", "--headless"], "the cache folder ($EEG_EMOTION_CACHE)",
                  "point EEG_EMOTION_CACHE", capsys)
