"""Answering a modal dialog of the real window while it is open (pytest-qt).

A dialog run with ``exec()`` blocks the test until it closes; these helpers
schedule, before the gesture that opens it, a look at the dialog (its texts
and buttons, recorded in ``seen``) and a real click on one of its buttons.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton


def click_in_modal(qtbot, button: str, seen: dict) -> None:
    """When a modal dialog opens: note its texts and buttons, then click ``button``
    (or close the dialog if it has no such button)."""
    def act() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, act)
            return
        seen.setdefault("dialogs", []).append(box)
        buttons = box.findChildren(QPushButton)
        seen.setdefault("buttons", []).append([b.text() for b in buttons])
        if isinstance(box, QMessageBox):
            seen.setdefault("texts", []).append((box.text(), box.informativeText()))
        for b in buttons:
            if b.text() == button:
                qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
                return
        box.reject()
    QTimer.singleShot(0, act)
