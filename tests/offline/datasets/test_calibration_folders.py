"""Calibration folders as a dataset, and personal models chosen on held-out blocks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eeg_emotion.calibration_files import more_data_command
from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.montages import CYTON
from eeg_emotion.offline.datasets.calibration_folders import index_calibration, labelled_segments
from eeg_emotion.offline.datasets.readers import detect_kind, open_dataset
from eeg_emotion.offline.training.personal import LOW_DELAY_FILTER, MAX_DELAY_S, train_personal

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_blocks_become_trials_with_their_ratings(tmp_path, calibration_factory):
    made = calibration_factory(tmp_path / "cal", n_blocks=6, stimulus_s=5.0)
    assert detect_kind(tmp_path / "cal") == "calibration"
    index = open_dataset(tmp_path / "cal")
    assert index.kind == "calibration" and index.channels == list(CYTON)
    assert index.sfreq == 250.0 and len(index.trials) == 6
    for ref, row in zip(index.trials, made["ratings"], strict=True):
        assert ref.labels == {"valence": row[0], "arousal": row[1], "dominance": row[2]}
        assert ref.n_times == 5 * 250
        x = index.load(ref)
        assert x.shape == (8, 1250) and np.abs(x.mean()) > 1e3  # raw, DC offset and all


def test_unrated_and_repeated_blocks_are_left_out():
    markers = [(1.0, json.dumps({"event": "stimulus_start", "block": 0})),
               (2.0, json.dumps({"event": "stimulus_end", "block": 0})),
               (2.1, json.dumps({"event": "rating", "block": 0, "labels": {"valence": 7}})),
               (3.0, json.dumps({"event": "stimulus_start", "block": 1})),
               (4.0, json.dumps({"event": "stimulus_end", "block": 1})),
               (4.1, json.dumps({"event": "block_repeat", "block": 1})),
               (5.0, json.dumps({"event": "stimulus_start", "block": 2})),  # killed here
               (6.0, json.dumps({"event": "trial_start", "trial": 4, "labels": {"valence": 2}})),
               (7.0, json.dumps({"event": "baseline_end", "trial": 4,
                                 "labels": {"valence": 2}})),
               (9.0, json.dumps({"event": "trial_end", "trial": 4, "labels": {"valence": 2}}))]
    assert labelled_segments(markers) == [(1, 1.0, 2.0, {"valence": 7}),
                                          (5, 7.0, 9.0, {"valence": 2})]


def test_a_folder_without_recordings_says_which_calibrate_to_run(tmp_path):
    cal = tmp_path / "cal"
    cal.mkdir()
    with pytest.raises(DataFormatError, match="holds no recordings") as info:
        index_calibration(cal)  # empty: record into it
    assert f"`eeg-emotion calibrate --out {cal} --stream OpenBCI`" in info.value.fix
    (cal / "calibration.json").write_text(json.dumps(
        {"stream": "obci_eeg1", "stream_kind": "lsl", "settings": {}}))
    with pytest.raises(DataFormatError, match="holds no recordings") as info:
        index_calibration(cal)  # a plan, killed before the first block: resume it
    assert f"`eeg-emotion calibrate --resume --out {cal} --stream obci_eeg1`" in info.value.fix
    (cal / "calibration.json").unlink()
    (cal / "notes.txt").write_text("mine")
    with pytest.raises(DataFormatError, match="holds no recordings") as info:
        index_calibration(cal)  # someone else's files: a new folder beside it
    assert f"--out {cal}-calibration --stream OpenBCI`" in info.value.fix


def test_calibrate_command_keeps_the_recorded_source(tmp_path, calibration_factory):
    calibration_factory(tmp_path / "cal", n_blocks=2, stimulus_s=2.0)
    assert more_data_command(tmp_path / "cal") == (
        f"eeg-emotion calibrate --add --out {tmp_path / 'cal'} --stream obci_eeg1")
    rec = tmp_path / "my recording"  # a rated live --record folder: --add cannot extend it
    assert more_data_command(rec) == (
        f"eeg-emotion calibrate --out '{tmp_path / 'my recording-calibration'}' "
        "--stream OpenBCI")


def test_personal_model_is_chosen_on_held_out_blocks_and_saved_tagged(tmp_path,
                                                                      calibration_factory):
    calibration_factory(tmp_path / "cal", n_blocks=10, stimulus_s=8.0)
    lines = []
    result = train_personal(tmp_path / "cal", tmp_path / "models", device="cpu",
                            progress=lines.append)
    assert set(result.scores) == {"scalingnet", "band-forest"}
    assert any("on held-out blocks" in s for s in lines)
    meta = load_checkpoint(result.path).meta
    assert meta.tags["personal"] is True and meta.tags["montage"] == "cyton"
    assert meta.tags["beats_majority"] == result.beats_majority
    assert meta.signal.filter.phase == "minimum" and meta.signal.sfreq == 250.0
    assert meta.signal.filter.design(250.0).group_delay_s <= MAX_DELAY_S
    assert meta.training["validation"].endswith("over blocks")
    for target, h in result.held_out.items():
        assert {"accuracy", "std", "majority", "n_blocks"} <= set(h), target
    text = "\n".join(result.lines())
    assert "on held-out blocks, majority" in text and str(result.path) in text
    # the valence signal of the synthetic subject (frontal alpha asymmetry) is learnt
    assert result.held_out["valence"]["accuracy"] > result.held_out["valence"]["majority"]
    assert LOW_DELAY_FILTER.phase == "minimum"


def test_two_sessions_validate_across_sessions(tmp_path, calibration_factory):
    calibration_factory(tmp_path / "cal", n_blocks=6, stimulus_s=6.0, sessions=2)
    index = open_dataset(tmp_path / "cal")
    assert sorted({t.session for t in index.trials}) == [1, 2]
    result = train_personal(tmp_path / "cal", tmp_path / "models", device="cpu")
    assert load_checkpoint(result.path).meta.training["validation"] == "leave-one-session-out"


def test_ratings_that_never_cross_5_are_refused(tmp_path, calibration_factory):
    made = calibration_factory(tmp_path / "cal", n_blocks=4, stimulus_s=5.0)
    for part in (tmp_path / "cal").glob("session-1/part-*"):
        text = (part / "markers.jsonl").read_text()
        lines = []
        for line in text.splitlines():
            m = json.loads(line)
            e = json.loads(m["text"])
            if e["event"] == "rating":
                e["labels"] = {"valence": 3.0, "arousal": 3.0, "dominance": 3.0}
                m["text"] = json.dumps(e)
            lines.append(json.dumps(m))
        (part / "markers.jsonl").write_text("\n".join(lines) + "\n")
    assert made["folder"].root == tmp_path / "cal"
    with pytest.raises(ConfigError, match="no target has at least two blocks"):
        train_personal(tmp_path / "cal", tmp_path / "models", device="cpu")
