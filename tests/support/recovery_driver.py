"""Drives a real editor process for the crash-recovery tests.

``python recovery_driver.py edit FILE``: starts the editor on FILE the way the
``chainrule`` command does, deletes the node ``w2`` with the Delete key through
the window, prints ``EDITED`` and keeps running (the test kills it).

``python recovery_driver.py recover BUTTON``: starts the editor, waits for the
recovery question, prints ``OFFER <its text>``, clicks BUTTON, then prints
``WINDOWS <json>`` (each window's title, node ids and modified flag) and exits.
"""
from __future__ import annotations

import json
import os
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from chainrule.gui import app as gui_app
from chainrule.gui.main_window import MainWindow
from chainrule.gui.settings import Settings


def editors() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible()]


def edit(tries: int = 100) -> None:
    window = editors()[0]
    window.activateWindow()
    window.canvas.setFocus()
    if (QApplication.activeWindow() is not window or not window.canvas.hasFocus()) and tries:
        QTimer.singleShot(50, lambda: edit(tries - 1))      # keys go to the active window
        return
    window.canvas.select_nodes(["w2"])
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    print("EDITED", json.dumps("w2" not in window.document.graph), flush=True)


def recover(button: str) -> None:
    boxes = [b for b in QApplication.topLevelWidgets()
             if isinstance(b, QMessageBox) and b.isVisible()]
    if not boxes:
        QTimer.singleShot(50, lambda: recover(button))
        return
    box = boxes[0]
    print("OFFER", box.text(), flush=True)
    QTest.mouseClick(next(b for b in box.buttons() if b.text() == button),
                     Qt.MouseButton.LeftButton)
    QTimer.singleShot(300, report)


def report() -> None:
    print("WINDOWS", json.dumps([{"title": w.windowTitle(), "modified": w.document.modified,
                                  "nodes": sorted(w.document.graph.node_ids())}
                                 for w in editors()]), flush=True)
    os._exit(0)


def main() -> int:
    app = gui_app.application()
    Settings().set_welcome_dismissed(True)
    if sys.argv[1] == "edit":
        QTimer.singleShot(300, edit)
        return gui_app.main(sys.argv[2])
    QTimer.singleShot(0, lambda: recover(sys.argv[2]))
    return gui_app.main(None)


if __name__ == "__main__":
    sys.exit(main())
