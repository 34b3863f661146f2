"""Scrolling, stacked multi-channel traces of the filtered signal."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from eeg_emotion.realtime.dashboard import theme

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


def peak_decimate(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    """Keep each block's min and max so peaks survive when there are more samples than pixels.

    Parameters
    ----------
    x : numpy.ndarray, shape (n,)
    y : numpy.ndarray, shape (n_channels, n)
    max_points : int
        Upper bound on the points kept per channel.

    Returns
    -------
    tuple of numpy.ndarray
        ``x (m,)`` and ``y (n_channels, m)``, unchanged when ``n <= max_points``.
    """
    n = y.shape[-1]
    if n <= max_points or max_points < 2:
        return x, y
    k = int(np.ceil(2 * n / max_points))
    m = n // k
    blocks = y[:, n - m * k:].reshape(y.shape[0], m, k)
    out = np.empty((y.shape[0], m, 2), dtype=y.dtype)
    out[..., 0] = blocks.min(-1)
    out[..., 1] = blocks.max(-1)
    xb = x[n - m * k:].reshape(m, k)
    xs = np.stack([xb[:, 0], xb[:, -1]], axis=-1)
    return xs.reshape(-1), out.reshape(y.shape[0], -1)


class TracesPanel(pg.PlotWidget):
    """Stacked traces, drawn as a few connected paths (one per colour) for speed.

    Channels are split into ``n_colors`` groups (alternating colours); each group
    is one :class:`pyqtgraph.PlotCurveItem` with a NaN point between channels
    (``connect="finite"``), so a frame costs a handful of ``setData`` calls
    whatever the channel count.

    Parameters
    ----------
    seconds : float
        Length of the visible window.
    n_colors : int
        Alternating trace colours.
    """

    def __init__(self, seconds: float = 10.0, n_colors: int = 3, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.seconds = float(seconds)
        self.n_colors = int(n_colors)
        self.fixed_scale: float | None = None  # None: auto
        self.spacing = 1.0
        self.channels: tuple[str, ...] = ()
        self.curves: list[pg.PlotCurveItem] = []
        self.x = np.zeros(0)
        self.y = np.zeros((0, 0))  # what is drawn: (channels, points), stacked
        self._drawn: tuple | None = None
        self._label_step = 0
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setLabel("bottom", "time (s)")
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
        for g in range(min(self.n_colors, n_ch)):
            curve = pg.PlotCurveItem(pen=pg.mkPen(theme.series_color(g), width=1),
                                     skipFiniteCheck=True)
            plot.addItem(curve)
            self.curves.append(curve)
        self._label_step = 0
        self._update_labels()
        plot.setYRange(-1, n_ch, padding=0)

    def _update_labels(self) -> None:
        """Name every channel, or every k-th one when the rows are too thin for text."""
        n_ch = len(self.channels)
        height = self.getPlotItem().getViewBox().height()
        step = max(1, math.ceil(n_ch * 10 / height)) if height > 0 else 1
        if step != self._label_step:
            self._label_step = step
            ticks = [(n_ch - 1 - i, name) for i, name in enumerate(self.channels)
                     if i % step == 0]
            self.getPlotItem().getAxis("left").setTicks([ticks, []])

    def set_scale(self, microvolts: float | None) -> None:
        """Fixed spacing in microvolts between baselines, or None for auto."""
        self.fixed_scale = microvolts

    def channel_y(self, channel: int) -> np.ndarray:
        """The drawn (stacked) values of one channel."""
        return self.y[channel]

    def update_signal(self, times: np.ndarray, data: np.ndarray) -> bool:
        """Draw ``data (C, n)`` against ``times (n,)`` (seconds before the newest sample).

        Returns
        -------
        bool
            False when nothing was drawn: no usable data, or the same newest sample
            and scale as the last call.
        """
        if data.ndim != 2 or data.shape[1] < 2 or data.shape[0] != len(self.channels):
            return False
        key = (float(times[-1]), data.shape[1], self.fixed_scale)
        if key == self._drawn:
            return False
        self._drawn = key
        self._update_labels()
        self.spacing = self.fixed_scale or auto_spacing(data)
        y = stack(np.asarray(data, dtype=np.float64), self.spacing)
        width = max(int(self.getPlotItem().getViewBox().width()), 100)
        self.x, self.y = peak_decimate(times - times[-1], y, 2 * width)
        # each colour group is one path: channels separated by a NaN point, drawn with
        # connect="finite" (pyqtgraph's fast polygon path; no per-channel items)
        n = self.x.size
        for g, curve in enumerate(self.curves):
            rows = self.y[g::self.n_colors]
            ys = np.full((rows.shape[0], n + 1), np.nan)
            ys[:, :n] = rows
            xs = np.empty(n + 1)
            xs[:n] = self.x
            xs[n] = np.nan
            curve.setData(np.tile(xs, rows.shape[0]), ys.reshape(-1), connect="finite")
        mode = "fixed" if self.fixed_scale else "auto"
        title = f"Filtered signal — {self.spacing:g} µV between channels ({mode})"
        if title != self._title:
            self._title = title
            self.getPlotItem().setTitle(title, color=theme.MUTED, size="10pt")
        return True


def _small_font() -> object:
    from PyQt6.QtGui import QFont

    font = QFont()
    font.setPointSize(7)
    return font
