"""``eeg-emotion live --headless``: JSON lines, the estimate outlet, CLI errors, and a
run on the real ``eeg-emotion replay`` command in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from eeg_emotion.cli import build_parser, main
from eeg_emotion.commands import live as cmd_live
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.offline.datasets.readers import load_trial_file
from eeg_emotion.offline.synth.deap import write_demo_recording
from eeg_emotion.realtime import model_choice
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.engine.state import Estimate
from eeg_emotion.realtime.outputs.headless import SYNTHETIC_NOTE
from eeg_emotion.realtime.outputs.outlet import EstimateOutlet
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.recording_files import read_recording

pylsl = import_pylsl()


def _args(*argv: str):
    return build_parser(["live"]).parse_args(["live", *argv])


def test_headless_json_lines_schema(publishers, stream_name, loaded_factory, tmp_path,
                                    monkeypatch):
    publishers.start(stream_name, channels=4, labels="Fp1,Fp2,C3,C4", seconds=6.0)
    loaded = loaded_factory(hop_s=0.25)
    model_file = tmp_path / "tiny.pt"
    model_file.write_bytes(b"x")
    monkeypatch.setattr(model_choice, "load_model", lambda path: loaded)
    out = tmp_path / "est.jsonl"
    outlet = f"out-{uuid.uuid4().hex[:8]}"
    args = _args("--stream", stream_name, "--model", str(model_file), "--headless",
                 "--duration", "2", "--output", str(out), "--outlet", outlet,
                 "--smoothing", "0.5", "--device", "cpu", "--record", str(tmp_path / "rec"))
    assert cmd_live.run(args) == 0
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    info, ests, summary = lines[0], lines[1:-1], lines[-1]
    assert info["type"] == "info" and info["synthetic_model"] is True
    assert info["note"] == SYNTHETIC_NOTE and info["model_channels"] == ["Fp1", "Fp2", "C3", "C4"]
    assert summary["type"] == "summary" and summary["windows_done"] >= len(ests) >= 3
    for i, e in enumerate(ests):
        assert set(e) >= {"index", "time", "latency_ms", "probabilities", "smoothed",
                          "synthetic_model"}
        assert e["index"] == i and e["latency_ms"] >= 0
        for probs in (e["probabilities"], e["smoothed"]):
            assert set(probs) == {"valence", "arousal"}
            for p in probs.values():
                assert set(p) == {"low", "high"} and sum(p.values()) == pytest.approx(1, 1e-5)
    assert np.all(np.diff([e["time"] for e in ests]) > 0)
    rec = read_recording(tmp_path / "rec")  # --record: raw stream from its first sample
    assert rec.channels == ["Fp1", "Fp2", "C3", "C4"]
    np.testing.assert_array_equal(rec.data[0], np.arange(rec.data.shape[1]))
    assert rec.data.shape[1] >= summary["samples_received"] > 0  # it records until stop
    recorded = [e["index"] for e in rec.estimates]  # it records until the engine stops
    assert recorded[:len(ests)] == [e["index"] for e in ests]


def test_outlet_publishes_labelled_probabilities(loaded_factory):
    targets = loaded_factory().meta.targets
    name = f"out-{uuid.uuid4().hex[:8]}"
    outlet = EstimateOutlet(targets, name)
    found = pylsl.resolve_bypred(f"name='{name}'", 1, 5.0)
    assert found and found[0].type() == "Emotion" and found[0].channel_count() == 6
    inlet = pylsl.StreamInlet(found[0])
    info = inlet.info(5.0)
    ch = info.desc().child("channels").child("channel")
    labels = []
    while not ch.empty():
        labels.append(ch.child_value("label"))
        ch = ch.next_sibling()
    assert labels == ["valence:low", "valence:high", "arousal:low", "arousal:high",
                      "quality:poor", "quality:repaired_share"]
    inlet.open_stream(5.0)
    time.sleep(0.3)
    est = Estimate(0, pylsl.local_clock(), 1.0,
                   {"valence": {"low": 0.25, "high": 0.75}, "arousal": {"low": 0.9, "high": 0.1}},
                   repaired=0.25)
    outlet.push(est)
    sample, ts = inlet.pull_sample(timeout=5.0)
    # the estimate, then its quality: poor (a quarter of the window repaired)
    np.testing.assert_allclose(sample, [0.25, 0.75, 0.9, 0.1, 1.0, 0.25], rtol=1e-6)
    assert ts == pytest.approx(est.time, abs=1e-3)
    inlet.close_stream()
    outlet.close()


def test_cli_errors_are_clean(tmp_path, capsys, stream_name, publishers, loaded_factory,
                              monkeypatch):
    missing = tmp_path / "nope.pt"
    assert main(["live", "--stream", "x", "--model", str(missing), "--headless"]) == 2
    err = capsys.readouterr().err
    assert "nope.pt does not exist" in err and "fix:" in err and "Traceback" not in err
    model = tmp_path / "m.pt"
    model.write_bytes(b"x")
    t0 = time.monotonic()  # a damaged model is reported before waiting for the stream
    assert main(["live", "--stream", "x", "--model", str(model), "--headless",
                 "--timeout", "30"]) == 2
    assert time.monotonic() - t0 < 10
    assert "not a readable checkpoint" in capsys.readouterr().err
    monkeypatch.setattr(model_choice, "load_model", lambda path: loaded_factory())
    assert main(["live", "--stream", stream_name, "--model", str(model), "--headless",
                 "--timeout", "0.3"]) == 2
    assert "no LSL stream" in capsys.readouterr().err
    assert main(["live", "--stream", "x", "--model", str(model), "--output", "o.jsonl"]) == 2
    assert "--output needs --headless" in capsys.readouterr().err
    publishers.start(stream_name, channels=4, seconds=5.0, wait=0)
    assert main(["live", "--stream", stream_name, "--montage", "Fp1,Fp2", "--model",
                 str(model), "--headless"]) == 2
    err = capsys.readouterr().err
    assert "montage" in err and "4" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(["live", "--board", "bogus"])


def test_real_replay_command_every_sample_in_order(tmp_path, stream_name, loaded_factory,
                                                   raw_chunks):
    """``eeg-emotion replay`` in a subprocess -> engine: the raw stream equals the file."""
    path = write_demo_recording(tmp_path, trials=2, seconds=1.0)
    trials = load_trial_file(path).trials
    want = np.concatenate(list(trials), axis=1)
    n = want.shape[1]
    proc = subprocess.Popen([sys.executable, "-m", "eeg_emotion.cli", "replay", str(path),
                             "--name", stream_name, "--speed", "4", "--wait", "10"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        loaded = loaded_factory(channels=("Fp1", "Fp2", "O1", "Pz"), hop_s=0.5)
        engine = Engine(LSLSource(stream_name), loaded, device="cpu", open_timeout=20)
        chunks = raw_chunks(engine)
        with engine:
            end = time.monotonic() + 20
            while engine.raw_samples < n and time.monotonic() < end:
                time.sleep(0.05)
            status = engine.status()
        raw = np.concatenate([c.data for c in chunks], axis=1)
        assert raw.shape == want.shape
        np.testing.assert_array_equal(raw, want.astype(np.float32))
        assert status.source.gaps == 0 and status.windows_done >= 1
        assert status.source.channels[:2] == ("Fp1", "AF3")
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()
