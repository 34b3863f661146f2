"""`live --headless` in a subprocess: Ctrl-C, SIGTERM and --duration all end with the summary
line; the synthetic-model warning comes once; an existing --output is never truncated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from eeg_emotion.cli import main
from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import CheckpointMeta, build_model, save_checkpoint
from eeg_emotion.realtime import model_choice
from eeg_emotion.targets import deap_targets

CHANNELS = ("Fp1", "Fp2", "C3", "C4")


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """A real (untrained, synthetic-flagged) ScalingNet checkpoint for 4 channels at 128 Hz."""
    targets = deap_targets(("valence", "arousal"))
    model = build_model("scalingnet", len(CHANNELS), 128.0, targets, kernel_length=9,
                        n_levels=2, conv_filters=[4])
    contract = SignalContract(channels=CHANNELS, sfreq=128.0, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=1.0, hop_s=0.25,
                              baseline="none", standardize="window")
    meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), signal=contract,
                          targets=list(targets), synthetic=True)
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny.pt", model, meta)


def _lines(path: Path) -> list[dict]:
    try:
        return [json.loads(s) for s in path.read_text().splitlines() if s.strip()]
    except (FileNotFoundError, json.JSONDecodeError):
        return []


@pytest.mark.parametrize("how", ["sigint", "sigterm", "duration"])
def test_every_documented_exit_writes_the_summary(how, tmp_path, publishers, stream_name,
                                                  tiny_checkpoint):
    publishers.start(stream_name, channels=4, labels=",".join(CHANNELS), seconds=120.0,
                     wait=60)
    out = tmp_path / "est.jsonl"
    cmd = [sys.executable, "-m", "eeg_emotion.cli", "live", "--stream", stream_name,
           "--model", str(tiny_checkpoint), "--headless", "--output", str(out), "--no-outlet",
           "--device", "cpu", "--timeout", "30", "--threads", "1"]
    if how == "duration":
        cmd += ["--duration", "4"]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=tmp_path,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        try:
            end = time.monotonic() + 90
            while len(_lines(out)) < 3 and proc.poll() is None and time.monotonic() < end:
                time.sleep(0.1)
            assert len(_lines(out)) >= 3, "no estimates came"
            if how != "duration":
                proc.send_signal(signal.SIGINT if how == "sigint" else signal.SIGTERM)
            rc = proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        err.seek(0)
        log = err.read()
    assert rc == 0, log[-2000:]
    lines = _lines(out)
    assert lines[0]["type"] == "info" and lines[-1]["type"] == "summary"
    assert lines[-1]["windows_done"] >= 2 and lines[-1]["last_error"] is None
    assert "summary: " in log and "Traceback" not in log
    assert log.count("synthetic data only") == 1  # the engine's one warning per start


def test_existing_output_is_refused_and_kept(tmp_path, capsys, tiny_checkpoint):
    out = tmp_path / "est.jsonl"
    out.write_text("".join(f'{{"index": {i}}}\n' for i in range(55)))
    before = out.read_bytes()
    t0 = time.monotonic()
    for argv in (["live", "--stream", "nowhere", "--model", str(tiny_checkpoint),
                  "--timeout", "30"], ["demo", "--cache", str(tmp_path / "cache")]):
        assert main([*argv, "--headless", "--output", str(out)]) == 2
        err = capsys.readouterr().err
        assert "already exists" in err and "--append" in err and "--overwrite" in err
    assert time.monotonic() - t0 < 20  # refused before waiting for a stream or training
    assert out.read_bytes() == before and not (tmp_path / "cache").exists()
    assert main(["live", "--stream", "x", "--model", str(tiny_checkpoint), "--headless",
                 "--append"]) == 2
    assert "--append applies to --output FILE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["live", "--output", str(out), "--append", "--overwrite"])
    assert main(["live", "--stream", "x", "--model", str(tiny_checkpoint), "--headless",
                 "--output", str(tmp_path)]) == 2
    assert "is a folder, expected a file" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["append", "overwrite"])
def test_append_or_overwrite_when_asked(mode, tmp_path, publishers, stream_name,
                                        loaded_factory, monkeypatch, tiny_checkpoint):
    publishers.start(stream_name, channels=4, labels=",".join(CHANNELS), seconds=8.0)
    monkeypatch.setattr(model_choice, "load_model", lambda path: loaded_factory(hop_s=0.25))
    out = tmp_path / "est.jsonl"
    old = [{"type": "info", "old": True}, {"type": "summary", "old": True}]
    out.write_text("".join(json.dumps(d) + "\n" for d in old))
    assert main(["live", "--stream", stream_name, "--model", str(tiny_checkpoint),
                 "--headless", "--duration", "2", "--output", str(out), f"--{mode}",
                 "--no-outlet", "--device", "cpu"]) == 0
    lines = _lines(out)
    kept = lines[:2] == old
    assert kept == (mode == "append")
    new = lines[2:] if kept else lines
    assert new[0]["type"] == "info" and new[-1]["type"] == "summary"


def test_bad_numbers_are_refused_before_waiting_for_a_stream(tmp_path, capsys,
                                                              tiny_checkpoint):
    t0 = time.monotonic()
    for flag in ("--hop", "--window", "--duration"):
        for value, why in (("0", "must be more than 0 seconds"),
                           ("nan", "is not a finite number of seconds"),
                           ("inf", "is not a finite number of seconds")):
            assert main(["live", "--stream", "nowhere", "--model", str(tiny_checkpoint),
                         "--headless", "--timeout", "30", flag, value]) == 2
            err = capsys.readouterr().err
            assert f"error: {flag} {value} {why}" in err
            assert "fix:" in err and "Traceback" not in err
    assert main(["live", "--stream", "x", "--model", str(tiny_checkpoint), "--headless",
                 "--threads", "0"]) == 2
    assert "--threads 0 must be at least 1" in capsys.readouterr().err
    assert time.monotonic() - t0 < 20


def test_a_folder_is_not_a_model_or_a_recording(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "model.pt").write_bytes(b"x")
    assert main(["live", "--stream", "x", "--model", str(tmp_path / "run"), "--headless"]) == 2
    err = capsys.readouterr().err
    assert "is a folder, expected a file" in err and "run/model.pt" in err
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "s01.dat").write_bytes(b"x")
    assert main(["replay", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert "is a folder, expected a file" in err and "eeg-emotion replay" in err
