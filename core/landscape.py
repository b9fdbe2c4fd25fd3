"""The loss surface along two chosen parameters: a grid of losses around the current point.

A coordinate is one number of one parameter: ``("w", ())`` for a scalar,
``("W1", (0, 1))`` for an element of a matrix.  :func:`loss_surface` moves
those two numbers over a grid centred on their current values, keeps every
other leaf where it is, and computes the loss at each grid point with one
forward pass of a private copy of the graph (:class:`~chainrule.core.probe.Probe`),
so every value of the grid is a direct evaluation.  With a data set bound,
the surface is that of the whole training part (what the path is steering by
on average).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .graph import Graph
from .probe import Probe
from .training import parameters

Coordinate = tuple[str, tuple[int, ...]]


def coordinates(graph: Graph, limit: int = 200) -> list[Coordinate]:
    """The numbers of the trainable inputs, in order (at most ``limit``)."""
    out: list[Coordinate] = []
    for p in parameters(graph):
        value = graph.node(p).value
        if isinstance(value, np.ndarray):
            out.extend((p, tuple(int(i) for i in idx)) for idx in np.ndindex(value.shape))
        else:
            out.append((p, ()))
        if len(out) >= limit:
            return out[:limit]
    return out


def coordinate_name(c: Coordinate) -> str:
    node, idx = c
    return node if not idx else f"{node}[{','.join(map(str, idx))}]"


def read(graph: Graph, c: Coordinate) -> float:
    value = graph.node(c[0]).value
    return float(value[c[1]]) if c[1] else float(value)


def with_coordinate(value: Any, idx: tuple[int, ...], x: float) -> Any:
    """``value`` with the number at ``idx`` set to ``x`` (a copy for an array)."""
    if not idx:
        return float(x)
    out = np.array(value, dtype=np.float64)
    out[idx] = x
    return out


@dataclass
class Surface:
    a: Coordinate
    b: Coordinate
    xs: np.ndarray           # values of a along the columns
    ys: np.ndarray           # values of b along the rows
    losses: np.ndarray       # losses[i, j] at (xs[j], ys[i])


def loss_surface(graph: Graph, a: Coordinate, b: Coordinate, span: float = 1.0,
                 n: int = 25, centre: tuple[float, float] | None = None,
                 probe: Probe | None = None) -> Surface:
    """Losses over an ``n`` × ``n`` grid of ±``span`` around ``centre`` (default: now)."""
    if a == b:
        raise ValueError("choose two different parameters for the loss surface")
    probe = probe or Probe(graph)
    probe.sync()
    probe.feed_training()
    ca, cb = centre if centre is not None else (read(graph, a), read(graph, b))
    xs = np.linspace(ca - span, ca + span, n)
    ys = np.linspace(cb - span, cb + span, n)
    va, vb = probe.graph.node(a[0]).value, probe.graph.node(b[0]).value
    losses = np.empty((n, n))
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            if a[0] == b[0]:
                probe.set({a[0]: with_coordinate(with_coordinate(va, a[1], x), b[1], y)})
            else:
                probe.set({a[0]: with_coordinate(va, a[1], x), b[0]: with_coordinate(vb, b[1], y)})
            losses[i, j] = probe.loss()
    probe.set({a[0]: va, b[0]: vb})
    return Surface(a, b, xs, ys, losses)


def loss_at(graph: Graph, point: dict[Coordinate, float]) -> float:
    """The loss with the given numbers set, by a fresh copy of the graph (for checking)."""
    probe = Probe(graph)
    probe.sync()
    probe.feed_training()
    for (node, idx), x in point.items():
        probe.set({node: with_coordinate(probe.graph.node(node).value, idx, x)})
    return probe.loss()
