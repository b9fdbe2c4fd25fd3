"""Expand a small tensor op into its scalar graph: one card per element.

Why: the bridge learners stumble over most is how ``dW = Xᵀ·dY`` comes from
scalar chain rules.  Written with one card per element and scalar ops only,
``Y[i][j] = Σ_k X[i][k]·W[k][j]`` is a column of ``mul`` cards summed by
``add`` cards, and ``dW[k][j] = Σ_i X[i][k]·dY[i][j]`` is then seen wire by
wire: each ``W[k][j]`` card feeds one ``mul`` per row of X (a fork), and its
gradient is the sum of what those send back.  A broadcast bias is the same
fork: ``b[j]`` feeds every row, so its gradient sums over the batch.

The expansion is a real graph (it can be saved, stepped and checked): an
``input`` card per element of each input, the op written with ``add``,
``mul``, ``div``, ``exp`` (and ``const`` cards), and a scalar loss
``L = Σ G ⊙ Y`` whose ``const`` weights G are the upstream gradient the node
received, so every input card's gradient is the tensor node's, element by
element (a test checks it for each op).  Softmax subtracts a ``const``
holding the slice's maximum before ``exp`` — computed stably, as the op is;
a constant shift changes neither the values nor the gradients.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import groups as gm
from .engine import Evaluation, evaluate
from .errors import GraphError
from .fileformat_read import layout_missing
from .graph import Graph

OPS = ("matmul", "add", "sum", "mean", "softmax")
MAX_ELEMENTS = 64         # elements of the inputs and the output together
MAX_CARDS = 600


@dataclass
class Expansion:
    """The scalar graph, and which card holds each element."""

    graph: Graph
    inputs: dict[str, np.ndarray]     # source node id → array of card ids (its shape)
    output: np.ndarray                # card ids of the op's result (its shape)
    loss: str


class _Builder:
    def __init__(self, stem: str):
        self.g = Graph()
        self.ids = self.g.id_allocator()
        self.stem = stem

    def node(self, stem: str, op: str, *inputs: str, value: Any = None,
             label: str | None = None) -> str:
        node_id = stem if self.ids.is_free(stem) else self.ids.numbered(stem, sep="_")
        self.ids.reserve(node_id)
        self.g.add_node(node_id, op, value=value, label=label)
        for port, src in enumerate(inputs):
            self.g.connect(src, node_id, port)
        if len(self.g) > MAX_CARDS:
            raise GraphError(f"the scalar graph would need more than {MAX_CARDS} cards")
        return node_id

    def total(self, items: list[str], stem: str, label: str) -> str:
        """A chain of add cards (a single item is itself)."""
        acc = items[0]
        for k, item in enumerate(items[1:], 1):
            last = k == len(items) - 1
            acc = self.node(stem if last else f"{stem}_part", "add", acc, item,
                            label=label if last else None)
        return acc


def _name(index: tuple[int, ...], stem: str) -> tuple[str, str]:
    if not index:
        return stem, stem
    return (stem + "_" + "_".join(map(str, index)),
            stem + "".join(f"[{i}]" for i in index))


def _cards(b: _Builder, value: Any, stem: str, op: str = "input") -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    ids = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(arr.shape):
        node_id, label = _name(index, stem)
        ids[index] = b.node(node_id, op, value=float(arr[index]), label=label)
    return ids


def expand_to_scalars(graph: Graph, node_id: str,
                      evaluation: Evaluation | None = None) -> Expansion:
    """The scalar graph of node ``node_id`` (one of :data:`OPS`), at the graph's numbers."""
    node = graph.node(node_id)
    if node.op not in OPS:
        raise GraphError(f'"{node_id}" is a {node.op}; only {", ".join(OPS)} can be '
                         f'expanded into scalars')
    ev = evaluation or evaluate(graph)
    edges = graph.in_edges(node_id)
    if len(edges) != node.spec.arity or ev.value(node_id) is None:
        raise GraphError(f'"{node_id}" has no value yet: connect its inputs first')
    values = [np.asarray(ev.edge_value(e), dtype=float) for e in edges]
    out_value = np.asarray(ev.value(node_id), dtype=float)
    size = sum(v.size for v in values) + out_value.size
    if size > MAX_ELEMENTS:
        raise GraphError(f'"{node_id}" holds {size} numbers with its inputs; expanding '
                         f'into scalars is for small examples, up to {MAX_ELEMENTS}')
    b = _Builder(node_id)
    sources: dict[str, np.ndarray] = {}
    for e, v in zip(edges, values):
        if e.src not in sources:
            sources[e.src] = _cards(b, v, e.src)
    args = [sources[e.src] for e in edges]
    attrs = node.spec.resolve(node.attrs)
    out = _EXPAND[node.op](b, node_id, args, **attrs)
    if out.shape != out_value.shape:
        raise GraphError(f"internal: the scalar graph of {node.op} has shape {out.shape}")
    grad = ev.grad(node_id)
    upstream = np.ones(out.shape) if grad is None else np.asarray(grad, dtype=float)
    terms = []
    first = len(b.g)
    for index in np.ndindex(out.shape):
        gid, glabel = _name(index, "dL_d" + node_id)
        weight = b.node(gid, "const", value=float(upstream[index]),
                        label=f"∂L/∂{glabel[len('dL_d'):]}")
        terms.append(b.node("weighted", "mul", out[index], weight))
    loss = b.total(terms, "L", "L = Σ upstream · output")
    b.g.set_output(loss)
    # the scaffolding that seeds the upstream gradient, as one collapsed gate
    scaffold = b.g.node_ids()[first:]
    gm.add_group(b.g, gm.Group(b.ids.numbered("upstream_gate", sep="_"), scaffold,
                               label=f"L = Σ ∂L/∂{node.display} ⊙ {node.display}",
                               collapsed=True,
                               note=f"Seeds each element of {node.display} with the gradient "
                                    f"the tensor node received."))
    b.g.title = f"{node.display} ({node.op}) written with scalars"
    b.g.description = (f"Every element of {node.display} and its inputs is one card. The "
                       f"const cards ∂L/∂… hold the gradient {node.display} received, so "
                       f"each input card's gradient is the tensor node's, element by element.")
    layout_missing(b.g)
    return Expansion(b.g, sources, out, loss)


# ------------------------------------------------------------- the ops

def _matmul(b: _Builder, name: str, args: list[np.ndarray]) -> np.ndarray:
    a, w = args
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    w2 = w.reshape(-1, 1) if w.ndim == 1 else w
    if a2.ndim != 2 or w2.ndim != 2 or a2.shape[1] != w2.shape[0]:
        raise GraphError("only a matrix or vector product expands into scalars")
    out = np.empty((a2.shape[0], w2.shape[1]), dtype=object)
    for i, j in itertools.product(range(out.shape[0]), range(out.shape[1])):
        _, label = _name((i, j), name)
        products = [b.node(f"p_{i}_{j}_{k}", "mul", a2[i, k], w2[k, j],
                           label=f"{b.g.node(a2[i, k]).display}·{b.g.node(w2[k, j]).display}")
                    for k in range(a2.shape[1])]
        out[i, j] = b.total(products, _name((i, j), name)[0], label)
    if a.ndim == 1 and w.ndim == 1:
        return out.reshape(())
    if a.ndim == 1:
        return out.reshape(-1)
    if w.ndim == 1:
        return out.reshape(-1)
    return out


def _add(b: _Builder, name: str, args: list[np.ndarray]) -> np.ndarray:
    a, c = args
    shape = np.broadcast_shapes(a.shape, c.shape)
    a_b, c_b = np.broadcast_to(a, shape), np.broadcast_to(c, shape)
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        node_id, label = _name(index, name)
        out[index] = b.node(node_id, "add", a_b[index], c_b[index], label=label)
    return out


def _reduce(b: _Builder, name: str, x: np.ndarray, axis, keepdims, mean: bool) -> np.ndarray:
    if x.ndim == 0:
        return x.copy()
    axes = tuple(range(x.ndim)) if axis is None else (axis % x.ndim,)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    lead = moved.shape[:x.ndim - len(axes)]
    flat = moved.reshape(lead + (-1,))
    out = np.empty(lead, dtype=object)
    for index in np.ndindex(lead):
        node_id, label = _name(index, name)
        items = list(flat[index])
        total = b.total(items, node_id if not mean else f"{node_id}_sum",
                        label if not mean else f"Σ {label}")
        if mean:
            n = b.node(f"n_{node_id}", "const", value=float(len(items)), label=f"n = {len(items)}")
            total = b.node(node_id, "div", total, n, label=label)
        out[index] = total
    if keepdims:
        shape = tuple(1 if k in axes else s for k, s in enumerate(x.shape))
        out = out.reshape(shape)
    return out


def _sum(b, name, args, axis=None, keepdims=False):
    return _reduce(b, name, args[0], axis, keepdims, mean=False)


def _mean(b, name, args, axis=None, keepdims=False):
    return _reduce(b, name, args[0], axis, keepdims, mean=True)


def _softmax(b: _Builder, name: str, args: list[np.ndarray], axis=-1) -> np.ndarray:
    x = args[0]
    if x.ndim == 0:
        raise GraphError("the softmax of a single number is 1: nothing to expand")
    values = {nid: b.g.node(nid).value for nid in x.ravel()}
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape, dtype=object)
    for lead in np.ndindex(moved.shape[:-1]):
        row = list(moved[lead])
        tag = "_".join(map(str, lead))
        m = b.node(f"max_{tag}" if tag else "max", "const",
                   value=max(values[nid] for nid in row), label="max (a constant shift)")
        exps = [b.node(f"e_{nid}", "exp", b.node(f"shift_{nid}", "sub", nid, m)) for nid in row]
        total = b.total(exps, f"z_{tag}" if tag else "z", "Σ exp")
        for k, e in enumerate(exps):
            node_id, label = _name(lead + (k,), name)
            out[lead + (k,)] = b.node(node_id, "div", e, total, label=label)
    return np.moveaxis(out, -1, axis)


_EXPAND = {"matmul": _matmul, "add": _add, "sum": _sum, "mean": _mean, "softmax": _softmax}
