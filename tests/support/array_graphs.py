"""Graphs with arrays to train (an MLP, a small conv net, demos 09 and 15), and the
bits of a value: shared by the tests of training runs' passes."""
from __future__ import annotations

import os

import numpy as np

from chainrule.core.fileformat import load
from chainrule.core.program import parse_program

DEMOS = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "demos")
RNG = np.random.default_rng(3)


def bits(v):
    """A value as its exact bits (−0.0 is not 0.0), or None.  Every nan counts as one:
    numpy's vector loops give a nan's sign bit by the memory's alignment, so the same
    pass run twice on the same graph may flip it (seen: a flaky draw)."""
    if v is None:
        return None
    a = np.array(v, dtype=np.float64)
    a[np.isnan(a)] = np.nan
    return (type(v).__name__, a.shape, a.tobytes())


def mlp_graph():
    X = RNG.normal(size=(16, 5))
    y = RNG.integers(0, 3, size=16).astype(float)
    values = dict(X=X, y=y, W1=RNG.normal(size=(5, 8)), b1=RNG.normal(size=8),
                  W2=RNG.normal(size=(8, 3)), b2=np.zeros(3))
    g = parse_program("h = relu(X @ W1 + b1)\nL = cross_entropy(h @ W2 + b2, y)").graph
    for name, value in values.items():
        g.set_value(name, value)
    for name in ("W1", "b1", "W2", "b2"):
        g.node(name).trainable = True
    return g


def conv_graph():
    x = RNG.normal(size=(2, 3, 7, 7))
    values = dict(x=x, K=RNG.normal(size=(4, 3, 3, 3)), t=RNG.normal(size=(2, 4, 3, 3)))
    g = parse_program("h = relu(conv2d(x, K, stride=2, padding=1))\n"
                      "L = mse(maxpool2d(h, size=2, stride=1), t)").graph
    for name, value in values.items():
        g.set_value(name, value)
    g.node("K").trainable = True
    return g


GRAPHS = {
    "mlp": mlp_graph,
    "conv": conv_graph,
    "demo 09": lambda: load(os.path.join(DEMOS, "09-tensor-mlp.cgraph")),
    "demo 15": lambda: load(os.path.join(DEMOS, "15-tiny-convnet.cgraph")),
}
