"""Start the Qt application around a :class:`DashboardWindow` and run it."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from eeg_emotion.checks import check_seconds
from eeg_emotion.errors import ConfigError
from eeg_emotion.realtime.engine.state import EngineView

logger = logging.getLogger(__name__)


def check_display(what: str = "the dashboard", fix: str | None = None) -> None:
    """Raise a clear error instead of Qt aborting when there is no screen.

    Callers may run it before starting an engine, to fail early.

    Parameters
    ----------
    what : str
        The window that needs the screen.
    fix : str | None
        What the command that shows it can do instead (default: the dashboard's
        ``--headless`` / ``--duration`` / ``--screenshot``).

    Raises
    ------
    ConfigError
        On Linux with neither ``DISPLAY``, ``WAYLAND_DISPLAY`` nor ``QT_QPA_PLATFORM``.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise ConfigError(
            f"No screen found for {what} (neither DISPLAY nor WAYLAND_DISPLAY is set).",
            fix or "Run with --headless, or set QT_QPA_PLATFORM=offscreen together with "
            "--duration and --screenshot to save a picture of the dashboard.")


def run_dashboard(engine: EngineView, duration: float | None = None,
                  screenshot: str | None = None, title: str = "eeg-emotion — live",
                  record_dir: str = "recordings",
                  stop: threading.Event | None = None) -> int:
    """Show the live dashboard of ``engine`` until the window is closed or ``duration`` ends.

    Parameters
    ----------
    engine : EngineView
        A started engine; the dashboard only reads it (and starts/stops recording
        on request). The caller stops the engine afterwards.
    duration : float, optional
        Close after this many seconds (None: until the user closes the window).
    screenshot : str, optional
        Save a PNG of the window to this path at the end of ``duration`` (or on Ctrl-C).
    title : str
        Window title.
    record_dir : str
        Folder of the Record button's timestamped recordings.
    stop : threading.Event, optional
        Close the window (as at the end of ``duration``) when this is set, e.g. by a
        SIGTERM handler.

    Returns
    -------
    int
        The event loop's exit code (0 on a normal close).

    Raises
    ------
    ConfigError
        If ``duration`` is not positive, the screenshot folder does not exist, or
        there is no screen to show the window on.
    """
    check_seconds("--duration", duration, 60, leave_out="to run until the window is closed")
    if screenshot is not None and not Path(screenshot).resolve().parent.is_dir():
        raise ConfigError(f"Cannot save the screenshot {screenshot}: its folder does not "
                          "exist.", "Create the folder or choose another path.")
    check_display()
    # Qt loads only when a window is shown: `live --headless` and check_display() need none
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from eeg_emotion.realtime.dashboard.theme import configure_pyqtgraph
    from eeg_emotion.realtime.dashboard.window import DashboardWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "eeg-emotion"])
    configure_pyqtgraph()
    window = DashboardWindow(engine, title=title, record_dir=record_dir)
    window.resize(1280, 800)

    def finish() -> None:
        if not window.isVisible():
            return
        if screenshot is not None:
            ok = window.grab().save(str(screenshot))
            if ok:
                logger.info("dashboard screenshot saved to %s", screenshot)
            else:
                logger.error("could not save the dashboard screenshot to %s", screenshot)
        window.close()

    # Ctrl-C: Qt's loop blocks Python's signal handling unless Python runs now and then
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: finish()) if in_main else None
    # also how a `stop` event set from another thread or a signal handler is noticed
    wake = QTimer()
    wake.timeout.connect(lambda: finish() if stop is not None and stop.is_set() else None)
    wake.start(200)
    window.show()
    window.refresh()
    window.start()
    if duration is not None:
        QTimer.singleShot(int(duration * 1000), finish)
    app.setQuitOnLastWindowClosed(True)
    try:
        code = app.exec()
    finally:
        wake.stop()
        window.timer.stop()
        if in_main:
            signal.signal(signal.SIGINT, previous)
    stats = window.stats
    logger.info("dashboard: %d frames, %.1f ms per frame (max %.1f ms)", stats.frames,
                stats.mean_ms, stats.max_ms)
    window.deleteLater()
    return int(code)
