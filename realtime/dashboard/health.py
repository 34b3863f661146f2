"""Source and engine health as a compact table of labelled values."""

from __future__ import annotations

from PyQt6.QtWidgets import QGridLayout, QGroupBox, QLabel

from eeg_emotion.realtime.dashboard import theme
from eeg_emotion.realtime.engine.state import EngineStatus


def _channels_text(channels: tuple[str, ...], limit: int = 6) -> str:
    shown = ", ".join(channels[:limit])
    return f"{len(channels)} ({shown}{', …' if len(channels) > limit else ''})"


def format_health(status: EngineStatus) -> list[tuple[str, str]]:
    """The rows of the health table: ``(label, value)`` in display order.

    Parameters
    ----------
    status : EngineStatus
        A snapshot from :meth:`EngineView.status`.

    Returns
    -------
    list of tuple of str
    """
    src = status.source
    rate_ok = src.nominal_rate <= 0 or abs(src.measured_rate - src.nominal_rate) \
        <= 0.05 * src.nominal_rate
    return [
        ("Stream", f"{src.name} ({src.kind})"),
        ("Channels", _channels_text(src.channels)),
        ("Rate", f"{src.nominal_rate:g} Hz nominal, {src.measured_rate:.1f} Hz measured"
                 + ("" if rate_ok else " ⚠")),
        ("Samples", f"{src.samples_received:,}"),
        ("Gaps", f"{src.gaps} ({src.gap_seconds:.1f} s)"),
        ("Bad samples", f"{src.bad_samples} NaN/Inf repaired"),
        ("Windows", f"{status.windows_done:,} done, {status.windows_skipped} skipped"),
        ("Latency", f"p50 {status.latency_ms_p50:.0f} ms, p95 {status.latency_ms_p95:.0f} ms"),
        ("Filter delay", f"{status.filter_delay_ms:.0f} ms"),
        ("Model", f"{status.model_name} · {len(status.model_channels)} ch @ "
                  f"{status.model_rate:g} Hz · {status.device}"),
        *([(adaptation_key(status), adaptation_text(status.adaptation))]
          if status.adaptation is not None else []),
        *([("Notes", "\n".join(f"• {n}" for n in status.notes))] if status.notes else []),
        ("Recording", status.recording_path or "off"),
    ]


def adaptation_key(status: EngineStatus) -> str:
    """``"Baseline"`` for index mode's running baseline, else ``"Session norm"``."""
    return "Baseline" if status.mode == "index" else "Session norm"


def adaptation_text(adaptation: tuple[int, int]) -> str:
    """``"adapting (12/30)"`` during session normalisation's warm-up, then settled."""
    seen, warmup = adaptation
    if seen < warmup:
        return f"adapting ({seen}/{warmup})"
    return f"adapted to this session ({seen} windows)"


class HealthPanel(QGroupBox):
    """Two columns of key/value labels, refreshed from :class:`EngineStatus`."""

    def __init__(self, parent: object = None) -> None:
        super().__init__("Source and engine", parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 10, 8, 6)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}

    def update_status(self, status: EngineStatus) -> None:
        """Show ``status``; rows are (re)built when the set of rows changes."""
        rows = format_health(status)
        if [key for key, _ in rows] != list(self.values):
            self._build([key for key, _ in rows])
        for key, text in rows:
            label = self.values[key]
            if label.text() != text:
                label.setText(text)
                label.setToolTip(text if key == "Notes" else "")
        self.grid.setColumnStretch(1, 1)
        bad = status.source.bad_samples
        key = adaptation_key(status)
        if key in self.values:
            adapting = status.adaptation is not None and status.adaptation[0] < \
                status.adaptation[1]
            style = f"color: {theme.WARN};" if adapting else ""
            if self.values[key].styleSheet() != style:
                self.values[key].setStyleSheet(style)
        for key, warn in (("Gaps", status.source.gaps), ("Bad samples", bad)):
            style = f"color: {theme.WARN};" if warn else ""
            if self.values[key].styleSheet() != style:  # restyling costs a repaint
                self.values[key].setStyleSheet(style)

    def _build(self, keys: list[str]) -> None:
        """Create a key/value label pair per row (removing the old ones)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.values = {}
        for row, key in enumerate(keys):
            name = QLabel(key)
            name.setObjectName("key")
            label = QLabel()
            label.setWordWrap(True)
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(label, row, 1)
            self.values[key] = label
        self.grid.setColumnStretch(1, 1)
