"""Forward passes on a private copy of a graph: for pictures that must not touch the model.

The decision regions and the loss surface evaluate the graph at values that
are not the learner's (a grid of points, a grid of parameters).  Doing that
on the document's graph would announce changes and move the undo history;
a :class:`Probe` keeps its own copy and evaluator, takes the leaf values of
the original before each use (:meth:`sync`), and sets values quietly.
"""
from __future__ import annotations

from typing import Any

from .engine import Evaluator
from .graph import Graph
from .training import total_loss


class Probe:
    """A copy of ``graph`` with its own compiled plan, re-made when the structure changes."""

    def __init__(self, graph: Graph):
        self.source = graph
        self._version = None
        self.graph: Graph | None = None
        self.evaluator: Evaluator | None = None

    def sync(self) -> None:
        """Take the original's structure (if changed) and its current leaf values."""
        src = self.source
        if self.graph is None or self._version != src.structure_version:
            self.graph = src.copy()
            self.evaluator = Evaluator(self.graph)
            self._version = src.structure_version
            return
        for node in src.nodes():
            if node.spec.is_leaf:
                self.graph.node(node.id).value = node.value

    def set(self, values: dict[str, Any]) -> None:
        """Leaf values for the next pass, written quietly (same kinds as the graph's)."""
        for node_id, value in values.items():
            self.graph.node(node_id).value = value

    def feed_training(self) -> None:
        """The original's data set, its whole training part, fed to the bound inputs."""
        data = self.source.data
        if data is not None:
            train, _ = data.split()
            self.set({k: v for k, v in data.feed(train).items() if k in self.graph})

    def forward(self):
        """One forward pass; the Evaluation."""
        return self.evaluator.forward()

    def loss(self) -> float:
        evaluation = self.forward()
        if evaluation.error is not None:
            return float("nan")
        return total_loss(evaluation.value(evaluation.output))
