"""Toolbar icons from the style, drawn in the theme's text colour where they are ink.

Fusion's arrows and media symbols (undo, redo, step, play …) are black
pictures: on the dark theme they vanished into the toolbar.  Those are
recoloured to the theme's text colour; the coloured ones (file, folder, disk)
stay as the style draws them.  :func:`set_standard_icon` remembers which
standard icon an action wears, so :func:`recolour_actions` can redo them all
when the theme changes.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QStyle

from chainrule.gui import theme

SP = QStyle.StandardPixmap
#: The standard icons that are ink (one dark colour), recoloured with the theme.
INK = {SP.SP_ArrowBack, SP.SP_ArrowForward, SP.SP_ArrowLeft, SP.SP_ArrowRight,
       SP.SP_ArrowUp, SP.SP_ArrowDown, SP.SP_MediaPlay, SP.SP_MediaPause,
       SP.SP_MediaStop, SP.SP_MediaSkipBackward, SP.SP_MediaSkipForward,
       SP.SP_MediaSeekBackward, SP.SP_MediaSeekForward, SP.SP_BrowserReload}
PROPERTY = "chainruleStandardIcon"


def standard_icon(style, which) -> QIcon:
    icon = style.standardIcon(which)
    if which not in INK:
        return icon
    colour = theme.color("text")
    tinted = QIcon()
    for size in icon.availableSizes() or [QSize(16, 16), QSize(24, 24), QSize(32, 32)]:
        pixmap = icon.pixmap(size)
        painted = QPixmap(pixmap.size())
        painted.setDevicePixelRatio(pixmap.devicePixelRatio())
        painted.fill(Qt.GlobalColor.transparent)
        p = QPainter(painted)
        p.drawPixmap(0, 0, pixmap)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        p.fillRect(painted.rect(), colour)       # the picture's shape, in the text colour
        p.end()
        tinted.addPixmap(painted)
    return tinted if not tinted.isNull() else icon


def set_standard_icon(action, style, which) -> None:
    action.setProperty(PROPERTY, int(which.value) if hasattr(which, "value") else int(which))
    action.setIcon(standard_icon(style, which))


def recolour_actions(widget) -> None:
    """Every action under ``widget`` that wears a standard icon gets it again."""
    from PySide6.QtGui import QAction
    for action in widget.findChildren(QAction):
        which = action.property(PROPERTY)
        if which is not None:
            action.setIcon(standard_icon(widget.style(), SP(int(which))))
