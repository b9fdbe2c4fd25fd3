"""The editor's windows in this process: New Window, and which window has a file.

Qt owns a top-level window only while Python keeps a reference to it, so the
windows opened with :func:`new_window` are kept here until they close.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

_KEPT: list = []
CASCADE = 32        # pixels between a window and the next one opened from it


def open_windows() -> list:
    """Every editor window of this process that is not closed yet."""
    from chainrule.gui.main_window import MainWindow
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and not getattr(w, "closed", False)]


def window_with(path: Path | str, besides=None):
    """The window (other than ``besides``) that has the file ``path`` open, or None."""
    wanted = Path(path).resolve()
    for window in open_windows():
        if window is not besides and window.document.path is not None and \
                window.document.path.resolve() == wanted:
            return window
    return None


def bring_forward(window) -> None:
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def new_window(settings=None, beside=None):
    """A new, empty editor window (File ▸ New Window), shown, a little below ``beside``."""
    from chainrule.gui.main_window import MainWindow
    from chainrule.gui.settings import Settings
    window = MainWindow(settings or Settings())
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _KEPT.append(window)
    window.destroyed.connect(lambda _obj=None, w=window: _forget(w))
    if beside is not None:
        window.resize(beside.size())
        window.move(beside.pos().x() + CASCADE, beside.pos().y() + CASCADE)
    window.show()
    return window


def _forget(window) -> None:
    if window in _KEPT:
        _KEPT.remove(window)
