"""Two evaluations with the same numbers bit for bit: what every kernel is held to.

−0.0 is not 0.0 and a nan only its own bits; values, gradients, the gradient of
every wire (read one by one and as the Evaluation's lists), and the inf/nan
explanations.
"""
from __future__ import annotations

import struct

from chainrule.core.engine import Evaluator, backward, forward


def bits(x):
    return struct.pack("<d", x).hex() if type(x) is float else repr(x)


def reference(graph):
    """The loop's evaluation of ``graph`` (a fresh plan, forward then backward)."""
    evaluation = forward(Evaluator(graph).plan)
    if evaluation.error is None:
        backward(evaluation)
    return evaluation


def assert_same(ev, ref, graph):
    for n in graph.node_ids():
        assert bits(ev.value(n)) == bits(ref.value(n)), n
        assert bits(ev.grad(n)) == bits(ref.grad(n)), n
    for e in graph.edges():
        assert bits(ev.edge_grad(e)) == bits(ref.edge_grad(e)), e
    assert [bits(v) for v in ev.values] == [bits(v) for v in ref.values]
    if ref.grads is not None:
        assert [bits(v) for v in ev.grads] == [bits(v) for v in ref.grads]
        for port in (0, 1):
            assert [bits(v) for v in ev.edge_grads[port]] == \
                [bits(v) for v in ref.edge_grads[port]]
    assert ev.warnings == ref.warnings and ev.grad_warnings == ref.grad_warnings
