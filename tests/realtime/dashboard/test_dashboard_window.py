"""The dashboard window on a synthetic engine (offscreen Qt; conftest sets the platform)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt6.QtWidgets import QApplication

from eeg_emotion.errors import ConfigError
from eeg_emotion.montages import SEED_IV
from eeg_emotion.realtime.dashboard import DashboardWindow, check_display, run_dashboard
from eeg_emotion.realtime.dashboard.level_map import LevelMapPanel
from eeg_emotion.realtime.dashboard.theme import BAD, configure_pyqtgraph
from eeg_emotion.realtime.dashboard.traces import TracesPanel
from eeg_emotion.realtime.testing import SyntheticEngine

CHANNELS = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")


@pytest.fixture(scope="module")
def qapp() -> QApplication:
    app = QApplication.instance() or QApplication(["test"])
    configure_pyqtgraph()
    return app


def spin(app: QApplication, seconds: float) -> None:
    """Run the event loop (timers included) for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def wait_for(app: QApplication, cond, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        spin(app, 0.02)
    return bool(cond())


@pytest.fixture
def engine() -> Iterator[SyntheticEngine]:
    eng = SyntheticEngine(CHANNELS, 128.0, window_s=0.5, hop_s=0.25, trial_s=1.0, seed=3)
    with eng:
        yield eng


@pytest.fixture
def window(qapp, engine, tmp_path) -> Iterator[DashboardWindow]:
    win = DashboardWindow(engine, record_dir=tmp_path / "rec")
    win.resize(1280, 800)
    win.show()
    win.start()
    assert wait_for(qapp, lambda: win.estimates.last is not None and len(win.estimates.times)
                    >= 3), "no estimates reached the window"
    yield win
    win.timer.stop()
    win.close()
    win.deleteLater()
    qapp.processEvents()


def image_array(widget) -> np.ndarray:
    """RGB(A) pixels of a widget as numpy."""
    return pg.functions.imageToArray(widget.grab().toImage(), copy=True)


def curve_y(curve) -> np.ndarray:
    return np.asarray(curve.yData, dtype=float)


def drawn_channel(traces, i: int) -> np.ndarray:
    """Channel ``i`` as actually held by its colour group's curve."""
    curve = traces.curves[i % traces.n_colors]
    return curve_y(curve).reshape(-1, traces.x.size + 1)[i // traces.n_colors, :-1]


def test_window_shows_real_data_everywhere(qapp, window, engine, tmp_path):
    spin(qapp, 0.5)
    # traces: one curve per channel, each a moving signal around its own baseline
    assert len(window.traces.curves) == 3  # one path per colour
    for i in range(len(CHANNELS)):
        y = drawn_channel(window.traces, i)
        np.testing.assert_array_equal(y, window.traces.channel_y(i))
        assert y.size > 128 and np.std(y) > 0.05
        assert abs(np.median(y) - (len(CHANNELS) - 1 - i)) < 0.5
    labels = [name for _, name in window.traces.getPlotItem().getAxis("left")._tickLevels[0]]
    assert labels == list(CHANNELS)
    # level map: the selected channel of the newest drawn estimate
    last = window.estimates.last
    shown = window.level_map.image.image
    np.testing.assert_array_equal(shown, last.level_map[window.channel])
    assert np.std(shown) > 0
    assert window.level_map.labels == last.level_labels
    assert window.mosaic.data.shape[0] > last.level_map.shape[1]
    # bars hold the newest probabilities, the history one line per target
    for target, bar in window.estimates.bars.items():
        heights = np.asarray(bar.opts["height"])
        want = [last.probabilities[target][c] for c in window.estimates.targets[target]]
        np.testing.assert_allclose(heights, want)
        assert heights.sum() == pytest.approx(1.0)
    assert len(window.estimates.curves) == 3  # valence/arousal/dominance p(high)
    for curve in window.estimates.curves:
        y = curve_y(curve)
        assert y.size >= 3 and np.ptp(y) > 0
    # ground truth and running accuracy are shown
    title, footer = window.estimates._titles["valence"]
    assert "valence" in title and "truth" in footer and "accuracy" in footer
    # the health panel follows the engine
    assert window.health.values["Stream"].text().startswith("synthetic")
    assert window.banner.isVisible()
    # a screenshot that is not blank
    path = tmp_path / "dash.png"
    assert window.grab().save(str(path)) and path.stat().st_size > 10_000
    pixels = image_array(window)[..., :3].astype(float)
    assert pixels.std() > 10
    assert image_array(window.traces)[..., :3].std() > 5
    assert image_array(window.level_map)[..., :3].std() > 5


def test_channel_selection_changes_the_map(qapp, window):
    window.channel_combo.setCurrentIndex(4)
    assert window.channel == 4 and window.mosaic.selected == 4
    lm = window._level_map
    np.testing.assert_array_equal(window.level_map.image.image, lm[4])
    assert window.level_map.channel == "C3"
    assert not np.array_equal(lm[4], lm[0])
    # the mosaic maps a click position back to its tile
    x, y = window.mosaic.tile_origin(7)
    assert window.mosaic.channel_at(x + 0.5, y + 0.5) == 7
    window.mosaic.channel_clicked.emit(2)
    assert window.channel_combo.currentIndex() == 2 and window.level_map.channel == "F3"
    spin(qapp, 0.4)  # later estimates keep the chosen channel
    np.testing.assert_array_equal(window.level_map.image.image,
                                  window.estimates.last.level_map[2])


def test_pause_freezes_display_while_engine_runs(qapp, window, engine):
    window.pause_button.click()
    assert window.paused and window.pause_button.text() == "Resume display"
    spin(qapp, 0.1)
    frames = window.stats.frames
    y0 = drawn_channel(window.traces, 0).copy()
    n_est = len(window.estimates.times)
    samples0 = engine.status().source.samples_received
    spin(qapp, 0.8)
    assert window.stats.frames == frames
    np.testing.assert_array_equal(drawn_channel(window.traces, 0), y0)
    assert len(window.estimates.times) == n_est
    samples1 = engine.status().source.samples_received
    assert samples1 - samples0 > 64  # acquisition went on
    shown = int(window.health.values["Samples"].text().replace(",", ""))
    assert shown > samples0  # health keeps updating while the plots are frozen
    window.pause_button.click()
    spin(qapp, 0.4)
    assert window.stats.frames > frames
    assert not np.array_equal(drawn_channel(window.traces, 0), y0)
    assert len(window.estimates.times) > n_est  # estimates made while paused are caught up


def test_lost_stream_shows_and_recovers(qapp, window, engine):
    engine.set_connected(False)
    assert wait_for(qapp, lambda: "STREAM LOST" in window.connection.text(), 2)
    assert BAD in window.connection.styleSheet()
    assert "stream lost" in window.statusBar().currentMessage()
    assert BAD in window.statusBar().styleSheet()
    engine.set_connected(True)
    assert wait_for(qapp, lambda: "connected" in window.connection.text(), 2)
    assert "back" in window.statusBar().currentMessage()
    assert window.health.values["Gaps"].text().startswith("1 ")


def test_record_button_starts_and_stops_recording(qapp, window, engine, tmp_path):
    window.record_button.click()
    assert len(engine.recordings) == 1
    path = engine.recordings[0]
    assert path.startswith(str(tmp_path / "rec" / "session-"))
    assert window.record_button.isChecked() and "Stop" in window.record_button.text()
    spin(qapp, 0.2)
    assert window.health.values["Recording"].text() == path
    assert window.record_button.isChecked()  # status agrees, no flicker
    window.record_button.click()
    assert engine.stops == 1 and not window.record_button.isChecked()


def test_record_to_asks_for_a_path(qapp, window, engine, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    chosen = tmp_path / "mine" / "take1"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(chosen), "")))
    window.record_as_button.click()
    assert engine.recordings == [str(chosen)] and chosen.parent.is_dir()
    assert window.record_button.isChecked()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    window.record_as_button.click()  # cancelled: nothing changes
    assert engine.recordings == [str(chosen)] and engine.stops == 0


def test_gui_busy_does_not_stop_acquisition(qapp, window, engine):
    spin(qapp, 0.2)
    s0, t0 = engine.status().source.samples_received, time.monotonic()
    time.sleep(1.0)  # the GUI thread is stuck
    spin(qapp, 0.2)
    status = engine.status()
    elapsed = time.monotonic() - t0
    got = status.source.samples_received - s0
    assert got == pytest.approx(128 * elapsed, rel=0.15)
    assert status.source.gaps == 0
    assert window.stats.max_ms < 10_000  # the blocked second was not inside a refresh


class _FailingEngine(SyntheticEngine):
    def latest_signal(self, seconds: float):
        raise RuntimeError("ring buffer exploded")

    def start_recording(self, path: str) -> None:
        raise ConfigError(f"cannot record to {path}", "pick another folder")


def test_errors_show_in_status_bar_and_never_raise(qapp, tmp_path):
    with _FailingEngine(CHANNELS[:4], 128.0, window_s=1.0, hop_s=0.25) as eng:
        win = DashboardWindow(eng, record_dir=tmp_path)
        win.refresh()
        win.refresh()
        assert win.stats.errors == 2 and win.stats.ticks == 2
        assert "ring buffer exploded" in win.statusBar().currentMessage()
        win.record_button.click()
        assert not win.record_button.isChecked()
        assert "cannot record" in win.statusBar().currentMessage()
        win.close()


def test_four_class_target_gets_four_bars_and_lines(qapp):
    seed_iv = {"emotion": ("neutral", "sad", "fear", "happy")}
    with SyntheticEngine(CHANNELS[:6], 200.0, seed_iv, window_s=1.0, hop_s=0.2,
                         trial_s=0, synthetic_model=False) as eng:
        win = DashboardWindow(eng)
        win.resize(1280, 800)
        win.show()
        win.start()
        assert wait_for(qapp, lambda: len(win.estimates.times) >= 2)
        assert list(win.estimates.bars) == ["emotion"]
        assert len(np.asarray(win.estimates.bars["emotion"].opts["height"])) == 4
        assert len(win.estimates.curves) == 4
        assert not win.banner.isVisible()
        assert "truth" not in win.estimates._titles["emotion"][1]
        win.timer.stop()
        win.close()


class _NoMapEngine(SyntheticEngine):
    def _level_map(self, x: np.ndarray) -> None:
        return None


def test_model_without_level_map_says_so(qapp):
    with _NoMapEngine(CHANNELS[:4], 128.0, window_s=0.5, hop_s=0.1) as eng:
        win = DashboardWindow(eng)
        win.start()
        assert wait_for(qapp, lambda: len(win.estimates.times) >= 2)
        assert "not provided" in win.level_map.channel
        assert win.level_map.image.image is None and win.stats.errors == 0
        assert len(win.estimates.bars) == 3
        win.timer.stop()
        win.close()


def test_long_level_maps_are_pooled_not_aliased(qapp):
    panel = LevelMapPanel()
    data = np.tile(np.array([0.0, 1.0]), (3, 256))  # (3 levels, 512 steps), alternating
    panel.update_map(data, ("a", "b", "c"), "Cz")
    shown = panel.image.image
    assert shown.shape == (3, 128) and np.allclose(shown, 0.5)  # averaged, not striped
    assert panel.data is data and panel.labels == ("a", "b", "c")
    rect = panel.image.mapRectToParent(panel.image.boundingRect())
    assert (rect.left(), rect.width(), rect.height()) == pytest.approx((0, 512, 3))
    panel.close()


def test_many_channels_get_thinned_axis_labels(qapp):
    panel = TracesPanel()
    panel.resize(700, 400)
    panel.show()
    qapp.processEvents()
    panel.set_channels(SEED_IV)
    labels = [name for _, name in panel.getPlotItem().getAxis("left")._tickLevels[0]]
    assert labels[0] == "FP1" and 10 < len(labels) < len(SEED_IV)
    assert labels == list(SEED_IV[:: panel._label_step])
    panel.set_channels(SEED_IV[:8])
    labels = [name for _, name in panel.getPlotItem().getAxis("left")._tickLevels[0]]
    assert labels == list(SEED_IV[:8])
    panel.close()


def test_fixed_scale_control(qapp, window):
    window.scale_combo.setCurrentIndex(window.scale_combo.findText("500 µV"))
    spin(qapp, 0.1)
    assert window.traces.spacing == 500.0
    small = np.ptp(drawn_channel(window.traces, 0))
    window.scale_combo.setCurrentIndex(window.scale_combo.findText("20 µV"))
    spin(qapp, 0.1)
    assert window.traces.spacing == 20.0
    assert np.ptp(drawn_channel(window.traces, 0)) > 3 * small
    window.scale_combo.setCurrentIndex(0)
    spin(qapp, 0.1)
    assert window.traces.fixed_scale is None


def test_run_dashboard_saves_screenshot_and_returns(qapp, tmp_path):
    shot = tmp_path / "shot.png"
    with SyntheticEngine(CHANNELS, 128.0, window_s=0.5, hop_s=0.25) as eng:
        rc = run_dashboard(eng, duration=1.2, screenshot=str(shot))
    assert rc == 0 and shot.stat().st_size > 10_000


def test_run_dashboard_closes_when_stop_is_set(qapp):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    with SyntheticEngine(CHANNELS[:4], 128.0) as eng:
        t0 = time.monotonic()
        assert run_dashboard(eng, duration=30.0, stop=stop) == 0
    assert time.monotonic() - t0 < 10


def test_no_screen_is_a_clear_error(monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("the check is for Linux")
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match="No screen") as err:
        check_display()
    assert "--headless" in err.value.fix
    eng = SyntheticEngine(CHANNELS[:2])
    with pytest.raises(ConfigError, match="No screen"):
        run_dashboard(eng, duration=1.0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    check_display()


@pytest.mark.parametrize("kwargs, match", [
    ({"duration": 0}, "duration"),
    ({"duration": -1.0}, "duration"),
    ({"screenshot": "/no/such/dir/x.png"}, "screenshot"),
])
def test_run_dashboard_bad_input(qapp, kwargs, match):
    eng = SyntheticEngine(CHANNELS[:2])
    with pytest.raises(ConfigError, match=match):
        run_dashboard(eng, **kwargs)


def test_an_estimate_of_poor_quality_is_greyed_out(qapp):
    """Much of the window repaired (NaN/Inf from the stream): the bars turn grey and
    the title says so, in model and index mode; a good estimate brings the colours back."""
    from eeg_emotion.realtime.dashboard.estimates import EstimatesPanel
    from eeg_emotion.realtime.dashboard.index_panel import IndexPanel
    from eeg_emotion.realtime.dashboard.theme import MUTED, series_color
    from eeg_emotion.realtime.engine.state import Estimate, IndexReading

    probs = {"valence": {"low": 0.3, "high": 0.7}}
    panel = EstimatesPanel()
    for repaired, colour in ((0.4, MUTED), (0.0, series_color(0))):
        panel.add([Estimate(0, 1.0 + repaired, 1.0, probs, repaired=repaired)])
        panel.draw({})
        brush = panel.bars["valence"].opts["brushes"][0]
        assert brush.color().name() == pg.mkColor(colour).name()
        assert ("poor signal: 40% repaired" in panel._titles["valence"][1]) == bool(repaired)
    index = IndexPanel()
    reading = IndexReading({"valence": 1.0, "arousal": 0.5}, {}, "F3/F4", (30, 30))
    index.add([Estimate(0, 1.0, 1.0, {}, indices=reading, repaired=0.2)])
    index.draw()
    assert index.bars["valence"].opts["brush"].color().name() == pg.mkColor(MUTED).name()
    assert "poor signal: 20% repaired" in index._titles["valence"][1]
