"""The most common bug of hand-written backprop: overwriting instead of adding at forks.

Why this module exists: a learner understands the fan-out rule best by
seeing what goes wrong without it.  A program that writes ``grads[a] = ga``
where it should write ``grads[a] += ga`` keeps only the *last* contribution
that reaches a node with several outgoing wires, and every node upstream of
that fork then inherits the wrong number.

This is a deliberate, short variant of the engine's backward loop, not a
second engine: it walks the same compiled plan (``Plan.backward_steps``, in the
same reverse topological order, port 0 before port 1), calls the ops' own
vector-Jacobian products on the values of a real forward pass, and differs
from :func:`core.engine.backward` in the one assignment.  Where a node feeds
only one wire both programs agree, so the differences are exactly the forks
and what lies upstream of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .engine import Evaluation
from .errors import EvaluationError
from .graph import Edge, Graph

# What Python raises where IEEE arithmetic gives inf or nan (as in the engine):
# the op's numpy vjp then gives the IEEE result.
_IEEE = (ArithmeticError, ValueError)


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
    vals, order = evaluation.values, plan.order
    grads: list = [None] * len(vals)
    seed = vals[plan.output]
    grads[plan.output] = np.ones_like(seed) if isinstance(seed, np.ndarray) else 1.0
    result = OverwritePass()
    with np.errstate(all="ignore"):
        for i, fast, slow, a, b in plan.backward_steps:
            if a < 0:
                continue
            g = grads[i]
            args = (g, vals[i], vals[a]) if b < 0 else (g, vals[i], vals[a], vals[b])
            if fast is None:                     # the plan's mark: g passes unchanged
                sent = g if b < 0 else (g, g)
            else:
                try:
                    sent = fast(*args)
                except _IEEE:
                    sent = slow(*args)
            sent = (sent,) if b < 0 else sent
            for port, (j, gj) in enumerate(zip((a, b), sent)):
                edge = Edge(order[j], order[i], port)
                src = order[j]
                if src in result.kept:
                    result.lost.setdefault(src, []).append(result.kept[src])
                grads[j] = gj                    # the bug: should be grads[j] += gj
                result.kept[src] = edge
                result.edge_grads[edge] = gj
    result.grads = {order[i]: grads[i] for i, r in enumerate(plan.reaching) if r}
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
