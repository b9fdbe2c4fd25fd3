"""The open document: one graph, its undo stack, its file and its latest evaluation.

This is the adapter between the Qt-free core and the widgets: it turns the
graph's :class:`chainrule.core.events.Event` notifications into Qt signals, and it
re-evaluates the graph after every change (coalesced, so a burst of edits —
dragging a slider — costs one evaluation per event-loop turn).  Views never
compute values or gradients themselves.

What the views show is **the current evaluation**: :meth:`Document.current_evaluation`,
announced by ``current_evaluation_changed``.  Normally it is the live
``document.evaluation``; during a step-through it is what the steps have revealed
so far (a :class:`chainrule.core.stepper.ShownSoFar`, looked up the same way, with
``NOT_YET`` for the numbers not reached).  The step-through sets it with
:meth:`Document.show_steps`; every view — the canvas labels and tooltips, the
inspector, the gradient-flow and overwrite views, the quiz — listens to that one
signal, so none needs to know whether a step-through exists.
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
    groups_changed = Signal()             # a group made, dissolved, collapsed, renamed...
    graph_replaced = Signal()             # a different Graph object: rebuild views
    evaluated = Signal(object)            # core.engine.Evaluation, after every change
    #: What the views show changed: the live evaluation after every change, or a
    #: step-through's ShownSoFar after every move (see the module docstring).
    current_evaluation_changed = Signal(object)
    path_changed = Signal(object)         # Path or None
    message = Signal(str)                 # one sentence for the status bar

    def __init__(self, graph: Graph | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        self.graph: Graph = Graph()
        self.evaluator = Evaluator(self.graph)
        self._evaluation: Evaluation | None = None
        self._steps = None           # a core.stepper.ShownSoFar while stepping through
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
            (graph.groups_changed, self.groups_changed.emit),
        ]
        for event, handler in self._subscriptions:
            event.subscribe(handler)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.set_path(path)
        self._evaluation = None
        self._steps = None           # they belonged to the other graph
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
        evaluation = self._evaluation = self.evaluator.evaluate()
        self.evaluated.emit(evaluation)
        if self._evaluation is evaluation and self._showing_steps() is None:
            self.current_evaluation_changed.emit(evaluation)
        return evaluation

    # ------------------------------------------------ what the views show

    def current_evaluation(self):
        """What the views show: the step-through's revealed numbers while one runs
        (and still fits the graph), else the live evaluation."""
        return self._showing_steps() or self.evaluation

    def show_steps(self, shown) -> None:
        """Show what a step-through has revealed (a ShownSoFar); None: live again."""
        if shown is None and self._steps is None:
            return
        self._steps = shown
        if shown is not None:
            self.current_evaluation_changed.emit(shown)
        elif self._evaluation is not None:
            # Not ``self.evaluation``: this may run while an edit is being announced;
            # the evaluation that edit scheduled is announced when it is made.
            self.current_evaluation_changed.emit(self._evaluation)

    def _showing_steps(self):
        steps = self._steps
        # While an edit is being announced (before the step-through is dropped) the
        # revealed numbers may describe the graph as it was: show the live ones then.
        return steps if steps is not None and steps.fits(self.graph) else None

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
