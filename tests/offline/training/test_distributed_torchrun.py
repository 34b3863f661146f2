"""`train` over 2 torchrun ranks (gloo, CPU, loopback) against the same run in one process.

* folds mode, through ``eeg-emotion train --workers 2``: a rank whose fold fails fails
  the run with its error naming the fold and the rank; the corrected rerun resumes
  (finished folds are not run again, whichever rank ran them), and its report has the
  same folds and the very same figures as the run in one process;
* ddp mode, through ``torchrun`` itself: every rank trains each fold together; the
  folds are the same and the figures agree within a tolerance (batch norm and dropout
  see each rank's part of a batch, the sampler deals samples another way).

Each torchrun run is bounded: the ranks' own timeout (``[distributed] timeout_s``), and
the test's, which kills the launcher with its ranks; the rendezvous stays on 127.0.0.1.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from eeg_emotion.cli import main
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.offline.training import distributed

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: A torchrun run: rendezvous, 2 ranks importing torch, 4 tiny folds (about 15-25 s
#: on 2 busy cores); beyond this it is stuck.
TORCHRUN_TIMEOUT_S = 240

CONFIG = """
description = "tiny ScalingNet for the torchrun tests"
[data]
kind = "deap"
[preprocess]
window_s = 4.0
hop_s = 2.0
baseline = "subtract_mean"
channels = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "O1", "O2"]
[model]
name = "scalingnet"
[model.hparams]
kernel_length = 9
n_levels = 3
conv_filters = [4]
[train]
epochs = 3
batch_size = 64
lr = 0.003
patience = 5
device = "cpu"
[protocol]
name = "trialwise"
folds = 4
targets = ["valence", "arousal"]
[distributed]
timeout_s = 120
"""
TIMING = {"train_seconds", "inference_seconds"}


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def _loopback_env(monkeypatch=None) -> dict[str, str]:
    """gloo connects over the loopback interface only (Linux names it lo)."""
    env = {"GLOO_SOCKET_IFNAME": "lo"} if Path("/sys/class/net/lo").exists() else {}
    if monkeypatch is not None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
    return {**os.environ, **env}


@pytest.fixture(scope="module")
def setup(deap_dir, tmp_path_factory):
    """The config files and the run in one process that the ranks are compared with."""
    root = tmp_path_factory.mktemp("torchrun")
    (root / "folds.toml").write_text(CONFIG)
    (root / "ddp.toml").write_text(CONFIG + 'mode = "ddp"\n')
    args = ["--data", str(deap_dir), "--cache-dir", str(root / "cache"), "--threads", "1",
            "--quiet"]
    assert main(["train", "--config", str(root / "folds.toml"), "--out", str(root / "one"),
                 *args]) == 0
    return root, args


def _bounded_run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run`` in a session of its own, killed with its ranks past the timeout."""
    kwargs.pop("check", None)
    with subprocess.Popen(cmd, start_new_session=True, **kwargs) as proc:
        try:
            out, err = proc.communicate(timeout=TORCHRUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"torchrun ran past {TORCHRUN_TIMEOUT_S} s: {cmd}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _metrics(out: Path) -> dict:
    return json.loads((out / "metrics.json").read_text())


def test_folds_mode_fails_naming_the_fold_then_resumes_to_the_same_figures(setup, monkeypatch,
                                                                         capsys):
    root, args = setup
    out = root / "folds"
    (out / "folds" / "fold2.pt").mkdir(parents=True)  # fold2's checkpoint cannot be written
    _loopback_env(monkeypatch)
    monkeypatch.setattr(distributed.subprocess, "run", _bounded_run)  # --workers' torchrun
    train = ["train", "--config", str(root / "folds.toml"), "--out", str(out), "--workers", "2",
             *args]
    assert main(train) == 2
    err = capsys.readouterr().err
    assert "error: fold2 failed on rank 1: IsADirectoryError" in err  # the launcher's line
    assert not (out / "metrics.json").exists()
    done_before = {p.name: p.stat().st_mtime_ns for p in (out / "folds").glob("*.json")}
    assert "fold2.json" not in done_before

    (out / "folds" / "fold2.pt").rmdir()
    assert main(train) == 0
    for name, mtime in done_before.items():  # finished folds are not run again
        assert (out / "folds" / name).stat().st_mtime_ns == mtime
    one, ranks = _metrics(root / "one"), _metrics(out)
    assert ranks["timing"]["ranks"] == {"mode": "folds", "ranks": 2, "backend": "gloo"}
    assert [f["name"] for f in ranks["folds"]] == ["fold1", "fold2", "fold3", "fold4"]
    assert _without_timing(ranks["folds"]) == _without_timing(one["folds"])
    assert ranks["summary"] == one["summary"]
    with (root / "one" / "folds.csv").open() as a, (out / "folds.csv").open() as b:
        rows_one, rows_ranks = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert [_without_timing(r) for r in rows_one] == [_without_timing(r) for r in rows_ranks]
    final_one = load_checkpoint(root / "one" / "model.pt").model.state_dict()
    final_ranks = load_checkpoint(out / "model.pt").model.state_dict()
    assert all(torch.equal(final_one[k], final_ranks[k]) for k in final_one)


def test_ddp_mode_agrees_with_one_process(setup):
    root, args = setup
    out = root / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--local-addr",
           "127.0.0.1", "--nproc-per-node", "2", "-m", "eeg_emotion", "train", "--config",
           str(root / "ddp.toml"), "--out", str(out), *args]
    proc = _bounded_run(cmd, env=_loopback_env(), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    one, ranks = _metrics(root / "one"), _metrics(out)
    assert ranks["timing"]["ranks"]["mode"] == "ddp"
    for a, b in zip(one["folds"], ranks["folds"], strict=True):
        assert (a["name"], a["n_test"], a["trials"]) == (b["name"], b["n_test"], b["trials"])
        last_a, last_b = a["history"]["joint"][-1], b["history"]["joint"][-1]
        assert last_b["epoch"] == last_a["epoch"]
        assert last_b["val_loss"] == pytest.approx(last_a["val_loss"], rel=0.25)
    for target, s in one["summary"].items():
        assert ranks["summary"][target]["accuracy"]["mean"] == pytest.approx(
            s["accuracy"]["mean"], abs=0.2)
    assert load_checkpoint(out / "model.pt").meta.targets  # rank 0 saved the final model
