"""Every wire, and every card, in a few paint calls when the canvas is zoomed far out.

Below ``style.LOD_SIMPLE`` a wire is a straight line and a card a coloured
block, without text, and what they cost is no longer their drawing but Qt
visiting thousands of items, each with its own Python ``paint()`` or cached
pixmap: on 6,000 nodes the wires took three quarters of a repaint and the cards
most of the rest.  So there the items keep their place (hit tests, rubber-band
selection, tooltips) but paint nothing (``ItemHasNoContents``), and one batch
item per kind draws them all, grouped by look: one ``drawLines`` per wire pen,
one ``drawRects`` per card colour.  The groups are rebuilt only when an item's
far-zoom look or place changes (``invalidate``: added, removed, moved,
selected, restyled, a new state or badge), so a value edit repaints from them
as they are.
"""
from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from chainrule.gui.canvas import style, wire_item

# The whole world: always painted while shown (what to draw is found in paint).
_WORLD = QRectF(-200_000, -200_000, 400_000, 400_000)


class FarBatch(QGraphicsItem):
    """The far-zoom picture of one kind of item of ``scene`` (a GraphScene); in the
    scene only while batching, so the scene otherwise holds just the graph's items."""

    z = 0.0

    def __init__(self, scene):
        super().__init__()
        self._owner = scene
        self._groups: list | None = None
        self.setZValue(self.z)
        self.setAcceptedMouseButtons(Qt.NoButton)

    def invalidate(self) -> None:
        """An item's far-zoom look changed: regroup before the next paint."""
        if self._groups is not None:
            self._groups = None
            self.update()

    def show_batched(self, on: bool) -> None:
        self._groups = None
        if on and self.scene() is None:
            self._owner.addItem(self)
        elif not on and self.scene() is not None:
            self._owner.removeItem(self)

    def boundingRect(self) -> QRectF:
        return _WORLD

    def shape(self) -> QPainterPath:
        """Nothing to hit: a click, a tooltip or a rubber band finds the items beneath."""
        return QPainterPath()

    def paint(self, painter, option, widget=None) -> None:
        if self._groups is None:
            self._groups = self._regroup()
        self._draw(painter, self._groups)

    def _regroup(self) -> list:
        raise NotImplementedError

    def _draw(self, painter, groups: list) -> None:
        raise NotImplementedError


class WireBatch(FarBatch):
    """Every wire as a line, one ``drawLines`` per pen."""

    def _regroup(self) -> list:
        groups: dict = {}
        plain = wire_item.simple_pen_plain()
        for wire, line in self._owner.wires.in_order():
            if wire is None:            # a wire without its item yet: a plain line
                pen = plain
                key = (pen.color().rgba(), pen.widthF())
                group = groups.get(key)
                if group is None:
                    group = groups[key] = (pen, [])
                group[1].append(QLineF(*line))
                continue
            p0, p1 = wire.ends()
            pen = wire.simple_pen()
            key = (pen.color().rgba(), pen.widthF())
            group = groups.get(key)
            if group is None:
                group = groups[key] = (pen, [])
            group[1].append(QLineF(p0, p1))
        return list(groups.values())

    def _draw(self, painter, groups: list) -> None:
        for pen, lines in groups:
            painter.setPen(pen)
            painter.drawLines(lines)


_NO_PEN = QPen(Qt.NoPen)


class CardBatch(FarBatch):
    """Every card as its block (``NodeItem.block_look``), one ``drawRects`` per look."""

    z = 1.0

    def _regroup(self) -> list:
        groups: dict = {}
        w, h = style.NODE_W, style.NODE_H

        def add(kind: int, fill, border, opacity: float, rect: QRectF) -> None:
            key = (kind, fill.rgba(), border, opacity)
            group = groups.get(key)
            if group is None:
                group = groups[key] = (kind, fill, border, opacity, [])
            group[4].append(rect)
        colors: dict = {}
        for item, record in self._owner.nodes.in_order():
            if item is None:            # a card without its item yet: a plain block
                x, y, op = record
                fill = colors.get(op.group)
                if fill is None:
                    fill = colors[op.group] = style.group_color(op.group)
                add(0, fill, None, 1.0, QRectF(x, y, w, h))
                continue
            pos = item.pos()
            x, y = pos.x(), pos.y()
            fill, border, badge, opacity = item.block_look()
            add(0, fill, border, opacity, QRectF(x, y, w, h))
            if badge is not None:                   # after every block, as a card paints it
                add(1, badge, None, opacity, QRectF(x + w - 30, y, 30, 30))
        return sorted(groups.values(), key=lambda g: g[0])

    def _draw(self, painter, groups: list) -> None:
        for _kind, fill, border, opacity, rects in groups:
            painter.setOpacity(opacity)
            painter.setPen(_NO_PEN if border is None else
                           QPen(QColor.fromRgba(border[0]), border[1]))
            painter.setBrush(fill)
            painter.drawRects(rects)
        painter.setOpacity(1.0)
