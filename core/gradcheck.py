"""Numerical gradient check: central finite differences against the backward pass.

Why: a learner who doubts a number on a wire (or an engineer who changes an
op) needs an independent witness, and the oldest one is the definition of
the derivative.  For each leaf (or any node, on request) every element is
nudged by ±h and the output recomputed; the slope is compared with the
gradient the backward pass gives.  An array output counts as the sum of its
elements, which is what seeding it with ones means.

An intermediate node is nudged by turning it into a leaf in a copy of the
graph: its input wires are removed and it becomes a ``const`` holding its
current value, feeding the same wires as before.  The slope of the output
with respect to that const is the node's gradient, which the backward pass
gives as the sum over its outgoing wires.

``chainrule check FILE.cgraph [--nodes leaves|all] [--tolerance T] [--step H]
[--json]`` prints the comparison as a table (or JSON) and exits 1 when a
gradient disagrees (see :func:`run`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Evaluator
from .errors import EvaluationError
from .graph import Graph


@dataclass(frozen=True)
class CheckRow:
    node: str
    analytic: Any
    numeric: Any
    rel_error: float
    ok: bool


def _total(value: Any) -> float:
    return float(np.sum(value))


def as_leaf(graph: Graph, node_id: str, value: Any = None) -> Graph:
    """A copy of ``graph`` in which ``node_id`` is a const holding ``value`` (by default
    its current value), with no input wires and the same output wires and output."""
    work = graph.copy()
    node = work.node(node_id)
    if node.spec.is_leaf:
        if value is not None:
            work.set_value(node_id, value)
        return work
    if value is None:
        value = Evaluator(graph).forward().value(node_id)
    if value is None or not np.all(np.isfinite(value)):
        raise EvaluationError(f'node "{node_id}" has no finite value to nudge', node_id)
    output = work.effective_output()
    outs = work.out_edges(node_id)
    work.remove_node(node_id)
    work.add_node(node_id, "const", value=value, label=node.label, pos=node.pos)
    for edge in outs:
        work.connect(edge.src, edge.dst, edge.port)
    work.set_output(output)
    return work


def numerical_gradient(graph: Graph, node_id: str, h: float = 1e-6) -> Any:
    """d(output)/d(node_id) by central differences (float64); any node with a finite value."""
    work = as_leaf(graph, node_id)
    return _slopes(work, Evaluator(work), node_id, h)


def _slopes(work: Graph, evaluator: Evaluator, node_id: str, h: float) -> Any:
    """Central differences of ``work``'s output in its leaf ``node_id``, through
    ``evaluator`` (its plan compiled once: a nudge changes a value, not the structure);
    the leaf's value is put back afterwards."""
    base = work.node(node_id).value
    arr = np.array(base, dtype=np.float64)
    grad = np.zeros_like(arr)
    out = work.effective_output()
    flat = arr.reshape(-1)
    for k in range(flat.size):
        x = flat[k]
        step = h * max(1.0, abs(x))
        results = []
        for sign in (1.0, -1.0):
            bumped = flat.copy()
            bumped[k] = x + sign * step
            value = bumped.reshape(arr.shape)
            work.set_value(node_id, float(value) if arr.ndim == 0 else value)
            results.append(evaluator.forward().value(out))
        if any(r is None for r in results) and float(x).is_integer():
            # An input that only integers are allowed to hold (class indices, ids) has
            # no values either side to nudge to: the output is piecewise constant in it,
            # so its slope is 0, the gradient such a port receives.
            grad.reshape(-1)[k] = 0.0
            continue
        if any(r is None for r in results):
            raise EvaluationError(f'node "{node_id}" cannot be nudged: the evaluation fails '
                                  f'next to its value', node_id)
        grad.reshape(-1)[k] = (_total(results[0]) - _total(results[1])) / (2 * step)
    work.set_value(node_id, base)
    return float(grad) if arr.ndim == 0 else grad


ABS_FLOOR = 1e-4


def relative_error(analytic: Any, numeric: Any, floor: float = ABS_FLOOR) -> float:
    """max |a − n| / max(|a|, |n|), with |·| floored at ``floor``."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        return math.inf
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        same = np.array_equal(a, n, equal_nan=True)
        return 0.0 if same else math.inf
    # Central differences cannot resolve gradients much below their own noise
    # (about 1e-10 here), so tiny gradients are compared on an absolute scale.
    denom = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return float(np.max(np.abs(a - n) / denom)) if a.size else 0.0


def check_gradients(graph: Graph, nodes: list[str] | str | None = None, h: float = 1e-6,
                    tolerance: float = 1e-5) -> list[CheckRow]:
    """Compare the backward pass with finite differences.

    ``nodes``: a list of ids (any node with a finite value), ``"leaves"`` or
    None for every input and const, ``"all"`` for every node that has a
    finite value (nodes without one are left out: there is nothing to nudge).
    """
    evaluation = Evaluator(graph).evaluate()
    if evaluation.error:
        raise EvaluationError(evaluation.error)
    if nodes is None or nodes == "leaves":
        nodes = [n.id for n in graph.nodes() if n.spec.is_leaf]
    elif nodes == "all":
        nodes = [n.id for n in graph.nodes()
                 if evaluation.value(n.id) is not None
                 and np.all(np.isfinite(evaluation.value(n.id)))]
    elif isinstance(nodes, str):
        raise ValueError('nodes must be a list of ids, "leaves" or "all"')
    # The rounding noise of a central difference grows with the output itself
    # (about eps·|f|/h): gradients below ABS_FLOOR·|f| are compared on that scale.
    total = _total(evaluation.value(graph.effective_output()))
    floor = ABS_FLOOR * max(1.0, abs(total)) if math.isfinite(total) else ABS_FLOOR
    rows = []
    leaf_work = leaf_evaluator = None
    for node_id in nodes:
        analytic = evaluation.grad(node_id)
        if analytic is None:        # does not reach the output: the slope is 0
            analytic = np.zeros_like(np.asarray(evaluation.value(node_id), dtype=float))
            analytic = float(analytic) if analytic.ndim == 0 else analytic
        if graph.node(node_id).spec.is_leaf:
            if leaf_work is None:       # one copy and one compiled plan for every leaf
                leaf_work = graph.copy()
                leaf_evaluator = Evaluator(leaf_work)
            numeric = _slopes(leaf_work, leaf_evaluator, node_id, h)
        else:
            numeric = numerical_gradient(graph, node_id, h)
        err = relative_error(analytic, numeric, floor)
        rows.append(CheckRow(node_id, analytic, numeric, err, err <= tolerance))
    return rows
