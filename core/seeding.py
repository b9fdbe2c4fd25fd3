"""A graph's node seeded with a chosen upstream gradient: Σ(node · weight) as the output.

Why: the backward pass always seeds its output with 1; a pass seeded with any
gradient ``w`` at any node is the pass of Σ(node · w).  The grader (another
node's gradient), the Modes panel (one output element at a time) and the
equivalence check build this on a copy of the graph."""
from __future__ import annotations

from typing import Any

from .graph import Graph
from .ids import IdAllocator


def add_weighted_sum(graph: Graph, node_id: str, weight: Any, ids: IdAllocator,
                     names: tuple[str, str, str] = ("seed", "seeded", "total")
                     ) -> tuple[str, str]:
    """Add const ``weight``, ``node · weight`` and its ``sum`` to ``graph`` (ids from
    ``ids``, numbered from ``names``); returns (the const's id, the sum's id)."""
    const_id, mul_id, sum_id = (ids.numbered(n) for n in names)
    graph.add_node(const_id, "const", value=weight)
    graph.add_node(mul_id, "mul")
    graph.add_node(sum_id, "sum")
    graph.connect(node_id, mul_id, 0)
    graph.connect(const_id, mul_id, 1)
    graph.connect(mul_id, sum_id, 0)
    return const_id, sum_id
