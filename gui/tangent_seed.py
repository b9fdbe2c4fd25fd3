"""The inspector's tangent seed of a leaf: a number, a JSON list or a table.

Shown while forward mode is on: for an input or const its seed, for any
other node its tangent (read from the current evaluation, never computed
here).  What it shows is the
seed in force (:meth:`Document.forward_seeds`: those set, else 1 on the
selected input); typing one sets it on the document (not an undoable edit:
it chooses a direction to look along, like the zoom, and never changes the
graph).  An empty field unseeds the leaf; "Clear seeds" goes back to the
default, 1 on the selected input.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from chainrule.core import forward_mode
from chainrule.core.errors import ChainruleError
from chainrule.core.formatting import format_value
from chainrule.core.stepper import NOT_YET
from chainrule.core.forward_mode import TangentError
from chainrule.core.tangent_text import dot
from chainrule.core.values import value_from_text
from chainrule.gui.canvas import style
from chainrule.gui.modes_panel import wrapped_label
from chainrule.gui.value_editor import as_list_text, blocked, fill_table, number_table


class TangentSeedEditor(QWidget):
    """Edits the tangent seed of one leaf of ``document`` (``show_node``)."""

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.setObjectName("tangentSeed")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        self.title = QLabel()
        self.title.setStyleSheet(f"font-weight: bold; color: {style.TANGENT.name()};")
        layout.addWidget(self.title)
        row = QHBoxLayout()
        self.edit = QLineEdit()
        self.edit.setObjectName("tangentSeedEdit")
        self.edit.setPlaceholderText("0 (not seeded)")
        self.edit.setToolTip("The tangent of this leaf: a number (it fills the leaf's shape) "
                             "or a JSON list of its shape; empty: not seeded (0)")
        self.edit.editingFinished.connect(self._commit_text)
        row.addWidget(self.edit, 1)
        self.clear = QPushButton("Clear seeds")
        self.clear.setObjectName("tangentSeedClear")
        self.clear.setToolTip("Forget every seed set: 1 on the selected input again")
        self.clear.clicked.connect(self._clear)
        row.addWidget(self.clear)
        layout.addLayout(row)
        self.table = number_table(read_only=False)
        self.table.setObjectName("tangentSeedTable")
        self.table.number_model.cell_edited.connect(self._commit_cell)
        layout.addWidget(self.table)
        self.note = wrapped_label("tangentSeedNote")
        layout.addWidget(self.note)
        document.forward_mode_changed.connect(self.refresh)
        document.current_evaluation_changed.connect(self._evaluation_changed)
        self.hide()

    # ------------------------------------------------------------ showing

    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id
        self.refresh()

    def _node(self, leaf: bool = True):
        graph = self.document.graph
        if self.node_id is None or self.node_id not in graph:
            return None
        node = graph.node(self.node_id)
        return node if node.spec.is_leaf or not leaf else None

    def _evaluation_changed(self, _evaluation) -> None:
        if self.isVisible():
            self.refresh()

    def seed(self) -> Any:
        """The seed in force on the shown leaf, or None (not seeded)."""
        return self.document.forward_seeds().get(self.node_id)

    def refresh(self) -> None:
        node = self._node(leaf=False)
        self.setVisible(node is not None and self.document.forward_mode)
        if node is None or not self.document.forward_mode:
            return
        leaf = node.spec.is_leaf
        for widget in (self.edit, self.clear):
            widget.setVisible(leaf)
        if not leaf:
            self.table.hide()
            t = forward_mode.tangent(self.document.current_evaluation(), node.id)
            self.title.setText(f"Tangent {dot(node.id)} (forward mode)")
            shown = "not reached yet" if t is NOT_YET else \
                "—" if t is None else format_value(t, 6)
            self.note.setText(f"{dot(node.id)} = {shown}: how fast {node.id} changes along "
                              "the seeded inputs.")
            return
        seed = self.seed()
        self.title.setText(f"Tangent {dot(node.id)} (forward mode)")
        if not self.edit.hasFocus():         # never under the user's typing
            with blocked(self.edit):
                self.edit.setText("" if seed is None else as_list_text(seed))
        arr = np.zeros(np.shape(node.value)) if seed is None else np.asarray(seed)
        self.table.setVisible(1 <= arr.ndim <= 2)
        if 1 <= arr.ndim <= 2:
            with blocked(self.table.number_model):
                fill_table(self.table, arr, None)
        self.note.setText(self._note(seed) + self._agreement())

    def _note(self, seed) -> str:
        if seed is None:
            return "Not seeded: its tangent is 0."
        if not self.document.tangent_seeds:
            return ("The default: 1 on the selected input. Type a tangent to seed leaves "
                    "yourself.")
        return "Seeded: every wire shows the derivative along this direction."

    def _agreement(self) -> str:
        """The two modes side by side: the output's tangent and Σ grad · tangent."""
        ev = self.document.current_evaluation()
        out = getattr(ev, "output", None)
        if out is None or out not in self.document.graph:
            return ""
        t = forward_mode.tangent(ev, out)
        both = forward_mode.reverse_mode_view(ev, self.document.forward_seeds())
        if both is None or t is None or t is NOT_YET or np.ndim(t):
            return ""
        return (f"\nForward mode: {dot(out)} = {format_value(t, 6)}. Reverse mode: "
                f"Σ gradient · tangent = {format_value(both, 6)}.")

    # ------------------------------------------------------------ editing

    def _set(self, value: Any) -> None:
        try:
            self.document.set_tangent_seed(self.node_id, value)
        except TangentError as exc:
            self.note.setText(str(exc))

    def _commit_text(self) -> None:
        if self._node() is None:
            return
        text = self.edit.text().strip()
        if not text:
            if self.seed() is not None:
                self._keep_others()
                self._set(None)
            return
        try:
            value = value_from_text(text)
        except ChainruleError as exc:
            self.note.setText(f"The tangent {text!r} is not a number or a list: {exc}")
            return
        self._keep_others()
        self._set(value)

    def _commit_cell(self, row: int, col: int, text: str) -> None:
        node = self._node()
        try:
            x = float(value_from_text(text))
        except (ChainruleError, TypeError, ValueError):
            self.note.setText(f"The tangent {text!r} is not a number.")
            self.refresh()
            return
        seed = self.seed()
        arr = np.zeros(np.shape(node.value)) if seed is None else np.array(seed, dtype=float)
        arr[(col,) if arr.ndim == 1 else (row, col)] = x
        self._keep_others()
        self._set(arr)

    def _keep_others(self) -> None:
        """The first seed typed replaces the default: keep what is in force now."""
        doc = self.document
        if not doc.tangent_seeds:
            for node_id, t in doc.forward_seeds().items():
                doc.tangent_seeds[node_id] = t

    def _clear(self) -> None:
        self.document.clear_tangent_seeds()
