"""Graphs with a data set bound, built through the model's API (tests and benchmarks)."""
from __future__ import annotations

import numpy as np

from chainrule.core.datasets import Dataset
from chainrule.core.graph import Graph


def linear_classifier(W=((1.0, -1.0), (0.0, 0.0)), b=(0.0, 0.0), generator="blobs",
                      n=40, **settings) -> Graph:
    """scores = X·W + b, loss = cross_entropy(scores, y); X, y fed by a 2-D toy set."""
    g = Graph()
    g.add_node("X", "input", value=np.zeros((2, 2)))
    g.add_node("y", "const", value=np.zeros(2))
    g.add_node("W", "input", value=np.array(W, dtype=float), trainable=True)
    g.add_node("b", "input", value=np.array(b, dtype=float), trainable=True)
    g.add_node("xw", "matmul")
    g.add_node("scores", "add")
    g.add_node("L", "cross_entropy")
    for src, dst, port in (("X", "xw", 0), ("W", "xw", 1), ("xw", "scores", 0),
                           ("b", "scores", 1), ("scores", "L", 0), ("y", "L", 1)):
        g.connect(src, dst, port)
    g.set_output("L")
    g.data = Dataset.generated(generator, n, 0.1, 0, bind={"X": ["x1", "x2"], "y": ["label"]},
                               **settings)
    _feed_all(g)
    return g


def mlp(sizes=(2, 16, 16, 2), generator="moons", n=200, seed=0, **settings) -> Graph:
    """A ReLU net of the given layer sizes, softmax cross-entropy, fed by a 2-D toy set."""
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add_node("X", "input", value=np.zeros((2, sizes[0])))
    g.add_node("y", "const", value=np.zeros(2))
    prev = "X"
    for k, (a, b) in enumerate(zip(sizes, sizes[1:]), 1):
        g.add_node(f"W{k}", "input", value=rng.normal(0, (2 / a) ** 0.5, (a, b)), trainable=True)
        g.add_node(f"b{k}", "input", value=np.zeros(b), trainable=True)
        g.add_node(f"xw{k}", "matmul")
        g.add_node(f"z{k}", "add")
        g.connect(prev, f"xw{k}", 0)
        g.connect(f"W{k}", f"xw{k}", 1)
        g.connect(f"xw{k}", f"z{k}", 0)
        g.connect(f"b{k}", f"z{k}", 1)
        prev = f"z{k}"
        if k < len(sizes) - 1:
            g.add_node(f"h{k}", "relu")
            g.connect(prev, f"h{k}", 0)
            prev = f"h{k}"
    g.add_node("L", "cross_entropy")
    g.connect(prev, "L", 0)
    g.connect("y", "L", 1)
    g.set_output("L")
    g.data = Dataset.generated(generator, n, 0.1, seed, bind={"X": ["x1", "x2"], "y": ["label"]},
                               **settings)
    _feed_all(g)
    return g


def _feed_all(g: Graph) -> None:
    train, _ = g.data.split()
    g.set_values(g.data.feed(train))
