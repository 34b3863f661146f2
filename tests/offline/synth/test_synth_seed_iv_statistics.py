"""The synthetic SEED-IV feature files reproduce the real de_LDS statistics (DATASETS.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.io

from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.datasets.seed_iv import load_seed_iv_features
from eeg_emotion.offline.synth.seed_iv import write_synthetic_seed_iv
from eeg_emotion.offline.synth.seed_iv_latent import REAL_STATISTICS, feature_statistics
from eeg_emotion.offline.training.run_data import session_keys

#: Tolerance of each statistic on 3 subjects (the sizes of the real ones vary as much).
TOLERANCE = {"within_trial_sd_ratio": (0.06, 0.11), "within_trial_lag1_autocorr": (0.9, 0.98),
             "class_spread_ratio": (0.35, 0.65), "session_offset_de": (0.4, 1.1),
             "subject_session_band_mean_sd": (0.5, 1.4), "trial_windows_median": (30, 42)}


def _measure(root):
    table = load_seed_iv_features(root, "de_LDS")
    keys = session_keys(table.subject, table.session)
    return feature_statistics(np.asarray(table.X), np.asarray(table.trial_id), keys,
                              np.asarray(table.subject), np.asarray(table.labels["emotion"]))


def test_latent_features_have_the_real_statistics(seed_iv_latent_dir):
    measured = _measure(seed_iv_latent_dir)
    assert set(measured) == set(REAL_STATISTICS)
    for name, (low, high) in TOLERANCE.items():
        assert low <= measured[name] <= high, (name, measured[name], REAL_STATISTICS[name])
    marker = json.loads((seed_iv_latent_dir / "synthetic.json").read_text())
    assert marker["feature_model"] == "latent" and marker["real_statistics"] == REAL_STATISTICS
    for name, value in measured.items():  # synthetic.json says what the files hold
        assert marker["statistics"][name] == pytest.approx(value, abs=1e-3), name
    assert not (seed_iv_latent_dir / "eeg_raw_data").exists()


def test_features_of_the_raw_signal_are_far_too_smooth(seed_iv_dir):
    """Why the latent model exists: the raw path's features barely move within a trial."""
    measured = _measure(seed_iv_dir)
    assert measured["within_trial_sd_ratio"] < 0.3 * REAL_STATISTICS["within_trial_sd_ratio"]


def test_latent_and_raw_files_share_trial_lengths(tmp_path):
    write_synthetic_seed_iv(tmp_path, subjects=1, trials=3, sessions=1, seed=2,
                            real_lengths=True)
    raw = load_seed_iv_features(tmp_path, "de_movingAve")
    counts = np.bincount(np.asarray(raw.trial_id) - np.min(raw.trial_id))
    assert all(10 <= n <= 64 for n in counts)
    raw_file = next((tmp_path / "eeg_raw_data" / "1").glob("*.mat"))
    lengths = sorted(v.shape[1] // 800 for k, v in scipy.io.loadmat(raw_file).items()
                     if "_eeg" in k)
    assert lengths == sorted(counts.tolist())


def test_no_raw_needs_latent_features(tmp_path):
    with pytest.raises(ConfigError, match="--no-raw"):
        write_synthetic_seed_iv(tmp_path, subjects=1, raw=False, feature_model="raw")
    with pytest.raises(ConfigError, match="--feature-model latent"):
        write_synthetic_seed_iv(tmp_path, subjects=1, feature_model="smooth")
