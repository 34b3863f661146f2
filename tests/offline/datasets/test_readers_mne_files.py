"""Own recordings (FIF/EDF via MNE) with a labels CSV; one-file loading for replay."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from eeg_emotion.errors import DataFormatError, MontageError
from eeg_emotion.offline.datasets.readers import detect_kind, load_trial_file, open_dataset
from eeg_emotion.offline.preprocess import contract_for, prepare_windows
from eeg_emotion.offline.train_config import PreprocessSection

CHANNELS = ["Fp1", "Fp2", "C3", "C4", "O1", "O2"]
SFREQ = 128.0


def _raw(seconds=30.0, seed=0, channels=CHANNELS, sfreq=SFREQ):
    rng = np.random.default_rng(seed)
    data = rng.normal(0.0, 20e-6, (len(channels), round(seconds * sfreq)))  # volts
    info = mne.create_info([*channels, "STI"], sfreq, ["eeg"] * len(channels) + ["stim"])
    return mne.io.RawArray(np.vstack([data, np.zeros((1, data.shape[1]))]), info,
                           verbose="error"), data


@pytest.fixture
def folder(tmp_path):
    raw_a, data_a = _raw(seed=1)
    raw_a.save(tmp_path / "alice_raw.fif", verbose="error")
    raw_b, data_b = _raw(seed=2, channels=CHANNELS[::-1])  # other order: matched by name
    raw_b.save(tmp_path / "bob_raw.fif", verbose="error")
    (tmp_path / "labels.csv").write_text(
        "file,onset,duration,subject,valence,arousal\n"
        "alice_raw.fif,1.0,10.0,alice,7.5,3.0\n"
        "alice_raw.fif,12.5,10.0,alice,2.0,6.5\n"
        "bob_raw.fif,0.0,20.0,bob,5.0,5.5\n")
    return tmp_path, data_a, data_b


def test_index_and_load(folder):
    root, data_a, data_b = folder
    assert detect_kind(root) == "mne"
    idx = open_dataset(root)
    assert (idx.kind, idx.sfreq, idx.channels, idx.baseline_s) == ("mne", SFREQ, CHANNELS, 0.0)
    assert [(t.subject, t.session, t.trial) for t in idx.trials] == [
        ("alice", 1, 1), ("alice", 1, 2), ("bob", 1, 1)]
    assert idx.trials[1].labels == {"valence": 2.0, "arousal": 6.5}
    x = idx.load(idx.trials[1])
    assert x.shape == (6, 1280) and x.dtype == np.float32
    start = round(12.5 * SFREQ)
    np.testing.assert_allclose(x, data_a[:, start:start + 1280] * 1e6, rtol=1e-5)
    y = idx.load(idx.trials[2])
    np.testing.assert_allclose(y, data_b[::-1, :2560] * 1e6, rtol=1e-5)  # reordered
    section = PreprocessSection(window_s=2.0, baseline="none", standardize="window")
    ws = prepare_windows(idx, contract_for(idx, section), progress=False, cache=False)
    assert ws.X.shape == (5 + 5 + 10, 6, 256)


def test_edf_and_defaults(tmp_path):
    raw, data = _raw(seconds=12.0)
    mne.export.export_raw(tmp_path / "rec.edf", raw, fmt="edf", verbose="error")
    (tmp_path / "labels.csv").write_text("onset,duration,emotion\n0,4,1\n5,4,3\n")
    idx = open_dataset(tmp_path, kind="mne")
    assert [(t.subject, t.trial, t.labels) for t in idx.trials] == [
        ("rec", 1, {"emotion": 1.0}), ("rec", 2, {"emotion": 3.0})]
    x = idx.load(idx.trials[1])
    np.testing.assert_allclose(x, data[:, 640:1152] * 1e6, atol=0.05)  # EDF's 16 bits


def test_load_trial_file_with_and_without_sidecar(tmp_path):
    raw, data = _raw(seconds=10.0)
    raw.save(tmp_path / "rec_raw.fif", verbose="error")
    whole = load_trial_file(tmp_path / "rec_raw.fif")
    assert (whole.kind, whole.sfreq, whole.channels) == ("mne", SFREQ, CHANNELS)
    assert len(whole.trials) == 1 and whole.labels == [{}]
    np.testing.assert_allclose(whole.trials[0], data * 1e6, rtol=1e-5)
    (tmp_path / "rec_raw.labels.csv").write_text("onset,duration,valence\n1,2,8\n4,3,2\n")
    split = load_trial_file(tmp_path / "rec_raw.fif")
    assert [t.shape for t in split.trials] == [(6, 256), (6, 384)]
    assert split.labels == [{"valence": 8.0}, {"valence": 2.0}]


# ---------------------------------------------------------------- bad input

def test_labels_csv_mismatches(folder):
    root, _, _ = folder
    csv = root / "labels.csv"
    csv.write_text("file,onset,duration,valence\nalice_raw.fif,25,10,3\n")
    with pytest.raises(DataFormatError, match=r"ends after the recording \(30.00 s\)"):
        open_dataset(root)
    csv.write_text("file,onset,duration,valence\ncarol.fif,0,10,3\n")
    with pytest.raises(DataFormatError, match=r"names carol\.fif, which is not in"):
        open_dataset(root)
    csv.write_text("file,onset,duration,valence\nalice_raw.fif,0,10,high\n")
    with pytest.raises(DataFormatError, match="line 2: column 'valence' is 'high'"):
        open_dataset(root)
    csv.write_text("file,start,valence\nalice_raw.fif,0,3\n")
    with pytest.raises(DataFormatError, match=r"lacks the column\(s\) onset, duration"):
        open_dataset(root)
    csv.write_text("onset,duration,valence\n0,10,3\n")
    with pytest.raises(DataFormatError, match="no 'file' column"):
        open_dataset(root)
    csv.write_text("file,onset,duration\nalice_raw.fif,0,10\n")
    with pytest.raises(DataFormatError, match="no label columns"):
        open_dataset(root)


def test_recordings_must_agree(folder):
    root, _, _ = folder
    other, _ = _raw(seed=3, channels=["Fp1", "Fp2", "C3", "C4", "O1", "Pz"])
    other.save(root / "bob_raw.fif", overwrite=True, verbose="error")
    with pytest.raises(MontageError, match=r"recording bob_raw\.fif lacks 1 .*: O2"):
        open_dataset(root)
    fast, _ = _raw(seed=3, sfreq=256.0)
    fast.save(root / "bob_raw.fif", overwrite=True, verbose="error")
    with pytest.raises(DataFormatError, match=r"sampled at 256\.0 Hz"):
        open_dataset(root)


def test_missing_csv_and_corrupt_recording(tmp_path):
    raw, _ = _raw()
    raw.save(tmp_path / "a_raw.fif", verbose="error")
    with pytest.raises(DataFormatError, match="does not look like DEAP"):
        open_dataset(tmp_path)
    with pytest.raises(DataFormatError, match=r"has no labels\.csv"):
        open_dataset(tmp_path, kind="mne")
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"0       garbage" * 10)
    with pytest.raises(DataFormatError, match="MNE cannot read"):
        load_trial_file(bad)


def test_unsupported_and_missing_trial_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n")
    with pytest.raises(DataFormatError, match="not supported"):
        load_trial_file(p)
    with pytest.raises(DataFormatError, match="does not exist"):
        load_trial_file(tmp_path / "s09.dat")
    with pytest.raises(DataFormatError, match="unknown"):
        open_dataset(tmp_path, kind="tuh")
