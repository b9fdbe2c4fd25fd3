"""Other values of a graph's inputs: an answer right only at the numbers on the
page is not right.

A draw moves every element of every ``input`` by a random amount of its own
size (``x·U(0.5, 1.5) + N(0, ½)``), reproducibly from a seed. Inputs that are
data labels — wired only into a ``target`` or ``ids`` port (class indices,
token ids, 0/1 targets) — keep their values: they are not variables of the
function. A draw whose values or gradients are not finite (a log of a
negative number) is drawn again, then, failing that, with every sign kept.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Evaluation, Evaluator
from ..graph import Graph

_LABEL_PORTS = {"target", "ids"}
_ATTEMPTS = 20


def drawn_inputs(graph: Graph) -> list[str]:
    """The ``input`` nodes a draw changes (not data labels)."""
    out = []
    for node in graph.nodes():
        if node.op != "input":
            continue
        ports = {graph.node(e.dst).spec.ports[e.port] for e in graph.out_edges(node.id)}
        if ports and ports <= _LABEL_PORTS:
            continue
        out.append(node.id)
    return out


def draws(graph: Graph, trials: int, seed: int
          ) -> list[tuple[dict[str, Any], Graph, Evaluation]]:
    """``trials`` (drawn values, graph at them, evaluation) at other input values; the
    graph itself is left as it was."""
    rng = np.random.default_rng(seed)
    names = drawn_inputs(graph)
    original = {n: graph.node(n).value for n in names}
    result = []
    for _ in range(trials):
        work = graph.copy()
        evaluator = Evaluator(work)
        for attempt in range(_ATTEMPTS + 1):
            keep_sign = attempt == _ATTEMPTS
            values = {n: _draw(rng, v, keep_sign) for n, v in original.items()}
            for n, v in values.items():
                work.set_value(n, v)
            evaluation = evaluator.evaluate()
            if _finite(evaluation) or keep_sign:
                break
        result.append((values, work, evaluation))
    return result


def _draw(rng: np.random.Generator, value: Any, keep_sign: bool) -> Any:
    x = np.asarray(value, dtype=np.float64)
    if keep_sign:
        new = x * rng.uniform(0.5, 1.5, x.shape)
    else:
        new = x * rng.uniform(0.5, 1.5, x.shape) + rng.normal(0.0, 0.5, x.shape)
    return float(new) if x.ndim == 0 else new


def _finite(evaluation: Evaluation) -> bool:
    if evaluation.error is not None or evaluation.grads is None:
        return False
    for v in list(evaluation.values) + list(evaluation.grads):
        if v is not None and not np.all(np.isfinite(v)):
            return False
    return True
