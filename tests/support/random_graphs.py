"""Random acyclic graphs for hypothesis: scalar ops, fan-out, and values that make
inf and nan (division by zero, the log of a negative number, overflowing exp)."""
from __future__ import annotations

from hypothesis import strategies as st

from chainrule.core.graph import Graph

UNARY = ("neg", "exp", "log", "relu", "square", "tanh", "sigmoid", "abs", "sqrt", "reciprocal")
BINARY = ("add", "sub", "mul", "div", "max", "min", "pow")
LEAF_VALUES = st.sampled_from((0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 700.0, 1e308, 0.5))


@st.composite
def random_graphs(draw, max_leaves: int = 5, max_ops: int = 25, arrays: bool = False) -> Graph:
    """A graph with one output: leaves, then ops reading earlier nodes (any of them,
    so there is fan-out), the ends summed into ``out``.  ``arrays``: some leaves are
    small vectors, so the numpy paths run too."""
    g = Graph()
    ids = []
    for i in range(draw(st.integers(1, max_leaves))):
        value = draw(LEAF_VALUES)
        if arrays and draw(st.booleans()):
            value = [value, draw(LEAF_VALUES), draw(LEAF_VALUES)]
        g.add_node(f"x{i}", "input", value=value)
        ids.append(f"x{i}")
    for i in range(draw(st.integers(1, max_ops))):
        binary = draw(st.booleans())
        op = draw(st.sampled_from(BINARY if binary else UNARY))
        node_id = f"n{i}"
        g.add_node(node_id, op)
        for port in range(2 if binary else 1):
            g.connect(draw(st.sampled_from(ids)), node_id, port)
        ids.append(node_id)
    g.set_output(sum_ends(g, "s"))
    return g


def sum_ends(g: Graph, prefix: str = "sum") -> str:
    """Add every end of ``g`` into one node (so every node reaches it); its id."""
    ends = g.sinks()
    acc = ends[0]
    for k, end in enumerate(ends[1:]):
        g.add_node(f"{prefix}{k}", "add")
        g.connect(acc, f"{prefix}{k}", 0)
        g.connect(end, f"{prefix}{k}", 1)
        acc = f"{prefix}{k}"
    return acc


def neg_chain(n: int) -> Graph:
    """x → neg → neg → … (``n`` of them): the deepest graph there is."""
    g = Graph()
    g.add_node("x", "input", value=0.5)
    prev = "x"
    for i in range(n):
        g.add_node(f"n{i}", "neg")
        g.connect(prev, f"n{i}", 0)
        prev = f"n{i}"
    return g
