"""Emotion estimates: current class probabilities as bars, and their history."""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg

from eeg_emotion.realtime.dashboard import theme
from eeg_emotion.realtime.engine.state import Estimate


def history_series(targets: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """The ``(target, class)`` pairs drawn as history lines.

    A two-class target is one line, the probability of its last class (``high``);
    a target with more classes (SEED-IV's emotion) gets a line per class.

    Parameters
    ----------
    targets : dict
        ``{target: (class, ...)}`` in display order.

    Returns
    -------
    list of tuple
    """
    out: list[tuple[str, str]] = []
    for target, classes in targets.items():
        out.extend([(target, classes[-1])] if len(classes) == 2 else
                   [(target, c) for c in classes])
    return out


def quality_text(est: Estimate) -> str:
    """``"poor signal: 34% repaired"`` for an estimate of poor quality, else ``""``."""
    return f"poor signal: {est.repaired:.0%} repaired" if est.quality == "poor" else ""


def top_class(probabilities: dict[str, float]) -> tuple[str, float]:
    """The most probable class and its probability."""
    name = max(probabilities, key=probabilities.__getitem__)
    return name, float(probabilities[name])


class EstimatesPanel(pg.GraphicsLayoutWidget):
    """Bars per target (with ground truth and running accuracy) above a history plot.

    Parameters
    ----------
    history_s : float
        Seconds of history shown.
    """

    def __init__(self, history_s: float = 60.0, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.history_s = float(history_s)
        self.targets: dict[str, tuple[str, ...]] = {}
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.bar_plots: dict[str, pg.PlotItem] = {}
        self.series: list[tuple[str, str]] = []
        self.curves: list[pg.PlotDataItem] = []
        self.times: deque[float] = deque()
        self.values: deque[np.ndarray] = deque()
        self.history: pg.PlotItem | None = None
        self.last: Estimate | None = None
        self._titles: dict[str, tuple[str, str]] = {}
        self._greyed: dict[str, bool] = {}
        self._waiting = self.addLabel("Waiting for the first estimate…", color=theme.MUTED)

    def _build(self, targets: dict[str, tuple[str, ...]]) -> None:
        self.clear()
        self.targets = targets
        self.bars, self.bar_plots, self._titles, self._greyed = {}, {}, {}, {}
        per_row = min(len(targets), 3)
        for i, (target, classes) in enumerate(targets.items()):
            if i and i % per_row == 0:
                self.nextRow()
            plot = self.addPlot()
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.setYRange(0, 1, padding=0.02)
            plot.setXRange(-0.6, len(classes) - 0.4, padding=0)
            plot.getAxis("bottom").setTicks([list(enumerate(classes))])
            plot.getAxis("left").setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
            if i % per_row:
                plot.getAxis("left").setWidth(14)
                plot.getAxis("left").setStyle(showValues=False)
            plot.addLine(y=1 / len(classes), pen=pg.mkPen(theme.MUTED, style=_dash()))
            brushes = [pg.mkBrush(theme.series_color(i)) for _ in classes]
            bar = pg.BarGraphItem(x=np.arange(len(classes)), height=np.zeros(len(classes)),
                                  width=0.6, brushes=brushes)
            plot.addItem(bar)
            self.bars[target] = bar
            self.bar_plots[target] = plot
        self.nextRow()
        self.history = self.addPlot(colspan=per_row)
        self.history.setMenuEnabled(False)
        self.history.hideButtons()
        self.history.setMouseEnabled(x=False, y=False)
        self.history.setYRange(0, 1, padding=0.02)
        self.history.setXRange(-self.history_s, 0, padding=0)
        self.history.setLabel("bottom", "seconds ago")
        self.history.setTitle("Probability history", color=theme.MUTED, size="10pt")
        self.history.showGrid(x=True, y=True, alpha=0.15)
        self.history.addLegend(offset=(5, 5), labelTextSize="8pt", colCount=3)
        self.series = history_series(targets)
        self.curves = []
        for j, (target, cls) in enumerate(self.series):
            color = theme.series_color(list(targets).index(target) if len(targets) > 1 else j)
            self.curves.append(self.history.plot(pen=pg.mkPen(color, width=2),
                                                 name=f"{target}: p({cls})"))
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(self.ci.layout.rowCount() - 1, 4)
        self.times.clear()
        self.values.clear()

    def add(self, estimates: list[Estimate]) -> None:
        """Append new estimates to the history (oldest first)."""
        for est in estimates:
            targets = {t: tuple(p) for t, p in est.probabilities.items()}
            if targets != self.targets:
                self._build(targets)
            probs = est.smoothed or est.probabilities
            self.times.append(est.time)
            self.values.append(np.array([probs[t][c] for t, c in self.series]))
            self.last = est
        while self.times and self.last is not None and \
                self.times[0] < self.last.time - self.history_s:
            self.times.popleft()
            self.values.popleft()

    def draw(self, accuracy: dict[str, float]) -> None:
        """Redraw bars and history from the newest estimate; ``accuracy`` per target.

        An estimate of poor quality (much of its window was repaired NaN/Inf samples)
        is drawn greyed out, and its title says so.
        """
        est = self.last
        if est is None:
            return
        poor = quality_text(est)
        for i, (target, bar) in enumerate(self.bars.items()):
            probs = est.probabilities[target]
            classes = self.targets[target]
            truth = (est.ground_truth or {}).get(target)
            pens = [pg.mkPen("w", width=2) if c == truth else pg.mkPen(None) for c in classes]
            opts = {"height": np.array([probs[c] for c in classes]), "pens": pens}
            if bool(poor) != self._greyed.get(target, False):  # only when quality changes
                self._greyed[target] = bool(poor)
                color = theme.MUTED if poor else theme.series_color(i)
                opts["brushes"] = [pg.mkBrush(color) for _ in classes]
            bar.setOpts(**opts)
            name, p = top_class(probs)
            extra = [poor] if poor else []
            if truth is not None:
                extra.append(f"truth {truth} {'✓' if truth == name else '✗'}")
            if target in accuracy:
                extra.append(f"accuracy {100 * accuracy[target]:.0f}%")
            # short title: a LabelItem's text sets the plot's minimum width
            title = f"<b>{target}</b>: {name} {100 * p:.0f}%" if not poor else \
                f"<span style='color:{theme.MUTED}'>{target}: {name} {100 * p:.0f}%</span>"
            footer = " · ".join(extra)
            if (title, footer) != self._titles.get(target):
                self._titles[target] = (title, footer)
                plot = self.bar_plots[target]
                plot.setTitle(title, size="9pt")
                plot.setLabel("bottom", footer, **{"font-size": "8pt", "color": theme.MUTED})
        if self.times:
            x = np.fromiter(self.times, float) - est.time
            y = np.stack(self.values)
            for j, curve in enumerate(self.curves):
                curve.setData(x, y[:, j])


def _dash() -> object:
    from PyQt6.QtCore import Qt

    return Qt.PenStyle.DashLine
