"""Numerical gradient check: central finite differences against the backward pass.

For each leaf (or any node, by perturbing its value where it is computed),
every element is nudged by ±h and the output recomputed; the slope is
compared with the gradient the backward pass gives.  An array output counts
as the sum of its elements, which is what seeding it with ones means.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Evaluator
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


def numerical_gradient(graph: Graph, node_id: str, h: float = 1e-6) -> Any:
    """d(output)/d(node_id) for a leaf, by central differences (float64)."""
    work = graph.copy()
    evaluator = Evaluator(work)
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
            results.append(_total(evaluator.forward().value(out)))
        grad.reshape(-1)[k] = (results[0] - results[1]) / (2 * step)
    work.set_value(node_id, base)
    return float(grad) if arr.ndim == 0 else grad


ABS_FLOOR = 1e-4


def relative_error(analytic: Any, numeric: Any) -> float:
    """max |a − n| / max(|a|, |n|), with |·| floored at ``ABS_FLOOR``."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        return math.inf
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        same = np.array_equal(a, n, equal_nan=True)
        return 0.0 if same else math.inf
    # Central differences cannot resolve gradients much below their own noise
    # (about 1e-10 here), so tiny gradients are compared on an absolute scale.
    denom = np.maximum(np.maximum(np.abs(a), np.abs(n)), ABS_FLOOR)
    return float(np.max(np.abs(a - n) / denom)) if a.size else 0.0


def check_gradients(graph: Graph, nodes: list[str] | None = None, h: float = 1e-6,
                    tolerance: float = 1e-5) -> list[CheckRow]:
    """Compare the backward pass with finite differences for every leaf (or ``nodes``)."""
    evaluation = Evaluator(graph).evaluate()
    if evaluation.error:
        from .errors import EvaluationError
        raise EvaluationError(evaluation.error)
    if nodes is None:
        nodes = [n.id for n in graph.nodes() if n.spec.is_leaf]
    rows = []
    for node_id in nodes:
        analytic = evaluation.grad(node_id)
        if analytic is None:
            analytic = np.zeros_like(np.asarray(graph.node(node_id).value, dtype=float))
            analytic = float(analytic) if analytic.ndim == 0 else analytic
        numeric = numerical_gradient(graph, node_id, h)
        err = relative_error(analytic, numeric)
        rows.append(CheckRow(node_id, analytic, numeric, err, err <= tolerance))
    return rows
