"""Index mode's band-power indices: the frontal pair, the sign of each index, the
session's running z-score, the built-in contract, and how they are marked."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eeg_emotion.errors import StreamError
from eeg_emotion.montages import CROWN, CYTON, CYTON_DAISY, DEAP, EMOTIV_EPOC, MUSE, UNICORN
from eeg_emotion.realtime.band_index import (
    BandIndexClassifier,
    BandIndexModel,
    band_powers,
    frontal_pair,
    index_model,
    index_notes,
)
from eeg_emotion.realtime.engine.inference import make_classifier
from eeg_emotion.realtime.engine.state import INDEX_NOTE, Estimate

FS = 250.0


def _window(rng, *, alpha_left=10.0, alpha_right=10.0, beta=2.0, n_ch=8, seconds=4.0):
    t = np.arange(int(seconds * FS)) / FS
    x = rng.normal(0.0, 1.0, (n_ch, t.size))
    x += beta * np.sin(2 * np.pi * 20.0 * t)
    x[0] += alpha_left * np.sin(2 * np.pi * 10.0 * t)  # Fp1 in CYTON
    x[1] += alpha_right * np.sin(2 * np.pi * 10.0 * t)  # Fp2
    return x


def test_frontal_pair_ranking_and_none():
    assert frontal_pair(CYTON_DAISY) == ("F3", "F4")  # before F7/F8 and Fp1/Fp2
    assert frontal_pair(CYTON) == ("Fp1", "Fp2")
    assert frontal_pair(DEAP) == ("F3", "F4")
    assert frontal_pair(["AF3", "af4", "O1"]) == ("AF3", "af4")
    assert frontal_pair(MUSE) == ("AF7", "AF8")  # a Muse's forehead electrodes
    assert frontal_pair(EMOTIV_EPOC) == ("F3", "F4")
    assert frontal_pair(CROWN) == ("F5", "F6")
    assert frontal_pair(["Fp1", "Fp2", "F7", "F8"]) == ("F7", "F8")  # F7/F8 before Fp1/Fp2
    assert frontal_pair(["FC3", "FC4", "F1", "F2"]) == ("F1", "F2")
    assert frontal_pair(["Fp1", "C3", "C4", "O2"]) is None  # Fp1 alone is no pair
    assert frontal_pair(UNICORN) is None  # Fz is on the midline


def test_a_montage_without_a_frontal_pair_gets_the_arousal_index_alone():
    loaded = index_model(UNICORN, 250.0)
    assert [t.name for t in loaded.meta.targets] == ["arousal"]
    model = loaded.model
    assert model.pair == "" and "none of the homologous frontal pairs" in model.unavailable
    clf = BandIndexClassifier(model, loaded.meta.signal)
    rng = np.random.default_rng(0)
    reading = clf(rng.normal(0, 10, (8, 1000))).indices
    assert set(reading.values) == {"arousal"} and "valence" in reading.unavailable
    line = reading.to_json_dict()
    assert line["pair"] is None and "valence" in line["unavailable"]
    notes = " ".join(index_notes(loaded, "eeg-emotion calibrate --stream x"))
    assert "valence unavailable" in notes and "arousal" in notes


def test_contract_is_low_delay_and_keeps_the_stream_rate():
    loaded = index_model(CYTON, 250.0)
    c = loaded.meta.signal
    assert c.sfreq == 250.0 and c.channels == CYTON and c.standardize == "none"
    assert c.filter.phase == "minimum" and (c.filter.l_freq, c.filter.h_freq) == (4.0, 40.0)
    assert c.filter.design(c.sfreq).group_delay_s < 0.1
    assert index_model(CYTON, 1000.0).meta.signal.sfreq == 250.0  # resampled down
    assert index_model(CYTON_DAISY, 125.0).meta.signal.sfreq == 125.0
    assert loaded.meta.model == "band-power-index" and loaded.meta.tags == {"index": True}
    with pytest.raises(StreamError, match="too slow"):
        index_model(CYTON, 50.0)


def test_band_powers_of_a_sine():
    t = np.arange(1000) / FS
    x = np.stack([10 * np.sin(2 * np.pi * 10 * t), np.zeros_like(t)])
    p = band_powers(x, FS)
    assert p[0, 1] == pytest.approx(50.0, rel=0.1)  # alpha: amplitude² / 2
    assert p[0, 1] > 100 * p[0, 2] and np.all(p[1] > 0)  # flat channel: floored, no -inf


def test_indices_have_the_literature_sign_and_are_z_scored_on_the_session(rng):
    loaded = index_model(CYTON, FS)
    clf = make_classifier(loaded.model, loaded.meta.signal, loaded.meta.targets)
    assert isinstance(clf, BandIndexClassifier) and clf.adaptation == (0, 30)
    for _ in range(20):  # a baseline with symmetric alpha, little beta
        out = clf(_window(rng))
    base = out.indices
    assert abs(base.values["valence"]) < 3 and base.pair == "Fp1/Fp2"
    assert abs(base.raw["frontal_alpha_asymmetry"]) < 0.2
    right = clf(_window(rng, alpha_right=20.0)).indices  # less right-frontal activity
    assert right.raw["frontal_alpha_asymmetry"] > 1.0 and right.values["valence"] > 3
    aroused = clf(_window(rng, beta=12.0)).indices
    assert aroused.values["arousal"] > 3 > base.values["arousal"]
    assert aroused.baseline == (22, 30)
    out = clf(_window(rng))
    assert out.probabilities == {} and out.level_map.shape == (8, 4, 23)
    assert np.isfinite(out.level_map).all() and clf.level_labels[1].startswith("log10 alpha")
    clf.reset()
    assert clf(_window(rng)).level_map.shape == (8, 4, 1)
    assert clf.adaptation == (24, 30)  # the baseline carries over a gap


def test_index_estimates_are_marked_in_json(rng):
    clf = BandIndexClassifier(BandIndexModel("Fp1", "Fp2"), index_model(CYTON, FS).meta.signal)
    out = clf(_window(rng))
    est = Estimate(index=3, time=12.5, latency_ms=2.0, probabilities=out.probabilities,
                   level_map=out.level_map, indices=out.indices)
    line = json.loads(json.dumps(est.to_json_dict()))
    assert line["type"] == "index" and line["uncalibrated"] is True
    assert line["note"] == INDEX_NOTE and "probabilities" not in line
    assert set(line["indices"]) == {"valence", "arousal"} and line["pair"] == "Fp1/Fp2"
    assert set(line["raw"]) == {"frontal_alpha_asymmetry", "beta_alpha_ratio"}
    assert line["baseline_windows"] == 1 and line["baseline_warmup"] == 30
