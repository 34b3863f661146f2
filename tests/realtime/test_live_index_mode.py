"""``eeg-emotion live`` with no fitting model: it still runs, on band-power indices,
marked as uncalibrated in the JSON lines, on the LSL outlet and over OSC, with the
inferred montage and the calibrate command on the terminal and in the info line."""

from __future__ import annotations

import json
import time
import uuid

import numpy as np
import pytest

from eeg_emotion.cli import main
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.montages import CYTON
from eeg_emotion.realtime.engine.state import INDEX_NOTE, Estimate, IndexReading
from eeg_emotion.realtime.outputs.outlet import EstimateOutlet
from eeg_emotion.targets import deap_targets

pylsl = import_pylsl()


def test_live_runs_index_mode_on_an_unlabelled_openbci_stream(
        tmp_path, publishers, stream_name, openbci_sid, capsys, osc_receiver):
    publishers.start(stream_name, mode="openbci", channels=8, sfreq=250, chunk=5,
                     seconds=30, source_id=openbci_sid, wait=20, linger=0)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "other.pt").write_bytes(b"damaged")
    out = tmp_path / "index.jsonl"
    rc = main(["live", "--stream", stream_name, "--headless", "--duration", "9",
               "--output", str(out), "--models-dir", str(tmp_path / "models"),
               "--outlet", f"o-{uuid.uuid4().hex[:8]}", "--device", "cpu",
               "--osc", f"127.0.0.1:{osc_receiver.port}"])
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    n_index = sum(d.get("type") == "index" for d in lines)
    assert osc_receiver.wait_for(6 * n_index, timeout=5)
    assert rc == 0
    err = capsys.readouterr().err
    assert f"note: montage cyton assumed: '{stream_name}' is an OpenBCI stream" in err
    assert f"`eeg-emotion calibrate --stream {stream_name}`" in err
    assert "other.pt: unreadable" in err and "Traceback" not in err
    info, summary = lines[0], lines[-1]
    assert info["mode"] == "index" and info["note"] == INDEX_NOTE
    assert info["model"] == "band-power-index" and info["stream_channels"] == list(CYTON)
    assert info["notes"][0].startswith("montage cyton assumed")
    assert any("frontal alpha asymmetry Fp1/Fp2" in n for n in info["notes"])
    assert info["filter_delay_ms"] < 100
    indices = [d for d in lines if d.get("type") == "index"]
    assert len(indices) >= 2 and summary["type"] == "summary"
    for d in indices:
        assert d["uncalibrated"] is True and d["note"] == INDEX_NOTE
        assert np.isfinite(list(d["indices"].values())).all() and "probabilities" not in d
    osc = [a for a, _ in osc_receiver.got]
    assert osc.count("/eeg-emotion/index/valence") >= len(indices)
    assert "/eeg-emotion/index/uncalibrated" in osc
    assert not any(a.endswith("/high") for a in osc)


def test_no_frontal_pair_runs_arousal_alone_and_bad_osc_is_a_clear_error(
        tmp_path, publishers, stream_name, capsys):
    t0 = time.monotonic()
    assert main(["live", "--stream", stream_name, "--headless", "--osc", "localhost"]) == 2
    assert "is not HOST:PORT" in capsys.readouterr().err and time.monotonic() - t0 < 5
    publishers.start(stream_name, channels=4, labels="C3,C4,O1,O2", seconds=10.0)
    out = tmp_path / "out.jsonl"
    assert main(["live", "--stream", stream_name, "--headless", "--models-dir",
                 str(tmp_path), "--duration", "6", "--output", str(out), "--no-outlet"]) == 0
    err = capsys.readouterr().err
    assert "valence unavailable" in err and "F3/F4, AF3/AF4, F7/F8" in err
    lines = [json.loads(s) for s in out.read_text().splitlines()]
    index = [x for x in lines if x.get("type") == "index"]
    assert index and set(index[-1]["indices"]) == {"arousal"}
    assert "valence" in index[-1]["unavailable"] and index[-1]["pair"] is None


def test_outlet_in_index_mode_carries_the_indices_and_says_so():
    name = f"idx-{uuid.uuid4().hex[:8]}"
    outlet = EstimateOutlet(deap_targets(("valence", "arousal")), name, index=True)
    try:
        found = pylsl.resolve_bypred(f"name='{name}'", 1, 5.0)
        inlet = pylsl.StreamInlet(found[0])
        info = inlet.info(5.0)
        assert info.desc().child_value("estimate") == INDEX_NOTE
        ch = info.desc().child("channels").child("channel")
        labels = []
        while not ch.empty():
            labels.append((ch.child_value("label"), ch.child_value("type")))
            ch = ch.next_sibling()
        assert labels == [("valence:index", "UncalibratedIndex"),
                          ("arousal:index", "UncalibratedIndex"),
                          ("quality:poor", "Quality"), ("quality:repaired_share", "Quality")]
        inlet.open_stream(5.0)
        time.sleep(0.3)
        outlet.push(Estimate(0, pylsl.local_clock(), 1.0, {}, indices=IndexReading(
            {"valence": 1.25, "arousal": -0.5}, {}, "F3/F4", (1, 30))))
        sample, _ = inlet.pull_sample(timeout=5.0)
        assert sample == pytest.approx([1.25, -0.5, 0.0, 0.0])
        inlet.close_stream()
    finally:
        outlet.close()
