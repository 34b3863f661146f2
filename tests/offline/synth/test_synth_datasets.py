"""Synthetic datasets: published formats, determinism, and a real emotion structure."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import scipy.io

from eeg_emotion.cli import main
from eeg_emotion.errors import ConfigError
from eeg_emotion.features import band_variance
from eeg_emotion.filters import FilterSpec
from eeg_emotion.offline.datasets.readers import open_dataset
from eeg_emotion.offline.datasets.seed_iv import SEED_IV_LABELS
from eeg_emotion.offline.preprocess import contract_for, prepare_windows
from eeg_emotion.offline.synth.deap import synth_deap_subject, write_synthetic_deap
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv
from eeg_emotion.offline.train_config import FilterSection, PreprocessSection

RIGHT_FRONTAL = ("Fp2", "AF4", "F4", "F8", "FC6", "FC2")
LEFT_FRONTAL = ("Fp1", "AF3", "F3", "F7", "FC5", "FC1")
SHORT_FIR = FilterSpec(4.0, 45.0, numtaps=65)  # same band, cheaper than the default length


def _windows(index, window_s: float):
    """Short-FIR, z-scored windows, as a model sees them."""
    section = PreprocessSection(filter=FilterSection(**SHORT_FIR.to_dict()), window_s=window_s,
                                baseline="none", standardize="window")
    return prepare_windows(index, contract_for(index, section), progress=False, cache=False)


@pytest.fixture(scope="module")
def deap_windows(tmp_path_factory):
    """6 subjects x 12 trials, preprocessed as a model sees them (filter + z-score)."""
    out = tmp_path_factory.mktemp("deap_struct")
    write_synthetic_deap(out, subjects=6, trials=12, seconds=8.0, seed=3)
    index = open_dataset(out)
    ws = _windows(index, 2.0)
    return index, ws


def _per_trial(ws, values):
    return np.array([values[ws.trial_id == t].mean() for t in np.unique(ws.trial_id)])


def _auc(score, positive):
    """Probability that a random positive scores above a random negative."""
    pos, neg = score[positive], score[~positive]
    return float((pos[:, None] > neg[None, :]).mean())


def test_deap_structure_survives_filter_and_zscore(deap_windows):
    index, ws = deap_windows
    logp = np.log(band_variance(ws.X, 128.0))  # (n, 32, 5): delta..gamma
    ch = index.channels
    right = [ch.index(c) for c in RIGHT_FRONTAL]
    left = [ch.index(c) for c in LEFT_FRONTAL]
    asym = _per_trial(ws, logp[:, right, 2].mean(1) - logp[:, left, 2].mean(1))
    beta_alpha = _per_trial(ws, (logp[:, :, 3] - logp[:, :, 2]).mean(1))
    theta = _per_trial(ws, logp[:, [ch.index(c) for c in ("Fz", "Cz", "C3", "C4")], 1].mean(1))
    lab = {k: np.array([t.labels[k] for t in index.trials])
           for k in ("valence", "arousal", "dominance")}
    # each signature separates its own scale (one feature, pooled over subjects) ...
    assert _auc(asym, lab["valence"] > 5) > 0.75
    assert _auc(beta_alpha, lab["arousal"] > 5) > 0.75
    assert _auc(theta, lab["dominance"] > 5) > 0.7
    # ... and not a scale it does not encode, and single trials stay ambiguous
    assert 0.3 < _auc(asym, lab["arousal"] > 5) < 0.7
    assert _auc(asym, lab["valence"] > 5) < 0.995


def test_deap_ratings_balanced_and_exercise_the_threshold():
    rng = np.random.default_rng(5)
    labels = np.concatenate([synth_deap_subject(rng, 40, 1.0)[1] for _ in range(4)])
    assert labels.min() >= 1 and labels.max() <= 9
    for j in range(3):
        high = (labels[:, j] > 5).mean()
        assert 0.35 < high < 0.65
    assert (labels == 5.0).any()


def test_full_size_dimensions():
    data, labels = synth_deap_subject(np.random.default_rng(0), 1, 60.0)
    assert data.shape == (1, 40, 8064) and labels.shape == (1, 4)


def test_marker_says_synthetic(deap_dir, seed_iv_dir, demo_dat):
    for folder, kind in ((deap_dir, "deap"), (seed_iv_dir, "seed-iv"), (demo_dat.parent, "deap")):
        info = json.loads((folder / "synthetic.json").read_text())
        assert info["format"] == kind and info["generator"] == "eeg-emotion synth"


def test_deterministic_by_seed(tmp_path):
    a = write_synthetic_deap(tmp_path / "a", subjects=1, trials=2, seconds=2.0, seed=4)
    b = write_synthetic_deap(tmp_path / "b", subjects=1, trials=2, seconds=2.0, seed=4)
    c = write_synthetic_deap(tmp_path / "c", subjects=1, trials=2, seconds=2.0, seed=5)
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[0].read_bytes() != c[0].read_bytes()


def test_seed_iv_format(seed_iv_dir):
    raw = sorted((seed_iv_dir / "eeg_raw_data").rglob("*.mat"))
    feat = sorted((seed_iv_dir / "eeg_feature_smooth").rglob("*.mat"))
    assert len(raw) == len(feat) == 2 * 3
    assert sorted({p.parent.name for p in raw}) == ["1", "2", "3"]
    info = scipy.io.whosmat(raw[0])
    assert all(name.endswith(f"_eeg{i}") for i, (name, _, _) in enumerate(info, start=1))
    assert all(shape[0] == 62 for _, shape, _ in info)
    fnames = {name for name, _, _ in scipy.io.whosmat(feat[0])}
    assert {"de_LDS1", "de_movingAve4", "psd_LDS2", "psd_movingAve3"} <= fnames
    mat = scipy.io.loadmat(feat[0])
    n_win = info[0][1][1] // 800
    assert mat["de_LDS1"].shape == (62, n_win, 5)


def test_seed_iv_class_signatures(tmp_path):
    write_synthetic_seed_iv(tmp_path, subjects=2, trials=24, seconds=8.0, seed=3,
                            sessions=1, features=False)
    index = open_dataset(tmp_path)
    ws = _windows(index, 4.0)
    logp = np.log(band_variance(ws.X, 200.0))
    y = ws.labels["emotion"].astype(int)
    np.testing.assert_array_equal(np.unique(y), [0, 1, 2, 3])
    assert (ws.labels["emotion"][ws.trial_id == 0] == SEED_IV_LABELS[1][0]).all()
    beta_alpha = (logp[:, :, 3] - logp[:, :, 2]).mean(1)
    ch = index.channels
    tgamma = logp[:, [ch.index(c) for c in ("T7", "T8", "FT7", "FT8", "TP7", "TP8")], 4].mean(1)
    m = [beta_alpha[y == c].mean() for c in range(4)]
    assert m[2] > m[0] > m[1]  # fear > neutral > sad
    g = [tgamma[y == c].mean() for c in range(4)]
    assert g[3] > g[0] and g[2] > g[0]


def test_refuses_to_mix_with_an_older_dataset(tmp_path):
    write_synthetic_deap(tmp_path / "d", subjects=3, trials=1, seconds=1.0)
    write_synthetic_deap(tmp_path / "d", subjects=3, trials=2, seconds=1.0,
                         overwrite=True)  # same files, replacing them was asked for
    with pytest.raises(ConfigError, match=r"already holds data files .*s03\.dat"):
        write_synthetic_deap(tmp_path / "d", subjects=2, trials=1, seconds=1.0, overwrite=True)
    write_synthetic_seed_iv(tmp_path / "s", subjects=2, trials=1, seconds=4.0, sessions=1)
    with pytest.raises(ConfigError, match=r"eeg_raw_data/1/2_"):
        write_synthetic_seed_iv(tmp_path / "s", subjects=1, trials=1, seconds=4.0, sessions=1,
                                overwrite=True)


def test_seed_iv_bad_sizes(tmp_path):
    with pytest.raises(ConfigError, match="--trials 25 must be from 1 to 24"):
        write_synthetic_seed_iv(tmp_path, trials=25)
    with pytest.raises(ConfigError, match="--sessions 5 must be from 1 to 3") as err:
        write_synthetic_seed_iv(tmp_path, sessions=5)
    assert "--sessions 3" in err.value.fix  # the option at fault, not --trials
    with pytest.raises(ConfigError, match="shorter than SEED-IV's 4-s"):
        write_synthetic_seed_iv(tmp_path, seconds=2.0)
    with pytest.raises(ConfigError, match="--subjects 0 must be at least 1"):
        write_synthetic_deap(tmp_path, subjects=0)


def test_cli_synth(tmp_path, capsys):
    assert main(["synth", "deap", "--out", str(tmp_path / "d"), "--subjects", "2",
                 "--trials", "2", "--seconds", "2"]) == 0
    with (tmp_path / "d" / "s02.dat").open("rb") as f:
        assert pickle.load(f, encoding="latin1")["data"].shape == (2, 40, 5 * 128)
    assert main(["synth", "demo", "--out", str(tmp_path / "demo"), "--trials", "1",
                 "--seconds", "2"]) == 0
    assert "s01.dat" in capsys.readouterr().out
    assert main(["synth", "seed-iv", "--out", str(tmp_path / "s"), "--subjects", "1",
                 "--trials", "1", "--seconds", "4", "--sessions", "2", "--no-features"]) == 0
    assert not (tmp_path / "s" / "eeg_feature_smooth").exists()
    assert len(open_dataset(tmp_path / "s").trials) == 2
    assert main(["synth", "deap", "--out", str(tmp_path / "x"), "--seconds", "-1"]) == 2
    assert "--seconds -1 must be more than 0 seconds" in capsys.readouterr().err
    assert main(["synth", "deap", "--out", str(tmp_path / "nan"), "--seconds", "nan"]) == 2
    assert "--seconds nan is not a finite number" in capsys.readouterr().err
    assert not (tmp_path / "nan").exists()  # refused before anything is written
