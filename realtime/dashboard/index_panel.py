"""Index mode's panel: the two band-power indices as bars and their history.

Shown instead of the class probabilities when no trained model fits the stream
(:mod:`eeg_emotion.realtime.band_index`). Every view says what they are:
"uncalibrated index, not a trained model".
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg

from eeg_emotion.realtime.dashboard import theme
from eeg_emotion.realtime.dashboard.estimates import quality_text
from eeg_emotion.realtime.engine.state import INDEX_NOTE, Estimate

#: The indices shown, with what each is made of.
INDICES: tuple[tuple[str, str], ...] = (
    ("valence", "alpha asymmetry {pair}"),
    ("arousal", "beta/alpha, all EEG channels"),
)
#: Bars and history span this many standard deviations either side of the baseline.
Z_RANGE = 3.0


def index_title(name: str, z: float) -> str:
    """``"<b>valence index</b>: +1.2 σ"``."""
    return f"<b>{name} index</b>: {z:+.1f} σ"


def baseline_text(baseline: tuple[int, int]) -> str:
    """``"baseline settling (12/30)"`` or ``"baseline: 40 windows"``."""
    seen, warmup = baseline
    if seen < warmup:
        return f"baseline settling ({seen}/{warmup})"
    return f"baseline: {seen} windows"


class IndexPanel(pg.GraphicsLayoutWidget):
    """Bars of the z-scored valence and arousal indices above their history.

    Parameters
    ----------
    history_s : float
        Seconds of history shown.
    """

    def __init__(self, history_s: float = 60.0, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.history_s = float(history_s)
        self.times: deque[float] = deque()
        self.values: deque[np.ndarray] = deque()
        self.last: Estimate | None = None
        self._titles: dict[str, tuple[str, str]] = {}
        self._greyed: dict[str, bool] = {}
        self.header = self.addLabel(f"Band-power indices: {INDEX_NOTE}", color=theme.WARN,
                                    colspan=2, size="10pt")
        self.nextRow()
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.bar_plots: dict[str, pg.PlotItem] = {}
        for i, (name, _) in enumerate(INDICES):
            plot = self.addPlot()
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.setYRange(-Z_RANGE, Z_RANGE, padding=0.02)
            plot.setXRange(-0.6, 0.6, padding=0)
            plot.getAxis("bottom").setTicks([[(0, "z")]])
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.getAxis("left").setTicks([[(v, f"{v:+g}" if v else "0")
                                            for v in (-3, -2, -1, 0, 1, 2, 3)]])
            plot.addLine(y=0, pen=pg.mkPen(theme.MUTED))
            bar = pg.BarGraphItem(x=[0], height=[0.0], width=0.6,
                                  brush=pg.mkBrush(theme.series_color(i)))
            plot.addItem(bar)
            plot.setTitle(f"<b>{name} index</b>: waiting…", size="9pt")
            self.bars[name] = bar
            self.bar_plots[name] = plot
        self.nextRow()
        self.history = self.addPlot(colspan=2)
        self.history.setMenuEnabled(False)
        self.history.hideButtons()
        self.history.setMouseEnabled(x=False, y=False)
        self.history.setYRange(-Z_RANGE, Z_RANGE, padding=0.02)
        self.history.setXRange(-self.history_s, 0, padding=0)
        self.history.setLabel("bottom", "seconds ago")
        self.history.setLabel("left", "z vs session baseline")
        self.history.setTitle("Index history", color=theme.MUTED, size="10pt")
        self.history.showGrid(x=True, y=True, alpha=0.15)
        self.history.addLegend(offset=(5, 5), labelTextSize="8pt", colCount=2)
        self.curves = [self.history.plot(pen=pg.mkPen(theme.series_color(i), width=2),
                                         name=f"{name} index")
                       for i, (name, _) in enumerate(INDICES)]
        self.ci.layout.setRowStretchFactor(1, 3)
        self.ci.layout.setRowStretchFactor(2, 4)

    def add(self, estimates: list[Estimate]) -> None:
        """Append new index readings (estimates without indices are ignored)."""
        for est in estimates:
            if est.indices is None:
                continue
            self.times.append(est.time)
            self.values.append(np.array([est.indices.values.get(n, np.nan)
                                         for n, _ in INDICES]))
            self.last = est
        while self.times and self.last is not None and \
                self.times[0] < self.last.time - self.history_s:
            self.times.popleft()
            self.values.popleft()

    def draw(self, accuracy: dict[str, float] | None = None) -> None:
        """Redraw bars and history from the newest reading (``accuracy`` is not used); a
        reading of poor quality (much of its window repaired) is greyed out."""
        est = self.last
        if est is None or est.indices is None:
            return
        reading = est.indices
        poor = quality_text(est)
        for i, (name, what) in enumerate(INDICES):
            if name not in reading.values:  # e.g. valence on a montage without a frontal pair
                self.bars[name].setOpts(height=[0.0])
                title = f"<b>{name} index</b>: unavailable"
                footer = reading.unavailable.get(name, "not computed")[:60]
            else:
                z = float(reading.values[name])
                opts: dict = {"height": [float(np.clip(z, -Z_RANGE, Z_RANGE))]}
                if bool(poor) != self._greyed.get(name, False):  # greyed out: poor signal
                    self._greyed[name] = bool(poor)
                    opts["brush"] = pg.mkBrush(theme.MUTED if poor else theme.series_color(i))
                self.bars[name].setOpts(**opts)
                title = index_title(name, z)
                footer = what.format(pair=reading.pair) + (f" · {poor}" if poor else "")
            if (title, footer) != self._titles.get(name):
                self._titles[name] = (title, footer)
                plot = self.bar_plots[name]
                plot.setTitle(title, size="9pt")
                plot.setLabel("bottom", footer, **{"font-size": "8pt", "color": theme.MUTED})
        header = f"Band-power indices: {INDEX_NOTE} · {baseline_text(reading.baseline)}"
        if self.header.text != header:
            self.header.setText(header, color=theme.WARN, size="10pt")
        if self.times:
            x = np.fromiter(self.times, float) - est.time
            y = np.clip(np.stack(self.values), -Z_RANGE, Z_RANGE)
            for j, curve in enumerate(self.curves):
                curve.setData(x, y[:, j])
