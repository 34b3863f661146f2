"""LabRecorder XDF recordings as a dataset: trials from labels.csv or marker streams.

The files hold a real Muse recording (``tests/data/muse``) as muselsl publishes it:
``Right AUX`` is recorded but is not EEG, and ``train --data`` takes the folder.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from eeg_emotion.cli import main
from eeg_emotion.errors import DataFormatError
from eeg_emotion.models.checkpoint import read_meta
from eeg_emotion.offline.datasets.readers import detect_kind, load_trial_file, open_dataset

ROOT = Path(__file__).resolve().parents[3]
MUSE = ROOT / "tests" / "data" / "muse" / "muse_biopsykit_30s.csv.gz"
LABELS = ("TP9", "AF7", "AF8", "TP10", "Right AUX")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _rows() -> np.ndarray:
    with gzip.open(MUSE, "rt") as f:
        return np.loadtxt(f, delimiter=",", skiprows=1)[:, 1:].T


def _file(path: Path, write_xdf, part: int, *, markers: bool, volts: bool = False) -> Path:
    rows = _rows()[:, part * 680:part * 680 + 7000]  # 27 s each (the two overlap)
    t = 200.0 + np.arange(rows.shape[1]) / 256
    streams = [dict(name="Muse", type="EEG", source_id="MuseX", sfreq=256,
                    fmt="double64" if volts else "float32",
                    channels=[{"label": lab, "unit": "0" if volts else "microvolts",
                               "type": "EEG"} for lab in LABELS],
                    data=rows * (1e-6 if volts else 1.0), timestamps=t)]
    if markers:
        texts, stamps = [], []
        for k in range(4):
            labels = {"valence": 8.0 if k % 2 else 2.0, "arousal": 7.0 if k < 2 else 3.0}
            for event, at in (("trial_start", 0.5 + 6.5 * k), ("trial_end", 6.5 + 6.5 * k)):
                texts.append(json.dumps({"event": event, "trial": k, "labels": labels}))
                stamps.append(200.0 + at)
        streams.append(dict(name="Trials", type="Markers", source_id="m", sfreq=0,
                            fmt="string", channels=[{"label": "m"}], data=texts,
                            timestamps=stamps))
    return write_xdf(path, streams)


def test_trials_from_marker_streams_eeg_channels_in_microvolts(tmp_path, write_xdf):
    _file(tmp_path / "alice.xdf", write_xdf, 0, markers=True)
    _file(tmp_path / "bob.xdf", write_xdf, 1, markers=True, volts=True)
    assert detect_kind(tmp_path) == "xdf"
    index = open_dataset(tmp_path)
    assert index.channels == ["TP9", "AF7", "AF8", "TP10"] and index.sfreq == 256.0
    assert len(index.trials) == 8 and index.subjects() == ["alice", "bob"]
    a = index.load(index.trials[0])
    b = index.load(index.trials[4])
    assert a.shape == (4, 1536) and 3 < a.std() < 100 and 3 < b.std() < 100  # µV both
    tf = load_trial_file(tmp_path / "alice.xdf")
    assert tf.kind == "xdf" and len(tf.trials) == 4 and tf.labels[1]["valence"] == 8.0


def test_trials_from_labels_csv(tmp_path, write_xdf):
    _file(tmp_path / "rec.xdf", write_xdf, 0, markers=False)
    (tmp_path / "labels.csv").write_text("file,onset,duration,valence\nrec.xdf,1,4,7\n"
                                         "rec.xdf,6,4,2\n")
    index = open_dataset(tmp_path, "xdf")
    assert [t.labels for t in index.trials] == [{"valence": 7.0}, {"valence": 2.0}]
    assert index.load(index.trials[1]).shape == (4, 1024)


def test_no_labels_is_a_clear_error(tmp_path, write_xdf):
    _file(tmp_path / "rec.xdf", write_xdf, 0, markers=False)
    with pytest.raises(DataFormatError, match="no labelled trials") as err:
        open_dataset(tmp_path)
    assert "labels.csv" in err.value.fix


def test_train_takes_an_xdf_folder(tmp_path, write_xdf):
    data = tmp_path / "data"
    data.mkdir()
    _file(data / "alice.xdf", write_xdf, 0, markers=True)
    _file(data / "bob.xdf", write_xdf, 1, markers=True)
    out = tmp_path / "run"
    config = tmp_path / "xdf.toml"  # the demo config, without DEAP's pre-trial baseline
    config.write_text((ROOT / "configs" / "demo_synthetic.toml").read_text().replace(
        'baseline = "subtract_mean"', 'baseline = "none"'))
    rc = main(["train", "--config", str(config), "--data", str(data), "--kind", "xdf",
               "--out", str(out), "--epochs", "1", "--quiet", "--cache-dir",
               str(tmp_path / "cache")])
    assert rc == 0
    meta = read_meta(out / "model.pt")
    assert list(meta.channels) == ["TP9", "AF7", "AF8", "TP10"] and meta.sfreq == 256.0
