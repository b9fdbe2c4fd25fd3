"""The optimizer's state per parameter: a badge on each card, lines in the inspector,
and the Update step of the chain-rule panel.

The Train panel's optimizer keeps, for every parameter, what it carries
from step to step (:func:`chainrule.core.update_text.state_summary`).  This view
shows it where the parameter is: a small pill under the card (``v 0.068``,
``m 0.068 v 0.0016``), the full list in the inspector, and — after the
backward pass of a step-through, or for a selected parameter after a full
pass — the update rule with this step's numbers in the chain-rule panel
(:func:`chainrule.core.update_text.update_text`).  Nothing is computed here but
the texts; the panel's ``state_changed`` says when to re-read them.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor
from shiboken6 import isValid

from chainrule.core.explain import _name as short_name   # the name the equations use
from chainrule.core.training import parameters
from chainrule.core.update_text import NAMES, badge, state_summary, update_text

MARK = "optimizer"
COLOR = QColor("#6f42c1")


class OptimizerStateView(QObject):
    """Badges, inspector notes and Update texts for ``panel``'s optimizer."""

    def __init__(self, panel, scene, inspector, chain_panel=None, parent=None):
        super().__init__(parent)
        self.panel, self.scene, self.inspector = panel, scene, inspector
        self.chain_panel = chain_panel
        inspector.note_providers.append(self.note_for)
        panel.state_changed.connect(self.refresh)
        panel.document.graph_replaced.connect(self.refresh)
        if chain_panel is not None:
            chain_panel.update_provider = self.updates
            chain_panel.optimizer_provider = self.optimizer
        self.refresh()

    def refresh(self) -> None:
        if not (isValid(self.inspector) and isValid(self.panel)):
            return                              # the window is closing
        opt = self.panel.optimizer
        marks = {}
        if opt is not None:
            for p in parameters(self.panel.document.graph):
                text = badge(opt, p)
                if text:
                    tip = "; ".join(f"{k} = {v}" for k, v in state_summary(opt, p))
                    marks[p] = (text, COLOR, f"{NAMES[opt.name]} keeps: {tip}")
        self.scene.set_node_marks(MARK, marks)
        self.inspector.refresh_notes()
        if self.chain_panel is not None:
            self.chain_panel.refresh()

    def note_for(self, node_id: str) -> str:
        opt = self.panel.optimizer
        if opt is None or node_id not in parameters(self.panel.document.graph):
            return ""
        pairs = state_summary(opt, node_id)
        head = f"<b style='color:{COLOR.name()}'>{escape(NAMES[opt.name])}</b>"
        if not pairs:
            return f"{head}: no state yet (it starts with the first step)"
        rows = "<br>".join(f"{escape(k)}: <code>{escape(v)}</code>" for k, v in pairs)
        return f"{head} keeps for {escape(node_id)}:<br>{rows}"

    def optimizer(self):
        """The optimizer the next Step uses: the panel's, with its state, or a fresh
        one of the chosen kind at the panel's learning rate."""
        opt = self.panel.optimizer
        if opt is None:
            opt = self.panel.optimizer_box.make(self.panel.lr_spin.value())
        return opt

    def updates(self, evaluation, node_ids, digits: int):
        """Update explanations for ``node_ids`` that are parameters (the next step's rule)."""
        graph = self.panel.document.graph
        opt = self.optimizer()
        params = [p for p in node_ids if p in parameters(graph)]
        out = []
        for p in params:
            grad = evaluation.grad(p) if evaluation is not None else None
            out.append(update_text(opt, p, graph.node(p).value, grad, digits,
                                   name=short_name(graph, p)))
        return out
