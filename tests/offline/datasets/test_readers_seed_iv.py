"""SEED-IV readers: raw trials (lazy), precomputed features, detection and bad input."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import scipy.io

from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import SEED_IV
from eeg_emotion.offline.datasets import seed_iv
from eeg_emotion.offline.datasets.readers import detect_kind, load_trial_file, open_dataset
from eeg_emotion.offline.datasets.seed_iv import SEED_IV_LABELS, load_seed_iv_features


def test_index_round_trip(seed_iv_dir, seed_iv_index):
    idx = seed_iv_index
    assert detect_kind(seed_iv_dir) == "seed-iv"
    assert (idx.kind, idx.sfreq, idx.channels, idx.baseline_s) == ("seed-iv", 200.0,
                                                                   list(SEED_IV), 0.0)
    assert idx.subjects() == ["1", "2"]
    assert idx.sessions() == [1, 2, 3]
    assert len(idx.trials) == 2 * 3 * 4
    for ref in idx.trials:
        assert ref.labels == {"emotion": float(SEED_IV_LABELS[ref.session][ref.trial - 1])}
    ref = next(t for t in idx.trials if (t.subject, t.session, t.trial) == ("2", 3, 4))
    x = idx.load(ref)
    assert x.shape == (62, ref.n_times) and x.dtype == np.float32
    np.testing.assert_array_equal(x, scipy.io.loadmat(ref.file)[ref.key])
    assert 0.8 * 8 * 200 <= ref.n_times <= 1.2 * 8 * 200
    assert idx.label_keys() == ["emotion"]


def test_raw_folder_itself_and_lazy_reads(seed_iv_dir, monkeypatch):
    idx = open_dataset(seed_iv_dir / "eeg_raw_data", kind="seed-iv")
    assert len(idx.trials) == 24
    requested = []
    real = scipy.io.loadmat
    monkeypatch.setattr(scipy.io, "loadmat",
                        lambda f, **k: requested.append(k.get("variable_names")) or real(f, **k))
    idx.load(idx.trials[3])
    assert requested == [[idx.trials[3].key]]  # one variable, not the whole file


def test_features(seed_iv_dir, seed_iv_index):
    table = load_seed_iv_features(seed_iv_dir, "de_LDS")
    assert table.available == ["de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve"]
    n_win = [t.n_times // 800 for t in seed_iv_index.trials]
    assert table.X.shape == (sum(n_win), 62, 5)
    assert len(np.unique(table.trial_id)) == 24
    ref = seed_iv_index.trials[0]
    mat = scipy.io.loadmat(ref.file.parents[2] / "eeg_feature_smooth" / "1" / ref.file.name)
    rows = table.trial_id == 0
    np.testing.assert_allclose(table.X[rows], np.moveaxis(mat["de_LDS1"], 1, 0), rtol=1e-6)
    assert (table.subject[rows] == "1").all() and (table.session[rows] == 1).all()
    assert (table.labels["emotion"][rows] == SEED_IV_LABELS[1][0]).all()
    psd = load_seed_iv_features(seed_iv_dir / "eeg_feature_smooth", "psd_movingAve")
    assert psd.X.shape == table.X.shape and not np.allclose(psd.X, table.X)


def test_features_with_only_some_keys(tmp_path, seed_iv_dir):
    src = seed_iv_dir / "eeg_feature_smooth"
    for p in src.rglob("*.mat"):
        dst = tmp_path / "eeg_feature_smooth" / p.relative_to(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        mat = scipy.io.loadmat(p)
        scipy.io.savemat(dst, {k: v for k, v in mat.items() if k.startswith("de_LDS")})
    assert load_seed_iv_features(tmp_path).available == ["de_LDS"]
    with pytest.raises(DataFormatError, match=r"no psd_LDS<n> variables \(feature kinds "
                                              r"found: de_LDS\)"):
        load_seed_iv_features(tmp_path, "psd_LDS")
    with pytest.raises(DataFormatError, match=r"has SEED-IV features .* but no raw EEG"):
        open_dataset(tmp_path)
    with pytest.raises(DataFormatError, match="feature 'de' is unknown"):
        load_seed_iv_features(tmp_path, "de")


def test_load_trial_file_seed_iv(seed_iv_index, tmp_path):
    ref = seed_iv_index.trials[5]
    tf = load_trial_file(ref.file)
    assert (tf.kind, tf.sfreq, len(tf.channels)) == ("seed-iv", 200.0, 62)
    assert len(tf.trials) == 4
    assert tf.labels[1] == {"emotion": float(SEED_IV_LABELS[ref.session][1])}
    loose = tmp_path / "loose.mat"
    shutil.copy(ref.file, loose)
    assert load_trial_file(loose).labels == [{}] * 4  # no session folder: no labels


# ---------------------------------------------------------------- bad input

def _raw(tmp_path, name="1_20160518.mat", session="1", **variables):
    folder = tmp_path / "eeg_raw_data" / session
    folder.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(folder / name, variables)
    return folder / name


def test_wrong_channel_count(tmp_path):
    _raw(tmp_path, ab_eeg1=np.zeros((60, 400), np.float32))
    with pytest.raises(DataFormatError, match=r"variable ab_eeg1 has shape \(60, 400\); "
                                              r"expected \(62 channels"):
        open_dataset(tmp_path)


def test_mat_without_trial_variables(tmp_path):
    _raw(tmp_path, something=np.zeros(3))
    with pytest.raises(DataFormatError, match=r"no trial variables named <initials>_eeg<n> "
                                              r"\(found: something\)"):
        open_dataset(tmp_path)


def test_misnamed_file_and_folder(tmp_path):
    _raw(tmp_path, name="subject1.mat", ab_eeg1=np.zeros((62, 400), np.float32))
    with pytest.raises(DataFormatError, match=r"not named <subject>_<date>\.mat: subject1\.mat"):
        open_dataset(tmp_path)
    shutil.rmtree(tmp_path / "eeg_raw_data")
    _raw(tmp_path, session="4", ab_eeg1=np.zeros((62, 400), np.float32))
    _raw(tmp_path, session="1", ab_eeg1=np.zeros((62, 400), np.float32))
    with pytest.raises(DataFormatError, match=r"eeg_raw_data/4 is not a SEED-IV session"):
        open_dataset(tmp_path)


def test_trial_number_out_of_range_and_corrupt(tmp_path):
    _raw(tmp_path, ab_eeg25=np.zeros((62, 400), np.float32))
    with pytest.raises(DataFormatError, match="names trial 25"):
        open_dataset(tmp_path)
    path = _raw(tmp_path, ab_eeg1=np.zeros((62, 400), np.float32))
    path.write_bytes(b"MATLAB 5.0 garbage" + bytes(200))
    with pytest.raises(DataFormatError, match=r"1_20160518\.mat is not a readable MATLAB file"):
        open_dataset(tmp_path, kind="seed-iv")


def test_matlab_v73_file_gets_its_own_fix(tmp_path):
    path = _raw(tmp_path, ab_eeg1=np.zeros((62, 400), np.float32))
    header = b"MATLAB 7.3 MAT-file, HDF5-based".ljust(124) + b"\x00\x02IM"
    path.write_bytes(header + bytes(512))
    with pytest.raises(DataFormatError, match=r"MATLAB v7\.3 \(HDF5\) file") as err:
        open_dataset(tmp_path)
    assert "-v7" in err.value.fix


def test_empty_session_and_missing_raw(tmp_path):
    (tmp_path / "eeg_raw_data" / "1").mkdir(parents=True)
    with pytest.raises(DataFormatError, match=r"has no \.mat files"):
        open_dataset(tmp_path, kind="seed-iv")
    with pytest.raises(DataFormatError, match="no SEED-IV eeg_raw_data folder"):
        seed_iv.index_seed_iv(tmp_path / "elsewhere")
    with pytest.raises(DataFormatError, match="no SEED-IV eeg_feature_smooth folder"):
        load_seed_iv_features(tmp_path)
