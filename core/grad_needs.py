"""The backward pass of a training run: only the gradients that lead to its parameters.

A training step reads the loss and the gradients of the trainable inputs,
nothing else; the gradient of the data ``X`` in ``X @ W1`` is a matrix
product as large as ``W1``'s that nobody looks at (4–6 % of a step,
measured).  :func:`needed_plan` gives a copy of a plan whose backward
entries are only those of nodes that lie between a wanted input and the
output; an entry with one input nobody needs computes only the other one's
gradient, through the op's own half of its vector-Jacobian product
(``Op.port_vjps``, the same code the whole vjp runs, so the gradients it does
compute are bit for bit the full pass's) and sends None into the other.
Skipped nodes keep None: no gradient, as for a node that does not reach
the output.  The backward loop is the engine's one loop, over other entries.

Plans of floats are left whole: their training runs use the straight-line
code (:mod:`chainrule.core.straight_line`), which does the whole pass.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterable


def needs(plan: Any, wanted: Iterable[str]) -> list[bool]:
    """Per node of the plan: its gradient leads to one of the ``wanted`` ids (or is one)."""
    need = [False] * len(plan.nodes)
    for node_id in wanted:
        i = plan.index.get(node_id)
        if i is not None:
            need[i] = True
    for i, ins in enumerate(plan.inputs):      # plan order: inputs come first
        if not need[i] and any(need[j] for j in ins if j >= 0):
            need[i] = True
    return need


def needed_plan(plan: Any, wanted: Iterable[str]) -> Any:
    """A copy of ``plan`` whose backward pass computes only what leads to ``wanted``."""
    need = needs(plan, wanted)
    entries = []
    for entry in plan.backward_steps:
        if not need[entry.node]:
            continue
        if entry.b >= 0 and not (need[entry.a] and need[entry.b]):
            port = 0 if need[entry.a] else 1
            if entry.fast is entry.numpy:           # arrays: the op's half alone
                node = plan.nodes[entry.node]
                fast = numpy = _one_port(node.spec.bind_port_vjp(node.attrs, port), port)
            else:      # floats: the float path's own numbers, the other half dropped
                fast = _kept(entry.fast, port)
                numpy = _kept(entry.numpy, port)
            entry = entry._replace(fast=fast, numpy=numpy)
        entries.append(entry)
    patched = copy.copy(plan)
    patched.set_steps(plan.forward_steps, entries)
    return patched


def _one_port(half: Callable, port: int) -> Callable:
    """A binary vjp computing only ``port``'s gradient, None for the other (``.half``,
    ``.port``: what it calls, for code written for known shapes)."""
    if port == 0:
        def vjp(g, out, a, b):
            return half(g, out, a, b), None
    else:
        def vjp(g, out, a, b):
            return None, half(g, out, a, b)
    vjp.half, vjp.port = half, port
    return vjp


def _kept(vjp: Callable | None, port: int) -> Callable:
    """The whole vjp with the other port's gradient dropped (None: the gradient itself,
    as the loop's add on floats sends it)."""
    if vjp is None:
        return (lambda g, out, a, b: (g, None)) if port == 0 else \
            (lambda g, out, a, b: (None, g))
    if port == 0:
        return lambda g, out, a, b: (vjp(g, out, a, b)[0], None)
    return lambda g, out, a, b: (None, vjp(g, out, a, b)[1])
