"""``--config`` takes a path or the name of a config shipped in ``eeg_emotion.configs``."""

from __future__ import annotations

from pathlib import Path

import pytest

from eeg_emotion.config import resolve_config, shipped_configs
from eeg_emotion.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_every_toml_in_configs_is_shipped():
    assert shipped_configs() == sorted(p.stem for p in (ROOT / "configs").glob("*.toml"))


@pytest.mark.parametrize("given", ["deap_scalingnet", "deap_scalingnet.toml",
                                   "configs/deap_scalingnet.toml", "configs/deap_scalingnet"])
def test_names_find_the_shipped_config_from_any_folder(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/ folder here
    path = resolve_config(given)
    assert path.is_file() and path.name == "deap_scalingnet.toml"
    assert path.read_bytes() == (ROOT / "configs" / "deap_scalingnet.toml").read_bytes()


def test_an_existing_path_is_used_as_it_is(tmp_path, monkeypatch):
    own = tmp_path / "deap_scalingnet.toml"  # shadows the shipped one of the same name
    own.write_text("[train]\nepochs = 1\n")
    assert resolve_config(own) == own
    monkeypatch.chdir(tmp_path)
    assert resolve_config("deap_scalingnet.toml") == Path("deap_scalingnet.toml")


@pytest.mark.parametrize("given", ["deap_scalingnett", "elsewhere/deap_scalingnet.toml",
                                   "deap_scalingnet.yaml"])
def test_a_miss_lists_the_shipped_configs(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="neither a file nor a shipped config") as info:
        resolve_config(given)
    assert "deap_scalingnet, " in info.value.fix and "demo_synthetic" in info.value.fix
