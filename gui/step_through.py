"""The step-through feature, put into the main window in one place.

The window makes one :class:`StepThrough`; everything else happens here, so
the window's own code stays about files, editing and layout:

* the controller (:mod:`gui.stepper_controller`) over the document and the canvas;
* the chain-rule dock (:mod:`gui.chain_panel`), following the steps and the
  canvas selection;
* the Step toolbar and menu (:mod:`gui.step_controls`), the key policy for
  ← → Space (:mod:`gui.step_keys`), presentation mode (:mod:`gui.presentation`);
* File ▸ Export Steps… (:mod:`gui.export_steps`).

Menus are found through actions the window already has (Export Image is
in the File menu, Demos in the Help menu), so no menu needs to be passed in.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMainWindow, QMenu

from chainrule.core.stepper import ShownSoFar
from chainrule.gui.chain_panel import ChainPanel
from chainrule.gui.presentation import PresentationMode
from chainrule.gui.step_controls import StepControls
from chainrule.gui.step_keys import StepKeyPolicy
from chainrule.gui.stepper_controller import StepperController


class StepThrough(QObject):
    """Controller, panel, controls, keys, presentation and export for ``window``."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        canvas = window.canvas
        self.controller = StepperController(window.document, canvas.graph_scene, self)
        self.panel = ChainPanel(window.document, self.controller)
        self.panel.set_precision(window.digits)
        window._add_dock("chain", "Chain Rule", self.panel,
                         Qt.DockWidgetArea.BottomDockWidgetArea)
        self.dock = window.docks["chain"]
        # Beside the program bar, in front: the bottom spans the window, and the
        # chain rule needs width more than height.
        program = window.docks.get("program")
        if program is not None:
            window.tabifyDockWidget(program, self.dock)
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

        inspector = getattr(window, "inspector", None)
        if inspector is not None:
            # During a step-through the inspector shows what the steps have reached.
            inspector.evaluation_source = self.shown_so_far
            self.controller.changed.connect(inspector.refresh_computed)

        canvas.selection_changed_to.connect(self.panel.set_selection)
        self.controller.changed.connect(self._follow_current)
        for action in getattr(window, "precision_actions", {}).values():
            action.toggled.connect(self._precision_toggled)

    def shown_so_far(self):
        """The document's evaluation, or during a step-through what its steps reached."""
        stepper, doc = self.controller.stepper, self.window.document
        # A step-through belongs to the graph it was made from: while an edit or another
        # file is being announced (before the controller drops it), show the document.
        if stepper is None or stepper.graph is not doc.graph or \
                not stepper.evaluation.plan.fits(doc.graph):
            return doc.evaluation
        return ShownSoFar(stepper)

    # ------------------------------------------------------------ placing

    def _place_in_window(self) -> None:
        w = self.window
        bar = w.menuBar()
        file_menu = _menu_of(w.actions.get("export_image"))
        if file_menu is not None:
            after = _action_after(file_menu, w.actions["export_image"])
            file_menu.insertAction(after, self.export_action)
        else:
            bar.addAction(self.export_action)
        help_menu = _menu_of(w.actions.get("demos"))
        if help_menu is not None:
            bar.insertMenu(help_menu.menuAction(), self.controls.menu)
        else:
            bar.addMenu(self.controls.menu)
        self.controls.menu.addAction(self.presentation.action)
        view_menu = getattr(w, "view_menu", None)
        if view_menu is not None:
            view_menu.addAction(self.dock.toggleViewAction())
            view_menu.addAction(self.controls.toolbar.toggleViewAction())
            view_menu.addSeparator()
            view_menu.addAction(self.presentation.action)
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
        dialog = ExportStepsDialog(start / name, self.controller.total, self.window)
        if dialog.exec():
            folder, suffix, caption = dialog.choice()
            self.export_steps(folder, suffix, caption)

    def export_steps(self, folder: Path | str, suffix: str = ".png",
                     caption: bool = True) -> list[Path]:
        """Write the frames of the document's step-through to ``folder``; [] on failure."""
        from chainrule.gui.export_steps import write_step_frames
        folder = Path(folder)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            paths = write_step_frames(self.window.document.graph, folder, suffix,
                                      self.window.digits, caption)
        except (OSError, ValueError) as exc:
            QApplication.restoreOverrideCursor()
            self.window.files.show_error("Cannot export the steps",
                                         f"The pictures could not be written to {folder}.",
                                         str(exc))
            return []
        QApplication.restoreOverrideCursor()
        self.window.document.message.emit(f"Exported {len(paths)} pictures to {folder}.")
        return paths


def _menu_of(action: QAction | None) -> QMenu | None:
    if action is None:
        return None
    return next((o for o in action.associatedObjects() if isinstance(o, QMenu)), None)


def _action_after(menu: QMenu, action: QAction) -> QAction | None:
    actions = menu.actions()
    i = actions.index(action)
    return actions[i + 1] if i + 1 < len(actions) else None
