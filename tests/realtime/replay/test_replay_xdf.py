"""``eeg-emotion replay FILE.xdf`` republishes a LabRecorder file's EEG and marker streams.

The file holds a real Muse recording (``tests/data/muse``) as muselsl publishes it, a
PPG stream recorded beside it, and a marker stream with JSON trial markers. Replayed,
the EEG stream comes back with its recorded name, type, source id, labels and units
at its recorded pace, the markers with it; ``--name`` renames the EEG stream and puts
the markers on ``<name>-markers``, where ``live`` finds them.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np

from eeg_emotion.lsl import import_pylsl
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.realtime.sources.markers import MarkerListener, TrialTimeline

ROOT = Path(__file__).resolve().parents[3]
MUSE = ROOT / "tests" / "data" / "muse" / "muse_biopsykit_30s.csv.gz"


def muse_xdf(path: Path, write_xdf, source_id: str, seconds: float = 12.0,
             name: str = "Muse") -> Path:
    """A LabRecorder-like file of the real Muse recording, PPG and trial markers.

    ``name`` is the recorded stream name (muselsl's is "Muse"); a test that replays
    under the recorded name passes a unique one, so that a concurrent test's
    ``--stream Muse`` never takes its stream.
    """
    with gzip.open(MUSE, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", skiprows=1)
    n = int(seconds * 256)
    t = 5000.0 + np.arange(n) / 256
    labels = {"valence": 7.0, "arousal": 3.0}
    marks = [json.dumps({"event": e, "trial": 0, "labels": labels})
             for e in ("trial_start", "trial_end")]
    return write_xdf(path, [
        dict(name=name, type="PPG", source_id=source_id, sfreq=64, fmt="float32",
             channels=[{"label": f"PPG{i}", "unit": "mmHg", "type": "PPG"} for i in (1, 2, 3)],
             data=np.zeros((3, n // 4)), timestamps=5000.0 + np.arange(n // 4) / 64),
        dict(name=name, type="EEG", source_id=source_id, sfreq=256, fmt="float32",
             manufacturer="Muse",
             channels=[{"label": lab, "unit": "microvolts", "type": "EEG"}
                       for lab in ("TP9", "AF7", "AF8", "TP10", "Right AUX")],
             data=rows[:n, 1:].T, timestamps=t),
        dict(name="TrialMarkers", type="Markers", source_id=source_id + "-m", sfreq=0,
             fmt="string", channels=[{"label": "marker"}], data=marks,
             timestamps=[5001.0, 5001.0 + seconds - 2])])


def _replay(path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "eeg_emotion.cli", "replay", str(path),
                             *args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            env={**os.environ})


def test_replay_xdf_keeps_the_recorded_stream_and_name_overrides(tmp_path, write_xdf):
    sid = f"Muse00:{uuid.uuid4().hex[:8]}"
    path = muse_xdf(tmp_path / "muse.xdf", write_xdf, sid)
    name = f"xdf-{uuid.uuid4().hex[:8]}"
    proc = _replay(path, "--name", name, "--wait", "10", "--duration", "6")
    timeline = TrialTimeline()
    listener = MarkerListener(f"{name}-markers", timeline, retry_s=0.2)
    listener.start()
    src = LSLSource(name)
    try:
        info = src.open(timeout=10.0)
        assert info.source_id == sid and src._stream_info.type() == "EEG"
        assert info.channels == ("TP9", "AF7", "AF8", "TP10", "Right AUX")
        assert info.eeg_channels == ("TP9", "AF7", "AF8", "TP10") and info.montage == "muse"
        assert info.units == "microvolts" and info.sfreq == 256.0
        got, start = 0, time.monotonic()
        stamps = []
        while time.monotonic() - start < 3.0:
            chunk = src.read(0.5)
            if chunk is not None:
                got += chunk.n_samples
                stamps.append(chunk.timestamps)
        rate = got / (np.concatenate(stamps)[-1] - np.concatenate(stamps)[0])
        assert abs(rate - 256.0) < 5  # recorded spacing, real-time pace
        lag = import_pylsl().local_clock() - np.concatenate(stamps)[-1]
        assert 0 <= lag < 0.5  # stamped on the LSL clock, at real-time pace
        end = time.monotonic() + 5
        while timeline.labels_at(1e12) is None and time.monotonic() < end:
            time.sleep(0.1)
        assert timeline.labels_at(1e12) == {"valence": 7.0, "arousal": 3.0}
    finally:
        src.close()
        listener.stop()
        proc.wait(30)
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    assert "(XDF)" in err and f"markers '{name}-markers'" in err


def test_replay_xdf_uses_the_recorded_names_by_default(tmp_path, write_xdf):
    sid = f"Muse00:{uuid.uuid4().hex[:8]}"
    recorded = f"Muse-{uuid.uuid4().hex[:8]}"
    path = muse_xdf(tmp_path / "muse.xdf", write_xdf, sid, seconds=4.0, name=recorded)
    proc = _replay(path, "--wait", "10", "--duration", "2")
    src = LSLSource(sid)  # the EEG and PPG streams share the source id: EEG is taken
    try:
        info = src.open(timeout=10.0)
        assert info.name == recorded and src._stream_info.type() == "EEG"
    finally:
        src.close()
        proc.wait(30)
    assert proc.returncode == 0
