"""The built-in demo: synthetic recording + cached model + replay subprocess + engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.cli import build_parser
from eeg_emotion.commands import demo as cmd_demo
from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, save_checkpoint
from eeg_emotion.montages import DEAP
from eeg_emotion.offline.datasets.deap import read_deap_arrays
from eeg_emotion.offline.synth.deap import write_demo_recording
from eeg_emotion.offline.training.quick_model import QuickModelResult
from eeg_emotion.realtime import demo
from eeg_emotion.realtime.replay.process import ReplayProcess
from eeg_emotion.targets import deap_targets


def _fake_trainer(calls: list):
    """Stand-in for offline's train_quick_model: saves an untrained ScalingNet."""
    def train(data_path: Path, out_path: Path, *, check_path: Path, progress: bool
              ) -> QuickModelResult:
        calls.append((Path(data_path), Path(check_path)))
        targets = deap_targets(("valence", "arousal"))
        model = build_model("scalingnet", len(DEAP), 128.0, targets)
        meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), targets=list(targets),
                          signal=SignalContract(
                              channels=tuple(list(DEAP)), sfreq=128.0, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=2.0, hop_s=0.5,
                              baseline="none", standardize="window"),
                          synthetic=True)
        save_checkpoint(out_path, model, meta)
        return QuickModelResult(Path(out_path), 0, {"valence": 0.9}, {"valence": 0.5}, 1, 0.1)
    return train


def test_demo_builds_once_replays_and_says_synthetic(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(demo, "train_quick_model", _fake_trainer(calls))
    out = tmp_path / "demo.jsonl"
    args = build_parser(["demo"]).parse_args(
        ["demo", "--headless", "--duration", "3", "--output", str(out), "--no-outlet",
         "--device", "cpu", "--cache", str(tmp_path / "cache")])
    assert cmd_demo.run(args) == 0
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    assert lines[0]["type"] == "info" and lines[0]["synthetic_model"] is True
    assert "synthetic data only" in lines[0]["note"]
    assert lines[0]["stream"].startswith("eeg-emotion-demo-")
    ests = [d for d in lines if "probabilities" in d]
    assert ests and all(e["synthetic_model"] for e in ests)
    assert lines[-1]["type"] == "summary" and lines[-1]["last_error"] is None
    cached = sorted(p.name for p in (tmp_path / "cache" / "demo").rglob("*"))
    assert "s01.dat" in cached and any(n.endswith(".pt") for n in cached)
    # the model trains on other trials of the demo subject, never on the replayed ones
    data_dir = tmp_path / "cache" / "demo" / f"data-v{demo.DEMO_VERSION}"
    assert calls == [(data_dir / "train", data_dir / "s01.dat")]  # checked on the replay
    replayed, _ = read_deap_arrays(data_dir / "s01.dat")
    trained, _ = read_deap_arrays(data_dir / "train" / "s01.dat")
    assert replayed.shape[0] == 8 and trained.shape[0] == demo.DEMO_TRAIN_TRIALS
    assert not any(np.array_equal(a, b) for a in replayed[:, 0, :64]
                   for b in trained[:, 0, :64])
    # second run reuses data and model: no training
    assert demo.ensure_demo_model(tmp_path / "cache",
                                  demo.ensure_demo_recording(tmp_path / "cache")).is_file()
    assert len(calls) == 1


def test_models_of_an_older_demo_version_are_not_reused(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setattr(demo, "train_quick_model", _fake_trainer(calls))
    old = tmp_path / "demo" / f"demo-model-v{demo.DEMO_VERSION - 1}.pt"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"a model cached after two epochs at chance")
    assert demo.DEMO_VERSION >= 3
    path = demo.ensure_demo_model(tmp_path, tmp_path / "demo" / "data" / "s01.dat")
    assert path.name == f"demo-model-v{demo.DEMO_VERSION}.pt" and len(calls) == 1


def test_an_interrupted_first_training_leaves_no_model(tmp_path, monkeypatch):
    def crash(data_path: Path, out_path: Path, **kwargs: object) -> Path:
        raise KeyboardInterrupt  # Ctrl-C while the demo model trains

    monkeypatch.setattr(demo, "train_quick_model", crash)
    with pytest.raises(KeyboardInterrupt):
        demo.ensure_demo_model(tmp_path, tmp_path / "x.dat")
    assert not list(tmp_path.rglob("*.pt*"))


def test_replay_process_failure_is_reported(tmp_path):
    with ReplayProcess(tmp_path / "missing.dat") as replay, \
            pytest.raises(Exception, match="demo replay exited"):
        demo.open_replayed(replay, timeout=20)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_replay_dies_with_a_killed_demo(tmp_path):
    """kill -9 of the demo must not leave its looping replay running forever."""
    path = write_demo_recording(tmp_path, trials=1, seconds=2.0)
    code = ("import sys, time\n"
            "from eeg_emotion.realtime.demo import ReplayProcess\n"
            f"r = ReplayProcess({str(path)!r}).start()\n"
            "print(r.proc.pid, flush=True)\n"
            "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not _alive(child):
                break
            time.sleep(0.1)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail("the replay outlived the killed demo")
    finally:
        if parent.poll() is None:
            parent.kill()
