"""A calibration session never wastes what was recorded: every way it stops keeps the
rated blocks and prints a ``--resume`` command that runs as printed.

The window runs offscreen in a subprocess (as a user runs the command); the tests
wait until it asks for a rating (the block's ``stimulus_end`` marker is on disk), then
send SIGINT or SIGTERM, and run the printed command itself.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eeg_emotion.calibration_files import CalibrationFolder
from eeg_emotion.cli import main
from eeg_emotion.errors import StreamError
from eeg_emotion.montages import CYTON
from eeg_emotion.realtime.calibration import run as calibration_run
from eeg_emotion.realtime.sources.source import Source, SourceInfo

ROOT = Path(__file__).resolve().parents[3]
RESUME = re.compile(r"Continue with: (eeg-emotion calibrate .*)$", re.MULTILINE)


def _start(argv: list[str], cwd: Path, screen: bool) -> subprocess.Popen:
    """``eeg-emotion ARGV`` as a user runs it; ``screen=False``: no display at all."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if screen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "eeg_emotion.cli", *argv], cwd=cwd,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _printed(command: str) -> list[str]:
    """The printed ``eeg-emotion ...`` command's arguments, exactly as printed."""
    argv = shlex.split(command)
    assert argv[0] == "eeg-emotion", command
    return argv[1:]


def _markers(part: Path) -> list[dict]:
    path = part / "markers.jsonl"
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(json.loads(line)["text"]))
        except (ValueError, KeyError):
            pass  # a line being written
    return out


def _wait_for(part: Path, event: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(m.get("event") == event for m in _markers(part)):
            return
        if proc.poll() is not None:
            pytest.fail(f"exited {proc.returncode} before {event}: {proc.stderr.read()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"no {event} marker in {part} within {timeout} s")


def _stop(proc: subprocess.Popen, sig: int) -> str:
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"still running 30 s after {signal.Signals(sig).name}: {err}")
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    return err


@pytest.mark.parametrize("first, second", [(signal.SIGINT, signal.SIGTERM),
                                           (signal.SIGTERM, signal.SIGINT)])
def test_the_window_stops_on_a_signal_while_it_waits_for_a_rating(
        first, second, tmp_path, publishers, stream_name):
    publishers.start(stream_name, mode="openbci", channels=8, sfreq=250, seconds=300,
                     chunk=5, wait=30)
    proc = _start(["calibrate", "--stream", stream_name, "--montage", "cyton", "--blocks", "2",
                   "--stimulus-seconds", "1", "--rest-seconds", "0.5", "--out", "cal",
                   "--no-train", "--timeout", "20"], tmp_path, screen=True)
    _wait_for(tmp_path / "cal" / "session-1" / "part-1", "stimulus_end", proc)
    time.sleep(0.5)  # the window now waits for the first block's rating
    err = _stop(proc, first)
    assert "the finished blocks are kept" in err
    (printed,) = RESUME.findall(err)
    assert printed == (f"eeg-emotion calibrate --resume --out cal --stream {stream_name} "
                       "--montage cyton")
    # the printed command runs as printed (same folder, same window): it records the
    # unrated blocks into a new part, and stops as cleanly
    again = _start(_printed(printed), tmp_path, screen=True)
    _wait_for(tmp_path / "cal" / "session-1" / "part-2", "stimulus_end", again)
    err = _stop(again, second)
    assert "2 block(s) to run" in err and RESUME.findall(err) == [printed]
    assert CalibrationFolder.open(tmp_path / "cal").finished(1) == {}


def _ratings(path: Path, rows: list[str]) -> Path:
    path.write_text("block,valence,arousal,dominance\n" + "\n".join(rows) + "\n")
    return path


def test_the_resume_command_keeps_headless_ratings_and_models_folder(
        tmp_path, publishers, stream_name):
    """Interrupted headless with a ratings file and a models folder, the printed command
    continues on a machine with no screen at all, rates from the same file and saves
    the personal model in the same folder."""
    publishers.start(stream_name, mode="openbci", channels=8, sfreq=250, seconds=300,
                     chunk=5, wait=30)
    ratings = _ratings(tmp_path / "r.csv", ["1,8,3,5", "2,2,7,5", "3,8,7,5", "4,2,3,5"])
    models = tmp_path / "models"
    proc = _start(["calibrate", "--headless", "--ratings", str(ratings), "--models-dir",
                   str(models), "--stream", stream_name, "--montage", "cyton", "--blocks", "4",
                   "--stimulus-seconds", "5", "--rest-seconds", "0.5", "--seed", "2",
                   "--out", "cal", "--threads", "1", "--device", "cpu", "--timeout", "20"],
                  tmp_path, screen=False)
    part = tmp_path / "cal" / "session-1" / "part-1"
    _wait_for(part, "block_end", proc)
    err = _stop(proc, signal.SIGINT)
    (printed,) = RESUME.findall(err)
    assert "--headless" not in printed and "--ratings" not in printed  # from the plan
    done = CalibrationFolder.open(tmp_path / "cal").finished(1)
    assert 1 <= len(done) < 4
    again = _start(_printed(printed), tmp_path, screen=False)
    _, err = again.communicate(timeout=240)
    assert again.returncode == 0, err
    assert f"{4 - len(done)} block(s) to run" in err and "No screen" not in err
    finished = CalibrationFolder.open(tmp_path / "cal").finished(1)
    assert sorted(finished) == [0, 1, 2, 3]
    assert finished[1] == {"valence": 2.0, "arousal": 7.0, "dominance": 5.0}
    assert len(list(models.glob("personal-*.pt"))) == 1  # --models-dir was kept too


def test_headless_sigterm_while_waiting_for_typed_ratings(tmp_path, publishers, stream_name):
    publishers.start(stream_name, mode="openbci", channels=8, sfreq=250, seconds=300,
                     chunk=5, wait=30)
    proc = _start(["calibrate", "--headless", "--stream", stream_name, "--montage", "cyton",
                   "--blocks", "2", "--stimulus-seconds", "1", "--rest-seconds", "0.5",
                   "--out", "cal", "--no-train", "--timeout", "20"], tmp_path, screen=False)
    _wait_for(tmp_path / "cal" / "session-1" / "part-1", "stimulus_end", proc)
    time.sleep(0.5)  # blocked reading the typed rating (stdin stays open, empty)
    err = _stop(proc, signal.SIGTERM)
    assert RESUME.findall(err)


def test_ratings_are_checked_value_by_value_before_anything_is_recorded(tmp_path, capsys):
    ratings = _ratings(tmp_path / "r.csv", ["1,7,3,5", "2,3,7,5", "3,8,2,5", "4,10,0,5"])
    rc = main(["calibrate", "--headless", "--ratings", str(ratings), "--stream",
               "nothing-publishes-this", "--blocks", "4", "--out", str(tmp_path / "cal"),
               "--timeout", "0.5"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "block 4: valence rating 10 is outside 1-9" in err
    assert "fix:" in err and "nothing was recorded" in err
    assert not (tmp_path / "cal").exists()


class _Stream(Source):
    """An opened source that delivers nothing (the session is replaced in the test)."""

    def __init__(self) -> None:
        self.info = SourceInfo("fake", "lsl", CYTON, 250.0, "fake", montage="cyton")
        self.closed = False

    def open(self, timeout: float = 10.0) -> SourceInfo:
        return self.info

    def read(self, timeout: float = 0.1):
        return None

    def reopen(self, timeout: float = 1.0) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def test_a_failure_mid_session_prints_the_resume_command(tmp_path, capsys, monkeypatch):
    source = _Stream()
    monkeypatch.setattr(calibration_run, "open_source", lambda opts: source)

    def fails(*args, **kwargs):
        raise StreamError("the stream now sends 4 channels instead of 8",
                          "reconnect the headset")

    monkeypatch.setattr(calibration_run, "run_session", fails)
    rc = main(["calibrate", "--headless", "--stream", "fake", "--blocks", "2",
               "--out", str(tmp_path / "cal"), "--no-train"])
    err = capsys.readouterr().err
    assert rc == 2 and source.closed
    assert "the finished blocks are kept. Continue with: eeg-emotion calibrate --resume " \
           f"--out {tmp_path / 'cal'} --stream fake" in err
    assert "error: the stream now sends 4 channels" in err


def test_no_screen_names_what_calibrate_can_do(tmp_path, capsys, monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    rc = main(["calibrate", "--stream", "never-waited-for", "--out", str(tmp_path / "cal"),
               "--timeout", "30"])
    err = capsys.readouterr().err
    assert rc == 2 and "No screen found for the calibration window" in err
    assert "add --headless" in err and "--screenshot" not in err and "--duration" not in err
    assert not (tmp_path / "cal").exists()
