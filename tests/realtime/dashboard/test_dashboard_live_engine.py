"""End to end: replayed LSL stream -> real Engine + untrained ScalingNet checkpoint -> dashboard.

Uses ``tests/realtime/conftest.py``'s ``publishers`` (``lsl_publisher.py`` in replay mode:
channel 0 is a sample counter, trial markers carry labels) and a unique stream name.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
import torch
from PyQt6.QtWidgets import QApplication

from eeg_emotion.contract import SignalContract
from eeg_emotion.filters import FilterSpec
from eeg_emotion.models import build_model
from eeg_emotion.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from eeg_emotion.realtime.dashboard import DashboardWindow
from eeg_emotion.realtime.dashboard.theme import BAD, configure_pyqtgraph
from eeg_emotion.realtime.engine.engine import Engine
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.recording_files import read_recording
from eeg_emotion.targets import deap_targets

CHANNELS = ("Fp1", "Fp2", "C3", "C4")
SFREQ = 128.0


def untrained_scalingnet(tmp_path: Path):
    """A freshly initialised ScalingNet, saved and loaded as a checkpoint (as `live` does)."""
    torch.manual_seed(0)
    targets = deap_targets(("valence", "arousal", "dominance"))
    model = build_model("scalingnet", len(CHANNELS), SFREQ, targets, kernel_length=17,
                        conv_filters=(4, 4))
    meta = CheckpointMeta(model="scalingnet", hparams=model.hparams(), targets=list(targets),
                          signal=SignalContract(
                              channels=tuple(list(CHANNELS)), sfreq=SFREQ, units="microvolts",
                              filter=FilterSpec(4.0, 45.0), window_s=1.0, hop_s=0.25,
                              baseline="none", standardize="window"),
                          synthetic=True)
    path = save_checkpoint(tmp_path / "untrained.pt", model, meta)
    return load_checkpoint(path, "cpu")


def spin(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def test_dashboard_on_replayed_stream_and_real_engine(publishers, stream_name, tmp_path,
                                                       raw_chunks):
    app = QApplication.instance() or QApplication(["test"])
    configure_pyqtgraph()
    # 2.5 s trials: a marker inlet that connects after the first trial_start still
    # gets the second one
    trials = [{"valence": 7.0, "arousal": 2.0, "dominance": 6.0},
              {"valence": 3.0, "arousal": 8.0, "dominance": 4.0},
              {"valence": 8.0, "arousal": 7.0, "dominance": 2.0},
              {"valence": 2.0, "arousal": 3.0, "dominance": 8.0}]
    publisher = publishers.start(stream_name, mode="replay", channels=4,
                                 labels=",".join(CHANNELS), seconds=10.0, chunk=8, linger=3.0,
                                 trial_labels=json.dumps(trials))
    engine = Engine(LSLSource(stream_name, lost_after=1.5), untrained_scalingnet(tmp_path),
                    device="cpu", markers="auto")
    chunks = raw_chunks(engine)
    with engine:
        win = DashboardWindow(engine, record_dir=tmp_path / "rec")
        win.resize(1280, 800)
        win.show()
        win.start()
        end = time.monotonic() + 15
        def ready() -> bool:
            last = win.estimates.last
            return len(win.estimates.times) >= 4 and last.ground_truth is not None

        while time.monotonic() < end and not ready():
            spin(app, 0.05)
        status = engine.status()
        assert ready(), (len(win.estimates.times), status.windows_done, status.source,
                         status.messages)
        # the replay's trial markers reached the engine: ground truth and accuracy are shown
        truth = win.estimates.last.ground_truth
        assert set(truth) == {"valence", "arousal", "dominance"}
        spin(app, 0.1)
        footer = win.estimates._titles["valence"][1]
        assert "truth" in footer and "accuracy" in footer
        spin(app, 0.5)

        # the GUI thread blocks for a second: acquisition must not notice
        s0, t0 = engine.status().source.samples_received, time.monotonic()
        time.sleep(1.0)
        spin(app, 0.3)
        status = engine.status()
        got = status.source.samples_received - s0
        assert got == pytest.approx(SFREQ * (time.monotonic() - t0), rel=0.25)
        assert status.source.gaps == 0
        assert status.windows_skipped == 0

        # what the window shows comes from this engine
        assert win.traces.y.shape[0] == len(CHANNELS)
        for i in range(1, len(CHANNELS)):  # channel 0 is a ramp: the band-pass removes it
            curve = win.traces.curves[i % win.traces.n_colors]
            drawn = np.asarray(curve.yData).reshape(-1, win.traces.x.size + 1)[i // 3, :-1]
            assert np.ptp(drawn) > 0.1
        last = win.estimates.last
        assert last.level_map.shape[:1] == (len(CHANNELS),)
        np.testing.assert_array_equal(win.level_map.image.image, last.level_map[0])
        assert np.std(win.level_map.image.image) > 0
        assert win.level_map.labels == tuple(last.level_labels)
        assert "taps" in win.level_map.labels[0]  # ScalingNet's own labels
        win.channel_combo.setCurrentIndex(2)
        np.testing.assert_array_equal(win.level_map.image.image, last.level_map[2])
        for target, bar in win.estimates.bars.items():
            want = [last.probabilities[target][c] for c in ("low", "high")]
            np.testing.assert_allclose(np.asarray(bar.opts["height"]), want)
        assert set(win.estimates.bars) == {"valence", "arousal", "dominance"}
        assert all(np.asarray(c.yData).size >= 4 for c in win.estimates.curves)
        assert win.health.values["Stream"].text().startswith(stream_name)
        assert win.banner.isVisible()  # meta says synthetic
        assert "connected" in win.connection.text()

        shot = tmp_path / "live.png"
        assert win.grab().save(str(shot))
        pixels = pg.functions.imageToArray(win.grab().toImage(), copy=True)[..., :3]
        assert pixels.astype(float).std() > 10

        # the Record button drives the engine's real Recorder
        win.record_button.click()
        assert win.record_button.isChecked()
        rec_path = Path(engine.status().recording_path)
        assert rec_path.parent == tmp_path / "rec"
        spin(app, 1.0)
        win.record_button.click()
        assert not win.record_button.isChecked() and engine.status().recording_path is None
        rec = read_recording(rec_path)
        assert rec.data.shape[0] == 4 and rec.data.shape[1] > 32 and rec.channels == list(CHANNELS)
        np.testing.assert_array_equal(np.diff(rec.data[0]), 1)  # the counter, no gap

        # the publisher dies: the window says so, in red
        publisher.kill()
        end = time.monotonic() + 10
        while time.monotonic() < end and "STREAM LOST" not in win.connection.text():
            spin(app, 0.05)
        assert "STREAM LOST" in win.connection.text()
        assert BAD in win.connection.styleSheet()
        assert "stream lost" in win.statusBar().currentMessage()
        win.timer.stop()
        win.close()
    # every sample the engine received arrived once and in order despite the busy GUI
    counter = np.concatenate([np.array(c.data[0]) for c in chunks])
    np.testing.assert_array_equal(counter, np.arange(counter.size))
    assert counter.size >= status.source.samples_received
