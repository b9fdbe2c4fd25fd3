"""The step-through feature, put into the main window in one place.

The window makes one :class:`StepThrough`; everything else happens here, so
the window's own code stays about files, editing and layout:

* the controller (:mod:`chainrule.gui.stepper_controller`) over the document and the canvas;
* the chain-rule dock (:mod:`chainrule.gui.chain_panel`), following the steps and the
  canvas selection;
* the Step toolbar and menu (:mod:`chainrule.gui.step_controls`), the key policy for
  ← → Space (:mod:`chainrule.gui.step_keys`), presentation mode (:mod:`chainrule.gui.presentation`);
* File ▸ Export Steps… (:mod:`chainrule.gui.export_steps`).

The window's menus, docks and precision actions are used by name
(``window.file_menu``, ``window.help_menu``, ``window.view_menu``,
``window.add_dock``).  No other panel is wired here: the inspector, the
learning views and the canvas labels follow the document's current
evaluation, which the controller publishes at every move.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMainWindow, QMenu

from chainrule.gui.chain_panel import ChainPanel
from chainrule.gui.presentation import PresentationMode
from chainrule.gui.step_controls import StepControls
from chainrule.gui.step_keys import StepKeyPolicy
from chainrule.gui.stepper_controller import StepperController, planned_total


class StepThrough(QObject):
    """Controller, panel, controls, keys, presentation and export for ``window``."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        canvas = window.canvas
        self.controller = StepperController(window.document, canvas.graph_scene, self)
        self.panel = ChainPanel(window.document, self.controller)
        self.panel.set_precision(window.digits)
        self.dock = window.add_dock("chain", "Chain Rule", self.panel,
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        # Beside the program bar, in front: the bottom spans the window, and the
        # chain rule needs width more than height.
        window.tabifyDockWidget(window.docks["program"], self.dock)
        self.dock.raise_()
        window.resizeDocks([self.dock], [220], Qt.Orientation.Vertical)

        self.controls = StepControls(window, self.controller)
        self.keys = StepKeyPolicy(canvas, self.controller, self.controls.actions["play"], self)
        for view in window.findChildren(QAbstractItemView):
            self.keys.watch(view)
        self.presentation = PresentationMode(window, self.dock, self.panel, self.keys)
        self.export_action = QAction("Export Ste&ps…", window)
        self.export_action.setObjectName("action_export_steps")
        self.export_action.setStatusTip("Write one picture per step (PNG or SVG), for slides")
        self.export_action.triggered.connect(self._export_clicked)
        window.addAction(self.export_action)
        self._place_in_window()

        canvas.selection_changed_to.connect(self.panel.set_selection)
        self.controller.changed.connect(self._follow_current)
        for action in window.precision_actions.values():
            action.toggled.connect(self._precision_toggled)

    # ------------------------------------------------------------ placing

    def _place_in_window(self) -> None:
        w = self.window
        after = _action_after(w.file_menu, w.actions["export_image"])
        w.file_menu.insertAction(after, self.export_action)
        w.menuBar().insertMenu(w.help_menu.menuAction(), self.controls.menu)
        self.controls.menu.addAction(self.presentation.action)
        w.view_menu.addAction(self.dock.toggleViewAction())
        w.view_menu.addAction(self.controls.toolbar.toggleViewAction())
        w.view_menu.addSeparator()
        w.view_menu.addAction(self.presentation.action)
        w.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        w.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.controls.toolbar)

    def _follow_current(self) -> None:
        """Scroll (never zoom) just enough to keep the current node in sight."""
        current = self.controller.current
        item = self.window.canvas.graph_scene.nodes.get(current.node) if current else None
        if item is not None:
            self.window.canvas.ensureVisible(item.sceneBoundingRect(), 40, 40)

    # ------------------------------------------------------------ precision

    def _precision_toggled(self, checked: bool) -> None:
        if not checked:
            return
        digits = self.window.digits
        # The window sets the canvas's precision right after checking the action;
        # doing it first here lets the step labels be formatted with it now.
        self.window.canvas.set_precision(digits)
        self.panel.set_precision(digits)
        self.controller.refresh()

    # ------------------------------------------------------------ export

    def _export_clicked(self) -> None:
        from chainrule.gui.export_steps_dialog import ExportStepsDialog
        if not self.window.document.graph.node_ids():
            self.window.document.message.emit("Nothing to export: the graph is empty.")
            return
        start = Path(self.window.files._start_dir())
        name = (self.window.document.path.stem if self.window.document.path else
                self.window.files.demo_name or "graph") + "-steps"
        # the frames are the forward and backward steps (no Update step)
        dialog = ExportStepsDialog(start / name, planned_total(self.window.document.evaluation),
                                   self.window)
        if dialog.exec():
            folder, suffix, caption = dialog.choice()
            self.export_steps(folder, suffix, caption, **dialog.options())

    def export_steps(self, folder: Path | str, suffix: str = ".png",
                     caption: bool = True, page: str = "16:9",
                     frame_ms: int = 800) -> list[Path]:
        """Write the frames of the document's step-through to ``folder`` (pictures), or
        to the one file ``folder`` names (``.pdf``, ``.gif``, ``.apng``); [] on failure."""
        from chainrule.gui.export_steps import write_step_frames
        folder = Path(folder)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if suffix in (".pdf", ".gif", ".apng"):
                return self._export_one_file(folder.with_suffix(suffix), caption, page,
                                             frame_ms)
            doc = self.window.document
            paths = write_step_frames(doc.graph, folder, suffix, self.window.digits, caption,
                                      seeds=doc.forward_seeds() if doc.forward_mode else None)
        except (OSError, ValueError) as exc:
            QApplication.restoreOverrideCursor()
            self.window.files.show_error("Cannot export the steps",
                                         f"The pictures could not be written to {folder}.",
                                         str(exc))
            return []
        QApplication.restoreOverrideCursor()
        self.window.document.message.emit(f"Exported {len(paths)} pictures to {folder}.")
        return paths

    def _export_one_file(self, path: Path, caption: bool, page: str,
                         frame_ms: int) -> list[Path]:
        from chainrule.gui import export_deck
        graph, digits = self.window.document.graph, self.window.digits
        if path.suffix == ".pdf":
            count = export_deck.write_pdf(graph, path, digits, page)
            what = f"a PDF deck of {count} pages"
        else:
            count = export_deck.write_animation(graph, path, digits, frame_ms, caption)
            what = f"an animation of {count} frames"
        QApplication.restoreOverrideCursor()
        self.window.document.message.emit(f"Exported {what} to {path}.")
        return [path]


def _action_after(menu: QMenu, action: QAction) -> QAction | None:
    actions = menu.actions()
    i = actions.index(action)
    return actions[i + 1] if i + 1 < len(actions) else None
