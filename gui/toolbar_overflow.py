"""Toolbars that do not fit show a visible » button with everything they had to leave out.

Qt already moves the actions a toolbar has no room for into its extension
button, but under the stylesheet that button is drawn without an icon: at
800 px the step toolbar's scrubber and counter, Check ∂ and Flow simply
vanished.  :func:`mark_overflow` gives each toolbar's extension button the
text "»" and a tooltip, so whatever does not fit is one click away.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar, QToolButton

EXTENSION = "qt_toolbar_ext_button"
MARK = "»"


def extension_button(bar: QToolBar) -> QToolButton | None:
    return next((b for b in bar.findChildren(QToolButton) if b.objectName() == EXTENSION), None)


def mark_overflow(bar: QToolBar) -> None:
    button = extension_button(bar)
    if button is None:
        return
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setText(MARK)
    button.setToolTip("More: the tools this toolbar has no room for")
    button.setAccessibleName("More tools")


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
