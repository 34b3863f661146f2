"""The dashboard in index mode: the indices panel replaces the probability bars, the
banner says "uncalibrated index, not a trained model" and names the calibrate
command, and the health panel shows the montage note (grabbed offscreen to PNG)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PyQt6.QtWidgets import QApplication

from eeg_emotion.montages import CYTON
from eeg_emotion.realtime.dashboard import DashboardWindow
from eeg_emotion.realtime.dashboard.health import format_health
from eeg_emotion.realtime.dashboard.theme import configure_pyqtgraph
from eeg_emotion.realtime.dashboard.window import banner_text
from eeg_emotion.realtime.engine.state import (
    INDEX_NOTE,
    EngineStatus,
    Estimate,
    IndexReading,
    SourceHealth,
)

MONTAGE_NOTE = "montage cyton assumed: 'obci_eeg1' is an OpenBCI stream with 8 unlabelled"
CALIBRATE = "for a model trained on you, record a labelled session: " \
            "`eeg-emotion calibrate --stream OpenBCI`"


class IndexEngine:
    """A stand-in EngineView of index mode: a fixed status, 40 readings, a sine signal."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        z = np.cumsum(rng.normal(0, 0.3, (40, 2)), axis=0)
        self.estimates = [Estimate(i, 100.0 + 0.5 * i, 1.0, {}, level_map=rng.normal(
            1, 0.2, (8, 4, i + 1)).astype(np.float32), level_labels=("a", "b", "c", "d"),
            indices=IndexReading({"valence": float(z[i, 0]), "arousal": float(z[i, 1])},
                                 {"frontal_alpha_asymmetry": 0.1, "beta_alpha_ratio": -2.0},
                                 "Fp1/Fp2", (i + 1, 30))) for i in range(40)]

    def status(self) -> EngineStatus:
        src = SourceHealth("obci_eeg1", "lsl", CYTON, 250.0, 250.0, 5000, 0, 0.0, 0, 0, True)
        return EngineStatus(source=src, model_name="band-power-index", model_channels=CYTON,
                            model_rate=250.0, device="cpu", filter_delay_ms=46.0,
                            windows_done=40, windows_skipped=0, latency_ms_p50=1.0,
                            latency_ms_p95=2.0, synthetic_model=False, recording_path=None,
                            notes=(MONTAGE_NOTE, CALIBRATE), adaptation=(40, 30),
                            mode="index")

    def latest_signal(self, seconds: float):
        t = np.arange(int(seconds * 250)) / 250.0
        return t, 20 * np.sin(2 * np.pi * 10 * t)[None].repeat(8, 0)

    def estimates_since(self, index: int):
        return [e for e in self.estimates if e.index >= index]

    def latest_estimate(self):
        return self.estimates[-1]

    def gaps_since(self, index: int):
        return []

    def start_recording(self, path: str) -> None:
        pass

    def stop_recording(self) -> None:
        pass


@pytest.fixture(scope="module")
def qapp() -> QApplication:
    app = QApplication.instance() or QApplication(["test"])
    configure_pyqtgraph()
    return app


def test_index_mode_window(qapp, tmp_path):
    engine = IndexEngine()
    win = DashboardWindow(engine, record_dir=tmp_path)
    win.resize(1280, 800)
    win.show()
    try:
        for _ in range(3):
            win.refresh()
            qapp.processEvents()
        assert win.stats.errors == 0
        assert win.outputs.currentWidget() is win.index_panel
        assert win.banner.isVisible() and INDEX_NOTE.upper() in win.banner.text()
        assert "eeg-emotion calibrate --stream OpenBCI" in win.banner.text()
        panel = win.index_panel
        assert panel.last is engine.estimates[-1] and len(panel.times) == 40
        last = engine.estimates[-1].indices.values
        assert f"{last['valence']:+.1f} σ" in panel.bar_plots["valence"].titleLabel.text
        assert INDEX_NOTE in panel.header.text
        rows = dict(format_health(engine.status()))
        assert rows["Baseline"].startswith("adapted") and MONTAGE_NOTE in rows["Notes"]
        assert MONTAGE_NOTE in win.health.values["Notes"].text()
        png = tmp_path / "index.png"
        assert win.grab().save(str(png)) and png.stat().st_size > 10_000
    finally:
        win.close()
        win.deleteLater()


def test_banner_text_by_mode():
    status = IndexEngine().status()
    assert banner_text(status).startswith(INDEX_NOTE.upper())
    model = dataclasses.replace(status, mode="model", notes=())
    assert banner_text(model) == ""
    assert "DEMONSTRATION" in banner_text(dataclasses.replace(model, synthetic_model=True))
