"""Mouse events sent to a canvas view's viewport as Qt delivers them (GUI tests)."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


def vp(view, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def mouse(view, kind, pos: QPoint, button=Qt.LeftButton, buttons=None,
          modifiers=Qt.NoModifier) -> None:
    if buttons is None:
        buttons = Qt.NoButton if kind == QMouseEvent.Type.MouseButtonRelease else button
    if kind == QMouseEvent.Type.MouseMove:
        button = Qt.NoButton
    viewport = view.viewport()
    event = QMouseEvent(kind, QPointF(pos), QPointF(viewport.mapToGlobal(pos)), button,
                        buttons, modifiers)
    QApplication.sendEvent(viewport, event)


def drag(view, start: QPoint, end: QPoint, button=Qt.LeftButton, steps: int = 6):
    mouse(view, QMouseEvent.Type.MouseButtonPress, start, button)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        mouse(view, QMouseEvent.Type.MouseMove, p, button, buttons=button)
    mouse(view, QMouseEvent.Type.MouseButtonRelease, end, button)


