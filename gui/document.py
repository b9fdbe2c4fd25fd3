"""The open document: one graph, its undo stack, its file and its latest evaluation.

This is the adapter between the Qt-free core and the widgets: it turns the
graph's :class:`core.events.Event` notifications into Qt signals, and it
re-evaluates the graph after every change (coalesced, so a burst of edits —
dragging a slider — costs one evaluation per event-loop turn).  Views read
``document.evaluation``; they never compute values or gradients themselves.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from chainrule.core.engine import Evaluation, Evaluator
from chainrule.core.graph import Graph


class Document(QObject):
    """Everything the editor's views share about the graph being edited."""

    # Structure, re-emitted from the model (see core.graph.Graph's events).
    node_added = Signal(str)
    node_removed = Signal(str)
    node_changed = Signal(str, str)       # node id, field ("value", "label", "pos", ...)
    node_renamed = Signal(str, str)       # old id, new id
    edge_added = Signal(object)           # core.graph.Edge
    edge_removed = Signal(object)
    output_changed = Signal(object)       # node id or None
    graph_replaced = Signal()             # a different Graph object: rebuild views
    evaluated = Signal(object)            # core.engine.Evaluation, after every change
    path_changed = Signal(object)         # Path or None
    message = Signal(str)                 # one sentence for the status bar

    def __init__(self, graph: Graph | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        self.graph: Graph = Graph()
        self.evaluator = Evaluator(self.graph)
        self._evaluation: Evaluation | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.evaluate_now)
        self._subscriptions: list = []
        self.set_graph(graph or Graph())

    # ------------------------------------------------------------- graph

    def set_graph(self, graph: Graph, path: Path | str | None = None) -> None:
        """Show another graph (New, Open): the undo history starts again."""
        for event, handler in self._subscriptions:
            event.unsubscribe(handler)
        self.graph = graph
        self.evaluator = Evaluator(graph)
        self._subscriptions = [
            (graph.node_added, self._on_node_added),
            (graph.node_removed, self._on_node_removed),
            (graph.node_changed, self._on_node_changed),
            (graph.node_renamed, self._on_node_renamed),
            (graph.edge_added, self._on_edge_added),
            (graph.edge_removed, self._on_edge_removed),
            (graph.output_changed, self._on_output_changed),
        ]
        for event, handler in self._subscriptions:
            event.subscribe(handler)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.set_path(path)
        self._evaluation = None
        self.graph_replaced.emit()
        self.evaluate_now()

    def set_path(self, path: Path | str | None) -> None:
        self.path = Path(path) if path is not None else None
        self.path_changed.emit(self.path)

    @property
    def modified(self) -> bool:
        """Modified means the undo stack is not at its clean index."""
        return not self.undo_stack.isClean()

    def push(self, command) -> None:
        """Do an edit through the undo stack (the only way views change the graph)."""
        self.undo_stack.push(command)

    # -------------------------------------------------------- evaluation

    @property
    def evaluation(self) -> Evaluation:
        """The evaluation of the graph as it is now (computed on demand if stale)."""
        if self._evaluation is None or self._timer.isActive():
            self.evaluate_now()
        return self._evaluation

    def schedule_evaluation(self) -> None:
        self._timer.start()

    def evaluate_now(self) -> Evaluation:
        self._timer.stop()
        self._evaluation = self.evaluator.evaluate()
        self.evaluated.emit(self._evaluation)
        return self._evaluation

    # ------------------------------------------------- model → Qt signals

    def _on_node_added(self, node_id: str) -> None:
        self.node_added.emit(node_id)
        self.schedule_evaluation()

    def _on_node_removed(self, node_id: str) -> None:
        self.node_removed.emit(node_id)
        self.schedule_evaluation()

    def _on_node_changed(self, node_id: str, what: str) -> None:
        self.node_changed.emit(node_id, what)
        if what != "pos" and what != "label":
            self.schedule_evaluation()

    def _on_node_renamed(self, old: str, new: str) -> None:
        self.node_renamed.emit(old, new)
        self.schedule_evaluation()

    def _on_edge_added(self, edge) -> None:
        self.edge_added.emit(edge)
        self.schedule_evaluation()

    def _on_edge_removed(self, edge) -> None:
        self.edge_removed.emit(edge)
        self.schedule_evaluation()

    def _on_output_changed(self, node_id) -> None:
        self.output_changed.emit(node_id)
        self.schedule_evaluation()
