"""Check gradients: finite differences against the backward pass, marked on the canvas.

"Check gradients" compares every leaf's gradient with central finite
differences (:func:`chainrule.core.gradcheck.check_gradients`), "Check every node"
does it for every node with a finite value.  Each checked node gets a pill
under its card — ✓ or ✗ with the relative error — and the inspector shows
the full comparison for the selected node.  The marks describe the numbers
they were computed from, so the next edit that changes a number (a value,
a wire, a node, the output) takes them all away; moving or relabelling a
card does not.
"""
from __future__ import annotations

from html import escape


from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from chainrule.core.errors import ChainruleError
from chainrule.core.formatting import format_value
from chainrule.core.gradcheck import CheckRow, check_gradients
from chainrule.gui import theme
from chainrule.gui.canvas import style

MARK = "check"
TOLERANCE = 1e-5
#: node_changed fields that change no number: the marks survive them.
HARMLESS_FIELDS = ("pos", "label", "trainable")


class GradientCheckView(QObject):
    """Runs the check on ``document`` and marks ``scene``; keeps the rows for the inspector."""

    #: The marks changed (set or cleared): the inspector re-reads :meth:`note_for`.
    changed = Signal()

    def __init__(self, document, scene, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.scene = scene
        self.rows: dict[str, CheckRow] = {}
        self.digits = 6
        doc = document
        for signal in (doc.node_added, doc.node_removed, doc.node_renamed, doc.edge_added,
                       doc.edge_removed, doc.output_changed, doc.graph_replaced):
            signal.connect(self.clear)
        doc.node_changed.connect(self._node_changed)

    def check(self, nodes: str | list[str] = "leaves") -> list[CheckRow] | None:
        """Check ``nodes`` ("leaves", "all" or ids), mark them, say the verdict; None when
        the graph cannot be checked (the reason goes to the status bar)."""
        doc = self.document
        graph = doc.graph
        if not graph.node_ids():
            doc.message.emit("Nothing to check: the graph is empty.")
            return None
        evaluation = doc.evaluation
        if evaluation.error:
            doc.message.emit(f"Cannot check the gradients: {evaluation.error}.")
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            rows = check_gradients(graph, nodes, tolerance=TOLERANCE)
        except (ChainruleError, ValueError) as exc:
            doc.message.emit(f"Cannot check the gradients: {exc}.")
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.rows = {r.node: r for r in rows}
        self._mark()
        failed = [r for r in rows if not r.ok]
        worst = max((r.rel_error for r in rows), default=0.0)
        if not rows:
            doc.message.emit("Nothing to check: no node has a finite value.")
        elif failed:
            names = ", ".join(r.node for r in failed[:5]) + ("…" if len(failed) > 5 else "")
            doc.message.emit(f"✗ {len(failed)} of {len(rows)} gradients disagree with finite "
                             f"differences: {names} (worst relative error {worst:.1e}).")
        else:
            doc.message.emit(f"✓ All {len(rows)} gradients agree with finite differences "
                             f"(worst relative error {worst:.1e} ≤ {TOLERANCE:g}).")
        self.changed.emit()
        return rows

    def clear(self, *_args) -> None:
        if self.rows:
            self.rows = {}
            self.scene.set_node_marks(MARK, {})
            self.changed.emit()

    def _node_changed(self, _node_id: str, field: str) -> None:
        if field not in HARMLESS_FIELDS:
            self.clear()

    def _mark(self) -> None:
        marks = {}
        for node_id, row in self.rows.items():
            text = f"{'✓' if row.ok else '✗'} {row.rel_error:.0e}"
            color = style.CHECK_OK if row.ok else style.CHECK_BAD
            marks[node_id] = (text, color, self.sentence(row))
        self.scene.set_node_marks(MARK, marks)

    def sentence(self, row: CheckRow) -> str:
        """One plain line: the two gradients, the relative error, the verdict."""
        verdict = "agrees" if row.ok else "DISAGREES"
        return (f"Gradient check: backward pass {format_value(row.analytic, self.digits)}, "
                f"finite differences {format_value(row.numeric, self.digits)}, relative error "
                f"{row.rel_error:.1e} — {verdict} (tolerance {TOLERANCE:g})")

    def note_for(self, node_id: str) -> str:
        """Rich text for the inspector ("" when the node was not checked)."""
        row = self.rows.get(node_id)
        if row is None:
            return ""
        color = theme.hex_of("check_ok" if row.ok else "check_bad")
        mark = "✓" if row.ok else "✗"
        return (f"<b style='color:{color}'>{mark} gradient check</b>: relative error "
                f"<b>{row.rel_error:.1e}</b> (tolerance {TOLERANCE:g})<br>"
                f"backward pass: <code>{escape(format_value(row.analytic, self.digits))}</code><br>"
                f"finite differences: <code>{escape(format_value(row.numeric, self.digits))}"
                f"</code>")
