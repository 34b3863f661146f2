"""`calibrate --headless --stream Muse` on a muselsl stream with its default UNIX timestamps.

muselsl stamps every sample with ``time.time()`` unless started with ``--lsltime``
(``muselsl/stream.py``), while calibration markers are on the LSL clock. Before
foreign clocks were mapped, every rated block came out empty and the session was
lost. Here the publisher is laid out exactly as ``muselsl stream -p`` publishes (an
EEG and a PPG outlet, both named ``Muse`` with one source id) and replays a real Muse
recording (``tests/data/muse``); the command must end in a saved personal model,
tagged with the Muse montage, and a plain ``live --stream Muse`` must pick it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.models.checkpoint import read_meta
from eeg_emotion.recording_files import read_recording

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _ratings(path: Path, n: int) -> Path:
    rows = ["block,valence,arousal,dominance"]
    rows += [f"{b},{8 if b % 2 else 2},{7 if b % 4 in (1, 2) else 3},5" for b in range(1, n + 1)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _cli(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eeg_emotion.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ})


def test_calibrate_on_muselsl_unix_time_ends_in_a_personal_model(tmp_path, publishers):
    # the name is muselsl's own, "Muse"; a unique address keeps this test's outlets apart
    publishers.headset("muselsl", "Muse", address=uuid.uuid4().hex[:12], ppg=True,
                       seconds=150, wait=60)
    models = tmp_path / "models"
    cal = tmp_path / "cal"
    done = _cli("calibrate", "--headless", "--stream", "Muse", "--out", str(cal),
                "--ratings", str(_ratings(tmp_path / "r.csv", 4)), "--blocks", "4",
                "--stimulus-seconds", "6", "--rest-seconds", "0.5", "--seed", "2",
                "--models-dir", str(models), "--device", "cpu", "--timeout", "20",
                timeout=240)
    err = done.stderr
    assert done.returncode == 0, err[-3000:]
    assert "UNIX time" in err and "Right AUX" in err  # said what it did
    assert "has no samples" not in err and "no rated block" not in err
    (path,) = models.glob("personal-*.pt")
    meta = read_meta(path)
    assert meta.tags["personal"] and meta.tags["montage"] == "muse"
    assert list(meta.channels) == ["TP9", "AF7", "AF8", "TP10"]  # Right AUX is no model input
    folder = CalibrationFolder.open(cal)
    assert sorted(folder.finished(1)) == [0, 1, 2, 3]
    rec = read_recording(folder.parts(1)[0])
    assert rec.channels[-1] == "Right AUX"  # the recording keeps every channel
    assert rec.meta["clock"]["offset_s"] < -1e8 and not rec.realigned
    markers = [t for t, _ in rec.markers]
    assert rec.timestamps[0] <= markers[1] <= rec.timestamps[-1]  # one clock
    out = tmp_path / "live.jsonl"
    done = _cli("live", "--stream", "Muse", "--headless", "--duration", "7", "--output",
                str(out), "--no-outlet", "--models-dir", str(models), "--timeout", "10",
                timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    assert "personal" in " ".join(lines[0]["notes"])
    assert any("probabilities" in x for x in lines)
