"""The live dashboard (PyQt6 + pyqtgraph): signal, level maps, estimates and health.

Only this package imports Qt, so headless mode needs no screen. The dashboard
reads the engine through :class:`eeg_emotion.realtime.engine.state.EngineView` on a timer and never
blocks acquisition or inference.

``run_dashboard(engine, duration=None, screenshot=None)`` shows the window;
``DashboardWindow(engine)`` can be driven tick by tick (``refresh()``) in tests.
"""

from __future__ import annotations

from typing import Any

from eeg_emotion.realtime.dashboard.app import check_display, run_dashboard

__all__ = ["DashboardWindow", "FrameStats", "check_display", "run_dashboard"]


def __getattr__(name: str) -> Any:
    if name in ("DashboardWindow", "FrameStats"):
        # the window imports Qt: load it only when asked for (headless needs no Qt)
        from eeg_emotion.realtime.dashboard import window

        return getattr(window, name)
    raise AttributeError(f"module 'eeg_emotion.realtime.dashboard' has no attribute {name!r}")
