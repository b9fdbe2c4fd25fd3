"""The mistakes of hand-written backward passes, each as the number it would give.

A :class:`Mistake` computes, at any values of the graph (a :class:`Point`),
what a backward pass with that one mistake gives for the claimed node. The
grader keeps the mistakes that match the learner's number at the graph's
values, then at every draw; the first code of ``cli.md``'s order that still
explains it is the verdict. Every alternative is the engine's own backward
pass — on the graph itself, with ``=`` at forks, or seeded at another node
(:meth:`Point.vjp`) — or one op's own vector-Jacobian product.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx
import numpy as np

from ..seeding import add_weighted_sum
from ..engine import Evaluation, Evaluator
from ..graph import Edge, Graph
from ..misconception import overwrite_gradients

#: Not a verdict code: a path dropped at a fork further down (cli.md's missing_path is
#: about the claimed node's own wires); the grader says it in a ``wrong`` sentence.
DOWNSTREAM = "downstream_path"

#: Bounds that keep the search small on large graphs.
MAX_WIRES = 6          # subsets of at most this many wires
MAX_FORKS = 12         # downstream forks looked at
MAX_PAIRS = 400        # (value, gradient) pairs looked at for value_for_gradient


class Point:
    """The graph at one set of input values, with its evaluation and seeded passes."""

    def __init__(self, graph: Graph, evaluation: Evaluation):
        self.graph = graph
        self.evaluation = evaluation
        self._vjp_cache: dict[str, dict[str, Any]] = {}
        self._overwrite: dict[str, Any] | None = None

    def value(self, node_id: str) -> Any:
        return self.evaluation.value(node_id)

    def grad(self, node_id: str) -> Any:
        return self.evaluation.grad(node_id)

    def edge_grad(self, edge: Edge) -> Any:
        return self.evaluation.edge_grad(edge)

    def overwrite(self, node_id: str) -> Any:
        if self._overwrite is None:
            self._overwrite = overwrite_gradients(self.evaluation)
        return self._overwrite.get(node_id)

    def vjp(self, start: str, seed: Any, target: str) -> Any:
        """∂/∂target of ⟨seed, start⟩: the backward pass from ``start`` with ``seed``
        as its gradient, read at ``target`` (the engine's loop on a seeded copy)."""
        scalar = np.ndim(self.value(start)) == 0
        key = start if scalar else None
        if key is not None and key in self._vjp_cache:
            g = self._vjp_cache[key].get(target)
            return None if g is None else g * float(seed)
        grads = _seeded_pass(self.graph, self.evaluation, start, 1.0 if scalar else seed)
        if key is not None:
            self._vjp_cache[key] = grads
            g = grads.get(target)
            return None if g is None else g * float(seed)
        return grads.get(target)


def _seeded_pass(graph: Graph, evaluation: Evaluation, start: str, seed: Any) -> dict:
    work = graph.copy()
    _, sum_id = add_weighted_sum(work, start, seed, work.id_allocator())
    work.set_output(sum_id)
    seeded = Evaluator(work).evaluate()
    if seeded.error is not None or seeded.grads is None:
        return {}
    return {n: seeded.grad(n) for n in graph.node_ids()}


@dataclass
class Mistake:
    """One way to get ∂output/∂node wrong: ``compute(point)`` gives its number there;
    ``say(point, got)`` the sentence (after "grad_x is ..."); ``wires`` what it is about."""

    code: str
    key: tuple
    compute: Callable[[Point], Any]
    say: Callable[[Point], str]
    wires: list[Edge] = field(default_factory=list)


def wires_to_output(graph: Graph, node_id: str, reach: set[str]) -> list[Edge]:
    return [e for e in graph.out_edges(node_id) if e.dst in reach]


def reaching(graph: Graph) -> set[str]:
    out = graph.effective_output()
    return set() if out is None else nx.ancestors(graph.nx, out) | {out}


def candidates(graph: Graph, node: str, names: Callable[[str], str]) -> list[Mistake]:
    """Every mistake looked for on ``node``, in the verdicts' order of precedence
    (``sign``, ``missing_upstream``, ``overwrite``, ``missing_path``,
    ``value_for_gradient``), and the :data:`DOWNSTREAM` hints. ``names(id)`` writes
    ∂f/∂id."""
    reach = reaching(graph)
    if node not in reach or node == graph.effective_output():
        return []
    found: list[Mistake] = [Mistake("sign", ("sign",), lambda p: _neg(p.grad(node)),
                                    lambda p: f"it is the negative of {names(node)} = "
                                              f"{_num(p.grad(node))}: a sign is flipped")]
    wires = wires_to_output(graph, node, reach)
    found += _missing_upstream(graph, node, wires, names)
    found += _overwrite(node, wires, names)
    found += _missing_path(graph, node, wires, reach, names)
    found += _value_for_gradient(graph, node, reach, names)
    return found


# ------------------------------------------------------------ the mistakes

def _missing_upstream(graph: Graph, node: str, wires: list[Edge], names) -> list[Mistake]:
    def local(p: Point, edges: list[Edge]) -> Any:
        total = None
        for e in edges:
            g = _local_derivative(p, e)
            if g is None:
                return None
            total = g if total is None else total + g
        return total

    def say_for(edges: list[Edge]):
        dsts = sorted({e.dst for e in edges})
        return lambda p: (f"it is the local derivative {_local_name(node, dsts)} alone: the "
                          f"upstream gradient was not multiplied in ("
                          + " and ".join(f"{names(d)} = {_num(p.grad(d))}" for d in dsts)
                          + f"); {names(node)} = {_num(p.grad(node))}")

    # Over every wire: the local derivative of one wire alone is the overwrite's number
    # whenever the upstream gradient is 1, and the overwrite then names it better.
    return [Mistake("missing_upstream", ("local",), lambda p: local(p, wires),
                    say_for(wires), wires)]


def _local_derivative(p: Point, edge: Edge) -> Any:
    """What ``edge`` carries back with the upstream gradient taken as ones: the op's
    own vector-Jacobian product, nothing multiplied in."""
    g = p.graph
    dst = g.node(edge.dst)
    args = [p.value(e.src) for e in g.in_edges(edge.dst)]
    out = p.value(edge.dst)
    ones = np.ones_like(out) if isinstance(out, np.ndarray) else 1.0
    vjp = dst.spec.bind(dst.attrs)[3]
    try:
        with np.errstate(all="ignore"):
            grads = vjp(ones, out, *args)
    except Exception:
        return None
    return grads[edge.port] if dst.spec.arity > 1 else grads


def _overwrite(node: str, wires: list[Edge], names) -> list[Mistake]:
    if len(wires) < 2:
        return []
    out = []
    for e in wires:
        out.append(Mistake(
            "overwrite", ("wire", e), lambda p, e=e: p.edge_grad(e),
            lambda p, e=e: (f"it is what only the wire {_wire(e)} carries back: {node} feeds "
                            f"{len(wires)} wires and its gradient is the sum of what they "
                            f"carry back (+=, not =): {names(node)} = {_num(p.grad(node))}"),
            [e]))
    out.append(Mistake(
        "overwrite", ("pass",), lambda p: p.overwrite(node),
        lambda p: (f"it is what a backward pass that assigns (grads[x] = g) instead of adding "
                   f"(grads[x] += g) at every fork gives: {names(node)} = "
                   f"{_num(p.grad(node))}"), wires))
    return out


def _missing_path(graph: Graph, node: str, wires: list[Edge], reach: set[str],
                  names) -> list[Mistake]:
    out = []
    if 2 < len(wires) <= MAX_WIRES:
        for size in range(2, len(wires)):
            for kept in itertools.combinations(wires, size):
                lost = [e for e in wires if e not in kept]
                out.append(Mistake(
                    "missing_path", ("kept", kept),
                    lambda p, kept=kept: _sum(p.edge_grad(e) for e in kept),
                    _say_missing(node, lost, names), lost))
    downstream = [n for n in graph.node_ids() if n in reach and n != node
                  and n in nx.descendants(graph.nx, node)]
    forks = [n for n in downstream if 1 < len(wires_to_output(graph, n, reach)) <= MAX_WIRES]
    for fork in forks[:MAX_FORKS]:
        fork_wires = wires_to_output(graph, fork, reach)
        for size in range(1, len(fork_wires)):
            for lost in itertools.combinations(fork_wires, size):
                out.append(Mistake(
                    DOWNSTREAM, ("lost", fork, lost),
                    lambda p, fork=fork, lost=lost: _minus(
                        p.grad(node), p.vjp(fork, _sum(p.edge_grad(e) for e in lost), node)),
                    _say_dropped(node, fork, list(lost)), list(lost)))
    return out


def _lost_text(p: Point, lost: list[Edge]) -> str:
    """"the wire a → b (carrying 0.3) is missing", for one wire or several."""
    shown = ", ".join(_wire(e) for e in lost)
    carried = ", ".join(_num(p.edge_grad(e)) for e in lost)
    several = len(lost) > 1
    return (f"the wire{'s' * several} {shown} (carrying {carried}) "
            f"{'are' if several else 'is'} missing")


def _say_dropped(node: str, fork: str, lost: list[Edge]):
    return lambda p: f"a path dropped at the fork {fork} below {node}: {_lost_text(p, lost)}"


def _say_missing(node: str, lost: list[Edge], names):
    return lambda p: (f"it is the sum over only some of the paths from {node} to the output: "
                      f"{_lost_text(p, lost)}; {names(node)} = {_num(p.grad(node))}")


def _value_for_gradient(graph: Graph, node: str, reach: set[str], names) -> list[Mistake]:
    """Using node A's value where node B's gradient belongs (B downstream of the claimed
    node): the pass gives grad + vjp(B → node)(value(A) − grad(B))."""
    below = nx.descendants(graph.nx, node)
    order = graph.node_ids()
    bs = [n for n in reversed(order) if n in reach and n in below]   # nearest the output first
    out = []
    for b in bs:
        for a in order:
            if len(out) >= MAX_PAIRS:
                break
            out.append(Mistake(
                "value_for_gradient", ("vfg", a, b),
                lambda p, a=a, b=b: _swap(p, node, a, b),
                lambda p, a=a, b=b: (f"you used {a} (value {_num(p.value(a))}) where "
                                     f"{names(b)} ({_num(p.grad(b))}) belongs; "
                                     f"{names(node)} = {_num(p.grad(node))}")))
    return out


def _swap(p: Point, node: str, a: str, b: str) -> Any:
    va, gb = p.value(a), p.grad(b)
    if gb is None or va is None or np.shape(va) != np.shape(gb):
        return None
    if np.array_equal(va, gb):
        return None
    delta = np.asarray(va, dtype=np.float64) - gb
    delta = float(delta) if np.ndim(delta) == 0 else delta
    return _plus(p.grad(node), p.vjp(b, delta, node))


# ------------------------------------------------------------------ helpers

def _neg(x):
    if x is None or not np.any(x):
        return None
    return -x


def _sum(items):
    total = None
    for g in items:
        if g is None:
            return None
        total = g if total is None else total + g
    return total


def _plus(a, b):
    return None if a is None or b is None else a + b


def _minus(a, b):
    return None if a is None or b is None else a - b


def _wire(e: Edge) -> str:
    return f"{e.src} → {e.dst}"


def _local_name(node: str, dsts: list[str]) -> str:
    return " + ".join(f"∂{d}/∂{node}" for d in dsts)


def _num(v) -> str:
    from ..formatting import format_value
    return format_value(v, 4, width=40, minus="−")
