"""Every shipped config validates; bad configs fail naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.train_config import apply_override, config_from_dict, load_config

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.toml"))


def test_configs_exist():
    names = {p.stem for p in CONFIGS}
    assert {"deap_scalingnet", "deap_scalingnet_kernel_sweep", "deap_scalingnet_conv_ablation",
            "deap_scalingnet_loso", "deap_scalingnet_subject_dependent",
            "seed_iv_msmae_cross_session", "seed_iv_random_forest",
            "demo_synthetic"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_config_validates(path):
    cfg = load_config(path)
    assert cfg.model.name and cfg.protocol.name


def test_paper_config_has_paper_hyperparameters():
    cfg = load_config(next(p for p in CONFIGS if p.stem == "deap_scalingnet"))
    assert cfg.protocol.name == "cross_subject" and cfg.protocol.folds == 5
    assert cfg.preprocess.window_s is None and cfg.preprocess.baseline == "subtract_mean"
    assert cfg.train.batch_size == 32 and cfg.model.hparams["kernel_length"] == 33
    assert cfg.model.hparams["conv_filters"] == [16, 8, 6]
    assert cfg.model.hparams["conv_kernel"] == [3, 5]
    assert cfg.protocol.threshold == 5.0 and cfg.protocol.paper == "scalingnet_table2"
    sweep = load_config(next(p for p in CONFIGS if p.stem == "deap_scalingnet_kernel_sweep"))
    assert sweep.sweep.values == [17, 33, 63, 65, 129]


@pytest.mark.parametrize(("data", "match"), [
    ({"train": {"epochz": 3}}, r"\[train\].*unknown key\(s\) epochz|unknown key\(s\) epochz"),
    ({"bogus": {}}, "unknown key"),
    ({"train": {"epochs": "ten"}}, "train.epochs"),
    ({"train": {"epochs": 0}}, "train.epochs = 0"),
    ({"protocol": {"name": "random"}}, "protocol.name"),
    ({"protocol": {"rule": "<"}}, "protocol.rule"),
    ({"model": {"name": "resnet"}}, "model.name"),
    ({"train": {"val_fraction": 1.5}}, "val_fraction"),
    ({"preprocess": {"window_s": -1.0}}, "window_s"),
    ({"protocol": {"targets": []}}, "targets is empty"),
    ({"pretrain": {"enabled": True}}, "msmae-cnn"),
    ({"adapt": {"fewshot_trials": 2}}, "cross_session"),
    ({"data": {"input": "features"}}, "random_forest"),
    ({"sweep": {"key": "model.nope.x", "values": [1]}}, "does not name a config key"),
    ({"sweep": {"key": "train.lr", "values": []}}, "values is empty"),
])
def test_bad_config_names_the_key(data, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict(data, "test.toml")


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[train\nepochs = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_override_copies_and_revalidates():
    cfg = config_from_dict({})
    new = apply_override(cfg, "model.hparams.kernel_length", 65)
    assert new.model.hparams == {"kernel_length": 65} and cfg.model.hparams == {}
    with pytest.raises(ConfigError, match=r"train\.epochs"):
        apply_override(cfg, "train.epochs", -2)
