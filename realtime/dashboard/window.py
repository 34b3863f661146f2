"""The dashboard's main window: panels, controls and the refresh timer.

The window only *reads* the engine, from a :class:`QTimer` in the GUI thread; it
never waits on acquisition or inference, and they never wait on it. A frame that
takes long only delays the next frame.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from eeg_emotion.errors import EEGEmotionError
from eeg_emotion.realtime.dashboard import theme
from eeg_emotion.realtime.dashboard.estimates import EstimatesPanel
from eeg_emotion.realtime.dashboard.health import HealthPanel
from eeg_emotion.realtime.dashboard.index_panel import IndexPanel
from eeg_emotion.realtime.dashboard.level_map import LevelMapPanel, MosaicPanel
from eeg_emotion.realtime.dashboard.traces import FIXED_SCALES_UV, TracesPanel
from eeg_emotion.realtime.engine.state import INDEX_NOTE, EngineStatus, EngineView

logger = logging.getLogger(__name__)

SYNTHETIC_BANNER = ("DEMONSTRATION — model trained on synthetic data: these estimates say "
                    "nothing about anyone's emotions")
INDEX_BANNER = (f"{INDEX_NOTE.upper()} — no trained model fits this stream; band-power "
                "indices against this session's own baseline")


def banner_text(status: EngineStatus) -> str:
    """The warning banner for ``status`` ("" for none): synthetic model or index mode."""
    if status.synthetic_model:
        return SYNTHETIC_BANNER
    if status.mode == "index":
        hint = next((m.group(1) for note in status.notes
                     for m in [re.search(r"`(eeg-emotion calibrate[^`]*)`", note)] if m), None)
        return INDEX_BANNER + (f" · for your own model: {hint}" if hint else "")
    return ""


@dataclass
class FrameStats:
    """Counters of the refresh timer, for tests and the benchmark.

    Attributes
    ----------
    ticks : int
        Timer ticks handled (paused or not).
    frames : int
        Ticks that redrew the signal, map and estimates (not paused).
    busy_s : float
        GUI-thread seconds spent in refresh.
    max_ms : float
        Longest single refresh.
    trace_updates : int
        Frames that found new samples and redrew the traces.
    errors : int
        Refreshes that failed (shown in the status bar).
    """

    ticks: int = 0
    frames: int = 0
    trace_updates: int = 0
    busy_s: float = 0.0
    max_ms: float = 0.0
    errors: int = 0

    @property
    def mean_ms(self) -> float:
        """Mean milliseconds per refresh."""
        return 1000.0 * self.busy_s / self.ticks if self.ticks else 0.0


class DashboardWindow(QMainWindow):
    """Live view of an :class:`EngineView`.

    Parameters
    ----------
    engine : EngineView
        The running engine (only read; recording is started/stopped on request).
    title : str
        Window title.
    interval_ms : int
        Refresh period (default 30 ms, about 33 frames per second).
    signal_s : float
        Seconds of signal in the traces.
    history_s : float
        Seconds of estimate history.
    record_dir : str or Path
        Folder of the default timestamped recording path.
    """

    def __init__(self, engine: EngineView, title: str = "eeg-emotion — live",
                 interval_ms: int = 30, signal_s: float = 10.0, history_s: float = 60.0,
                 record_dir: str | Path = "recordings") -> None:
        super().__init__()
        self.engine = engine
        self.signal_s = float(signal_s)
        self.record_dir = Path(record_dir)
        self.stats = FrameStats()
        self.paused = False
        self.channel = 0
        self.channels: tuple[str, ...] = ()
        self.last_status: EngineStatus | None = None
        self._next_index = 0
        self._level_map: np.ndarray | None = None
        self._level_labels: tuple[str, ...] = ()
        self._status_text = ""
        self._engine_message = ""
        self._lost = False
        self._accuracy: dict[str, float] = {}
        self.setWindowTitle(title)
        self.setStyleSheet(theme.STYLESHEET)
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval_ms))
        self.timer.timeout.connect(self.refresh)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(4)
        self.banner = QLabel(SYNTHETIC_BANNER)
        self.banner.setObjectName("banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setVisible(False)
        outer.addWidget(self.banner)
        outer.addLayout(self._build_controls())

        self.traces = TracesPanel(self.signal_s)
        self.estimates = EstimatesPanel()
        self.index_panel = IndexPanel()
        self.outputs = QStackedWidget()  # model probabilities | index mode's indices
        self.outputs.addWidget(self.estimates)
        self.outputs.addWidget(self.index_panel)
        self.level_map = LevelMapPanel()
        self.mosaic = MosaicPanel()
        self.mosaic.channel_clicked.connect(self.channel_combo.setCurrentIndex)
        self.health = HealthPanel()

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.traces)
        top.addWidget(self.outputs)
        top.setSizes([720, 540])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.level_map)
        bottom.addWidget(self.mosaic)
        health = QScrollArea()  # long notes (montage assumed, model chosen) scroll
        health.setWidget(self.health)
        health.setWidgetResizable(True)
        health.setFrameShape(QScrollArea.Shape.NoFrame)
        bottom.addWidget(health)
        bottom.setSizes([400, 400, 460])
        rows = QSplitter(Qt.Orientation.Vertical)
        rows.addWidget(top)
        rows.addWidget(bottom)
        rows.setSizes([460, 290])
        outer.addWidget(rows, 1)
        self.setCentralWidget(central)
        self.show_message("waiting for the engine…")

    def _build_controls(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.connection = QLabel("●  connecting…")
        self.connection.setStyleSheet(f"color: {theme.MUTED}; font-weight: bold;")
        bar.addWidget(self.connection)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Channel"))
        self.channel_combo = QComboBox()
        self.channel_combo.setMinimumContentsLength(6)
        self.channel_combo.currentIndexChanged.connect(self.select_channel)
        bar.addWidget(self.channel_combo)
        bar.addWidget(QLabel("Scale"))
        self.scale_combo = QComboBox()
        self.scale_combo.addItem("auto", None)
        for uv in FIXED_SCALES_UV:
            self.scale_combo.addItem(f"{uv:g} µV", uv)
        self.scale_combo.currentIndexChanged.connect(
            lambda i: self.traces.set_scale(self.scale_combo.itemData(i)))
        bar.addWidget(self.scale_combo)
        bar.addStretch(1)
        self.pause_button = QPushButton("Pause display")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Freeze the plots; acquisition and inference keep going "
                                     "(Space)")
        self.pause_button.toggled.connect(self.set_paused)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.pause_button.toggle)
        bar.addWidget(self.pause_button)
        self.record_button = QPushButton("● Record")
        self.record_button.setObjectName("record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip(f"Record raw stream, markers and estimates under "
                                      f"{self.record_dir}/")
        self.record_button.toggled.connect(self.set_recording)
        bar.addWidget(self.record_button)
        self.record_as_button = QPushButton("Record to…")
        self.record_as_button.setToolTip("Choose where to record, then start")
        self.record_as_button.clicked.connect(self.record_as)
        bar.addWidget(self.record_as_button)
        return bar

    def record_as(self) -> None:
        """Ask for a recording path (the plots keep updating meanwhile), then record there."""
        path, _ = QFileDialog.getSaveFileName(self, "Record to", str(
            self.default_recording_path()))
        if path:
            if self.record_button.isChecked():
                self.set_recording(False)
            self.set_recording(True, path)

    # ------------------------------------------------------------------ controls
    def select_channel(self, index: int) -> None:
        """Show the level map of channel ``index`` (also via the combo box or the mosaic)."""
        if index < 0:
            return
        if self.channel_combo.currentIndex() != index:
            self.channel_combo.setCurrentIndex(index)  # re-enters through the signal
            return
        self.channel = index
        self.mosaic.select(index)
        self._draw_level_map()

    def set_paused(self, paused: bool) -> None:
        """Freeze (True) or resume the plots; the engine is not touched."""
        self.paused = bool(paused)
        self.pause_button.setText("Resume display" if paused else "Pause display")
        if self.pause_button.isChecked() != self.paused:
            self.pause_button.setChecked(self.paused)

    def default_recording_path(self) -> Path:
        """``<record_dir>/session-YYYYmmdd-HHMMSS`` (not yet existing)."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.record_dir / f"session-{stamp}"
        n = 1
        while path.exists():
            n += 1
            path = self.record_dir / f"session-{stamp}-{n}"
        return path

    def set_recording(self, on: bool, path: str | Path | None = None) -> None:
        """Start recording to ``path`` (default: :meth:`default_recording_path`) or stop."""
        try:
            if on:
                target = Path(path) if path is not None else self.default_recording_path()
                target.parent.mkdir(parents=True, exist_ok=True)
                self.engine.start_recording(str(target))
                self.show_message(f"recording to {target}")
            else:
                self.engine.stop_recording()
                self.show_message("recording stopped")
        except (EEGEmotionError, OSError) as err:
            logger.warning("recording %s failed: %s", "start" if on else "stop", err)
            self.show_message(f"recording failed: {err}", error=True)
            on = not on
        self._set_record_button(on)

    def _set_record_button(self, on: bool) -> None:
        self.record_button.blockSignals(True)
        self.record_button.setChecked(on)
        self.record_button.setText("■ Stop recording" if on else "● Record")
        self.record_button.blockSignals(False)

    def show_message(self, text: str, error: bool = False) -> None:
        """Put ``text`` in the status bar (red when ``error``)."""
        color = theme.BAD if error else theme.MUTED
        self.statusBar().setStyleSheet(f"color: {color};")
        self.statusBar().showMessage(text)
        self._status_text = text

    # ------------------------------------------------------------------ refresh
    def start(self) -> None:
        """Start the refresh timer."""
        self.timer.start()

    def refresh(self) -> None:
        """One update tick: read the engine's status, signal and new estimates, redraw.

        Never raises: an error is logged, counted and shown in the status bar.
        """
        t0 = time.perf_counter()
        try:
            status = self.engine.status()
            self._show_status(status)
            if not self.paused:
                times, data = self.engine.latest_signal(self.signal_s)
                if self.traces.update_signal(np.asarray(times), np.asarray(data)):
                    self.stats.trace_updates += 1
                new = self.engine.estimates_since(self._next_index)
                if new or status.running_accuracy != self._accuracy:
                    self._accuracy = status.running_accuracy
                    panel = self.index_panel if status.mode == "index" else self.estimates
                    panel.add(new)
                    panel.draw(status.running_accuracy)
                if new:
                    self._next_index = new[-1].index + 1
                    last = new[-1]
                    if last.level_map is not None:
                        self._level_map = np.asarray(last.level_map)
                        self._level_labels = tuple(last.level_labels)
                        self.mosaic.update_maps(self._level_map, self.channels)
                        self._draw_level_map()
                    elif self._level_map is None:
                        self.level_map.show_unavailable(status.model_name)
                self.stats.frames += 1
        except Exception as err:  # a GUI slot must never raise into Qt (it aborts)
            self.stats.errors += 1
            logger.exception("dashboard refresh failed")
            self.show_message(f"display error: {err}", error=True)
        dt = time.perf_counter() - t0
        self.stats.ticks += 1
        self.stats.busy_s += dt
        self.stats.max_ms = max(self.stats.max_ms, 1000 * dt)

    def _draw_level_map(self) -> None:
        lm = self._level_map
        if lm is None or not len(lm):
            return
        ch = min(self.channel, len(lm) - 1)
        name = self.channels[ch] if ch < len(self.channels) else f"ch{ch}"
        self.level_map.update_map(lm[ch], self._level_labels, name)

    def _show_status(self, status: EngineStatus) -> None:
        self.last_status = status
        if status.model_channels != self.channels:
            self.channels = tuple(status.model_channels)
            self.channel_combo.blockSignals(True)
            self.channel_combo.clear()
            self.channel_combo.addItems(self.channels)
            self.channel = min(self.channel, max(len(self.channels) - 1, 0))
            self.channel_combo.setCurrentIndex(self.channel)
            self.channel_combo.blockSignals(False)
            self.traces.set_channels(self.channels)
        banner = banner_text(status)
        if banner != self.banner.text() or self.banner.isVisible() != bool(banner):
            self.banner.setText(banner)
            self.banner.setVisible(bool(banner))
        want = self.index_panel if status.mode == "index" else self.estimates
        if self.outputs.currentWidget() is not want:
            self.outputs.setCurrentWidget(want)
        self.health.update_status(status)
        src = status.source
        if src.connected:
            text, color = f"●  {src.name} connected", theme.OK
        else:
            text, color = f"●  STREAM LOST: {src.name} — reconnecting", theme.BAD
        if self.connection.text() != text:
            self.connection.setText(text)
            self.connection.setStyleSheet(f"color: {color}; font-weight: bold;")
        recording = status.recording_path is not None
        if recording != self.record_button.isChecked():
            self._set_record_button(recording)
        if self._status_text == "waiting for the engine…":
            self.show_message(f"reading {src.name}: {len(src.channels)} channels, model "
                              f"{status.model_name} on {status.device}")
        if not src.connected:
            msg = f"stream lost: {src.last_error or 'no data'}; waiting for it to come back"
            if msg != self._status_text:
                self.show_message(msg, error=True)
            self._lost = True
        elif self._lost:
            self._lost = False
            self.show_message(f"stream {src.name} is back")
        elif status.messages and status.messages[-1] != self._engine_message:
            self._engine_message = status.messages[-1]
            self.show_message(self._engine_message)
