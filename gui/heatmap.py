"""Tensors you can see: an array as a heatmap on a diverging colour scale.

Negative numbers are blue, zero is white, positive numbers are red; the
scale is symmetric, ±(the largest magnitude), so the same colour means the
same number within one picture and the sign always reads at a glance.  Not a
number is grey, ±inf the darkest colour of its sign.

* A matrix is one picture, a row per row.  A vector is a one-row bar strip.
* Higher ranks (an image batch (N, C, H, W), a (C, H, W) image) become a grid
  of the last two axes: one tile per leading index, the leading axes laid out
  row-major (the second-to-last leading axis across, for (N, C, H, W): one row
  of channels per image), tiles one pixel apart.

:class:`HeatmapCache` keeps the picture of the last array it was given and
draws again only when the numbers change (it compares them; ``renders``
counts the pictures made), so a wire or an inspector page repainted for any
other reason costs nothing.  :class:`HeatmapView` is the inspector's widget:
the picture scaled to the widget, the number under the mouse as its tooltip.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from chainrule.core.formatting import format_value
from chainrule.gui import theme

def _rgb(role: str) -> tuple[int, int, int]:
    """A theme colour as (r, g, b): the scale's ends and middle are the theme's
    (ColorBrewer's RdBu in the light theme)."""
    c = theme.color(role)
    return c.red(), c.green(), c.blue()


_SCALE_ROLES = {"NEGATIVE": "heat_negative", "ZERO": "heat_zero", "POSITIVE": "heat_positive",
                "NAN": "heat_nan", "GAP": "heat_gap"}


def __getattr__(name: str):
    """``heatmap.NEGATIVE`` and the others: the theme's colours in force, as (r, g, b)."""
    if name in _SCALE_ROLES:
        return _rgb(_SCALE_ROLES[name])
    raise AttributeError(name)


def grid(a: Any) -> np.ndarray:
    """The 2-D picture of ``a``: itself for a matrix, a row for a vector, tiles of the
    last two axes for higher ranks (NaN-free gaps are marked by the mask of :func:`tiles`)."""
    return tiles(a)[0]


def tiles(a: Any) -> tuple[np.ndarray, np.ndarray]:
    """(values, gap mask) of the picture of ``a`` (see the module's description)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim == 2:
        return a, np.zeros(a.shape, bool)
    h, w = a.shape[-2:]
    lead = a.shape[:-2]
    if len(lead) == 1:                     # (C, H, W): channels side by side
        rows, cols = 1, lead[0]
    else:                                  # (N, C, H, W): a row of channels per image
        cols = lead[-1]
        rows = int(np.prod(lead[:-1]))
    flat = a.reshape(rows, cols, h, w)
    out = np.zeros((rows * (h + 1) - 1, cols * (w + 1) - 1))
    gap = np.ones(out.shape, bool)
    for r in range(rows):
        for c in range(cols):
            y, x = r * (h + 1), c * (w + 1)
            out[y:y + h, x:x + w] = flat[r, c]
            gap[y:y + h, x:x + w] = False
    return out, gap


def scale_of(a: Any) -> float:
    """The largest finite magnitude (1 for an array of zeros or no finite number)."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.abs(a[np.isfinite(a)])
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def colours(values: np.ndarray, scale: float) -> np.ndarray:
    """(H, W, 3) uint8: each value on the diverging scale ±``scale``."""
    with np.errstate(all="ignore"):
        t = np.clip(values / scale, -1.0, 1.0)
    t = np.where(np.isnan(t), 0.0, t)
    neg = np.array(_rgb("heat_negative"), float)
    pos = np.array(_rgb("heat_positive"), float)
    mid = np.array(_rgb("heat_zero"), float)
    k = np.abs(t)[..., None]
    end = np.where((t < 0)[..., None], neg, pos)
    rgb = mid + (end - mid) * k
    rgb = np.where(np.isnan(values)[..., None], np.array(_rgb("heat_nan"), float), rgb)
    return np.round(rgb).astype(np.uint8)


def image(a: Any) -> tuple[QImage, float]:
    """The heatmap of ``a`` as a QImage (one pixel per element) and its scale."""
    values, gap = tiles(a)
    scale = scale_of(a)
    rgb = colours(values, scale)
    rgb[gap] = _rgb("heat_gap")
    h, w = rgb.shape[:2]
    argb = np.empty((h, w, 4), np.uint8)
    argb[..., 0] = rgb[..., 2]            # QImage.Format_RGB32 is B, G, R, 255 in memory
    argb[..., 1] = rgb[..., 1]
    argb[..., 2] = rgb[..., 0]
    argb[..., 3] = 255
    img = QImage(argb.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()
    return img, scale


def scale_text(scale: float, digits: int = 4) -> str:
    """The colour scale in words, for a tooltip."""
    s = format_value(scale, digits, minus="−")
    return f"colour scale: blue −{s} … white 0 … red +{s}"


class HeatmapCache:
    """The picture of the last array given; drawn again only when its numbers change."""

    def __init__(self) -> None:
        self._array: np.ndarray | None = None
        self._image: QImage | None = None
        self.scale = 1.0
        self.renders = 0

    def get(self, a: Any) -> QImage:
        arr = np.asarray(a, dtype=np.float64)
        old = self._array
        if old is None or old.shape != arr.shape or not np.array_equal(old, arr, equal_nan=True):
            self._image, self.scale = image(arr)
            self._array = arr.copy()
            self.renders += 1
        return self._image


def fit(size: QSize, cols: int, rows: int) -> QRect:
    """The largest rectangle of the picture's aspect inside ``size``, whole pixels per
    element when that fits (crisp), centred horizontally at the left edge's top."""
    if cols <= 0 or rows <= 0:
        return QRect()
    k = min(size.width() / cols, size.height() / rows)
    if k >= 1:
        k = math.floor(k)
    return QRect(0, 0, max(1, int(cols * k)), max(1, int(rows * k)))


class HeatmapView(QWidget):
    """A matrix, an image batch or a vector as a heatmap; hover shows the number."""

    def __init__(self, parent: QWidget | None = None, max_height: int = 220):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.cache = HeatmapCache()
        self._array: np.ndarray | None = None
        self._max_height = max_height
        self.digits = 4
        self.what = "value"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_array(self, a: Any, what: str = "value", digits: int = 4) -> None:
        self._array = np.asarray(a, dtype=np.float64)
        self.what, self.digits = what, digits
        self.cache.get(self._array)
        self.setToolTip(scale_text(self.cache.scale, digits))
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        if self._array is None:
            return QSize(0, 0)
        values = grid(self._array)
        rows, cols = values.shape
        width = max(self.width(), 120)
        k = min(width / cols, self._max_height / rows, 24)
        return QSize(width, max(8, int(rows * k) + 2))

    def picture_rect(self) -> QRect:
        if self._array is None:
            return QRect()
        rows, cols = grid(self._array).shape
        r = fit(QSize(self.width(), self.height()), cols, rows)
        return r

    def paintEvent(self, event) -> None:
        if self._array is None:
            return
        painter = QPainter(self)
        painter.drawImage(self.picture_rect(), self.cache.get(self._array))
        painter.end()

    def element_at(self, pos: QPoint) -> tuple[tuple[int, ...], float] | None:
        """(index into the array, number) under ``pos``, or None (outside, or a gap)."""
        if self._array is None:
            return None
        rect = self.picture_rect()
        if not rect.contains(pos):
            return None
        values, gap = tiles(self._array)
        rows, cols = values.shape
        y = min(rows - 1, int((pos.y() - rect.top()) * rows / rect.height()))
        x = min(cols - 1, int((pos.x() - rect.left()) * cols / rect.width()))
        if gap[y, x]:
            return None
        a = self._array
        if a.ndim <= 1:
            index = (x,) if a.ndim == 1 else ()
        elif a.ndim == 2:
            index = (y, x)
        else:
            h, w = a.shape[-2:]
            lead = a.shape[:-2]
            r, i = divmod(y, h + 1)
            c, j = divmod(x, w + 1)
            cols_lead = lead[0] if len(lead) == 1 else lead[-1]
            flat = r * cols_lead + c if len(lead) > 1 else c
            index = tuple(int(v) for v in np.unravel_index(flat, lead)) + (i, j)
        return index, float(a[index]) if index else float(a)

    def text_at(self, pos: QPoint) -> str:
        found = self.element_at(pos)
        if found is None:
            return scale_text(self.cache.scale, self.digits)
        index, number = found
        where = "[" + ", ".join(str(i) for i in index) + "]"
        return f"{self.what}{where} = {format_value(number, self.digits, minus='−')}"

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        text = self.text_at(pos)
        self.setToolTip(text)
        QToolTip.showText(event.globalPosition().toPoint(), text, self)
        super().mouseMoveEvent(event)


def draw_on(painter: QPainter, cache: HeatmapCache, a: Any, box: QRectF,
            top: bool = False) -> QRectF:
    """Draw ``a``'s heatmap (through ``cache``) fitted in ``box``, centred across and at
    the box's bottom (``top``: at its top); returns where it went."""
    img = cache.get(a)
    cols, rows = img.width(), img.height()
    k = min(box.width() / cols, box.height() / rows)
    w, h = cols * k, rows * k
    target = QRectF(box.center().x() - w / 2, box.top() if top else box.bottom() - h, w, h)
    painter.drawImage(target, img)
    painter.setPen(theme.color("heat_frame"))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(target)
    return target
