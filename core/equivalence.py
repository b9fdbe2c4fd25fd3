"""Fused equals staged: is a group the same function as one op (or another group)?

Why: the CS231n notes group the sigmoid's four gates into one gate with local
derivative σ(1 − σ), and a course asks for batch normalisation's backward both
staged and simplified.  Saying they agree is a claim; this module checks it
the way one checks a claim about functions: the group is cut out of the graph
as a function of its inputs (:func:`gate_graph`), the op is wired to the same
inputs, and both are evaluated — forward values, and the gradients sent back
to every input for one random upstream gradient — at the graph's own numbers
and at :data:`DRAWS` random draws of the inputs.  The largest difference is
reported, and where it was.

An input that holds whole numbers and receives no gradient at the graph's
numbers (class indices of a ``cross_entropy``) keeps its value in every draw:
random numbers are no class indices.  Everything else is drawn from a normal
distribution scaled like the input's own values.

The command line's ``chainrule check FILE --equivalent GROUP=OP`` and the
editor's "Check equivalence" both call :func:`check_equivalent`.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import groups as gm
from . import ops
from .engine import Evaluator
from .errors import GraphError
from .graph import Graph
from .seeding import add_weighted_sum

DRAWS = 20
TOLERANCE = 1e-7          # on |a − b| / (1 + |b|), elementwise


@dataclass(frozen=True)
class Gate:
    """A function cut out of a graph: ``graph`` has an ``input`` node per input (same
    ids as in the source graph), the inner nodes, and a scalar ``loss`` =
    Σ_j sum(output_j · R_j) whose seed sends the upstream gradients R_j back."""

    graph: Graph
    inputs: list[str]
    outputs: list[str]
    upstream: list[str]          # the const node holding R_j, per output
    loss: str


@dataclass
class Comparison:
    """The outcome of one check."""

    left: str
    right: str
    ok: bool
    largest: float                   # the largest |difference| of any value or gradient
    where: str                       # which number and at which draw
    draws: int
    ports: list[tuple[str, str]] = field(default_factory=list)   # (input, op port)
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.left} and {self.right} cannot be compared: {self.error}"
        verdict = "equal" if self.ok else "NOT equal"
        return (f"{self.left} and {self.right} are {verdict}: largest difference "
                f"{self.largest:.3g} ({self.where}), over the graph's numbers and "
                f"{self.draws} random draws")


# -------------------------------------------------------------- the gates

def gate_graph(graph: Graph, group_id: str, values: dict[str, Any] | None = None) -> Gate:
    """The group as a function of its inputs (see :class:`Gate`)."""
    inner = gm.members(graph, group_id)
    b = gm.boundary(graph, group_id, inner)
    if values is None:
        values = _values(graph)
    sub = Graph()
    for src in b.inputs:
        sub.add_node(src, "input", value=_leaf_value(values, src))
    for node_id in inner:
        node = graph.node(node_id)
        sub.add_node(node_id, node.op, value=node.value, attrs=node.attrs)
    for node_id in inner:
        for e in graph.in_edges(node_id):
            sub.connect(e.src, e.dst, e.port)
    return _seeded(sub, b.inputs, b.outputs, values)


def op_graph(op: str, inputs: list[str], order: tuple[int, ...], values: dict[str, Any],
             attrs: dict | None = None, output_id: str = "op") -> Gate:
    """One ``op`` node fed port p ← ``inputs[order[p]]``."""
    sub = Graph()
    for src in inputs:
        sub.add_node(src, "input", value=_leaf_value(values, src))
    output_id = sub.id_allocator().fresh(output_id)
    sub.add_node(output_id, op, attrs=attrs)
    for port, k in enumerate(order):
        sub.connect(inputs[k], output_id, port)
    return _seeded(sub, inputs, [output_id], {**values, output_id: None})


def _seeded(sub: Graph, inputs: list[str], outputs: list[str], values: dict) -> Gate:
    ids = sub.id_allocator()
    upstream, terms = [], []
    for out in outputs:
        r, s = add_weighted_sum(sub, out, 0.0, ids, ("upstream_", "weighted_", "total_"))
        upstream.append(r)
        terms.append(s)
    loss = terms[0]
    for t in terms[1:]:
        a = ids.numbered("loss_")
        sub.add_node(a, "add")
        sub.connect(loss, a, 0)
        sub.connect(t, a, 1)
        loss = a
    sub.set_output(loss)
    return Gate(sub, list(inputs), list(outputs), upstream, loss)


def _values(graph: Graph) -> dict[str, Any]:
    ev = Evaluator(graph).forward()
    if ev.error is not None:
        raise GraphError(ev.error)
    return {n: ev.value(n) for n in graph.node_ids()}


def _leaf_value(values: dict, node_id: str) -> Any:
    v = values.get(node_id)
    if v is None:
        raise GraphError(f'"{node_id}" has no value to feed the gate')
    return v


# ---------------------------------------------------------------- running

def _run(gate: Gate, inputs: dict[str, Any], upstream: list[Any]) -> tuple[list, list]:
    """Values of the outputs and gradients of the inputs for these numbers."""
    g = gate.graph
    g.set_values({**inputs, **dict(zip(gate.upstream, upstream))})
    ev = Evaluator(g).evaluate()
    if ev.error is not None:
        raise GraphError(ev.error)
    outs = [ev.value(o) for o in gate.outputs]
    grads = [ev.grad(i) for i in gate.inputs]
    return outs, grads


def _difference(a: Any, b: Any) -> tuple[float, float]:
    """(largest |a − b|, largest |a − b| / (1 + |b|)); inf when shapes differ."""
    if a is None or b is None:
        return (0.0, 0.0) if a is None and b is None else (math.inf, math.inf)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return math.inf, math.inf
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        d = np.where(same, 0.0, d)
        d = np.where(np.isnan(d), math.inf, d)
    if d.size == 0:
        return 0.0, 0.0
    return float(d.max()), float((d / (1 + np.abs(np.where(np.isfinite(b), b, 0)))).max())


def compare_gates(left: Gate, right: Gate, values: dict[str, Any], *, draws: int = DRAWS,
                  seed: int = 0, names: tuple[str, str] = ("left", "right"),
                  tolerance: float = TOLERANCE) -> Comparison:
    """Compare two gates over the same inputs (``left.inputs``, by position)."""
    rng = np.random.default_rng(seed)
    base = {i: values[i] for i in left.inputs}
    _, start_grad = _run(left, base, [_ones(values.get(o)) for o in left.outputs])
    fixed = {i for i, g in zip(left.inputs, start_grad)
             if _whole(base[i]) and (g is None or not np.any(g))}
    worst = (-1.0, 0.0, "nothing to compare")
    for draw in range(draws + 1):
        try:
            inputs, out_l = _inputs_for(left, base, fixed, rng, draw)
            upstream = [_random_like(rng, o) for o in out_l]
            out_l, grad_l = _run(left, inputs, upstream)
            out_r, grad_r = _run(right, dict(zip(right.inputs, inputs.values())), upstream)
        except GraphError as e:
            at = "at the graph's numbers" if draw == 0 else f"at draw {draw}"
            return Comparison(*names, False, math.inf, at, draws, error=f"{e} ({at})")
        where = "the graph's numbers" if draw == 0 else f"draw {draw}"
        pairs = [(f"the value of {o}", a, b) for o, a, b in zip(left.outputs, out_l, out_r)]
        pairs += [(f"the gradient of {i}", a, b) for i, a, b in zip(left.inputs, grad_l, grad_r)]
        for what, a, b in pairs:
            absolute, relative = _difference(a, b)
            if relative > worst[0]:
                worst = (relative, absolute, f"{what} at {where}")
    ok = worst[0] <= tolerance
    return Comparison(*names, ok, worst[1], worst[2], draws)


def _inputs_for(gate: Gate, base: dict, fixed: set, rng: np.random.Generator,
                draw: int) -> tuple[dict, list]:
    """Draw ``draw``'s inputs (0: the graph's numbers) and the gate's outputs there.
    A draw where the gate's values are not finite (a log of a negative number) is
    drawn again, then with positive numbers: nan equals nan proves nothing."""
    for attempt in range(6 if draw else 1):
        inputs = base if draw == 0 else {
            i: (v if i in fixed else _draw(rng, v, positive=attempt >= 3))
            for i, v in base.items()}
        outs, _ = _run(gate, inputs, [0.0] * len(gate.outputs))
        if all(o is not None and np.all(np.isfinite(o)) for o in outs):
            break
    return inputs, outs


def _ones(v: Any) -> Any:
    return 1.0 if v is None or np.ndim(v) == 0 else np.ones(np.shape(v))


def _random_like(rng: np.random.Generator, v: Any) -> Any:
    if v is None or np.ndim(v) == 0:
        return float(rng.normal())
    return rng.normal(size=np.shape(v))


def _draw(rng: np.random.Generator, v: Any, positive: bool = False) -> Any:
    scale = max(1.0, float(np.sqrt(np.mean(np.square(v)))))
    x = rng.normal(size=np.shape(v)) * scale
    if positive:
        x = np.abs(x) + 1e-3
    return float(x) if np.ndim(v) == 0 else x


def _whole(v: Any) -> bool:
    a = np.asarray(v, dtype=float)
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a)))


# ------------------------------------------------------- the public checks

def check_equivalent(graph: Graph, group_id: str, other: str, *, attrs: dict | None = None,
                     draws: int = DRAWS, seed: int = 0,
                     tolerance: float = TOLERANCE) -> Comparison:
    """Is group ``group_id`` the same function as the op or group named ``other``?

    For an op with several ports, every assignment of the group's inputs to its
    ports is tried and the best is reported (its ``ports``)."""
    if group_id not in graph.groups:
        raise GraphError(f'there is no group "{group_id}"')
    values = _values(graph)
    left = gate_graph(graph, group_id, values)
    if other in graph.groups:
        right = gate_graph(graph, other, values)
        if len(right.inputs) != len(left.inputs) or len(right.outputs) != len(left.outputs):
            raise GraphError(f'group "{group_id}" takes {_ports(left)} and group "{other}" '
                             f'{_ports(right)}; they cannot be the same function')
        return compare_gates(left, right, values, draws=draws, seed=seed,
                             names=(group_id, other), tolerance=tolerance)
    if other not in ops.OPS or ops.OPS[other].is_leaf:
        raise GraphError(f'"{other}" is neither a group nor an op')
    spec = ops.OPS[other]
    if len(left.outputs) != 1 or spec.arity != len(left.inputs):
        raise GraphError(f'group "{group_id}" takes {_ports(left)}; {other} takes '
                         f'{ops.ports_text(spec)} and gives one output')
    best = None
    for order in itertools.permutations(range(spec.arity)):
        right = op_graph(other, left.inputs, order, values, attrs, output_id=other)
        result = compare_gates(left, right, values, draws=draws, seed=seed,
                               names=(group_id, other), tolerance=tolerance)
        result.ports = [(left.inputs[k], spec.ports[p]) for p, k in enumerate(order)]
        if best is None or (result.error is None, -result.largest) > \
                (best.error is None, -best.largest):
            best = result
        if result.ok:
            break
    return best


def candidates(graph: Graph, group_id: str) -> list[str]:
    """Ops whose ports match the group's (same number of inputs, one output),
    those that agree at the graph's numbers first (quick: one draw)."""
    values = _values(graph)
    left = gate_graph(graph, group_id, values)
    if len(left.outputs) != 1:
        return []
    matching = [name for name, spec in ops.OPS.items()
                if not spec.is_leaf and spec.arity == len(left.inputs)]
    agree = []
    for name in matching:
        try:
            if check_equivalent(graph, group_id, name, draws=2).ok:
                agree.append(name)
        except (GraphError, ValueError):
            continue
    return agree + [n for n in matching if n not in agree]


def _ports(gate: Gate) -> str:
    n, m = len(gate.inputs), len(gate.outputs)
    return (f"{n} input{'s' if n != 1 else ''} ({', '.join(gate.inputs)}) and gives "
            f"{m} output{'s' if m != 1 else ''}")
