"""Random graphs for hypothesis: a few leaves, then ops wired to recent nodes.

Only ops that are smooth and finite on small inputs (``SAFE_UNARY``,
``SAFE_BINARY``), so gradients and tangents can be compared with finite
differences; max and min may tie (tests that need no ties filter them).
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
