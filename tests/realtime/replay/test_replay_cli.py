"""``eeg-emotion replay`` in a subprocess on a synthetic DEAP file, SIGTERM, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.cli import main
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.offline.datasets.readers import load_trial_file
from eeg_emotion.offline.export import export_recording
from eeg_emotion.offline.synth.deap import write_demo_recording
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.replay.from_file import ReplayOptions, build_player
from eeg_emotion.realtime.replay.player import replay_source_id
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo

pylsl = import_pylsl()
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def deap_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One DEAP-format subject: 2 trials x (3-s baseline + 1 s) at 128 Hz."""
    return write_demo_recording(tmp_path_factory.mktemp("replay") / "s01.dat", trials=2,
                                seconds=1.0)


def _start(deap_file: Path, name: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # LSLAPICFG comes from conftest
    return subprocess.Popen([sys.executable, "-m", "eeg_emotion.cli", "replay", str(deap_file),
                             "--name", name, *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _inlets(deap_file: Path, name: str):
    sid = replay_source_id(name, str(deap_file.resolve()))
    marks = pylsl.resolve_byprop("source_id", f"{sid}-markers", 1, 20.0)
    data = pylsl.resolve_byprop("source_id", sid, 1, 20.0)
    assert marks and data, "the replay subprocess did not publish its streams"
    minlet = pylsl.StreamInlet(marks[0], recover=False)
    minlet.open_stream(5.0)  # markers first: the replay starts when data is subscribed
    inlet = pylsl.StreamInlet(data[0], max_buflen=30, recover=False)
    inlet.open_stream(5.0)
    return inlet, minlet


def test_cli_replays_one_trial_to_an_inlet(deap_file: Path) -> None:
    name = f"test-replay-cli-{uuid.uuid4().hex[:8]}"
    proc = _start(deap_file, name, "--trial", "1", "--speed", "8", "--wait", "20")
    try:
        inlet, minlet = _inlets(deap_file, name)
        info = inlet.info(5.0)
        rows, stamps = [], []
        while sum(len(t) for t in stamps) < 512:
            chunk, ts = inlet.pull_chunk(timeout=5.0, max_samples=1024, min_samples=1,
                                         as_numpy=True)
            assert len(ts), "replay stopped sending"
            rows.append(chunk)
            stamps.append(ts)
        markers = []
        while len(markers) < 3:
            sample, _ = minlet.pull_sample(timeout=5.0)
            assert sample is not None, f"markers so far: {markers}"
            markers.append(json.loads(sample[0]))
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    expected = load_trial_file(deap_file)
    data, ts = np.concatenate(rows), np.concatenate(stamps)
    np.testing.assert_array_equal(data, expected.trials[1].T.astype(np.float32))
    assert abs((ts[-1] - ts[0]) - 511 / (128.0 * 8)) < 1e-6
    assert info.nominal_srate() == 128.0 and info.channel_count() == 32
    assert info.desc().child("channels").child("channel").child_value("label") == "Fp1"
    assert info.desc().child("acquisition").child_value("dataset") == "deap"
    assert [m["event"] for m in markers] == ["trial_start", "baseline_end", "trial_end"]
    assert all(m["trial"] == 1 and m["dataset"] == "deap" for m in markers)
    assert markers[0]["labels"] == pytest.approx(expected.labels[1])
    assert "sent 512 samples" in err


def test_sigterm_stops_a_looping_replay_cleanly(deap_file: Path) -> None:
    name = f"test-replay-term-{uuid.uuid4().hex[:8]}"
    proc = _start(deap_file, name, "--loop", "--wait", "20")
    try:
        inlet, _ = _inlets(deap_file, name)
        _, ts = inlet.pull_chunk(timeout=5.0, max_samples=8, min_samples=1, as_numpy=True)
        assert len(ts)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "SIGTERM" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["--trial", "2"], "out of range"),
    (["--trial", "-1"], "out of range"),
    (["--speed", "0"], "--speed"),
    (["--chunk-size", "0"], "--chunk-size 0 must be at least 1"),
    (["--speed", "nan"], "--speed nan is not a finite number"),
    (["--duration", "nan"], "--duration nan is not a finite number of seconds"),
    (["--wait", "-3"], "--wait -3 must be 0 or more seconds"),
    (["--duration", "-1"], "--duration"),
])
def test_bad_options_exit_2(deap_file: Path, args: list[str], message: str,
                            capsys: pytest.CaptureFixture) -> None:
    assert main(["replay", str(deap_file), "--name", "never-started", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "fix:" in err


def test_missing_and_unknown_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["replay", str(tmp_path / "nope.dat")]) == 2
    assert "does not exist" in capsys.readouterr().err
    odd = tmp_path / "notes.txt"
    odd.write_text("hello")
    assert main(["replay", str(odd)]) == 2
    assert "not supported" in capsys.readouterr().err


def test_seed_iv_file_becomes_a_player_with_emotion_labels(tmp_path: Path) -> None:
    write_synthetic_seed_iv(tmp_path, subjects=1, trials=3, seconds=4.0, sessions=1,
                            features=False)
    mat = next((tmp_path / "eeg_raw_data").rglob("*.mat"))
    player = build_player(ReplayOptions(mat, name="seed", trial=2, speed=2.0),
                          load_trial_file(mat))
    expected = load_trial_file(mat)
    assert player.sfreq == 200.0 and len(player.channels) == 62
    assert player.dataset == "seed-iv" and player.baseline_samples == 0
    assert player.trial_numbers == [2] and player.labels == [expected.labels[2]]
    assert "emotion" in player.labels[0]
    np.testing.assert_array_equal(player.trials[0], expected.trials[2])


def test_an_exported_recording_can_be_replayed(tmp_path: Path, rng) -> None:
    """record -> export FIF -> replay: the same channels, rate and microvolts come back."""
    info = SourceInfo(name="r", kind="lsl", channels=("Fp1", "Fp2", "Cz"), sfreq=250.0)
    data = rng.normal(0, 30, (3, 500))
    with Recorder(tmp_path / "s.rec", info) as rec:
        rec.write_samples(Chunk(data, 10.0 + np.arange(500) / 250.0))
    fif = export_recording(tmp_path / "s.rec", tmp_path / "s_raw.fif")
    player = build_player(ReplayOptions(fif, name="again"), load_trial_file(fif))
    assert player.channels == info.channels and player.sfreq == 250.0
    assert player.units == "microvolts" and len(player.trials) == 1
    np.testing.assert_allclose(player.trials[0], data.astype(np.float32), rtol=1e-5,
                               atol=1e-4)
