"""DEAP's original BDF recordings: trials from the Status channel, ratings from CSV."""

from __future__ import annotations

import numpy as np
import pytest

from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import DEAP
from eeg_emotion.offline.datasets.readers import detect_kind, load_trial_file, open_dataset

SFREQ = 64  # small rate keeps the files tiny; the reader takes the file's rate
PHYS = 2000.0  # µV range written


def _field(value, width: int) -> bytes:
    return str(value).encode("ascii").ljust(width)[:width]


def write_bdf(path, signals: dict[str, np.ndarray], sfreq: int) -> None:
    """A minimal BioSemi BDF writer (24-bit samples, 1-s records); µV in, Status raw."""
    names = list(signals)
    n = len(next(iter(signals.values())))
    n_rec = n // sfreq
    ns = len(names)
    head = (b"\xffBIOSEMI" + _field("X", 80) + _field("X", 80) + _field("01.01.12", 8)
            + _field("00.00.00", 8) + _field(256 * (ns + 1), 8) + _field("24BIT", 44)
            + _field(n_rec, 8) + _field(1, 8) + _field(ns, 4))
    dmin, dmax = -(2 ** 23), 2 ** 23 - 1
    status = [name == "Status" for name in names]
    cols = {
        "label": [_field(nm, 16) for nm in names],
        "transducer": [_field("", 80)] * ns,
        "dim": [_field("Boolean" if s else "uV", 8) for s in status],
        "pmin": [_field(dmin if s else -PHYS, 8) for s in status],
        "pmax": [_field(dmax if s else PHYS, 8) for s in status],
        "dmin": [_field(dmin, 8)] * ns,
        "dmax": [_field(dmax, 8)] * ns,
        "prefilter": [_field("", 80)] * ns,
        "samples": [_field(sfreq, 8)] * ns,
        "reserved": [_field("", 32)] * ns,
    }
    head += b"".join(b"".join(v) for v in cols.values())
    digital = []
    for name, s in zip(names, status, strict=True):
        x = signals[name][: n_rec * sfreq]
        d = x if s else (x + PHYS) / (2 * PHYS) * (dmax - dmin) + dmin
        digital.append(np.round(d).astype(np.int64))
    data = np.stack(digital).reshape(ns, n_rec, sfreq).transpose(1, 0, 2)  # rec, ch, samp
    raw24 = (data.astype("<i4").view(np.uint8).reshape(*data.shape, 4)[..., :3])
    path.write_bytes(head + raw24.tobytes())


def _recording(tmp_path, name="s01.bdf", n_trials=2, seed=0):
    rng = np.random.default_rng(seed)
    seconds = 4 + n_trials * 70
    n = seconds * SFREQ
    signals = {ch: rng.normal(0, 30, n) for ch in DEAP[::-1]}  # stored in another order
    signals["EXG1"] = rng.normal(0, 30, n)
    status = np.zeros(n)
    onsets = []
    for k in range(n_trials):
        fix = (2 + k * 70) * SFREQ
        status[fix:fix + 5 * SFREQ] = 3  # fixation
        status[fix + 5 * SFREQ: fix + 65 * SFREQ] = 4  # video
        onsets.append(fix + 5 * SFREQ)
    signals["Status"] = status + 2 ** 16 * 3  # high bits as BioSemi sets them
    folder = tmp_path / "data_original"
    folder.mkdir(exist_ok=True)
    write_bdf(folder / name, signals, SFREQ)
    return signals, onsets


def _ratings(tmp_path, rows):
    meta = tmp_path / "metadata_csv"
    meta.mkdir(exist_ok=True)
    lines = ["Participant_id,Trial,Experiment_id,Start_time,Valence,Arousal,Dominance,"
             "Liking,Familiarity"]
    lines += [f"{p},{t},{t},0,{v},{a},5,6,3" for p, t, v, a in rows]
    (meta / "participant_ratings.csv").write_text("\n".join(lines) + "\n")


def test_bdf_trials_and_ratings(tmp_path):
    signals, onsets = _recording(tmp_path)
    _ratings(tmp_path, [(1, 1, 7.1, 2.0), (1, 2, 3.3, 8.0)])
    assert detect_kind(tmp_path) == "deap"
    idx = open_dataset(tmp_path)
    assert (idx.kind, idx.sfreq, idx.channels, idx.baseline_s) == ("deap", SFREQ, list(DEAP),
                                                                   3.0)
    assert idx.reader == "deap-bdf"
    # --kind deap reaches the recordings' reader too (both readers are kind "deap")
    assert open_dataset(tmp_path, kind="deap").reader == "deap-bdf"
    assert [t.labels["valence"] for t in idx.trials] == [7.1, 3.3]
    assert idx.trials[1].labels == {"valence": 3.3, "arousal": 8.0, "dominance": 5.0,
                                    "liking": 6.0}
    x = idx.load(idx.trials[1])
    assert x.shape == (32, 63 * SFREQ)
    start = onsets[1] - 3 * SFREQ
    expected = np.stack([signals[ch][start:start + 63 * SFREQ] for ch in DEAP])
    np.testing.assert_allclose(x, expected, atol=PHYS / 2 ** 22)  # 24-bit steps
    tf = load_trial_file(tmp_path / "data_original" / "s01.bdf")
    assert len(tf.trials) == 2 and tf.labels[0]["arousal"] == 2.0 and tf.baseline_s == 3.0


def test_bdf_rating_mismatch_and_missing_csv(tmp_path):
    _recording(tmp_path)
    with pytest.raises(DataFormatError, match=r"no participant_ratings\.csv"):
        open_dataset(tmp_path)
    _ratings(tmp_path, [(1, 1, 7.1, 2.0)])
    with pytest.raises(DataFormatError, match=r"2 video onsets \(Status code 4\) but 1 "
                                              r"ratings for participant 1"):
        open_dataset(tmp_path / "data_original")
