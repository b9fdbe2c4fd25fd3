"""The most common bug of hand-written backprop: overwriting instead of adding at forks.

Why this module exists: a learner understands the fan-out rule best by
seeing what goes wrong without it.  A program that writes ``grads[a] = ga``
where it should write ``grads[a] += ga`` keeps only the *last* contribution
that reaches a node with several outgoing wires, and every node upstream of
that fork then inherits the wrong number.

This is not a second engine: it is :func:`chainrule.core.engine.backward` itself, run
on the values of a real forward pass with the fan-out rule
:func:`chainrule.core.engine.OVERWRITE` instead of the sum, so it walks the same
compiled plan (in the same reverse topological order, port 0 before port 1)
and calls the ops' own vector-Jacobian products.  Where a node feeds only one
wire both rules agree, so the differences are exactly the forks and what lies
upstream of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .engine import OVERWRITE, Evaluation, backward
from .errors import EvaluationError
from .graph import Edge, Graph


@dataclass
class OverwritePass:
    """The buggy backward pass: node gradients, wire gradients, and who won at each fork."""

    grads: dict[str, Any] = field(default_factory=dict)
    edge_grads: dict[Edge, Any] = field(default_factory=dict)
    kept: dict[str, Edge] = field(default_factory=dict)        # the wire written last
    lost: dict[str, list[Edge]] = field(default_factory=dict)  # wires overwritten before it


def overwrite_pass(evaluation: Evaluation) -> OverwritePass:
    """Run the backward pass with ``=`` instead of ``+=`` on an evaluation's values."""
    if evaluation.error is not None:
        raise EvaluationError(evaluation.error)
    plan = evaluation.plan
    order = plan.order
    wrong = Evaluation(plan, evaluation.values)
    backward(wrong, accumulate=OVERWRITE)
    result = OverwritePass()
    # The wires in the order the loop wrote them: the last one into a node is kept.
    for step in plan.backward_steps:
        i = step.node
        for port, j in enumerate((step.a, step.b)):
            if j < 0:
                continue
            edge = Edge(order[j], order[i], port)
            src = order[j]
            if src in result.kept:
                result.lost.setdefault(src, []).append(result.kept[src])
            result.kept[src] = edge
            result.edge_grads[edge] = wrong.edge_grad(edge)
    result.grads = {order[i]: wrong.grads[i] for i, r in enumerate(plan.reaching) if r}
    return result


def overwrite_gradients(evaluation: Evaluation) -> dict[str, Any]:
    """Node id → the gradient a program that assigns instead of accumulating computes
    (only nodes that reach the output, as in the real pass)."""
    return overwrite_pass(evaluation).grads


def wrong_nodes(evaluation: Evaluation, overwritten: dict[str, Any] | None = None) -> list[str]:
    """Ids whose overwritten gradient differs from the right one, in the plan's order."""
    if overwritten is None:
        overwritten = overwrite_gradients(evaluation)
    return [n for n in evaluation.plan.order if n in overwritten
            and not np.array_equal(overwritten[n], evaluation.grad(n), equal_nan=True)]


def fork_nodes(graph: Graph) -> list[str]:
    """Nodes with more than one outgoing wire into nodes that reach the output
    (``x * x`` counts: two wires), in the graph's node order."""
    output = graph.effective_output()
    if output is None:
        return []
    reaching = nx.ancestors(graph.nx, output) | {output}
    return [n for n in graph.node_ids()
            if sum(1 for e in graph.out_edges(n) if e.dst in reaching) > 1]
