"""Scrolling, stacked multi-channel traces of the filtered signal."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from realtime.dashboard import theme

#: Fixed scales offered (microvolts between neighbouring channel baselines).
FIXED_SCALES_UV = (10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


def nice_scale(value: float) -> float:
    """Round ``value`` up to 1, 2 or 5 times a power of ten (stable, readable scales).

    Parameters
    ----------
    value : float
        A positive scale; non-finite or non-positive values give 1.0.

    Returns
    -------
    float
        The smallest of ``{1, 2, 5} * 10**k`` that is >= ``value``.
    """
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * 10.0 ** exp >= value * (1 - 1e-12):
            return step * 10.0 ** exp
    return 10.0 ** (exp + 1)  # pragma: no cover - the loop always returns


def auto_spacing(data: np.ndarray) -> float:
    """Baseline spacing that fits the typical channel: 4 x the median channel std, rounded.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_channels, n_times)

    Returns
    -------
    float
        Spacing in the data's units (microvolts), see :func:`nice_scale`.
    """
    if data.size == 0:
        return 1.0
    std = np.nanstd(data, axis=1)
    return nice_scale(4.0 * float(np.nanmedian(std)))


def stack(data: np.ndarray, spacing: float, clip: float = 2.0) -> np.ndarray:
    """Centre each channel, scale by ``spacing`` and offset it; channel 0 on top.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_channels, n_times)
    spacing : float
        Units between neighbouring baselines.
    clip : float
        Excursions are clipped at ``clip`` baselines so one artefact cannot hide the others.

    Returns
    -------
    numpy.ndarray, shape (n_channels, n_times)
        Channel ``i`` centred on ``n_channels - 1 - i``.
    """
    n_ch = data.shape[0]
    centred = (data - np.median(data, axis=1, keepdims=True)) / spacing
    np.clip(centred, -clip, clip, out=centred)
    return centred + np.arange(n_ch - 1, -1, -1, dtype=np.float64)[:, None]


class TracesPanel(pg.PlotWidget):
    """One :class:`pyqtgraph.PlotDataItem` per channel, stacked with offsets.

    Parameters
    ----------
    seconds : float
        Length of the visible window.
    """

    def __init__(self, seconds: float = 10.0, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.seconds = float(seconds)
        self.fixed_scale: float | None = None  # None: auto
        self.spacing = 1.0
        self.channels: tuple[str, ...] = ()
        self.curves: list[pg.PlotDataItem] = []
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setLabel("bottom", "time (s)")
        plot.showGrid(x=True, y=False, alpha=0.15)
        plot.setXRange(-self.seconds, 0, padding=0.01)
        self._title = "Filtered signal"
        plot.setTitle(self._title, color=theme.MUTED, size="10pt")
        plot.getAxis("left").setStyle(tickFont=_small_font())

    def set_channels(self, names: tuple[str, ...]) -> None:
        """(Re)build the curves and the channel-name axis for ``names``."""
        plot = self.getPlotItem()
        for curve in self.curves:
            plot.removeItem(curve)
        self.channels = tuple(names)
        n_ch = len(names)
        self.curves = []
        for i in range(n_ch):
            curve = plot.plot(pen=pg.mkPen(theme.series_color(i % 3), width=1))
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            curve.setSkipFiniteCheck(True)
            self.curves.append(curve)
        ticks = [(n_ch - 1 - i, name) for i, name in enumerate(names)]
        plot.getAxis("left").setTicks([ticks, []])
        plot.setYRange(-1, n_ch, padding=0)

    def set_scale(self, microvolts: float | None) -> None:
        """Fixed spacing in microvolts between baselines, or None for auto."""
        self.fixed_scale = microvolts

    def update_signal(self, times: np.ndarray, data: np.ndarray) -> None:
        """Draw ``data (C, n)`` against ``times (n,)`` (seconds before the newest sample)."""
        if data.ndim != 2 or data.shape[1] < 2 or data.shape[0] != len(self.curves):
            return
        x = times - times[-1]
        self.spacing = self.fixed_scale or auto_spacing(data)
        y = stack(np.asarray(data, dtype=np.float64), self.spacing)
        for curve, row in zip(self.curves, y, strict=True):
            curve.setData(x, row)
        mode = "fixed" if self.fixed_scale else "auto"
        title = f"Filtered signal — {self.spacing:g} µV between channels ({mode})"
        if title != self._title:
            self._title = title
            self.getPlotItem().setTitle(title, color=theme.MUTED, size="10pt")


def _small_font() -> object:
    from PyQt6.QtGui import QFont

    font = QFont()
    font.setPointSize(7)
    return font
