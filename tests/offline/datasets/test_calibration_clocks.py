"""A calibration recorded before foreign clocks were mapped is realigned when read, not lost.

Before the fix, a muselsl stream's samples (UNIX time, ~1.6e9 s) were recorded beside
markers on the LSL clock (~5,000 s): every rated block came out empty. Such a folder
must now give its blocks back, EEG channels only (not ``Right AUX``), and a folder
whose rated blocks truly hold no samples must say why.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.errors import DataFormatError
from eeg_emotion.montages import MUSE
from eeg_emotion.offline.datasets.calibration_folders import index_calibration
from eeg_emotion.realtime.calibration.protocol import built_in_plan
from eeg_emotion.realtime.outputs.recording import Recorder
from eeg_emotion.realtime.sources.source import Chunk, SourceInfo
from eeg_emotion.recording_files import META, read_recording, realign_clock

CHANNELS = (*MUSE, "Right AUX")
SFREQ = 256.0


def _old_muse_calibration(root, *, unix: bool, shift: float = 0.0, blocks: int = 4):
    """A calibration folder as the code before the fix wrote it for a muselsl stream."""
    info = SourceInfo("Muse", "lsl", CHANNELS, SFREQ, "Muse00:55", montage="TP9,AF7,AF8,"
                      "TP10,Right AUX")
    folder = CalibrationFolder.create(root, info, built_in_plan(blocks, 2.0, 0.5, 1),
                                      {"blocks": blocks, "stimulus_s": 2.0, "rest_s": 0.5,
                                       "stimuli": "", "seed": 1,
                                       "source": ["--stream", "Muse"]})
    part = folder.new_part(1)
    rec = Recorder(part, info)
    meta = json.loads((part / META).read_text())
    lsl0 = meta["created_lsl_clock"]
    unix0 = meta["created_unix"] if unix else lsl0
    rng = np.random.default_rng(0)
    t_lsl, t_smp = lsl0 + 0.2, unix0 + 0.2 + shift
    for b in range(blocks):
        rec.write_marker(t_lsl, json.dumps({"event": "stimulus_start", "block": b}))
        n = int(2 * SFREQ)
        x = rng.normal(0, 10, (5, n)).astype(np.float32)
        x[4] = 0.0
        rec.write_samples(Chunk(x, t_smp + np.arange(n) / SFREQ))
        t_lsl += n / SFREQ
        t_smp += n / SFREQ
        rec.write_marker(t_lsl, json.dumps({"event": "stimulus_end", "block": b}))
        rec.write_marker(t_lsl + 0.05, json.dumps(
            {"event": "rating", "block": b, "labels": {"valence": 8 - 6 * (b % 2),
                                                        "arousal": 5, "dominance": 5}}))
    rec.close()
    for key in ("clock", "eeg", "channel_types", "channel_scales"):  # not written before
        meta.pop(key, None)
    (part / META).write_text(json.dumps(meta))
    return folder


def test_an_old_unix_time_calibration_is_realigned_and_read(tmp_path, caplog):
    folder = _old_muse_calibration(tmp_path / "cal", unix=True)
    rec = read_recording(folder.parts(1)[0])
    assert "UNIX time" in rec.realigned
    with caplog.at_level("WARNING"):
        index = index_calibration(tmp_path / "cal")
    assert "realigned" in caplog.text
    assert index.channels == list(MUSE)  # Right AUX is recorded, not EEG
    assert len(index.trials) == 4 and all(t.n_times >= 500 for t in index.trials)
    x = index.load(index.trials[0])
    assert x.shape[0] == 4 and x.std() > 5


def test_samples_on_another_clock_without_unix_time_align_first_sample_to_first_marker():
    stamps = 123_456_789.0 + np.arange(10) / 100.0
    markers = [(5000.0, "a"), (5000.05, "b")]
    out, how = realign_clock(stamps, markers, {"created_lsl_clock": 4999.0,
                                               "created_unix": time.time()})
    assert out[0] == pytest.approx(5000.0) and "first marker" in how
    same, how = realign_clock(stamps - 123_451_789.0, markers, {"created_lsl_clock": 4999.0})
    assert how == "" and same[0] == pytest.approx(5000.0)
    mapped, how = realign_clock(stamps, markers, {"created_lsl_clock": 4999.0,
                                                  "clock": {"lsl_clock": True}})
    assert how == "" and mapped is stamps  # written after live mapping: left alone


def test_rated_blocks_without_samples_say_why_and_what_to_do(tmp_path):
    # samples an hour after the blocks on the same clock: the stream started too late
    _old_muse_calibration(tmp_path / "cal", unix=False, shift=3600.0)
    with pytest.raises(DataFormatError) as err:
        index_calibration(tmp_path / "cal")
    problem, fix = err.value.problem, err.value.fix
    assert "4 rated block(s), but none holds samples" in problem
    assert "the stream started after it" in problem
    assert "--resume" not in fix
    assert f"eeg-emotion calibrate --add --out {tmp_path / 'cal'} --stream Muse" in fix
