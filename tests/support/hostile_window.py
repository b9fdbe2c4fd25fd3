"""Open one graph file in the real window, offscreen, under a memory limit.

Run as a script by ``tests/test_gui/test_hostile_files.py``:
``python hostile_window.py FILE.cgraph`` prints one JSON object on stdout with
what the window showed (the description's text, every card's tooltip, the
error dialog's texts and formats), after hovering each card and showing its
tooltip, and showing the error dialog of a refused file.  The address space
is limited to what the window needs plus :data:`HEADROOM`, so Qt reading
``/dev/zero`` ends the process (SIGABRT) instead of the machine.
"""
from __future__ import annotations

import json
import os
import resource
import sys

HEADROOM = 768 * 1024 * 1024


def _vm_size() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main(path: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QTimer
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QToolTip

    from chainrule.gui import app as gui_app
    from chainrule.gui.settings import Settings

    qapp = gui_app.application()
    report: dict = {"dialog": None}

    # Record the dialog a refused file gets, then close it (it would wait for a click).
    def close_dialog() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            labels = {lb.objectName(): (lb.text(), lb.textFormat().name)
                      for lb in box.findChildren(QLabel)
                      if lb.objectName().startswith("qt_msgbox_")}
            report["dialog"] = labels
            box.done(0)

    settings_dir = os.environ["CHAINRULE_SETTINGS_DIR"]
    window, problem = gui_app.create_window(None, Settings(settings_dir))
    window.show()
    qapp.processEvents()
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + HEADROOM, resource.RLIM_INFINITY))

    # File > Open's own route: a refused file gets the error dialog, closed above.
    QTimer.singleShot(300, close_dialog)
    report["opened"] = window.files.open(path)
    window.inspector.show_graph()
    qapp.processEvents()

    description = window.inspector.graph_description
    report["description_text"] = description.toPlainText()
    report["description_height"] = description.document().size().height()
    tips = {}
    scene = window.canvas.graph_scene
    for node_id, item in scene.nodes.items():
        item._set_tooltip_for(item.mapToScene(item.boundingRect().topLeft() + QPointF(12, 10)))
        tip = item.toolTip()
        QToolTip.showText(window.canvas.mapToGlobal(window.canvas.rect().center()), tip,
                          window.canvas)
        qapp.processEvents()
        doc = QTextDocument()
        doc.setHtml(tip)
        tips[node_id] = doc.toPlainText()
    QToolTip.hideText()
    report["tooltips"] = tips
    report["title"] = window.inspector.graph_title.text()
    report["alive"] = True
    print(json.dumps(report))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
