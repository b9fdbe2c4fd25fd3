"""Toolbars that do not fit show a visible » button with everything they had to leave out.

Qt already moves the actions a toolbar has no room for into its extension
button, but the stylesheet's button padding left that narrow button no room
for its icon: at 800 px the step toolbar's scrubber and counter, Check ∂ and
Flow simply vanished.  :func:`mark_overflow` gives each toolbar's extension
button a » of its own (in the theme's colour, again when the theme changes)
and a tooltip, and the stylesheet takes the padding away, so whatever does
not fit is one click away.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QToolBar, QToolButton

EXTENSION = "qt_toolbar_ext_button"
MARK = "»"


def extension_button(bar: QToolBar) -> QToolButton | None:
    return next((b for b in bar.findChildren(QToolButton) if b.objectName() == EXTENSION), None)


def mark_overflow(bar: QToolBar) -> None:
    button = extension_button(bar)
    if button is None:
        return
    button.setText(MARK)
    button.setIcon(chevron_icon())
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    button.setToolTip("More: the tools this toolbar has no room for")
    button.setAccessibleName("More tools")


def chevron_icon() -> QIcon:
    """A » drawn as two strokes in the theme's text colour, sharp at any scale."""
    from chainrule.gui import theme
    icon = QIcon()
    for size in (16, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(theme.color("text"), max(1.5, size / 9))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        for x in (0.28, 0.52):
            p.drawPolyline([QPointF(size * x, size * 0.28), QPointF(size * (x + 0.2), size * 0.5),
                            QPointF(size * x, size * 0.72)])
        p.end()
        icon.addPixmap(pixmap)
    return icon


def hidden_actions(bar: QToolBar) -> list:
    """The toolbar's actions (not separators) that are not shown in the bar itself."""
    out = []
    for action in bar.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        widget = bar.widgetForAction(action)
        if widget is None or not widget.isVisible():
            out.append(action)
    return out
