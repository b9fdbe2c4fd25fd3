"""Forward mode: every node's tangent along seeded input directions.

The tangent of a node is the directional derivative of its value along the
seeds, ``ṅ = Σ ∂n/∂leaf · leaḟ``, computed node by node in the engine's own
order (``Plan.order``) from each op's tangent rule (``jvp`` in the op table),
one Jacobian-vector product per node, as ``torch.autograd.forward_ad`` does.
A leaf without a seed has tangent 0 (zeros of its shape) — a real zero that
the rules multiply like any other number, as a dual number with a zero
tangent behaves in PyTorch.

The tangents go on the one :class:`~chainrule.core.engine.Evaluation`
(``evaluation.tangents``, a list in plan order), beside its values and
gradients, so every view reads them from there.
"""
from __future__ import annotations

import weakref
from typing import Any, Mapping

import numpy as np

from . import ops
from .engine import Evaluation
from .errors import ChainruleError
from .graph import Edge
from .values import as_value

_IEEE = (ArithmeticError, ValueError)   # the float rules raise where IEEE gives inf/nan


class TangentError(ChainruleError):
    """A seed that does not fit its node (not a leaf, or the wrong shape)."""


def _shape_text(shape) -> str:
    return "scalar" if not shape else "(" + "×".join(str(n) for n in shape) + ")"


def seed_value(node, tangent: Any) -> Any:
    """The seed for leaf ``node``: a number fills the leaf's shape, an array must have it."""
    if not node.spec.is_leaf:
        raise TangentError(f'"{node.id}" is a {node.op} node; a tangent is seeded only on '
                           "input and const nodes")
    shape = np.shape(node.value)
    if np.ndim(tangent) == 0:
        t = float(tangent)
        return t if not shape else np.full(shape, t)
    if np.shape(tangent) != shape:
        raise TangentError(f'the tangent of "{node.id}" must have its shape '
                           f"{_shape_text(shape)}, not {_shape_text(np.shape(tangent))}")
    return np.array(tangent, dtype=np.float64)


def _zeros(value: Any) -> Any:
    return 0.0 if not isinstance(value, np.ndarray) else np.zeros(value.shape)


def node_tangent(spec: ops.Op, attrs: dict, tangents: list, out: Any, inputs: list) -> Any:
    """The tangent of one node from its inputs' tangents (the op's rule, float form first)."""
    return _apply(spec.bind_jvp(attrs), tangents, out, inputs)


def _apply(rules: tuple, tangents: list, out: Any, inputs: list) -> Any:
    fast, rule = rules
    args = (*tangents, out, *inputs)
    if fast is not None and type(out) is float and \
            all(type(v) is float for v in args):
        try:
            return fast(*args)
        except _IEEE:
            pass
    with np.errstate(all="ignore"):
        t = rule(*args)
    if np.shape(t) != np.shape(out):        # broadcasting made the value larger
        t = np.array(np.broadcast_to(t, np.shape(out)), dtype=np.float64)
    return as_value(t)


# The bound tangent rules of a plan's nodes, made once per plan (a structural change
# makes a new plan), so a forward-mode pass does not bind settings node by node.
_RULES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _rules(plan) -> list:
    rules = _RULES.get(plan)
    if rules is None:
        rules = _RULES[plan] = [None if node.spec.is_leaf else node.spec.bind_jvp(node.attrs)
                                for node in plan.nodes]
    return rules


def tangents(evaluation: Evaluation, seeds: Mapping[str, Any]) -> list:
    """Every node's tangent in plan order (None where the node has no value); also
    stored on the evaluation as ``evaluation.tangents``.

    ``seeds`` maps leaf ids to their tangents (a number or an array of the leaf's
    shape, see :func:`seed_value`); every other leaf gets zeros."""
    plan = evaluation.plan
    vals = evaluation.values
    seeded = {plan.index[k]: seed_value(plan.nodes[plan.index[k]], v)
              for k, v in seeds.items()}
    rules = _rules(plan)
    out: list = [None] * len(plan.nodes)
    for i, ins in enumerate(plan.inputs):
        v = vals[i]
        if v is None:
            continue
        if not ins:
            out[i] = seeded[i] if i in seeded else _zeros(v)
            continue
        ts = [out[j] for j in ins]
        if any(t is None for t in ts):
            continue
        out[i] = _apply(rules[i], ts, v, [vals[j] for j in ins])
    evaluation.tangents = out
    return out


def tangent(evaluation: Evaluation, node_id: str) -> Any:
    """The node's tangent, or None (no forward-mode pass, or no value).  Also of what a
    step-through has shown so far (its ``tangent_of``: NOT_YET before the node's step)."""
    shown = getattr(evaluation, "tangent_of", None)
    if shown is not None:
        return shown(node_id)
    ts = getattr(evaluation, "tangents", None)
    return None if ts is None else ts[evaluation.plan.index[node_id]]


def edge_tangent(evaluation: Evaluation, edge: Edge) -> Any:
    """The tangent a wire carries forward: its source's."""
    return tangent(evaluation, edge.src)


def reverse_mode_view(evaluation: Evaluation, seeds: Mapping[str, Any]) -> float | None:
    """Σ grad · tangent over the seeded leaves: what reverse mode says the output's
    tangent must be (a scalar output), or None when there are no gradients."""
    grads = getattr(evaluation, "grads", None)
    out = evaluation.output
    if getattr(evaluation, "tangent_of", None) is not None:
        return None                 # a step-through under way: not every gradient is known
    if grads is None or out is None or np.ndim(evaluation.value(out)) != 0:
        return None
    total = 0.0
    for node_id, t in seeds.items():
        g = evaluation.grad(node_id)
        if g is not None:
            total += float(np.sum(np.asarray(g) * np.asarray(t)))
    return total


def default_seeds(graph, selected: str | None = None) -> dict[str, Any]:
    """Tangent 1 on the selected input (the first input when none is selected)."""
    if selected is not None and selected in graph and graph.node(selected).spec.is_leaf:
        return {selected: 1.0}
    first = next((n.id for n in graph.nodes() if n.op == "input"), None)
    return {} if first is None else {first: 1.0}
