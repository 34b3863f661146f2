"""`eeg-emotion train`: hyper-parameters checked before any data loads, a failed run's
run.json does not block the corrected rerun, --threads, and progress fit for a log file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from eeg_emotion.cli import main
from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.training import protocols, run_folder

ROOT = Path(__file__).resolve().parents[3]
DEMO = (ROOT / "configs" / "demo_synthetic.toml").read_text()


@pytest.fixture(autouse=True)
def _restore_threads():
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def _config(tmp_path: Path, old: str, new: str) -> Path:
    assert old in DEMO
    path = tmp_path / "cfg.toml"
    path.write_text(DEMO.replace(old, new))
    return path


@pytest.mark.parametrize(("old", "new", "says"), [
    ("kernel_length = 17", "kernel_length = 16", "positive odd integer"),
    ("kernel_length = 17", "kernel_lenght = 17", "no hyper-parameter(s) kernel_lenght"),
])
def test_bad_hparam_is_reported_before_any_data_loads(tmp_path, deap_dir, capsys, monkeypatch,
                                                     old, new, says):
    loads: list = []
    monkeypatch.setattr(protocols, "load_run_data", lambda *a, **k: loads.append(a))
    out, cache = tmp_path / "run", tmp_path / "cache"
    rc = main(["train", "--config", str(_config(tmp_path, old, new)), "--data", str(deap_dir),
               "--out", str(out), "--cache-dir", str(cache), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and says in err and "[model.hparams]" in err and "fix:" in err
    assert loads == [] and not cache.exists()  # no data was loaded or preprocessed
    assert not (out / "run.json").exists()


def test_a_run_json_without_results_does_not_block_the_corrected_rerun(tmp_path, deap_dir,
                                                                      monkeypatch):
    out, cache = tmp_path / "run", tmp_path / "cache"
    bad = _config(tmp_path, "lr = 0.003", "lr = 0.004")

    def fail(*args, **kwargs):  # an error found after preprocessing, before any split ends
        raise ConfigError("boom after preprocessing")

    monkeypatch.setattr(protocols, "run_split", fail)
    args = ["--data", str(deap_dir), "--out", str(out), "--cache-dir", str(cache),
            "--epochs", "1", "--quiet"]
    assert main(["train", "--config", str(bad), *args]) == 2
    assert (out / "run.json").is_file() and not run_folder.has_results(out)
    monkeypatch.undo()
    good = tmp_path / "good.toml"
    good.write_text(DEMO)
    assert main(["train", "--config", str(good), *args, "--threads", "1"]) == 0
    assert (out / "model.pt").is_file() and run_folder.has_results(out)
    # with results in it, a run of another config is still refused
    assert main(["train", "--config", str(bad), *args]) == 2


def test_threads_option(tmp_path, deap_dir, capsys):
    assert main(["train", "--config", "demo_synthetic", "--data", str(deap_dir),
                 "--threads", "0"]) == 2
    assert "--threads 0 must be at least 1" in capsys.readouterr().err


def test_progress_in_a_log_file_is_one_plain_line_per_epoch(tmp_path, deap_dir):
    log = tmp_path / "train.log"
    with open(log, "w") as f:  # as under nohup or a cluster job: stderr is a file
        proc = subprocess.run(
            [sys.executable, "-m", "eeg_emotion.cli", "train", "--config", "demo_synthetic",
             "--data", str(deap_dir), "--out", str(tmp_path / "run"), "--epochs", "3",
             "--folds", "2", "--cache-dir", str(tmp_path / "cache"), "--threads", "1"],
            stdout=subprocess.DEVNULL, stderr=f, timeout=300, cwd=tmp_path,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    text = log.read_text()
    assert proc.returncode == 0, text[-2000:]
    assert "\r" not in text
    lines = text.splitlines()
    for name in ("fold1", "fold2", "final"):
        epochs = [s for s in lines if s.startswith(f"{name}: epoch ")]
        assert 1 <= len(epochs) <= 3, (name, lines)
        assert "train_loss" in epochs[0] and epochs[0].startswith(f"{name}: epoch 1/3")
    assert any(s.startswith("splits: split 2/2") for s in lines)
