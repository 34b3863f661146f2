"""`calibrate` end to end: an OpenBCI-like stream, a scripted rater, a personal model, live.

The publisher streams a synthetic subject's trials the way OpenBCI GUI streams a
Cyton (8 unlabelled float32 channels at 250 Hz with DC offsets, chunks of 5
without timestamps) and the trials' labels on a marker stream; the rater answers
each block with the labels of the trial that ran during its stimulus.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eeg_emotion.cli import main
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.models.checkpoint import read_meta
from eeg_emotion.offline.personal import train_personal
from eeg_emotion.realtime.calibration_headless import HeadlessFrontEnd
from eeg_emotion.realtime.calibration_protocol import built_in_plan
from eeg_emotion.realtime.calibration_session import CalibrationFolder, run_session
from eeg_emotion.realtime.lsl_source import LSLSource
from eeg_emotion.realtime.markers import MarkerListener, TrialTimeline

ROOT = Path(__file__).resolve().parents[2]


class TruthRater(HeadlessFrontEnd):
    """Rates each block with the replay's labels at the middle of its stimulus."""

    def __init__(self, timeline: TrialTimeline) -> None:
        super().__init__(self._rate_from_truth)
        self.timeline = timeline
        self.mid: dict[int, float] = {}
        self.clock = import_pylsl().local_clock

    def show(self, block, phase, seconds, done, total) -> None:
        super().show(block, phase, seconds, done, total)
        if phase == "stimulus":
            self.mid[block.index] = self.clock() + seconds / 2

    def _rate_from_truth(self, block) -> dict[str, float]:
        labels = self.timeline.labels_at(self.mid[block.index])
        assert labels, f"no ground truth at block {block.index + 1}"
        return {k: labels[k] for k in ("valence", "arousal", "dominance")}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_calibrate_then_live_picks_the_personal_model(tmp_path, publishers, stream_name,
                                                      openbci_sid, capsys):
    publishers.start(stream_name, mode="openbci-emotion", trials=8, seconds=12, sfreq=250,
                     chunk=5, source_id=openbci_sid, wait=30, seed=4)
    timeline = TrialTimeline()
    listener = MarkerListener(f"{stream_name}-markers", timeline, retry_s=0.2)
    listener.start()
    source = LSLSource("OpenBCI")
    try:
        info = source.open(timeout=20)
        assert info.montage == "cyton" and "cyton" in info.montage_note
        plan = built_in_plan(8, stimulus_s=5.0, rest_s=0.5, seed=1)
        folder = CalibrationFolder.create(tmp_path / "cal", info, plan, {
            "blocks": 8, "stimulus_s": 5.0, "rest_s": 0.5, "stimuli": "", "seed": 1})
        done = run_session(folder, 1, source, TruthRater(timeline))
    finally:
        source.close()
        listener.stop()
    assert sorted(done) == list(range(8))
    result = train_personal(tmp_path / "cal", tmp_path / "models", device="cpu")
    held = result.held_out["valence"]
    assert held["accuracy"] > held["majority"], result.lines()
    meta = read_meta(result.path)
    assert meta.tags["montage"] == "cyton" and meta.tags["personal"]
    # a plain `live --stream OpenBCI` now picks the personal model, montage inferred
    out = tmp_path / "live.jsonl"
    rc = main(["live", "--stream", "OpenBCI", "--headless", "--duration", "8", "--output",
               str(out), "--no-outlet", "--models-dir", str(tmp_path / "models"),
               "--timeout", "10"])
    assert rc == 0
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    notes = " ".join(lines[0]["notes"])
    assert "personal" in notes and "cyton" in notes, notes
    estimates = [x for x in lines if "probabilities" in x]
    assert estimates and set(estimates[0]["probabilities"]) == set(result.held_out)
    print("\n".join(result.lines()), file=sys.stderr)


def _ratings_csv(path: Path, n: int) -> Path:
    rows = ["block,valence,arousal,dominance"]
    rows += [f"{b},{8 if b % 2 else 2},{3 if b % 3 else 7},5" for b in range(1, n + 1)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _calibrate(tmp_path: Path, stream: str, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "eeg_emotion.cli", "calibrate", "--headless", "--stream",
           stream, "--montage", "cyton", "--out", str(tmp_path / "cal"), "--ratings",
           str(_ratings_csv(tmp_path / "ratings.csv", 4)), "--blocks", "4",
           "--stimulus-seconds", "2", "--rest-seconds", "0.5", "--seed", "3", "--no-train",
           "--timeout", "15", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ})


def test_resume_after_kill_9_keeps_the_finished_blocks(tmp_path, publishers, stream_name):
    publishers.start(stream_name, mode="openbci", channels=8, sfreq=250, seconds=60, chunk=5,
                     wait=20)
    proc = _calibrate(tmp_path, stream_name)
    end = time.monotonic() + 40
    folder = None
    while time.monotonic() < end:
        if (tmp_path / "cal" / "calibration.json").is_file():
            folder = CalibrationFolder.open(tmp_path / "cal")
            if len(folder.finished(1)) >= 1:
                break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert folder is not None
    kept = folder.finished(1)
    assert 1 <= len(kept) < 4
    again = _calibrate(tmp_path, stream_name, "--resume")
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert f"{4 - len(kept)} block(s) to run" in err
    finished = CalibrationFolder.open(tmp_path / "cal").finished(1)
    assert sorted(finished) == [0, 1, 2, 3]
    assert {b: finished[b] for b in kept} == kept  # the first run's ratings stay
    assert len(folder.parts(1)) == 2  # the killed part is kept, the rest in a new part


def test_bad_input_is_refused_before_anything_is_recorded(tmp_path, capsys):
    stimuli = tmp_path / "stimuli"
    stimuli.mkdir()
    (stimuli / "calm.png").write_bytes(b"\x89PNG....")
    (stimuli / "broken.wav").write_bytes(b"")  # cannot be played: nothing in it
    (stimuli / "stimuli.csv").write_text("file,seconds,category\ncalm.png,5,relaxed\n"
                                         "missing.mp4,10,positive\nnotes.txt,3,\n"
                                         "broken.wav,4,negative\n")
    rc = main(["calibrate", "--headless", "--stream", "nothing-here", "--stimuli",
               str(stimuli), "--out", str(tmp_path / "cal"), "--timeout", "0.5"])
    err = capsys.readouterr().err
    assert rc == 2 and "missing.mp4 does not exist" in err and "notes.txt is not an image" in err
    assert "broken.wav is empty" in err
    ratings = _ratings_csv(tmp_path / "r.csv", 3)  # 3 rows for 4 blocks
    rc = main(["calibrate", "--headless", "--stream", "nothing-here", "--ratings",
               str(ratings), "--blocks", "4", "--out", str(tmp_path / "cal"),
               "--timeout", "0.5"])
    err = capsys.readouterr().err
    assert rc == 2 and "no ratings for block(s) 4" in err and "fix:" in err
    assert not (tmp_path / "cal").exists()
    rc = main(["calibrate", "--resume", "--stream", "x"])
    assert rc == 2 and "--resume needs --out" in capsys.readouterr().err
