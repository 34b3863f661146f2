"""`calibrate` end to end: an OpenBCI-like stream, a scripted rater, a personal model, live.

The publisher streams a synthetic subject's trials the way OpenBCI GUI streams a
Cyton (8 unlabelled float32 channels at 250 Hz with DC offsets, chunks of 5
without timestamps) and the trials' labels on a marker stream. `eeg-emotion calibrate
--headless` runs as the command does (`main`); a scripted rater reads its prompts and
answers each on its standard input with the labels of the trial that ran during that
block's stimulus, as a person would type them. The command then trains the personal
model, and a plain `live --stream OpenBCI` picks it.
"""

from __future__ import annotations

import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.cli import main
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.models.checkpoint import read_meta
from eeg_emotion.realtime.sources.markers import MarkerListener, TrialTimeline

ROOT = Path(__file__).resolve().parents[3]


#: what `calibrate --headless` prints when a block's stimulus starts, and when it asks
STIMULUS = re.compile(r"\[block (\d+), \d+ of \d+ done\] ([\d.]+) s: ")
PROMPT = re.compile(r"rate block (\d+):")
HELD_OUT = re.compile(r"^(\w+) ([\d.]+) ± [\d.]+ on held-out blocks, majority ([\d.]+)")


class _Terminal(io.TextIOBase):
    """Stands in for the terminal's stderr: keeps every line and hands each to a queue."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.queue: queue.Queue[str | None] = queue.Queue()
        self._part = ""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        self._part += text
        *done, self._part = self._part.split("\n")
        for line in done:
            self.lines.append(line)
            self.queue.put(line)
        return len(text)


def _rater(terminal: _Terminal, keyboard, timeline: TrialTimeline) -> None:
    """The scripted rater: answer each prompt with the replay's labels at the middle of
    that block's stimulus, typed on the command's standard input."""
    clock = import_pylsl().local_clock
    mids: dict[int, float] = {}
    last: dict[str, float] = {"valence": 5.0, "arousal": 5.0, "dominance": 5.0}
    while (line := terminal.queue.get()) is not None:
        # search, not match: a refused answer's re-prompt can follow on the same line
        if m := STIMULUS.search(line):
            mids[int(m[1])] = clock() + float(m[2]) / 2
        elif m := PROMPT.search(line):
            # a slow host can outlast the replay: then the last labels known stand in
            labels = timeline.labels_at(mids.get(int(m[1]), clock())) or last
            last = labels
            keyboard.write(" ".join(f"{labels.get(k, 0):.2f}" for k in
                                    ("valence", "arousal", "dominance")) + "\n")
            keyboard.flush()


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_calibrate_then_live_picks_the_personal_model(tmp_path, publishers, stream_name,
                                                      openbci_sid):
    publishers.start(stream_name, mode="openbci-emotion", trials=16, seconds=12, sfreq=250,
                     chunk=5, source_id=openbci_sid, wait=30, seed=4)
    timeline = TrialTimeline()
    listener = MarkerListener(f"{stream_name}-markers", timeline, retry_s=0.2)
    listener.start()
    models = tmp_path / "models"
    read_end, write_end = os.pipe()
    terminal = _Terminal()
    with open(read_end, encoding="utf-8") as stdin, open(write_end, "w") as keyboard, \
            pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdin", stdin)
        mp.setattr(sys, "stderr", terminal)
        rater = threading.Thread(target=_rater, args=(terminal, keyboard, timeline),
                                 daemon=True)
        rater.start()
        try:
            rc = main(["calibrate", "--headless", "--stream", "OpenBCI", "--out",
                       str(tmp_path / "cal"), "--blocks", "8", "--stimulus-seconds", "5",
                       "--rest-seconds", "0.5", "--seed", "1", "--models-dir", str(models),
                       "--device", "cpu", "--timeout", "20", "--threads", "1"])
        finally:
            terminal.queue.put(None)
            rater.join(10)
            listener.stop()
    log = "\n".join(terminal.lines)
    assert rc == 0, log[-3000:]
    assert "cyton" in log  # the montage was inferred from the unlabelled stream
    assert sorted(CalibrationFolder.open(tmp_path / "cal").finished(1)) == list(range(8))
    held = {m[1]: (float(m[2]), float(m[3])) for m in map(HELD_OUT.match, terminal.lines) if m}
    assert held["valence"][0] > held["valence"][1], log[-3000:]
    (path,) = models.glob("personal-*.pt")
    meta = read_meta(path)
    assert meta.tags["montage"] == "cyton" and meta.tags["personal"]
    # a plain `live --stream OpenBCI` now picks the personal model, montage inferred
    out = tmp_path / "live.jsonl"
    rc = main(["live", "--stream", "OpenBCI", "--headless", "--duration", "8", "--output",
               str(out), "--no-outlet", "--models-dir", str(models), "--timeout", "10"])
    assert rc == 0
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    notes = " ".join(lines[0]["notes"])
    assert "personal" in notes and "cyton" in notes, notes
    estimates = [x for x in lines if "probabilities" in x]
    assert estimates and set(estimates[0]["probabilities"]) == set(held)
    print("\n".join(line for line in terminal.lines if HELD_OUT.match(line)), file=sys.stderr)


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
