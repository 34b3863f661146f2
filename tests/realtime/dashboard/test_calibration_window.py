"""The calibration window offscreen: phases, signal quality, the SAM sliders, closing."""

from __future__ import annotations

import threading

import pytest
from PyQt6.QtWidgets import QApplication

from eeg_emotion.realtime.calibration.protocol import built_in_plan
from eeg_emotion.realtime.calibration.session import CalibrationStopped, ChannelQuality
from eeg_emotion.realtime.dashboard.calibration_window import CalibrationWindow, QtFrontEnd


@pytest.fixture
def window():
    app = QApplication.instance() or QApplication([])
    win = CalibrationWindow()
    win.show()
    yield win, app
    win.close()


def _quality():
    return [ChannelQuality("Fp1", 12.0, 31000.0, "ok"), ChannelQuality("Fp2", 0.1, 0.0, "flat"),
            ChannelQuality("C3", 220.0, 12000.0, "noisy")]


def test_phases_quality_and_rating(window, tmp_path):
    win, app = window
    block = built_in_plan(5, 60.0, 15.0, seed=2)[0]
    win.show_phase(block, "stimulus", 60.0, 3, 10)
    win.show_tick(42.0, _quality())
    app.processEvents()
    assert block.stimulus.text in win.stimulus.text() and "Block 1" in win.header.text()
    assert "42 s" in win.countdown.text() and "Fp2 flat" in win.quality.text()
    win.ask_rating(block)
    app.processEvents()
    assert win.rating_panel.isVisible()
    win.sliders["valence"].setValue(8)
    win.sliders["arousal"].setValue(2)
    assert win.values["valence"].text() == "8"
    assert win.grab().save(str(tmp_path / "calibration.png"))
    win.save_button.click()
    assert win.answered.is_set() and win.rating == {"valence": 8.0, "arousal": 2.0,
                                                     "dominance": 5.0}


def test_the_front_end_waits_for_the_sliders_and_closing_stops(window):
    win, app = window
    front = QtFrontEnd(win)
    block = built_in_plan(5, 60.0, 15.0, seed=2)[1]
    got = {}

    def ask():
        try:
            got["rating"] = front.rate(block)
        except CalibrationStopped as exc:
            got["stopped"] = exc

    worker = threading.Thread(target=ask)
    worker.start()
    for _ in range(50):
        app.processEvents()
        if win.rating_panel.isVisible():
            break
        worker.join(0.02)
    win.save_button.click()
    worker.join(5)
    assert got["rating"] == {"valence": 5.0, "arousal": 5.0, "dominance": 5.0}
    worker = threading.Thread(target=ask)
    worker.start()
    app.processEvents()
    win.close()
    worker.join(5)
    assert "stopped" in got
    with pytest.raises(CalibrationStopped):
        front.tick(1.0, [])
