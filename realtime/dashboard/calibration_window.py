"""The calibration window: stimulus, countdown, signal quality and the SAM rating sliders.

The session itself runs in a worker thread
(:func:`eeg_emotion.realtime.calibration.session.run_session`); it talks to the
window through :class:`QtFrontEnd`, whose calls cross into the GUI thread as Qt
signals, so neither waits on the other except where the user must answer (the
rating). Closing the window ends the session after recording what is done.

Images show in the window; audio and video play through QtMultimedia where the
system has it, and otherwise the window names the file and opens it with the
desktop's player.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, QTimer, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices, QPixmap
from PyQt6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from eeg_emotion.realtime.calibration.protocol import SCALES, Block
from eeg_emotion.realtime.calibration.session import CalibrationStopped, ChannelQuality
from eeg_emotion.realtime.dashboard import theme

log = logging.getLogger(__name__)

_STATUS_COLOR = {"ok": theme.OK, "noisy": theme.WARN, "flat": theme.BAD, "railed": theme.BAD,
                 "no data": theme.MUTED}


class _Bridge(QObject):
    """Signals from the worker thread to the window."""

    phase = pyqtSignal(object, str, float, int, int)
    tick = pyqtSignal(float, object)
    ask = pyqtSignal(object)
    message = pyqtSignal(str)
    finished = pyqtSignal(str)


class CalibrationWindow(QMainWindow):
    """The window a person sees during ``eeg-emotion calibrate``.

    Parameters
    ----------
    title : str
        Window title.
    """

    def __init__(self, title: str = "eeg-emotion — calibration") -> None:
        super().__init__()
        self.setWindowTitle(title)
        self.setStyleSheet(theme.STYLESHEET + _EXTRA_STYLE)
        self.bridge = _Bridge()
        self.bridge.phase.connect(self.show_phase)
        self.bridge.tick.connect(self.show_tick)
        self.bridge.ask.connect(self.ask_rating)
        self.bridge.message.connect(self.show_message)
        self.bridge.finished.connect(self._finished)
        self.answered = threading.Event()
        self.closed = threading.Event()
        self.rating: dict[str, float] = {}
        self._player: tuple | None = None
        self._video: QWidget | None = None
        self._build()

    # -- layout ---------------------------------------------------------------------
    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(24, 16, 24, 16)
        self.header = QLabel("Calibration")
        self.header.setObjectName("header")
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.countdown)
        outer.addLayout(top)
        self.stimulus = QLabel("Sit comfortably. The first block starts in a moment.")
        self.stimulus.setObjectName("stimulus")
        self.stimulus.setWordWrap(True)
        self.stimulus.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stimulus.setMinimumHeight(260)
        outer.addWidget(self.stimulus, 1)
        self.rating_panel = QWidget()
        grid = QGridLayout(self.rating_panel)
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        for row, (scale, (low, high)) in enumerate(SCALES.items()):
            name = QLabel(scale.capitalize())
            name.setObjectName("scale")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(1, 9)
            slider.setValue(5)
            slider.setTickPosition(QSlider.TickPosition.TicksBelow)
            slider.setTickInterval(1)
            value = QLabel("5")
            value.setObjectName("value")
            slider.valueChanged.connect(lambda v, lab=value: lab.setText(str(v)))
            grid.addWidget(name, row, 0)
            grid.addWidget(QLabel(f"1  {low}"), row, 1)
            grid.addWidget(slider, row, 2)
            grid.addWidget(QLabel(f"{high}  9"), row, 3)
            grid.addWidget(value, row, 4)
            grid.setColumnStretch(2, 1)
            self.sliders[scale] = slider
            self.values[scale] = value
        self.save_button = QPushButton("Save rating and continue")
        self.save_button.clicked.connect(self._save)
        grid.addWidget(self.save_button, len(SCALES), 2)
        self.rating_panel.setVisible(False)
        outer.addWidget(self.rating_panel)
        self.quality = QLabel("signal: waiting for data")
        self.quality.setObjectName("quality")
        self.quality.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.quality)
        self.status = QLabel("")
        self.status.setObjectName("key")
        outer.addWidget(self.status)
        self.setCentralWidget(central)
        self.resize(1100, 720)

    # -- slots (GUI thread) ---------------------------------------------------------------
    def show_phase(self, block: Block, phase: str, seconds: float, done: int,
                   total: int) -> None:
        """Show a rest or stimulus phase."""
        self._stop_media()
        self.rating_panel.setVisible(False)
        what = "Rest" if phase == "rest" else "Stimulus"
        self.header.setText(f"Block {block.index + 1} — {what}   ({done} of {total} rated)")
        if phase == "rest":
            self.stimulus.setPixmap(QPixmap())
            self.stimulus.setText("Rest. Sit still, eyes open, and relax.")
            return
        s = block.stimulus
        if s.kind == "image":
            pix = QPixmap(s.path)
            if pix.isNull():
                self.stimulus.setText(f"(cannot show {s.text})")
            else:
                self.stimulus.setPixmap(pix.scaled(
                    self.stimulus.size(), Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation))
        elif s.kind in ("audio", "video"):
            self.stimulus.setText(f"{s.kind.capitalize()}: {s.text}")
            self._play(Path(s.path), video=s.kind == "video")
        else:
            self.stimulus.setText(s.text)

    def show_tick(self, seconds_left: float, quality: list[ChannelQuality]) -> None:
        """Countdown and one coloured chip per channel."""
        self.countdown.setText(f"{seconds_left:4.0f} s")
        chips = " ".join(
            f"<span style='color:{_STATUS_COLOR.get(q.status, theme.MUTED)}'>● {q.channel}"
            f"</span>" for q in quality)
        bad = [f"{q.channel} {q.status}" for q in quality if q.status != "ok"]
        self.quality.setText(f"signal: {chips}" + (f"  — check {', '.join(bad)}"
                                                   if bad else ""))

    def ask_rating(self, block: Block) -> None:
        """Show the sliders for this block's rating."""
        self._stop_media()
        self.header.setText(f"Block {block.index + 1} — how did you feel?")
        self.stimulus.setPixmap(QPixmap())
        self.stimulus.setText("Rate how you felt during the stimulus, from 1 to 9.")
        self.countdown.setText("")
        for slider in self.sliders.values():
            slider.setValue(5)
        self.rating_panel.setVisible(True)

    def show_message(self, text: str) -> None:
        """A line in the status row."""
        self.status.setText(text)

    def _finished(self, text: str) -> None:
        self.show_message(text)
        self.close()

    def _save(self) -> None:
        self.rating = {s: float(sl.value()) for s, sl in self.sliders.items()}
        self.rating_panel.setVisible(False)
        self.answered.set()

    def _play(self, path: Path, video: bool) -> None:
        try:  # QtMultimedia needs the system's audio libraries
            from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer
        except ImportError as exc:
            log.info("QtMultimedia unavailable (%s): opening %s with the desktop", exc, path)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            self.show_message(f"playing {path.name} in your media player")
            return
        player = QMediaPlayer(self)
        audio = QAudioOutput(self)
        player.setAudioOutput(audio)
        if video:
            from PyQt6.QtMultimediaWidgets import QVideoWidget
            widget = QVideoWidget()
            widget.resize(960, 540)
            widget.show()
            player.setVideoOutput(widget)
            self._video = widget
        player.setSource(QUrl.fromLocalFile(str(path)))
        player.play()
        self._player = (player, audio)

    def _stop_media(self) -> None:
        if self._player is not None:
            self._player[0].stop()
            self._player = None
        if self._video is not None:
            self._video.close()
            self._video = None

    def closeEvent(self, event: object) -> None:
        """Closing the window ends the session (what was rated is kept)."""
        self.closed.set()
        self.answered.set()
        super().closeEvent(event)


class QtFrontEnd:
    """The session's front-end calls, sent to a :class:`CalibrationWindow`.

    Parameters
    ----------
    window : CalibrationWindow
    """

    def __init__(self, window: CalibrationWindow) -> None:
        self.window = window

    def show(self, block: Block, phase: str, seconds: float, done: int, total: int) -> None:
        """See :class:`eeg_emotion.realtime.calibration.session.FrontEnd`."""
        self.window.bridge.phase.emit(block, phase, seconds, done, total)

    def tick(self, seconds_left: float, quality: list[ChannelQuality]) -> None:
        """See :class:`eeg_emotion.realtime.calibration.session.FrontEnd`."""
        if self.window.closed.is_set():
            raise CalibrationStopped("the calibration window was closed",
                                     "continue later with --resume")
        self.window.bridge.tick.emit(seconds_left, quality)

    def rate(self, block: Block) -> dict[str, float]:
        """Wait for the sliders (or the window closing)."""
        self.window.answered.clear()
        self.window.bridge.ask.emit(block)
        self.window.answered.wait()
        if self.window.closed.is_set():
            raise CalibrationStopped("the calibration window was closed",
                                     "continue later with --resume")
        return dict(self.window.rating)

    def message(self, text: str) -> None:
        """See :class:`eeg_emotion.realtime.calibration.session.FrontEnd`."""
        self.window.bridge.message.emit(text)


#: milliseconds between two looks at the stop request (Ctrl-C, SIGTERM)
STOP_POLL_MS = 100


def run_calibration_window(run: Callable[[QtFrontEnd], Any],
                           stop: threading.Event | None = None) -> Any:
    """Show the window and run ``run(frontend)`` in a worker thread until it returns.

    Parameters
    ----------
    run : callable
        The session (e.g. :func:`~eeg_emotion.realtime.calibration.session.run_session`
        with its other arguments bound); it gets the window's :class:`QtFrontEnd`.
    stop : threading.Event | None
        Set it (a Ctrl-C or SIGTERM handler) to close the window as the user would:
        a timer looks at it every :data:`STOP_POLL_MS` ms, which also lets Python run
        its signal handlers while Qt's loop holds the main thread. The session then
        ends after recording what is done, also while it waits for a rating.

    Returns
    -------
    Whatever ``run`` returned; its exception is raised here after the window closed.
    """
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "eeg-emotion"])
    theme.configure_pyqtgraph()
    window = CalibrationWindow()
    window.show()
    outcome: dict[str, Any] = {}

    def worker() -> None:
        try:
            outcome["value"] = run(QtFrontEnd(window))
        except BaseException as exc:  # handed to the GUI thread, raised below
            outcome["error"] = exc
        finally:
            window.bridge.finished.emit("calibration finished")

    def look() -> None:
        if stop is not None and stop.is_set() and window.isVisible():
            log.info("stop requested: closing the calibration window")
            window.close()  # closeEvent: the session ends, a waiting rating too

    poll = QTimer()
    poll.timeout.connect(look)
    poll.start(STOP_POLL_MS)
    thread = threading.Thread(target=worker, name="calibration-session", daemon=True)
    thread.start()
    app.setQuitOnLastWindowClosed(True)
    try:
        app.exec()
    finally:
        poll.stop()
        window.closed.set()
        window.answered.set()
    thread.join(timeout=10.0)
    if thread.is_alive():
        log.warning("the calibration session did not end within 10 s of the window closing")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


_EXTRA_STYLE = f"""
QLabel#header {{ font-size: 20px; font-weight: bold; }}
QLabel#countdown {{ font-size: 28px; font-weight: bold; color: {theme.ACCENT}; }}
QLabel#stimulus {{ font-size: 24px; padding: 24px; background: {theme.PANEL};
                   border-radius: 6px; }}
QLabel#scale {{ font-size: 16px; font-weight: bold; }}
QLabel#value {{ font-size: 18px; font-weight: bold; color: {theme.ACCENT}; min-width: 24px; }}
QLabel#quality {{ font-size: 13px; }}
"""
