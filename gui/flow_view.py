"""The gradient-flow view: wire thickness and colour by |gradient| on a log scale.

Vanishing and exploding gradients are a matter of orders of magnitude, so
the scale is ``log10 |g|`` over a fixed range, :data:`LOG_MIN` (10⁻⁶) to
:data:`LOG_MAX` (10⁴): the same picture means the same size on every graph.
A wire's magnitude is the largest ``|element|`` of the gradient it carries
(its own contribution, the number under it).  Width grows linearly with the
logarithm, from :data:`MIN_WIDTH` to :data:`MAX_WIDTH` pixels; colour goes
from blue (vanishing) through the plain wire grey at |g| = 1 to orange and
red (exploding).  A wire whose gradient is exactly 0 is drawn at the
thinnest width in blue; one that does not lead to the output, thin and pale.

The view follows the document's current evaluation: during a step-through
the wires whose gradient the steps have not reached yet keep their plain look.

The legend is a small widget over the canvas's lower-left corner.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from chainrule.core.graph import Edge
from chainrule.core.stepper import NOT_YET
from chainrule.gui import theme

LOG_MIN, LOG_MAX = -6.0, 4.0
MIN_WIDTH, MAX_WIDTH = 1.0, 10.0
#: (log10 |g|, theme role) stops; colours in between are interpolated.
STOP_ROLES: tuple[tuple[float, str], ...] = (
    (-6.0, "flow_low2"), (-3.0, "flow_low1"), (0.0, "flow_mid"), (2.0, "flow_high1"),
    (4.0, "flow_high2"),
)


def stops() -> tuple[tuple[float, QColor], ...]:
    return tuple((log, theme.color(role)) for log, role in STOP_ROLES)


def __getattr__(name: str):
    """``STOPS`` and ``UNREACHED``: the theme's colours in force."""
    if name == "STOPS":
        return stops()
    if name == "UNREACHED":
        return theme.color("flow_unreached")
    raise AttributeError(name)


def magnitude(grad: Any) -> float | None:
    """The largest |element| of a gradient; None when there is none (or it is not finite)."""
    if grad is None:
        return None
    m = float(np.max(np.abs(grad))) if isinstance(grad, np.ndarray) and grad.size else \
        (0.0 if isinstance(grad, np.ndarray) else abs(float(grad)))
    return m if math.isfinite(m) else math.inf


def position(mag: float) -> float:
    """Where |g| sits on the scale: 0 (≤ 10⁻⁶, or 0) … 1 (≥ 10⁴)."""
    if mag <= 0:
        return 0.0
    if math.isinf(mag):
        return 1.0
    t = (math.log10(mag) - LOG_MIN) / (LOG_MAX - LOG_MIN)
    return max(0.0, min(1.0, t))


def width_for(mag: float) -> float:
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * position(mag)


def color_for(mag: float) -> QColor:
    log = LOG_MIN + position(mag) * (LOG_MAX - LOG_MIN)
    table = stops()
    for (l0, c0), (l1, c1) in zip(table, table[1:]):
        if log <= l1:
            t = 0.0 if l1 == l0 else (log - l0) / (l1 - l0)
            return QColor(round(c0.red() + (c1.red() - c0.red()) * t),
                          round(c0.green() + (c1.green() - c0.green()) * t),
                          round(c0.blue() + (c1.blue() - c0.blue()) * t))
    return QColor(table[-1][1])


class FlowLegend(QWidget):
    """The scale: sample strokes from 10⁻⁶ to 10⁴, vanishing on the left, exploding right."""

    TICKS = (-6, -4, -2, 0, 2, 4)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("flowLegend")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFixedSize(300, 78)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(theme.color("card_border"), 1))
        p.setBrush(theme.color("label_back"))
        p.drawRoundedRect(QRectF(0.5, 0.5, self.width() - 1, self.height() - 1), 6, 6)
        font = QFont(self.font())
        font.setPixelSize(11)
        p.setFont(font)
        p.setPen(theme.color("text"))
        p.drawText(QRectF(8, 3, self.width() - 16, 16), Qt.AlignmentFlag.AlignLeft,
                   "Gradient flow: |gradient| on a log scale")
        left, right = 18.0, self.width() - 18.0
        y = 34.0
        n = 60
        for k in range(n):
            log = LOG_MIN + (LOG_MAX - LOG_MIN) * (k + 0.5) / n
            mag = 10 ** log
            pen = QPen(color_for(mag), width_for(mag))
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            p.setPen(pen)
            x0 = left + (right - left) * k / n
            p.drawLine(QPointF(x0, y), QPointF(x0 + (right - left) / n + 0.3, y))
        p.setPen(theme.color("text_muted"))
        for tick in self.TICKS:
            x = left + (right - left) * (tick - LOG_MIN) / (LOG_MAX - LOG_MIN)
            p.drawLine(QPointF(x, y + 7), QPointF(x, y + 10))
            text = "1" if tick == 0 else f"1e{tick}"
            p.drawText(QRectF(x - 20, y + 10, 40, 14), Qt.AlignmentFlag.AlignCenter, text)
        p.setPen(theme.color("flow_low2"))
        p.drawText(QRectF(8, y + 24, 140, 14), Qt.AlignmentFlag.AlignLeft, "← vanishing")
        p.setPen(theme.color("flow_high2"))
        p.drawText(QRectF(self.width() - 148, y + 24, 140, 14), Qt.AlignmentFlag.AlignRight,
                   "exploding →")
        p.end()


class FlowView(QObject):
    """Turns the flow view on and off for one canvas and keeps it in step with evaluations."""

    def __init__(self, document, canvas, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.canvas = canvas
        self.scene = canvas.graph_scene
        self.enabled = False
        self.legend = FlowLegend(canvas)
        self.legend.hide()
        canvas.installEventFilter(self)
        document.current_evaluation_changed.connect(self.refresh)
        document.graph_replaced.connect(self._refresh)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self.legend.setVisible(self.enabled)
        if self.enabled:
            self._place_legend()
            self.legend.raise_()
            self.document.message.emit(
                "Gradient flow: thick red wires carry large gradients (exploding), thin blue "
                "ones tiny gradients (vanishing); see the legend.")
        self._refresh()

    def refresh(self, *_args) -> None:
        """Follow the current evaluation (an edit, a move of the step-through) while enabled."""
        if self.enabled:
            self._refresh()

    def _refresh(self, *_args) -> None:
        if not self.enabled:
            self.scene.set_wire_styles({})
            return
        self.scene.set_wire_styles(self.styles())

    def styles(self) -> dict[Edge, tuple[float, QColor]]:
        evaluation = self.document.current_evaluation()
        if evaluation.error is not None:
            return {}
        styles = {}
        for edge in self.scene.wires:
            try:
                grad = evaluation.edge_grad(edge)
            except (KeyError, IndexError, TypeError):
                continue
            if grad is NOT_YET:
                continue
            mag = magnitude(grad)
            styles[edge] = (MIN_WIDTH, theme.color("flow_unreached")) if mag is None else (width_for(mag),
                                                                      color_for(mag))
        return styles

    def _place_legend(self) -> None:
        viewport = self.canvas.viewport().geometry()
        self.legend.move(viewport.left() + 10, viewport.bottom() - self.legend.height() - 10)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.Resize and self.enabled:
            self._place_legend()
        return super().eventFilter(watched, event)
