"""Colours, fonts and pyqtgraph settings shared by the dashboard panels."""

from __future__ import annotations

import pyqtgraph as pg

BACKGROUND = "#15181d"
PANEL = "#1d2128"
FOREGROUND = "#d6dae0"
MUTED = "#8a93a0"
OK = "#4cc38a"
WARN = "#e5a50a"
BAD = "#ff5f56"
ACCENT = "#4aa3ff"

#: One colour per target or class line (cycled).
SERIES = ("#4aa3ff", "#ff9f43", "#4cc38a", "#c678dd", "#ff5f56", "#e5c07b", "#56b6c2")

STYLESHEET = f"""
QMainWindow, QWidget {{ background: {BACKGROUND}; color: {FOREGROUND}; font-size: 12px; }}
QGroupBox {{ border: 1px solid #2c323c; border-radius: 4px; margin-top: 14px;
             padding: 4px; background: {PANEL}; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {MUTED};
                    font-weight: bold; }}
QLabel#banner {{ background: {WARN}; color: #111; font-weight: bold; padding: 4px;
                 border-radius: 3px; }}
QLabel#key {{ color: {MUTED}; }}
QToolBar {{ border: none; spacing: 6px; padding: 2px; }}
QComboBox, QPushButton {{ background: #262b34; border: 1px solid #3a414d; border-radius: 3px;
                          padding: 3px 8px; min-height: 20px; }}
QPushButton:checked {{ background: {ACCENT}; color: #111; }}
QPushButton#record:checked {{ background: {BAD}; color: #111; }}
QStatusBar {{ color: {MUTED}; }}
"""


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options: row-major images, dark background, no antialiasing."""
    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major",
                        background=BACKGROUND, foreground=FOREGROUND)


def series_color(i: int) -> str:
    """The colour of the ``i``-th line or bar set."""
    return SERIES[i % len(SERIES)]
