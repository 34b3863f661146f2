"""``eeg-emotion export``: recording -> FIF / EDF, read back with MNE; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import mne
import numpy as np
import pytest

from eeg_emotion.cli import main
from eeg_emotion.errors import ConfigError
from eeg_emotion.offline.export import export_recording, marker_description
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo

SFREQ = 128.0
CHANNELS = ("Fp1", "Fp2", "Cz", "O1")


def _make_recording(path: Path, rng: np.random.Generator, gap: bool = False) -> np.ndarray:
    """Two seconds of ~50 µV noise with two replay markers; returns the data (µV)."""
    n = 256
    data = rng.normal(0.0, 50.0, size=(len(CHANNELS), n))
    stamps = 1000.0 + np.arange(n) / SFREQ
    if gap:
        stamps[200:] += 0.5  # a lost connection after sample 199
    info = SourceInfo(name="rec", kind="lsl", channels=CHANNELS, sfreq=SFREQ)
    with Recorder(path, info) as rec:
        rec.write_samples(Chunk(data[:, :100], stamps[:100]))
        rec.write_samples(Chunk(data[:, 100:], stamps[100:]))
        rec.write_marker(stamps[10], json.dumps({"event": "trial_start", "trial": 3,
                                                 "labels": {"valence": 7.1}}))
        rec.write_marker(stamps[150], "button")
        rec.write_marker(stamps[220], "late")
    return data.astype(np.float32).astype(np.float64)


def test_fif_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    data = _make_recording(tmp_path / "a.rec", rng)
    out = export_recording(tmp_path / "a.rec", tmp_path / "a_raw.fif")
    raw = mne.io.read_raw_fif(out, preload=True, verbose="error")
    assert raw.ch_names == list(CHANNELS)
    assert raw.info["sfreq"] == SFREQ
    assert set(raw.get_channel_types()) == {"eeg"}
    np.testing.assert_allclose(raw.get_data(), data * 1e-6, rtol=1e-6, atol=1e-12)
    ann = list(zip(raw.annotations.description, raw.annotations.onset, strict=True))
    assert ("trial_start trial 3 valence=7.1", pytest.approx(10 / SFREQ, abs=1e-6)) in ann
    assert ("button", pytest.approx(150 / SFREQ, abs=1e-6)) in ann


def test_edf_round_trip_within_edf_precision(tmp_path: Path, rng: np.random.Generator) -> None:
    data = _make_recording(tmp_path / "b.rec", rng)
    out = export_recording(tmp_path / "b.rec", tmp_path / "b.edf")
    raw = mne.io.read_raw_edf(out, preload=True, verbose="error")
    assert raw.ch_names == list(CHANNELS)
    assert raw.info["sfreq"] == SFREQ
    got = raw.get_data()[:, :data.shape[1]]
    # EDF stores 16-bit integers over each channel's range: ~range / 65535 per step.
    step = (data.max() - data.min()) * 1e-6 / 65535
    np.testing.assert_allclose(got, data * 1e-6, atol=2 * step)
    desc = list(raw.annotations.description)
    assert "trial_start trial 3 valence=7.1" in desc and "button" in desc


def test_gaps_become_annotations(tmp_path: Path, rng: np.random.Generator) -> None:
    _make_recording(tmp_path / "g.rec", rng, gap=True)
    out = export_recording(tmp_path / "g.rec", tmp_path / "g_raw.fif")
    raw = mne.io.read_raw_fif(out, verbose="error")
    gaps = [(o, t) for o, t in zip(raw.annotations.onset, raw.annotations.description,
                                   strict=True) if t.startswith("gap")]
    assert gaps == [(pytest.approx(200 / SFREQ, abs=1e-6), "gap 0.500 s")]
    # Markers stay on the sample they mark, before and after the gap.
    ann = dict(zip(raw.annotations.description, raw.annotations.onset, strict=True))
    assert ann["button"] == pytest.approx(150 / SFREQ, abs=1e-6)
    assert ann["late"] == pytest.approx(220 / SFREQ, abs=1e-6)


def test_cli_exports_and_reports_bad_input(tmp_path: Path, rng: np.random.Generator,
                                           capsys: pytest.CaptureFixture) -> None:
    _make_recording(tmp_path / "c.rec", rng)
    out = tmp_path / "c.edf"
    assert main(["export", str(tmp_path / "c.rec"), "--to", str(out)]) == 0
    assert out.is_file()
    # existing output without --overwrite
    assert main(["export", str(tmp_path / "c.rec"), "--to", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "c.rec"), "--to", str(out), "--overwrite"]) == 0
    # unknown extension, and an extension that contradicts --format
    assert main(["export", str(tmp_path / "c.rec"), "--to", str(tmp_path / "c.xyz")]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "c.rec"), "--to", str(tmp_path / "c.edf"),
                 "--format", "fif", "--overwrite"]) == 2
    assert ".fif" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "c.rec"), "--to", str(tmp_path / "c_raw.fif.gz"),
                 "--format", "fif"]) == 0
    # not a recording folder
    assert main(["export", str(tmp_path), "--to", str(tmp_path / "d.fif")]) == 2
    assert "not a recording folder" in capsys.readouterr().err


def test_unknown_format_and_empty_recording(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="format"):
        export_recording(tmp_path, tmp_path / "x.fif", fmt="csv")
    info = SourceInfo(name="e", kind="lsl", channels=CHANNELS, sfreq=SFREQ)
    Recorder(tmp_path / "empty.rec", info).close()
    with pytest.raises(Exception, match="no samples"):
        export_recording(tmp_path / "empty.rec", tmp_path / "e_raw.fif")


def test_a_fif_name_mne_would_warn_about_is_written_with_a_warning(
        tmp_path: Path, rng: np.random.Generator, caplog: pytest.LogCaptureFixture) -> None:
    _make_recording(tmp_path / "n.rec", rng)
    out = export_recording(tmp_path / "n.rec", tmp_path / "session.fif")
    assert out == tmp_path / "session.fif" and out.is_file()
    assert "session_raw.fif" in caplog.text and "MNE's naming" in caplog.text
    caplog.clear()
    export_recording(tmp_path / "n.rec", tmp_path / "session_raw.fif")
    export_recording(tmp_path / "n.rec", tmp_path / "sub-01_eeg.fif")
    assert "MNE's naming" not in caplog.text


def test_an_unwritable_output_folder_is_named(tmp_path: Path, rng: np.random.Generator,
                                              unwritable: Path, capsys) -> None:
    _make_recording(tmp_path / "u.rec", rng)
    assert main(["export", str(tmp_path / "u.rec"), "--to",
                 str(unwritable / "out" / "u_raw.fif")]) == 2
    err = capsys.readouterr().err
    assert f"cannot write to the folder of --to {unwritable / 'out'}" in err
    assert "fix:" in err and "Traceback" not in err


def test_marker_description() -> None:
    # a replay's marker keeps the trial's labels, as MNE users expect in annotations
    assert marker_description('{"event": "trial_start", "trial": 2, "labels": '
                              '{"valence": 7.0, "arousal": 3.0}}') == \
        "trial_start trial 2 valence=7 arousal=3"
    assert marker_description('{"event": "rating", "block": 0, "labels": {"valence": 8.0, '
                              '"arousal": 2.0, "dominance": 5.0}}') == \
        "rating block 0 valence=8 arousal=2 dominance=5"
    assert marker_description('{"event": "trial_end", "trial": 0}') == "trial_end trial 0"
    assert marker_description('{"event": "baseline_end"}') == "baseline_end"
    assert marker_description("stim 5") == "stim 5"
    assert marker_description("[1, 2]") == "[1, 2]"
