"""``calibrate`` trains as ``train`` does: the CPU thread policy, ``--threads``, progress;
and a personal model of synthetic data says so."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from eeg_emotion import threads
from eeg_emotion.cli import main
from eeg_emotion.models.checkpoint import read_meta
from eeg_emotion.offline.datasets.readers import load_trial_file
from eeg_emotion.offline.synth.deap import write_demo_recording
from eeg_emotion.offline.training.personal import PersonalResult
from eeg_emotion.realtime.calibration import run as calibration_run
from eeg_emotion.realtime.replay.from_file import ReplayOptions, build_player
from eeg_emotion.realtime.replay.player import ReplayPlayer
from eeg_emotion.realtime.sources.lsl_source import LSLSource

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("argv, why, n", [([], "auto", None), (["--threads", "1"], "--threads", 1)])
def test_training_applies_the_thread_policy(argv, why, n, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    seen = {}

    def fake_train(data, models, *, device, progress):
        seen.update(policy=threads._training.why, torch=torch.get_num_threads())
        return PersonalResult(models / "p.pt", "band-forest", {}, True, {})

    monkeypatch.setattr(calibration_run, "train_personal", fake_train)
    assert main(["calibrate", "--train", str(tmp_path), "--models-dir", str(tmp_path / "m"),
                 *argv]) == 0
    assert seen["policy"] == why
    if n is not None:
        assert seen["torch"] == n
    assert "torch thread(s)" in capsys.readouterr().err


def test_train_shows_candidate_fold_and_time_and_marks_synthetic_data(
        tmp_path, calibration_factory, capsys):
    calibration_factory(tmp_path / "cal", n_blocks=10, stimulus_s=6.0, synthetic=True)
    models = tmp_path / "models"
    assert main(["calibrate", "--train", str(tmp_path / "cal"), "--models-dir", str(models),
                 "--threads", "1", "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    # progress: which candidate, which fold, the time so far (plain lines: not a terminal)
    assert re.search(r"scalingnet \(candidate 1/2\): fold 1/5 .*total \d+ s", err), err
    assert re.search(r"band-forest \(candidate 2/2\): fold 5/5 ", err), err
    assert re.search(r"trained in \d+ s", err)
    (path,) = models.glob("personal-*.pt")
    meta = read_meta(path)
    assert meta.synthetic is True  # the live banner and JSON lines say so
    assert "synthetic" in err and "synthetic_model" in err


def test_a_replay_of_synthetic_files_is_described_as_synthetic(tmp_path, stream_name):
    path = write_demo_recording(tmp_path / "demo", trials=1, seconds=2.0)
    player = build_player(ReplayOptions(path, name=stream_name), load_trial_file(path))
    assert player.synthetic  # synth wrote synthetic.json beside it
    player.open()
    source = LSLSource(stream_name)
    try:
        info = source.open(timeout=10)
        assert info.synthetic is True
    finally:
        source.close()
        player.close(linger=0.0)
    real = ReplayPlayer(np.zeros((2, 256), np.float32), 128.0, ["Fp1", "Fp2"],
                        f"{stream_name}-real")
    assert not real.synthetic
