"""LabRecorder XDF files read with pyxdf: streams, channel meta-data, the EEG stream chosen."""

from __future__ import annotations

import numpy as np
import pytest

from eeg_emotion.errors import DataFormatError
from eeg_emotion.xdf_files import read_xdf


def test_streams_labels_units_and_the_eeg_stream(tmp_path, write_xdf):
    n = 512
    x = np.random.default_rng(0).normal(0, 10, (5, n))
    path = write_xdf(tmp_path / "rec.xdf", [
        dict(name="Muse", type="PPG", source_id="MuseX", sfreq=64, fmt="float32",
             channels=[{"label": f"PPG{i}", "unit": "mmHg", "type": "PPG"} for i in (1, 2, 3)],
             data=np.zeros((3, 128)), timestamps=100 + np.arange(128) / 64),
        dict(name="Muse", type="EEG", source_id="MuseX", sfreq=256, fmt="float32",
             manufacturer="Muse",
             channels=[{"label": lab, "unit": "microvolts", "type": "EEG"}
                       for lab in ("TP9", "AF7", "AF8", "TP10", "Right AUX")],
             data=x, timestamps=100 + np.arange(n) / 256),
        dict(name="Markers", type="Markers", source_id="mk", sfreq=0, fmt="string",
             channels=[{"label": "marker"}], data=["a", "b"], timestamps=[100.5, 101.0])])
    xdf = read_xdf(path)
    (eeg,) = xdf.eeg()
    assert (eeg.name, eeg.type, eeg.source_id, eeg.manufacturer) == ("Muse", "EEG", "MuseX",
                                                                     "Muse")
    assert eeg.labels[-1] == "Right AUX" and eeg.eeg_rows == [0, 1, 2, 3]
    assert eeg.data.shape == (5, n) and np.allclose(eeg.data, x.astype(np.float32))
    assert eeg.timestamps[1] - eeg.timestamps[0] == pytest.approx(1 / 256)
    (markers,) = xdf.markers()
    assert markers.data == [["a"], ["b"]]


def test_not_an_xdf_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.xdf"
    bad.write_bytes(b"nope")
    with pytest.raises(DataFormatError, match="not a readable XDF file"):
        read_xdf(bad)
    with pytest.raises(DataFormatError, match="does not exist"):
        read_xdf(tmp_path / "none.xdf")
