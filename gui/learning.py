"""Learning with the graph, put into the main window in one place.

The window makes one :class:`LearningTools`; it adds

* the Train dock (:mod:`chainrule.gui.train_panel`): α, Step, Run N steps, Reset, the loss plot;
* Check gradients / Check every node (:mod:`chainrule.gui.gradcheck_view`), marks on the
  canvas and a line in the inspector;
* the gradient-flow view with its legend (:mod:`chainrule.gui.flow_view`);
* the misconception toggle "Overwrite instead of add at forks"
  (:mod:`chainrule.gui.misconception_view`);
* Quiz mode and its dock (:mod:`chainrule.gui.quiz_panel`), over the step-through
  controller it is given;
* File ▸ Export as Python… (:func:`chainrule.core.export_python.export_python`).

Everything sits in a Learn menu placed before Help; the checks and the flow
view are on the main toolbar too.  Keys come from :mod:`chainrule.gui.shortcuts`.  The
flow and overwrite views follow the document's current evaluation, so during a
step-through they show only what its steps have reached without being told.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

from chainrule.core.errors import ChainruleError
from chainrule.core.export_python import export_python
from chainrule.gui.flow_view import FlowView
from chainrule.gui.gradcheck_view import GradientCheckView
from chainrule.gui.misconception_view import MisconceptionView
from chainrule.gui.quiz_panel import QuizPanel
from chainrule.gui.train_panel import TrainPanel

PYTHON_FILTER = "Python script (*.py)"


class LearningTools(QObject):
    """Train panel, gradient check, flow view, misconception, quiz and export for ``window``."""

    def __init__(self, window: QMainWindow, controller):
        """``controller``: the window's step-through (a StepperController) the quiz stops."""
        super().__init__(window)
        self.window = window
        doc, canvas = window.document, window.canvas
        scene = canvas.graph_scene

        self.train_panel = TrainPanel(doc)
        window.add_dock("train", "Train", self.train_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.gradcheck = GradientCheckView(doc, scene, self)
        self.flow = FlowView(doc, canvas, self)
        self.misconception = MisconceptionView(doc, scene, self)
        window.inspector.note_providers.append(self.gradcheck.note_for)
        self.gradcheck.changed.connect(window.inspector.refresh_notes)

        self.quiz_panel = QuizPanel(doc, controller, canvas)
        window.add_dock("quiz", "Quiz", self.quiz_panel, Qt.DockWidgetArea.RightDockWidgetArea)

        inspector = window.docks["inspector"]
        for name in ("train", "quiz"):
            window.tabifyDockWidget(inspector, window.docks[name])
        inspector.raise_()

        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self._place_in_window()

    # ------------------------------------------------------------ actions

    def _build_actions(self) -> None:
        w = self.window
        add = w._action
        a = self.actions
        a["check_gradients"] = add(
            "check_gradients", "&Check Gradients", self.check_gradients,
            "Compare every leaf's gradient with finite differences: ✓ or ✗ under each card")
        a["check_gradients"].setIconText("Check ∂")
        a["check_all_nodes"] = add(
            "check_all_nodes", "Check &Every Node", self.check_all_nodes,
            "Compare the gradient of every node with finite differences")
        a["flow_view"] = add(
            "flow_view", "Gradient &Flow View", self._flow_toggled,
            "Wire thickness and colour by |gradient| on a log scale: spot vanishing and "
            "exploding gradients")
        a["flow_view"].setCheckable(True)
        a["flow_view"].setIconText("Flow")
        a["misconception"] = add(
            "misconception", "&Overwrite Instead of Add at Forks", self._misconception_toggled,
            "Show beside the right gradients what a backward pass that assigns instead of "
            "adding at forks would compute")
        a["misconception"].setCheckable(True)
        # The rest of the misconception library: one toggle each, one on at a time.
        from chainrule.core.misconception import LIBRARY
        group = QActionGroup(w)
        group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        group.addAction(a["misconception"])
        self.misconception_actions = {"overwrite": a["misconception"]}
        for key, entry in LIBRARY.items():
            if key == "overwrite":
                continue
            action = QAction(entry.title, w, checkable=True)
            action.setObjectName(f"action_misconception_{key}")
            action.setStatusTip(f"{entry.explanation} (shows on the demo {entry.demo})")
            action.triggered.connect(lambda _c=False: self._misconception_toggled())
            group.addAction(action)
            self.misconception_actions[key] = action
        self.misconception_group = group
        a["show_train"] = add("show_train", "&Train Panel", self.show_train_panel,
                              "Open the Train panel: learning rate, Step, Run, Reset, loss plot")
        a["train_step"] = add("train_step", "Training &Step", self.train_panel.step,
                              "One gradient-descent step on the trainable inputs")
        a["export_python"] = add(
            "export_python", "Export as &Python…", self.export_python,
            "Write a standalone numpy script that computes this graph's values and gradients")
        a["quiz_mode"] = add("quiz_mode", "&Quiz Mode", self._quiz_toggled,
                             "Before each backward step, type the gradient you expect")
        a["quiz_mode"].setCheckable(True)
        self.quiz_panel.mode_changed.connect(a["quiz_mode"].setChecked)
        self.train_panel.running_changed.connect(
            lambda running: a["train_step"].setEnabled(not running))

    def _place_in_window(self) -> None:
        w = self.window
        a = self.actions
        menu = QMenu("&Learn", w)
        menu.setObjectName("learnMenu")
        menu.addActions([a["show_train"], a["train_step"]])
        menu.addSeparator()
        menu.addActions([a["check_gradients"], a["check_all_nodes"]])
        menu.addSeparator()
        menu.addAction(a["flow_view"])
        mistakes = menu.addMenu("&Misconceptions")
        mistakes.setObjectName("misconceptionMenu")
        mistakes.addActions(list(self.misconception_actions.values()))
        menu.addSeparator()
        menu.addAction(a["quiz_mode"])
        self.menu = menu
        w.menuBar().insertMenu(w.help_menu.menuAction(), menu)

        file_menu = w.file_menu
        actions = file_menu.actions()
        i = actions.index(w.actions["export_image"])
        # after Export Image (and Export Steps, when the step-through put it there)
        while i + 1 < len(actions) and not actions[i + 1].isSeparator():
            i += 1
        file_menu.insertAction(actions[i + 1] if i + 1 < len(actions) else None,
                               a["export_python"])

        w.toolbar.addSeparator()
        w.toolbar.addActions([a["check_gradients"], a["flow_view"]])
        for name in ("train", "quiz"):
            w.view_menu.addAction(w.docks[name].toggleViewAction())

    # ------------------------------------------------------------ behaviour

    def show_train_panel(self) -> None:
        dock = self.window.docks["train"]
        dock.show()
        dock.raise_()

    def check_gradients(self):
        return self.gradcheck.check("leaves")

    def check_all_nodes(self):
        return self.gradcheck.check("all")

    def _flow_toggled(self) -> None:
        self.flow.set_enabled(self.actions["flow_view"].isChecked())

    def _misconception_toggled(self) -> None:
        on = next((k for k, a in self.misconception_actions.items() if a.isChecked()), None)
        self.misconception.set_misconception(on)

    def _quiz_toggled(self) -> None:
        on = self.actions["quiz_mode"].isChecked()
        self.quiz_panel.set_enabled(on)
        if on:
            dock = self.window.docks["quiz"]
            dock.show()
            dock.raise_()

    def set_flow_view(self, on: bool) -> None:
        self.actions["flow_view"].setChecked(on)
        self._flow_toggled()

    def set_misconception(self, on: bool | str) -> None:
        """True/False: the overwrite toggle; a key: that entry of the library on."""
        key = "overwrite" if on is True else on
        for k, action in self.misconception_actions.items():
            action.setChecked(k == key)
        self._misconception_toggled()

    # ------------------------------------------------------------ export

    def ask_python_path(self) -> str | None:
        w = self.window
        start = Path(w.files._start_dir())
        name = (w.document.path.stem if w.document.path else w.files.demo_name or "graph")
        path, _ = QFileDialog.getSaveFileName(w, "Export as Python", str(start / f"{name}.py"),
                                              PYTHON_FILTER)
        if not path:
            return None
        return path if path.lower().endswith(".py") else path + ".py"

    def export_python(self, path: str | None = None) -> bool:
        """Write the graph as a numpy-only script (asks where when ``path`` is None)."""
        w = self.window
        doc = w.document
        if not doc.graph.node_ids():
            doc.message.emit("Nothing to export: the graph is empty.")
            return False
        try:
            text = export_python(doc.graph)
        except ChainruleError as exc:
            doc.message.emit(f"Cannot export as Python: {exc}")
            return False
        path = path or self.ask_python_path()
        if not path:
            return False
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            w.files.show_error("Cannot export as Python", f"{Path(path).name} could not be "
                               "written.", str(exc))
            return False
        doc.message.emit(f"Exported {Path(path).name}: run it with python to print every "
                         f"value and gradient.")
        return True
