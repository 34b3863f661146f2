"""DEAP reader: round trip of synthetic files, laziness, detection and bad input."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import DEAP
from eeg_emotion.offline.datasets import deap
from eeg_emotion.offline.datasets.readers import detect_kind, load_trial_file, open_dataset


def _read(path: Path) -> dict:
    with path.open("rb") as f:
        return pickle.load(f, encoding="latin1")


def test_round_trip_shapes_labels_channels(deap_dir, deap_index):
    assert deap_index.kind == "deap"
    assert deap_index.sfreq == 128.0
    assert deap_index.channels == list(DEAP)
    assert deap_index.baseline_s == 3.0
    assert deap_index.subjects() == ["s01", "s02", "s03"]
    assert deap_index.sessions() == [1]
    assert len(deap_index.trials) == 12
    raw = _read(deap_dir / "s02.dat")
    assert raw["data"].shape == (4, 40, 11 * 128)
    ref = deap_index.trials[4 + 2]  # s02, trial 3
    assert (ref.subject, ref.trial, ref.n_times) == ("s02", 3, 11 * 128)
    assert ref.labels == dict(zip(deap.LABEL_KEYS, raw["labels"][2].tolist(), strict=True))
    x = deap_index.load(ref)
    assert x.dtype == np.float32 and x.shape == (32, 11 * 128)
    np.testing.assert_allclose(x, raw["data"][2, :32], rtol=1e-6)
    assert deap_index.label_keys() == ["valence", "arousal", "dominance", "liking"]


def test_synthetic_file_format_is_published_format(deap_dir):
    raw = _read(deap_dir / "s01.dat")
    assert set(raw) == {"data", "labels"}
    assert raw["labels"].shape == (4, 4)
    assert ((raw["labels"] >= 1) & (raw["labels"] <= 9)).all()
    blob = (deap_dir / "s01.dat").read_bytes()
    assert blob[:2] == b"\x80\x02"  # pickle protocol 2
    # arrays refer to numpy.core (as DEAP's files do), loadable by numpy 1.x and 2.x
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in blob and b"numpy._core" not in blob


def test_loading_is_lazy_and_cached_per_file(deap_index, monkeypatch):
    calls = []
    real = pickle.load
    monkeypatch.setattr(pickle, "load", lambda *a, **k: calls.append(1) or real(*a, **k))
    deap._read_cached.cache_clear()
    for ref in deap_index.trials[:4]:  # the four trials of s01: one file read
        deap_index.load(ref)
    assert len(calls) == 1
    deap_index.load(deap_index.trials[4])
    assert len(calls) == 2


def test_parent_folder_and_mat_variant(tmp_path, deap_dir):
    shutil.copytree(deap_dir, tmp_path / "data_preprocessed_python")
    assert detect_kind(tmp_path) == "deap"
    assert len(open_dataset(tmp_path).trials) == 12
    mat_dir = tmp_path / "mat"
    mat_dir.mkdir()
    raw = _read(deap_dir / "s01.dat")
    scipy.io.savemat(mat_dir / "s01.mat", raw)
    index = open_dataset(mat_dir, kind="deap")
    assert len(index.trials) == 4
    np.testing.assert_allclose(index.load(index.trials[1]), raw["data"][1, :32], rtol=1e-6)
    tf = load_trial_file(mat_dir / "s01.mat")
    assert tf.kind == "deap" and len(tf.trials) == 4


def test_single_file_is_a_one_subject_dataset(deap_dir):
    index = open_dataset(deap_dir / "s02.dat")
    assert index.subjects() == ["s02"] and len(index.trials) == 4


def test_load_trial_file_dat(deap_dir):
    tf = load_trial_file(deap_dir / "s03.dat")
    assert (tf.kind, tf.sfreq, tf.channels, tf.units) == ("deap", 128.0, list(DEAP),
                                                          "microvolts")
    assert tf.baseline_s == 3.0
    assert len(tf.trials) == 4 and tf.trials[0].shape == (32, 11 * 128)
    assert set(tf.labels[0]) == {"valence", "arousal", "dominance", "liking"}


def test_demo_recording_is_deap(demo_dat):
    tf = load_trial_file(demo_dat)
    assert len(tf.trials) == 2 and tf.trials[1].shape == (32, 9 * 128)


# ---------------------------------------------------------------- bad input

def _write(path: Path, obj) -> Path:
    with path.open("wb") as f:
        pickle.dump(obj, f, protocol=2)
    return path


def _good(n_trials=2, n_rows=40, n_times=500) -> dict:
    rng = np.random.default_rng(0)
    return {"data": rng.standard_normal((n_trials, n_rows, n_times)),
            "labels": rng.uniform(1, 9, (n_trials, 4))}


def test_missing_folder():
    with pytest.raises(DataFormatError, match="does not exist"):
        open_dataset("/nonexistent/deap")


def test_folder_without_files(tmp_path):
    with pytest.raises(DataFormatError, match="does not look like DEAP"):
        open_dataset(tmp_path)
    with pytest.raises(DataFormatError, match=r"no DEAP subject files"):
        open_dataset(tmp_path, kind="deap")


def test_misnamed_file(tmp_path):
    _write(tmp_path / "s01.dat", _good())
    _write(tmp_path / "subject2.dat", _good())
    with pytest.raises(DataFormatError, match=r"subject2\.dat") as err:
        open_dataset(tmp_path)
    assert "sNN.dat" in err.value.fix


def test_corrupt_pickle(tmp_path):
    (tmp_path / "s01.dat").write_bytes(b"\x80\x02not a pickle at all")
    with pytest.raises(DataFormatError, match=r"s01.dat is not a readable DEAP pickle"):
        open_dataset(tmp_path)


def test_wrong_channel_count(tmp_path):
    _write(tmp_path / "s01.dat", _good(n_rows=30))
    with pytest.raises(DataFormatError, match=r"s01.dat: 'data' has 30 channels; expected 40"):
        open_dataset(tmp_path)


def test_wrong_dimensions_and_keys(tmp_path):
    _write(tmp_path / "s01.dat", {"data": np.zeros((40, 500)), "labels": np.zeros((1, 4))})
    with pytest.raises(DataFormatError, match=r"'data' has shape \(40, 500\)"):
        open_dataset(tmp_path)
    _write(tmp_path / "s01.dat", {"eeg": np.zeros((1, 40, 5))})
    with pytest.raises(DataFormatError, match="expected a dict with 'data' and 'labels'"):
        open_dataset(tmp_path)


def test_label_columns_and_trial_counts(tmp_path):
    bad = _good()
    bad["labels"] = bad["labels"][:, :3]
    _write(tmp_path / "s01.dat", bad)
    with pytest.raises(DataFormatError, match=r"'labels' has shape \(2, 3\)"):
        open_dataset(tmp_path)
    bad = _good()
    bad["labels"] = bad["labels"][:1]
    _write(tmp_path / "s01.dat", bad)
    with pytest.raises(DataFormatError, match="2 trials in 'data' but 1 rows in 'labels'"):
        open_dataset(tmp_path)


def test_nan_trial_is_refused(tmp_path):
    bad = _good()
    bad["data"][1, 3, 10] = np.nan
    _write(tmp_path / "s01.dat", bad)
    with pytest.raises(DataFormatError, match=r"trial\(s\) 2 contain NaN"):
        open_dataset(tmp_path)


def test_mat_without_variables(tmp_path):
    scipy.io.savemat(tmp_path / "s01.mat", {"foo": np.zeros(3)})
    with pytest.raises(DataFormatError, match="no 'data' and 'labels' variables"):
        open_dataset(tmp_path, kind="deap")

