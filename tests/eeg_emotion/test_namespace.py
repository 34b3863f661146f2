"""One installed namespace: ``eeg_emotion.*`` imports, bare ``models``/``offline``/``realtime``
do not, for the editable install and for a wheel in a fresh virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: what a wheel is built from (a copy, so no stale build/ folder can leak into it)
SOURCES = ("pyproject.toml", "README.md", "eeg_emotion", "models", "offline", "realtime",
           "configs")


def _env() -> dict[str, str]:
    """The environment without anything that puts the checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _python(python: str | Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=_env())


@pytest.mark.parametrize("name", ["models", "offline", "realtime"])
def test_bare_layer_names_are_not_importable(name, tmp_path):
    proc = _python(sys.executable, f"import {name}", tmp_path)
    assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, proc.stderr


def test_the_layers_import_under_eeg_emotion(tmp_path):
    proc = _python(sys.executable, "import eeg_emotion.realtime, eeg_emotion.models, "
                                   "eeg_emotion.offline", tmp_path)
    assert proc.returncode == 0, proc.stderr


CHECK_INSTALLED = """
import importlib.resources, importlib.util, sys
import eeg_emotion.realtime, eeg_emotion.offline
for bare in ("models", "offline", "realtime"):
    assert importlib.util.find_spec(bare) is None, bare
names = [p.name for p in importlib.resources.files("eeg_emotion.configs").iterdir()]
assert "deap_scalingnet.toml" in names, names
from eeg_emotion.config import resolve_config
path = resolve_config("deap_scalingnet")
assert path.is_file() and "site-packages" in str(path), path
print(eeg_emotion.realtime.__file__)
"""


@pytest.mark.slow
def test_wheel_installs_only_the_eeg_emotion_namespace(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, src / name)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build = subprocess.run([*pip, "wheel", str(src), "--no-deps", "-q", "-w", str(dist)],
                           capture_output=True, text=True, timeout=300, env=_env())
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(dist.glob("eeg_emotion-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        tops = {n.split("/")[0] for n in zf.namelist()}
    assert all(t == "eeg_emotion" or (t.startswith("eeg_emotion-") and t.endswith(".dist-info"))
               for t in tops), sorted(tops)
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q",
                              str(wheel)], capture_output=True, text=True, timeout=300,
                             env=_env())
    assert install.returncode == 0, install.stderr[-3000:]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    proc = _python(python, CHECK_INSTALLED, outside)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert str(env_dir) in proc.stdout  # the wheel's copy, not the checkout's
    proc = _python(python, "import realtime", outside)
    assert "ModuleNotFoundError" in proc.stderr
