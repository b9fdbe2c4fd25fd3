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

from typing import Any

from chainrule.core import forward_mode
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
    #: Forward mode was turned on or off, or its seeds changed (the evaluation follows).
    forward_mode_changed = Signal()

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
        # Forward mode (a view setting, not an edit): the tangent seeds set in the
        # inspector, by leaf id; none set: 1 on the selected input (forward_seeds).
        self.forward_mode = False
        self.tangent_seeds: dict[str, Any] = {}
        self.selected_leaf: str | None = None
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
        self.tangent_seeds = {}
        self.selected_leaf = None
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

    def evaluation_pending(self) -> bool:
        """An edit is waiting for its evaluation (``evaluated`` follows on the next turn)."""
        return self._timer.isActive()

    def evaluate_now(self) -> Evaluation:
        self._timer.stop()
        self.graph.keep_single_end()
        evaluation = self._evaluation = self.evaluator.evaluate()
        if self.forward_mode:           # the tangents ride on the one evaluation
            forward_mode.tangents(evaluation, self.forward_seeds())
        self.evaluated.emit(evaluation)
        if self._evaluation is evaluation and self._showing_steps() is None:
            self.current_evaluation_changed.emit(evaluation)
        return evaluation

    # ------------------------------------------------------ forward mode

    def set_forward_mode(self, on: bool) -> None:
        """Carry tangents too (on every evaluation and step-through), or stop."""
        on = bool(on)
        if on != self.forward_mode:
            self.forward_mode = on
            self.forward_mode_changed.emit()
            self.evaluate_now()

    def set_tangent_seed(self, node_id: str, tangent: Any) -> None:
        """Seed ``tangent`` on leaf ``node_id`` (None: unseed it); a wrong shape or a
        node that is not a leaf raises ``forward_mode.TangentError``."""
        if tangent is None:
            self.tangent_seeds.pop(node_id, None)
        else:
            self.tangent_seeds[node_id] = forward_mode.seed_value(self.graph.node(node_id),
                                                                  tangent)
        self.forward_mode_changed.emit()
        if self.forward_mode:
            self.evaluate_now()

    def clear_tangent_seeds(self) -> None:
        """Forget the seeds set: 1 on the selected input again."""
        self.tangent_seeds = {}
        self.forward_mode_changed.emit()
        if self.forward_mode:
            self.evaluate_now()

    def set_selected_leaf(self, node_id: str | None) -> None:
        """The selected node: with no seeds set, the tangent 1 goes on it if it is an input."""
        if node_id == self.selected_leaf:
            return
        self.selected_leaf = node_id
        if self.forward_mode and not self.tangent_seeds:
            self.forward_mode_changed.emit()
            self.evaluate_now()

    def forward_seeds(self) -> dict[str, Any]:
        """The seeds in force: those set (still fitting their leaves), else 1 on the
        selected input (the first input when none is selected)."""
        graph = self.graph
        seeds = {}
        for node_id, t in self.tangent_seeds.items():
            if node_id in graph:
                try:
                    seeds[node_id] = forward_mode.seed_value(graph.node(node_id), t)
                except forward_mode.TangentError:
                    continue        # the leaf changed shape: that seed no longer applies
        if self.tangent_seeds:
            return seeds
        selected = self.selected_leaf
        if selected is not None and (selected not in graph or graph.node(selected).op != "input"):
            selected = None
        return {k: forward_mode.seed_value(graph.node(k), v)
                for k, v in forward_mode.default_seeds(graph, selected).items()}

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
