"""Calibration folders as a dataset, and personal models chosen on held-out blocks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from eeg_emotion.errors import ConfigError, DataFormatError
from eeg_emotion.models.checkpoint import load_checkpoint
from eeg_emotion.montages import CYTON
from eeg_emotion.offline.calibration_data import labelled_segments
from eeg_emotion.offline.personal import LOW_DELAY_FILTER, MAX_DELAY_S, train_personal
from eeg_emotion.offline.readers import detect_kind, open_dataset


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


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


def test_an_empty_or_unrated_folder_says_what_to_do(tmp_path):
    from eeg_emotion.offline.calibration_data import index_calibration

    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "calibration.json").write_text("{}")
    with pytest.raises(DataFormatError, match="holds no recordings") as info:
        index_calibration(tmp_path / "cal")
    assert "eeg-emotion calibrate --out" in info.value.fix


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
