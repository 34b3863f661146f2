"""A stream lost and back through LSL, end to end (`live --headless`): no window spans the
gap, ground truth is cleared until a marker comes, a `gap` line is written, the summary
counts it, and the running accuracy counts only windows with ground truth."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest

from eeg_emotion.cli import build_parser
from eeg_emotion.commands import live as cmd_live
from eeg_emotion.realtime import model_choice

CHANNELS = "Fp1,Fp2,C3,C4"
WINDOW_S, SFREQ = 1.0, 128.0


def _lines(path) -> list[dict]:
    try:
        return [json.loads(s) for s in path.read_text().splitlines() if s.strip()]
    except (FileNotFoundError, json.JSONDecodeError):
        return []


def test_no_window_or_label_spans_a_reconnect(tmp_path, publishers, stream_name,
                                               loaded_factory, wait_until, monkeypatch):
    sid = f"sid-{uuid.uuid4().hex[:8]}"
    # a replay with trial markers (ground truth valence high, arousal low) ...
    first = publishers.start(stream_name, mode="replay", channels=4, labels=CHANNELS,
                             seconds=60.0, source_id=sid, wait=30, wait_markers=True,
                             trial_labels=json.dumps([{"valence": 8.0, "arousal": 2.0}]))
    monkeypatch.setattr(model_choice, "load_model",
                        lambda path: loaded_factory(window_s=WINDOW_S, hop_s=0.25))
    out = tmp_path / "est.jsonl"
    model = tmp_path / "tiny.pt"
    model.write_bytes(b"x")
    args = build_parser(["live"]).parse_args(
        ["live", "--stream", stream_name, "--model", str(model), "--headless", "--duration",
         "16", "--output", str(out), "--no-outlet", "--device", "cpu", "--timeout", "30"])
    result: dict = {}
    runner = threading.Thread(target=lambda: result.setdefault("rc", cmd_live.run(args)))
    runner.start()
    try:
        assert wait_until(lambda: sum("running_accuracy" in d for d in _lines(out)) >= 4, 40)
        first.kill()  # ... lost (headset off) ...
        first.wait(10)
        time.sleep(1.5)
        # ... and back, as the same source, without markers this time
        publishers.start(stream_name, channels=4, labels=CHANNELS, seconds=60.0,
                         source_id=sid, start=100000, wait=20)
    finally:
        runner.join(60)
    assert result.get("rc") == 0
    lines = _lines(out)
    kinds = [d.get("type", "estimate") for d in lines]
    assert kinds[0] == "info" and kinds[-1] == "summary" and kinds.count("gap") == 1
    gap = lines[kinds.index("gap")]
    assert gap["end"] - gap["start"] > 1.0 and gap["samples_lost"] >= 128
    assert gap["seconds"] == round(gap["end"] - gap["start"], 4)
    before = [d for d in lines[:kinds.index("gap")] if "probabilities" in d]
    after = [d for d in lines[kinds.index("gap"):] if "probabilities" in d]
    assert before and len(after) >= 3, "estimates on both sides of the gap"
    assert all(e["time"] <= gap["start"] + 1e-6 for e in before)
    # every window after the gap starts after it: the count restarted on the new data
    assert all(e["time"] - WINDOW_S + 1 / SFREQ >= gap["end"] - 1e-6 for e in after)
    assert [e["index"] for e in before + after] == list(range(len(before) + len(after)))
    # ground truth before the gap; cleared after it (no marker came)
    truth = {"valence": "high", "arousal": "low"}
    assert all(e.get("ground_truth") == truth for e in before[-3:])
    assert all("ground_truth" not in e and "running_accuracy" not in e for e in after)
    summary = lines[-1]
    assert summary["gaps"] == 1 and summary["gap_seconds"] > 1.0
    # the windows without ground truth did not count: the accuracy stayed where it was
    assert summary["running_accuracy"] == pytest.approx(before[-1]["running_accuracy"],
                                                        abs=1e-4)
