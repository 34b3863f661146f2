from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pytest

from eeg_emotion import __version__
from eeg_emotion.cli import main
from eeg_emotion.config import from_dict, load_toml
from eeg_emotion.errors import ConfigError
from eeg_emotion.lsl import PACKAGED_CONFIG, config_keeps_loopback
from eeg_emotion.windows import sliding_windows, window_starts


@dataclass
class Inner:
    lr: float = 1e-3
    kinds: list[str] = field(default_factory=list)


@dataclass
class Outer:
    name: str
    mode: Literal["a", "b"] = "a"
    inner: Inner = field(default_factory=Inner)
    seed: int | None = None


def test_from_dict_builds_nested_and_refuses_bad_input(tmp_path):
    cfg = from_dict(Outer, {"name": "x", "inner": {"lr": 1, "kinds": ["p"]}, "seed": 3})
    assert cfg.inner.lr == 1.0 and cfg.inner.kinds == ["p"] and cfg.seed == 3
    with pytest.raises(ConfigError, match="unknown key"):
        from_dict(Outer, {"name": "x", "nme": 1})
    with pytest.raises(ConfigError, match="not allowed"):
        from_dict(Outer, {"name": "x", "mode": "c"})
    with pytest.raises(ConfigError, match=r"inner\.lr"):
        from_dict(Outer, {"name": "x", "inner": {"lr": "fast"}})
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_toml(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_toml(tmp_path / "none.toml")


def test_windows_match_live_cutting():
    assert list(window_starts(10, 4, 3)) == [0, 3, 6]
    assert len(window_starts(3, 4, 1)) == 0
    w = sliding_windows(np.arange(20.0).reshape(2, 10), 4, 3)
    assert w.shape == (3, 2, 4)
    np.testing.assert_array_equal(w[2, 1], [16, 17, 18, 19])


def test_packaged_lsl_config_is_loopback():
    ok, why = config_keeps_loopback(PACKAGED_CONFIG)
    assert ok, why


def test_cli_version_and_doctor(capsys):
    with pytest.raises(SystemExit) as ex:
        main(["--version"])
    assert ex.value.code == 0
    assert __version__ in capsys.readouterr().out
    main(["doctor"])
    out = capsys.readouterr().out
    for name in ("torch", "lsl", "brainflow", "qt"):
        assert f" {name} " in out
    assert "ResolveScope=machine" in out
