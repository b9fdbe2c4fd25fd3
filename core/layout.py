"""Where a node goes when nobody placed it: one layered layout for the whole app.

A node in topological generation *k* (networkx: every node one layer after
its deepest input) goes to x = ``LAYER_DX``·k; the nodes of one layer are
stacked ``LAYER_DY`` apart, in the order they were added.  The program parser,
the file reader (nodes without ``pos``) and the canvas (nodes added without a
position) all use it, so a graph looks the same whichever way it arrived.
"""
from __future__ import annotations

from typing import Iterable

from .graph import Graph

LAYER_DX = 220.0
LAYER_DY = 110.0


def layered_positions(graph: Graph, only: Iterable[str] | None = None,
                      top: float = 0.0) -> dict[str, tuple[float, float]]:
    """Positions for ``only`` (default: every node), layer by layer from ``top`` down."""
    wanted = None if only is None else set(only)
    rank = {node_id: i for i, node_id in enumerate(graph.node_ids())}
    positions: dict[str, tuple[float, float]] = {}
    for k, generation in enumerate(graph.generations()):
        column = sorted((n for n in generation if wanted is None or n in wanted),
                        key=rank.__getitem__)
        for j, node_id in enumerate(column):
            positions[node_id] = (LAYER_DX * k, top + LAYER_DY * j)
    return positions


def layers(graph: Graph) -> list[list[str]]:
    """The graph's layers, as a course draws an MLP: read along the generations above,
    a node's layer is the number of activation gates (the op table's ``activations``)
    on the deepest path into it; the activation itself closes its layer.  Inputs and
    constants join the layer of their first consumer (a weight belongs to its
    layer), and what follows the last activation (the loss) is a layer of its own.
    Empty layers are dropped; every node is in exactly one."""
    crossed: dict[str, int] = {}
    for generation in graph.generations():
        for node_id in generation:
            if graph.node(node_id).spec.is_leaf:
                continue
            depth = 0
            for src_id in graph.nx._pred[node_id]:
                src = graph.node(src_id)
                if src.spec.is_leaf:
                    continue
                depth = max(depth, crossed[src_id] + (src.spec.group == "activations"))
            crossed[node_id] = depth
    for node_id in graph.node_ids():
        if node_id not in crossed:
            users = [crossed[d] for d in graph.nx._succ[node_id] if d in crossed]
            crossed[node_id] = min(users, default=0)
    count = max(crossed.values(), default=-1) + 1
    out: list[list[str]] = [[] for _ in range(count)]
    for node_id in graph.node_ids():
        out[crossed[node_id]].append(node_id)
    return [layer for layer in out if layer]
