"""Random graphs for hypothesis: a few leaves, then ops wired to recent nodes.

Only ops that are smooth and finite on small inputs (``SAFE_UNARY``,
``SAFE_BINARY``), so gradients and tangents can be compared with finite
differences; max and min may tie (tests that need no ties filter them).
``wild_graphs`` are the opposite: every op, values that make inf and nan, for
comparing two ways of computing the same numbers bit for bit.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from chainrule.core.graph import Graph

SAFE_UNARY = ["tanh", "sigmoid", "sin", "cos", "square", "neg", "exp"]
SAFE_BINARY = ["add", "sub", "mul", "max", "min"]


@st.composite
def random_graphs(draw, arrays: bool = False, min_ops: int = 1, max_ops: int = 12):
    g = Graph()
    n_leaves = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(), (2,), (2, 3)])) if arrays else ()
    for i in range(n_leaves):
        if shape:
            value = draw(st.lists(st.floats(-1.5, 1.5), min_size=int(np.prod(shape)),
                                  max_size=int(np.prod(shape))))
            value = np.array(value).reshape(shape)
        else:
            value = draw(st.floats(-1.5, 1.5))
        g.add_node(f"x{i}", "input", value=value)
    ids = [f"x{i}" for i in range(n_leaves)]
    for i in range(draw(st.integers(min_ops, max_ops))):
        binary = draw(st.booleans())
        op = draw(st.sampled_from(SAFE_BINARY if binary else SAFE_UNARY))
        node_id = f"n{i}"
        g.add_node(node_id, op)
        for port in range(g.node(node_id).spec.arity):
            # Usually a recent node (chains, diamonds), sometimes the same twice (x*x).
            g.connect(draw(st.sampled_from(ids[-4:])), node_id, port)
        ids.append(node_id)
    g.set_output(draw(st.sampled_from(ids[n_leaves:])))
    return g

UNARY = ("neg", "exp", "log", "relu", "square", "tanh", "sigmoid", "abs", "sqrt", "reciprocal")
BINARY = ("add", "sub", "mul", "div", "max", "min", "pow")
LEAF_VALUES = st.sampled_from((0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 700.0, 1e308, 0.5))


@st.composite
def wild_graphs(draw, max_leaves: int = 5, max_ops: int = 25, arrays: bool = False) -> Graph:
    """Graphs that make inf and nan (division by zero, the log of a negative number,
    overflowing exp), for comparing kernels bit for bit.  A graph with one output: leaves, then ops reading earlier nodes (any of them,
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


def connect_drawn(g: Graph, ids: list[str], r1: int, r2: int) -> None:
    """A random-edit test's wire: from ``ids[r2]`` into a port of ``ids[r1]`` (modulo
    their counts); may raise the graph's refusals (a cycle, a taken port)."""
    dst = ids[r1 % len(ids)]
    arity = g.node(dst).spec.arity
    if arity:
        g.connect(ids[r2 % len(ids)], dst, r2 % arity)
