"""File ▸ Export as PyTorch…, Export as TikZ… and Import from PyTorch….

The writing and the tracing are the core's (:mod:`chainrule.core.export_torch`,
:mod:`chainrule.core.export_tikz`, :mod:`chainrule.core.import_torch`); this
module asks where, and says what happened.  Importing runs the chosen Python
file, so it asks first, every time; opening a ``.cgraph`` never gets here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox

from chainrule.core.errors import ChainruleError


class Bridge(QObject):
    """The three File-menu items, placed after Export as Python."""

    def __init__(self, window: QMainWindow, after):
        super().__init__(window)
        self.window = window
        add = window._action
        self.actions = {
            "export_torch": add("export_torch", "Export as Py&Torch…", self.export_torch,
                                "Write the graph as a PyTorch program (float64) that prints "
                                "the same values and gradients"),
            "export_tikz": add("export_tikz", "Export as Ti&kZ…", self.export_tikz,
                               "Write the circuit as a TikZ picture for LaTeX, with the "
                               "labels as they stand now"),
            "import_torch": add("import_torch", "&Import from PyTorch…", self.import_torch,
                                "Trace a Python function of tensors into a graph (runs that "
                                "file)"),
        }
        menu = window.file_menu
        actions = menu.actions()
        i = actions.index(after) + 1
        before = actions[i] if i < len(actions) else None
        for action in self.actions.values():
            menu.insertAction(before, action)

    # ------------------------------------------------------------ export

    def _ask(self, title: str, suffix: str, kind: str) -> str | None:
        w = self.window
        start = Path(w.files._start_dir())
        name = w.document.path.stem if w.document.path else (w.files.demo_name or "graph")
        path, _ = QFileDialog.getSaveFileName(w, title, str(start / f"{name}{suffix}"),
                                              f"{kind} (*{suffix})")
        if not path:
            return None
        return path if path.lower().endswith(suffix) else path + suffix

    def _export(self, what: str, make: Callable[[], str], path: str | None, suffix: str,
                kind: str, done: str) -> bool:
        doc = self.window.document
        if not doc.graph.node_ids():
            doc.message.emit("Nothing to export: the graph is empty.")
            return False
        try:
            text = make()
        except ChainruleError as exc:
            doc.message.emit(f"Cannot export as {what}: {exc}")
            return False
        path = path or self._ask(f"Export as {what}", suffix, kind)
        if not path:
            return False
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            self.window.files.show_error(f"Cannot export as {what}",
                                         f"{Path(path).name} could not be written.", str(exc))
            return False
        doc.message.emit(f"Exported {Path(path).name}: {done}")
        return True

    def export_torch(self, path: str | None = None) -> bool:
        from chainrule.core.export_torch import export_torch
        return self._export("PyTorch", lambda: export_torch(self.window.document.graph), path,
                            ".py", "Python script", "run it with python (torch installed) to "
                            "print every value and gradient.")

    def export_tikz(self, path: str | None = None) -> bool:
        """The labels as the canvas shows them: at the current step of a step-through."""
        from chainrule.core.export_tikz import export_tikz
        controller = self.window.step_through.controller
        step = controller.stepper.position if controller.active and controller.stepper else None
        return self._export("TikZ", lambda: export_tikz(self.window.document.graph, step), path,
                            ".tex", "LaTeX file", "compile it with pdflatex, or \\input it "
                            "with the standalone package.")

    # ------------------------------------------------------------ import

    def import_torch(self, spec: str | None = None) -> bool:
        """Trace ``file.py:function`` (asks for both when ``spec`` is None) into a new,
        untitled graph."""
        w = self.window
        if spec is None:
            path, _ = QFileDialog.getOpenFileName(w, "Import from PyTorch",
                                                  w.files._start_dir(), "Python file (*.py)")
            if not path:
                return False
            name, ok = QInputDialog.getText(
                w, "Import from PyTorch",
                f"Importing runs {Path(path).name} as Python: import only files you trust.\n"
                "The example values come from its example_inputs().\n\nFunction to trace:",
                text="model")
            if not ok or not name.strip():
                return False
            spec = f"{path}:{name.strip()}"
        if not w.files.maybe_save():
            return False
        from chainrule.core.import_torch import import_function
        try:
            graph = import_function(spec)
        except ChainruleError as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, "Cannot import from PyTorch", str(exc),
                              QMessageBox.StandardButton.Ok, w)
            box.exec()
            return False
        w.files._show(graph, None, None)
        w.document.message.emit(f"Imported {graph.title}: an untitled graph; Save asks where "
                                "to keep it.")
        return True
