"""Decision regions of a 2-D classifier: the class the graph predicts at every pixel.

The data set binds a node to two feature columns (the samples' x1, x2) and a
node to the label column.  The prediction is what the label's consumer (the
loss, ``cross_entropy(scores, y)``, ``bce(p, y)``, ``mse(pred, y)``) compares
with the label: the node feeding that consumer's port 0.  The grid's points
are fed to the feature node in one batch and one forward pass of a private
copy (:class:`~chainrule.core.probe.Probe`) gives the prediction for every
pixel: the arg-max of a row of scores, or, for one number per sample, the
class 1 where it is above the threshold (0.5 for probabilities — ``bce``,
``mse`` against 0/1 — else 0, a logit's sign).
"""
from __future__ import annotations

import numpy as np

from .graph import Graph
from .probe import Probe

#: Consumers whose prediction is a probability (or a 0/1 target's estimate).
PROBABILITY_LOSSES = ("bce", "mse")


def prediction_node(graph: Graph) -> tuple[str, float] | None:
    """(the node whose value is the prediction, its threshold), or None."""
    data = graph.data
    if data is None:
        return None
    label = data.label_node()
    if label is None or label not in graph:
        return None
    for edge in graph.out_edges(label):
        if edge.port == 1:
            src = graph.source(edge.dst, 0)
            if src is not None:
                threshold = 0.5 if graph.node(edge.dst).op in PROBABILITY_LOSSES else 0.0
                return src, threshold
    return None


def bounds(graph: Graph, margin: float = 0.25) -> tuple[float, float, float, float]:
    """(x min, x max, y min, y max) of the data's two features, with a margin."""
    data = graph.data
    cols = data.bind.get(data.feature_node() or "", [])
    if len(cols) != 2 or len(data) == 0:
        return (-1.5, 1.5, -1.5, 1.5)
    x, y = data.column(cols[0]), data.column(cols[1])
    dx = max(float(x.max() - x.min()), 1e-6) * margin
    dy = max(float(y.max() - y.min()), 1e-6) * margin
    return (float(x.min()) - dx, float(x.max()) + dx, float(y.min()) - dy, float(y.max()) + dy)


def grid_points(box: tuple[float, float, float, float], n: int) -> np.ndarray:
    """The centres of an n × n grid of pixels over ``box``, row by row from the bottom."""
    x0, x1, y0, y1 = box
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def decision_regions(graph: Graph, box: tuple[float, float, float, float] | None = None,
                     n: int = 64, probe: Probe | None = None) -> np.ndarray | None:
    """An (n, n) array of predicted classes, row 0 at the bottom (None: nothing to draw)."""
    found = prediction_node(graph)
    data = graph.data
    feature = data.feature_node() if data is not None else None
    if found is None or feature is None or len(data.bind[feature]) != 2:
        return None
    node, threshold = found
    box = box or bounds(graph)
    probe = probe or Probe(graph)
    probe.sync()
    points = grid_points(box, n)
    probe.set({feature: points, data.label_node(): np.zeros(len(points))})
    evaluation = probe.forward()
    if evaluation.error is not None:
        return None
    pred = evaluation.value(node)
    pred = np.asarray(pred, dtype=np.float64)
    if pred.ndim == 2 and pred.shape[1] > 1:
        classes = np.argmax(pred, axis=1)
    else:
        classes = (pred.reshape(-1) > threshold).astype(int)
    if classes.size != n * n:
        return None
    return classes.reshape(n, n)
