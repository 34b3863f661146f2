"""The model's spectrogram-like level map: one channel large, all channels as a mosaic."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, pyqtSignal
from PyQt6.QtWidgets import QGraphicsRectItem

from eeg_emotion.realtime.dashboard import theme


def color_levels(image: np.ndarray) -> tuple[float, float]:
    """Robust colour range of an image: its 2nd and 98th percentiles (never equal).

    Parameters
    ----------
    image : numpy.ndarray
        Any shape; non-finite values are ignored.

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``high > low``.
    """
    finite = image[np.isfinite(image)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(finite, [2, 98])
    if hi - lo < 1e-9:
        return float(lo) - 0.5, float(lo) + 0.5
    return float(lo), float(hi)


def mosaic_shape(n_maps: int, aspect: float = 1.6, tile_aspect: float = 2.0) -> tuple[int, int]:
    """Rows and columns of a grid of ``n_maps`` tiles whose overall shape is near ``aspect``.

    Tiles are stretched to the panel, so only their displayed shape matters, not
    their pixel counts.

    Parameters
    ----------
    n_maps : int
        Number of tiles (channels).
    aspect : float
        Wanted width / height of the whole mosaic.
    tile_aspect : float
        Displayed width / height of one tile.

    Returns
    -------
    tuple of int
        ``(rows, cols)`` with ``rows * cols >= n_maps`` and no empty row.
    """
    best, best_err = (n_maps, 1), math.inf
    for cols in range(1, n_maps + 1):
        rows = math.ceil(n_maps / cols)
        err = abs(math.log(cols * tile_aspect / rows / aspect))
        if err < best_err:
            best, best_err = (rows, cols), err
    return best


def pool_time(level_map: np.ndarray, max_steps: int = 64) -> np.ndarray:
    """Average neighbouring time steps so that at most ``max_steps`` remain (newest kept).

    Parameters
    ----------
    level_map : numpy.ndarray, shape (..., n_times)
    max_steps : int

    Returns
    -------
    numpy.ndarray, shape (..., <= max_steps)
    """
    n_t = level_map.shape[-1]
    if n_t <= max_steps:
        return level_map
    k = math.ceil(n_t / max_steps)
    m = n_t // k
    tail = level_map[..., n_t - m * k:]
    return tail.reshape(*level_map.shape[:-1], m, k).mean(-1)


def mosaic_gaps(map_shape: tuple[int, int]) -> tuple[int, int]:
    """Gap (levels, time) between tiles: about a sixteenth of a tile, at least one pixel."""
    return max(1, map_shape[0] // 16), max(1, map_shape[1] // 16)


def mosaic(level_map: np.ndarray, cols: int, gaps: tuple[int, int] = (1, 1)) -> np.ndarray:
    """Tile ``(C, L, T)`` maps into one image, channel 0 top-left, NaN gaps between tiles.

    Parameters
    ----------
    level_map : numpy.ndarray, shape (n_channels, n_levels, n_times)
    cols : int
        Tiles per row.
    gaps : tuple of int
        Gap rows (between tile rows) and gap columns (between tile columns).

    Returns
    -------
    numpy.ndarray, shape (rows * (L + gl) - gl, cols * (T + gt) - gt)
        Row-major image; pyqtgraph draws image row 0 at the bottom, so level 0 of
        each tile is at the tile's bottom. Gaps and empty tiles are NaN (transparent).
    """
    n_ch, n_lev, n_t = level_map.shape
    gl, gt = gaps
    rows = math.ceil(n_ch / cols)
    padded = np.full((rows * cols, n_lev + gl, n_t + gt), np.nan, np.float32)
    padded[:n_ch, :n_lev, :n_t] = level_map
    # tile (r, c) holds channel r * cols + c; reverse the tile rows to put row 0 on top
    grid = padded.reshape(rows, cols, n_lev + gl, n_t + gt)[::-1]
    image = grid.transpose(0, 2, 1, 3).reshape(rows * (n_lev + gl), cols * (n_t + gt))
    return image[: image.shape[0] - gl, : image.shape[1] - gt]  # drop the outer gaps


class LevelMapPanel(pg.GraphicsLayoutWidget):
    """Level x time image of one channel with a colour bar and labelled level axis."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.plot = self.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("bottom", "time step in window")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap="viridis", interactive=False, width=12,
                                        label="level value")
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.labels: tuple[str, ...] = ()
        self._shape = (0, 0)
        self.max_steps = 128
        self.channel = ""
        self.data: np.ndarray | None = None
        self.plot.setTitle("Level map — waiting for the first estimate", color=theme.MUTED,
                           size="10pt")

    def show_unavailable(self, model_name: str) -> None:
        """Say that the model gives no level map (instead of waiting forever)."""
        title = f"Level map — not provided by {model_name}"
        if self.channel != title:
            self.channel = title
            self.plot.setTitle(title, color=theme.MUTED, size="10pt")

    def update_map(self, data: np.ndarray, labels: tuple[str, ...], channel: str) -> None:
        """Show ``data (levels, time)`` for ``channel``; ``labels`` name the levels."""
        n_lev, n_t = data.shape
        self.data = data
        # more steps than pixels alias into stripes: average neighbours instead
        shown = pool_time(np.asarray(data, dtype=np.float32), self.max_steps)
        used = shown.shape[1] * math.ceil(n_t / self.max_steps) if shown.shape[1] < n_t else n_t
        self.image.setImage(shown, autoLevels=False)
        self.image.setRect(QRectF(n_t - used, 0, used, n_lev))
        self.colorbar.setLevels(color_levels(shown))
        labels = tuple(labels) if len(labels) == n_lev else tuple(f"L{i + 1}"
                                                                  for i in range(n_lev))
        if labels != self.labels or (n_lev, n_t) != self._shape:
            self.labels = labels
            self._shape = (n_lev, n_t)
            self.plot.getAxis("left").setTicks([[(i + 0.5, s) for i, s in enumerate(labels)]])
            self.plot.setRange(xRange=(0, n_t), yRange=(0, n_lev), padding=0)
        if channel != self.channel:
            self.channel = channel
            self.plot.setTitle(f"Level map — {channel}", color=theme.MUTED, size="10pt")


class MosaicPanel(pg.GraphicsLayoutWidget):
    """All channels' level maps in a grid, with names; click a tile to select its channel."""

    channel_clicked = pyqtSignal(int)

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.plot = self.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setTitle("All channels (click to select)", color=theme.MUTED, size="10pt")
        self.plot.getViewBox().invertY(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(pg.mkPen(theme.BAD, width=2))
        self.plot.addItem(self.highlight)
        self.names: tuple[str, ...] = ()
        self.grid: tuple[int, int] = (0, 0)  # rows, cols
        self.tile: tuple[int, int, int, int] = (0, 0, 1, 1)  # levels, steps, gaps
        self.texts: list[pg.TextItem] = []
        self.selected = 0
        self.data: np.ndarray | None = None
        self.image.mouseClickEvent = self._clicked

    def update_maps(self, level_map: np.ndarray, names: tuple[str, ...]) -> None:
        """Show every channel of ``level_map (C, L, T)``; ``names`` label the tiles."""
        pooled = pool_time(np.asarray(level_map, dtype=np.float32))
        n_ch, n_lev, n_t = pooled.shape
        if len(names) != n_ch:
            names = tuple(f"ch{i}" for i in range(n_ch))
        if self.tile[:2] != (n_lev, n_t) or names != self.names:
            rows, cols = mosaic_shape(n_ch)
            self.grid = (rows, cols)
            self.tile = (n_lev, n_t, *mosaic_gaps((n_lev, n_t)))
            self.names = names
            self._place_names()
        image = mosaic(pooled, self.grid[1], self.tile[2:])
        self.data = image
        self.image.setImage(image, levels=color_levels(pooled))
        self.image.setRect(QRectF(0, 0, image.shape[1], image.shape[0]))
        self._place_highlight()

    def select(self, channel: int) -> None:
        """Outline tile ``channel``."""
        self.selected = channel
        self._place_highlight()

    def tile_origin(self, channel: int) -> tuple[float, float]:
        """Bottom-left corner ``(x, y)`` of a channel's tile in image coordinates."""
        rows, cols = self.grid
        n_lev, n_t, gl, gt = self.tile
        r, c = divmod(channel, max(cols, 1))
        return c * (n_t + gt), (rows - 1 - r) * (n_lev + gl)

    def channel_at(self, x: float, y: float) -> int | None:
        """The channel whose tile (gap included) holds image point ``(x, y)``, or None."""
        rows, cols = self.grid
        n_lev, n_t, gl, gt = self.tile
        if not rows or x < 0 or y < 0:
            return None
        c, r = int(x // (n_t + gt)), rows - 1 - int(y // (n_lev + gl))
        ch = r * cols + c
        return ch if 0 <= c < cols and 0 <= r < rows and ch < len(self.names) else None

    def _place_names(self) -> None:
        for text in self.texts:
            self.plot.removeItem(text)
        self.texts = []
        n_lev = self.tile[0]
        for ch, name in enumerate(self.names):
            x, y = self.tile_origin(ch)
            text = pg.TextItem(name, color="w", anchor=(0, 0))
            text.setFont(_tile_font())
            text.setPos(x, y + n_lev)
            self.plot.addItem(text)
            self.texts.append(text)
        rows, cols = self.grid
        n_lev, n_t, gl, gt = self.tile
        self.plot.setRange(xRange=(0, cols * (n_t + gt) - gt),
                           yRange=(0, rows * (n_lev + gl) - gl), padding=0.01)

    def _place_highlight(self) -> None:
        if not self.grid[0] or self.selected >= len(self.names):
            self.highlight.setVisible(False)
            return
        x, y = self.tile_origin(self.selected)
        self.highlight.setRect(QRectF(x, y, self.tile[1], self.tile[0]))
        self.highlight.setVisible(True)

    def _clicked(self, event: object) -> None:
        pos = event.pos()
        ch = self.channel_at(pos.x(), pos.y())
        if ch is not None:
            self.channel_clicked.emit(ch)


def _tile_font() -> object:
    from PyQt6.QtGui import QFont

    font = QFont()
    font.setPointSize(7)
    return font
