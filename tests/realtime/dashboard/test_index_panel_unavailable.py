"""The index panel on a montage without a frontal pair: arousal drawn, valence unavailable."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication

from eeg_emotion.realtime.dashboard.index_panel import IndexPanel
from eeg_emotion.realtime.dashboard.theme import configure_pyqtgraph
from eeg_emotion.realtime.engine.state import Estimate, IndexReading

WHY = "the montage (Fz, C3, Cz, C4, Pz, PO7, Oz, PO8) has none of the frontal pairs"


@pytest.fixture(scope="module")
def qapp() -> QApplication:
    app = QApplication.instance() or QApplication(["test"])
    configure_pyqtgraph()
    return app


def test_valence_shown_unavailable_with_the_reason(qapp):
    panel = IndexPanel(history_s=30.0)
    panel.add([Estimate(i, 100.0 + 0.5 * i, 1.0, {}, indices=IndexReading(
        {"arousal": 0.1 * i}, {"beta_alpha_ratio": -2.0}, "", (i + 1, 30),
        {"valence": WHY})) for i in range(10)])
    panel.draw()
    title, footer = panel._titles["valence"]
    assert "unavailable" in title and footer.startswith("the montage (Fz")
    assert "+0.9 σ" in panel._titles["arousal"][0]
