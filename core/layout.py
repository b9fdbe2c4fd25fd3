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
