"""Every wire in one paint call when the canvas is zoomed far out.

Below ``style.LOD_SIMPLE`` a wire is a straight line without text, and what it
costs is no longer its drawing but Qt visiting thousands of items, each with its
own Python ``paint()`` or cached pixmap: on 6,000 nodes the wires took three
quarters of a repaint.  So there the wire items keep their place (hit tests,
rubber-band selection, tooltips) but paint nothing (``ItemHasNoContents``), and
this one item draws them all: the lines grouped by pen, one ``drawLines`` per
pen.  The groups are rebuilt only when a wire is added, removed, moved,
selected or restyled (``invalidate``), so a value edit repaints from them as
they are.
"""
from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtWidgets import QGraphicsItem


class WireBatch(QGraphicsItem):
    """The far-zoom picture of every wire of ``scene`` (a GraphScene)."""

    def __init__(self, scene):
        super().__init__()
        self._scene = scene
        self._groups: list[tuple] | None = None      # [(pen, [QLineF, ...]), ...]
        # The whole world: always painted while shown (the lines are found in paint).
        self._rect = QRectF(-200_000, -200_000, 400_000, 400_000)
        self.setZValue(0.0)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.setAcceptHoverEvents(False)

    def invalidate(self) -> None:
        """The wires changed: regroup them before the next paint."""
        if self._groups is not None:
            self._groups = None
            self.update()

    def _regroup(self) -> None:
        groups: dict = {}
        for wire in self._scene.wires.values():
            p0, p1 = wire.ends()
            pen = wire.simple_pen()
            key = (pen.color().rgba(), pen.widthF())
            group = groups.get(key)
            if group is None:
                group = groups[key] = (pen, [])
            group[1].append(QLineF(p0, p1))
        self._groups = list(groups.values())

    def show_batched(self, on: bool) -> None:
        """In the scene while batching, out of it otherwise (the scene then holds only
        the items of the graph)."""
        self._groups = None
        if on and self.scene() is None:
            self._scene.addItem(self)
        elif not on and self.scene() is not None:
            self._scene.removeItem(self)

    # ------------------------------------------------------ Qt overrides

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter, option, widget=None) -> None:
        if self._groups is None:
            self._regroup()
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(lines)
