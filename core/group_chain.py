"""A collapsed group's backward as one gate: upstream × the gate's local derivative.

Why: the CS231n notes write the grouped sigmoid's derivative as one number,
and a learner should see where it comes from.  The gate's local derivative
∂o/∂i (inner output o, outside input i) is the sum over the paths from i
through the group to o of the product of the inner local derivatives along
each path:  ∂σ/∂x = (−1)·e^{−x}·1·(−1/(1+e^{−x})²) = 0.197.

Nothing here replaces the engine: each path's contribution is the upstream
gradient carried back along that one path with the ops' own vector-Jacobian
products (``Op.bind``), and their sum is what the engine sends into the group
(a test checks it).  For arrays the same sum is a Jacobian-vector product,
written with shapes rather than numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import groups as gm
from .engine import Evaluation
from .explain import Explanation, _factor, _name, num
from .formatting import format_shape
from .graph import Edge, Graph

MAX_PATHS = 24


@dataclass
class Path:
    """One way from an input through the group to an output."""

    edges: list[Edge]
    factors: list[Any]           # ∂dst/∂src of each wire (scalars) — None for arrays
    contribution: Any            # upstream carried back along this path alone


@dataclass
class GateDerivative:
    input: str
    output: str
    upstream: Any                # ∂L/∂output from outside the group
    local: Any                   # Σ over paths of Π factors (scalars), else None
    grad: Any                    # Σ of the paths' contributions
    paths: list[Path] = field(default_factory=list)
    truncated: bool = False      # more than MAX_PATHS paths: only the first are listed


def _local(graph: Graph, ev: Evaluation, edge: Edge, upstream: Any) -> Any:
    """What ``edge.dst`` sends back along ``edge`` for ``upstream``: its op's VJP."""
    node = graph.node(edge.dst)
    spec = node.spec
    _, _, _, vjp = spec.bind(node.attrs)
    inputs = [ev.edge_value(e) for e in graph.in_edges(edge.dst)]
    with np.errstate(all="ignore"):
        result = vjp(upstream, ev.value(edge.dst), *inputs)
    return result[edge.port] if spec.arity > 1 else result


def _paths(graph: Graph, inside: set[str], start: Edge, target: str, limit: int):
    """Every wire path from ``start`` (entering the group) to ``target``, depth first."""
    found: list[list[Edge]] = []
    stack = [[start]]
    while stack and len(found) <= limit:
        path = stack.pop()
        last = path[-1].dst
        if last == target:
            found.append(path)
            continue
        for e in reversed(graph.out_edges(last)):
            if e.dst in inside:
                stack.append(path + [e])
    return found


def external_upstream(graph: Graph, ev: Evaluation, group_id: str, output: str,
                      inside: set[str]) -> Any:
    """∂L/∂output as it arrives from outside the group (1 at the graph's output)."""
    total = None
    for e in graph.out_edges(output):
        if e.dst not in inside:
            g = ev.edge_grad(e)
            if g is not None:
                total = g if total is None else total + g
    if output == ev.output:
        one = np.ones(np.shape(ev.value(output))) if np.ndim(ev.value(output)) else 1.0
        total = one if total is None else total + one
    return total


def gate_derivatives(graph: Graph, ev: Evaluation, group_id: str,
                     limit: int = MAX_PATHS) -> list[GateDerivative]:
    """Per (input, output) pair of the gate, its paths and their sum."""
    inner = gm.members(graph, group_id)
    inside = set(inner)
    b = gm.boundary(graph, group_id, inner)
    out: list[GateDerivative] = []
    for o in b.outputs:
        upstream = external_upstream(graph, ev, group_id, o, inside)
        if upstream is None:
            continue
        for i in b.inputs:
            paths, truncated = [], False
            for start in (e for e in b.in_edges if e.src == i):
                found = _paths(graph, inside, start, o, limit)
                truncated |= len(found) > limit or len(paths) + len(found) > limit
                paths += found
            if not paths:
                continue
            items = []
            for path in paths:
                g = upstream
                for e in reversed(path):
                    g = _local(graph, ev, e, g)
                scalar = all(np.ndim(ev.value(e.dst)) == 0 and np.ndim(ev.edge_value(e)) == 0
                             for e in path)
                factors = [_local(graph, ev, e, 1.0) for e in path] if scalar else None
                items.append(Path(path, factors, g))
            grad = sum(p.contribution for p in items[1:]) + items[0].contribution \
                if len(items) > 1 else items[0].contribution
            local = (sum(float(np.prod(p.factors)) for p in items)
                     if all(p.factors is not None for p in items) else None)
            out.append(GateDerivative(i, o, upstream, local, grad, items[:limit], truncated))
    return out


def gate_backward_text(graph: Graph, ev: Evaluation, group_id: str,
                       digits: int = 4) -> Explanation:
    """The chain-rule panel's text for a collapsed group's backward step."""
    group = graph.groups[group_id]
    gate = group.display
    L = _name(graph, ev.output)
    lines: list[str] = []
    for d in gate_derivatives(graph, ev, group_id):
        i, o = _name(graph, d.input), _name(graph, d.output)
        if d.local is not None:
            lines.append(f"chain  ∂{L}/∂{i} = ∂{L}/∂{o} · ∂{gate}/∂{i} = {num(d.upstream, digits)}"
                         f" · {_factor(d.local, digits)} = {num(d.grad, digits)}")
            terms = []
            for p in d.paths:
                factors = "·".join(_factor(f, digits) for f in p.factors)
                terms.append(factors if len(p.factors) > 1 else num(p.factors[0], digits))
            how = " + ".join(f"({t})" if len(d.paths) > 1 and "·" in t else t for t in terms)
            lines.append(f"local  ∂{gate}/∂{i} = {how} = {num(d.local, digits)}"
                         + ("   (the first paths only)" if d.truncated else ""))
            lines.append(f"       {_paths_said(len(d.paths))}: the product of the local "
                         f"derivatives along each, summed")
        else:
            shape_in, shape_up = format_shape(np.shape(d.grad)), format_shape(np.shape(d.upstream))
            lines.append(f"chain  ∂{L}/∂{i} = J_{gate}ᵀ · ∂{L}/∂{o}: {shape_up} → {shape_in}")
            for p in d.paths:
                steps = " ← ".join([f"{_name(graph, p.edges[-1].dst)} "
                                    f"{format_shape(np.shape(ev.value(p.edges[-1].dst)))}"]
                                   + [f"{_name(graph, e.src)} "
                                      f"{format_shape(np.shape(ev.edge_value(e)))}"
                                      for e in reversed(p.edges)])
                lines.append(f"       path {steps}")
            lines.append(f"       {_paths_said(len(d.paths))}, each a chain of the ops' "
                         f"vector-Jacobian products; their sum is the gradient")
    if not lines:
        lines.append("no gradient reaches this gate")
    title = f"Backward: {gate} (a group of {len(gm.members(graph, group_id))} gates)"
    return Explanation(title, lines, group.note or "")


def gate_forward_text(graph: Graph, ev: Evaluation, group_id: str,
                      digits: int = 4) -> Explanation:
    """A collapsed group's forward step: its outputs from its inputs, as one gate."""
    group = graph.groups[group_id]
    b = gm.boundary(graph, group_id)
    args = ", ".join(f"{_name(graph, i)} = {num(ev.value(i), digits)}" for i in b.inputs)
    lines = [f"{_name(graph, o)} = {group.display}({', '.join(_name(graph, i) for i in b.inputs)})"
             f" = {num(ev.value(o), digits)}" for o in b.outputs]
    lines.append(f"with {args}" if args else "no inputs from outside the group")
    lines.append(f"{len(gm.members(graph, group_id))} gates inside, computed in one step "
                 f"(Step Into walks them one by one)")
    return Explanation(f"Forward: {group.display} (a group)", lines, group.note or "")


def gate_text(graph: Graph, ev: Evaluation, group_id: str, digits: int = 4) -> Explanation:
    """Both passes through a group as one gate, for clicking it after a full pass."""
    group = graph.groups[group_id]
    result = Explanation(f"{group.display} (a group of {len(gm.members(graph, group_id))} "
                         f"gates)", note=group.note or "")
    result.lines += gate_forward_text(graph, ev, group_id, digits).lines
    if ev.grads is not None and ev.error is None:
        result.lines += gate_backward_text(graph, ev, group_id, digits).lines
    return result


def _paths_said(n: int) -> str:
    return "one path" if n == 1 else f"{n} paths"


__all__ = ["GateDerivative", "Path", "gate_derivatives", "gate_backward_text",
           "gate_forward_text", "gate_text"]
