"""The Your Backward Pass panel put into the window: its dock beside Chain Rule, the
rings on the canvas, and "Show me" moving the step-through.

Right claims get a green ring and a ✓ pill, wrong ones a red ring and a pill
with the verdict's code; hovering the card gives the expected and the given
number. "Show me" jumps the step-through to the backward step where that
node's gradient is made and brings the Chain Rule card to the front, which
sits beside this panel.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow

from chainrule.gui.answer_panel import BAD, MARK, OK, AnswerPanel, tooltip


class AnswerTools(QObject):
    def __init__(self, window: QMainWindow, step_through):
        super().__init__(window)
        self.window = window
        self.controller = step_through.controller
        self.scene = window.canvas.graph_scene
        self.panel = AnswerPanel(window.document)
        # Beside the Program / Chain Rule tabs (not one more tab): Show me brings the
        # chain-rule card to the front next to the learner's lines.
        self.dock = window.add_dock("answer", "Your Backward Pass", self.panel,
                                    Qt.DockWidgetArea.BottomDockWidgetArea)
        self._chain_dock = step_through.dock
        self.dock.visibilityChanged.connect(self._widen)
        window.view_menu.addAction(self.dock.toggleViewAction())
        self.panel.checked.connect(self._mark)
        self.panel.show_me_requested.connect(self.show_me)
        window.document.graph_replaced.connect(self._opened)
        self._opened()

    def _widen(self, visible: bool) -> None:
        """Once shown in a laid-out window, take about 45 % of the bottom if narrower
        (the docks' sizes are known only then; a saved layout wider than that stays)."""
        if not visible or self.dock.isFloating():
            return
        total = self.dock.width() + self._chain_dock.width()
        if self.dock.width() < 0.4 * total:
            self.window.resizeDocks([self._chain_dock, self.dock],
                                    [int(total * 0.55), int(total * 0.45)],
                                    Qt.Orientation.Horizontal)

    def _opened(self) -> None:
        """A graph that keeps an answer opens with the panel in view."""
        if self.window.document.graph.answer:
            self.dock.show()
            self.dock.raise_()

    def _mark(self, report) -> None:
        rings, marks = {}, {}
        if report is not None:
            digits = self.window.digits
            for v in report.claims:
                if v.node not in self.scene.nodes:
                    continue
                if v.code == "missing":
                    marks[v.node] = (f"? {v.name}", BAD, f"{v.name} is missing: {v.message}")
                    continue
                rings[v.node] = OK if v.ok else BAD
                marks[v.node] = (f"✓ {v.name}" if v.ok else f"✗ {v.code}", OK if v.ok else BAD,
                                 tooltip(v, digits))
        self.scene.set_node_rings(MARK, rings)
        self.scene.set_node_marks(MARK, marks)

    def show_me(self, node_id: str) -> bool:
        """Step to where ``node_id``'s gradient is made; the Chain Rule card shows it."""
        c = self.controller
        if not c.forward_all() and c.stepper is None:
            return False
        k = c.stepper.backward_position(node_id) if c.stepper is not None else None
        if k is None:
            self.window.document.message.emit(f"{node_id} gets no gradient: it does not reach "
                                              f"the output.")
            return False
        c.jump(k)
        chain = self.window.docks.get("chain")
        if chain is not None:
            chain.show()
            chain.raise_()
        self.window.document.message.emit(f"Step {k}: the gradient of {node_id} is made here; "
                                          f"the Chain Rule card shows the right version.")
        return True
