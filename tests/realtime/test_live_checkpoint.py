"""``eeg-emotion live`` with a real (untrained) ScalingNet checkpoint: in-process,
as a subprocess stopped by SIGTERM (default-model ranking: test_model_choice.py)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from eeg_emotion.cli import main
from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, save_checkpoint
from eeg_emotion.targets import deap_targets

CHANNELS = ["Fp1", "Fp2", "C3", "C4"]


def _checkpoint(path: Path, channels: list[str] = CHANNELS) -> Path:
    targets = deap_targets(("valence", "arousal"))
    model = build_model("scalingnet", len(channels), 128.0, targets)
    meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), targets=list(targets),
                          signal=SignalContract(
                              channels=tuple(channels), sfreq=128.0, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=1.0, hop_s=0.5,
                              baseline="none", standardize="window"),
                          synthetic=True)
    return save_checkpoint(path, model, meta) or path


def test_live_headless_with_scalingnet_checkpoint(publishers, stream_name, tmp_path):
    ckpt = _checkpoint(tmp_path / "sn.pt")
    publishers.start(stream_name, channels=5, labels="Cz,C4,C3,Fp2,Fp1", seconds=6.0)
    out = tmp_path / "o.jsonl"
    rc = main(["live", "--stream", stream_name, "--model", str(ckpt), "--headless",
               "--duration", "2.5", "--output", str(out), "--no-outlet", "--device", "cpu"])
    assert rc == 0
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    assert lines[0]["model"] == "scalingnet" and lines[0]["synthetic_model"]
    ests = [d for d in lines if "probabilities" in d]
    assert len(ests) >= 2
    assert all(set(e["probabilities"]) == {"valence", "arousal"} for e in ests)


def test_sigterm_stops_cleanly(publishers, stream_name, tmp_path):
    ckpt = _checkpoint(tmp_path / "sn.pt")
    publishers.start(stream_name, channels=4, labels=",".join(CHANNELS), seconds=30.0)
    proc = subprocess.Popen([sys.executable, "-m", "eeg_emotion.cli", "live", "--stream",
                             stream_name, "--model", str(ckpt), "--headless", "--no-outlet",
                             "--device", "cpu"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert json.loads(first)["type"] == "info"
        est = json.loads(proc.stdout.readline())
        assert "probabilities" in est
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["type"] == "summary"
    assert "Traceback" not in err
