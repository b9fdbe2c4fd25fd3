"""The float kernel: a whole backward pass over a plan of floats, node gradients only.

Why a second function beside the loop (:func:`chainrule.core.engine._backward_chunks`):
the loop also serves the stepper, one run of steps at a time, so it stores every
wire's gradient as it goes, and it computes a nan result of + or × again through
the op's function, because CPython's specialised float instruction and the
generic one may keep different nans (see the loop's comment).  A whole pass of
floats (``engine.backward``) needs neither as long as no gradient is inf or nan:
every contribution a node receives stays in its sum, and inf or nan, once in,
never leaves (``inf + x`` is inf or nan, ``nan + x`` is nan).  So this kernel
writes ``+``, ``×`` and the vjps of sub, mul and relu inline, stores only node
gradients (each one a sum started at −0.0, see :func:`backward`), and the engine
keeps its result only when they are all finite: then
every number in it is the one the loop computes (finite IEEE arithmetic has one
answer), and otherwise the loop does the pass again.  The wires' gradients are
the loop's own, made when someone first reads them (``Evaluation.edge_grads``).

It reads the loop's entries (``engine._op_steps``: the runs of steps without
leaves) and imports only the op table.
"""
from __future__ import annotations

from . import ops

_IEEE = (ArithmeticError, ValueError)   # what Python raises where IEEE gives inf/nan
_MUL_VJP, _SUB_VJP = ops.OPS["mul"].scalar_vjp, ops.OPS["sub"].scalar_vjp
_RELU_VJP = ops.OPS["relu"].scalar_vjp


def backward(op_steps: list, vals: list, grads: list, ieee) -> None:
    """Add every contribution into ``grads`` down the plan's op steps.

    ``grads`` comes in as −0.0 everywhere but the output's seed: −0.0 is the exact
    identity of IEEE addition (``−0.0 + x`` is ``x`` bit for bit, +0.0 and −0.0
    included), so a node's first contribution comes out as the loop stores it, and
    every contribution is one unconditional ``+=`` — no test for a first one.  The
    nodes that do not reach the output receive nothing; the caller puts their None
    back.  ``ieee(fn, *args)``: ``fn`` under numpy's error state, where a float
    function raised (the loop's own fallback, so the same numbers).  ``s − g`` is
    ``s + (−g)`` in IEEE arithmetic, so sub's second input is sent ``−g`` by a
    subtraction; relu sends 0.0 or ``g`` as the loop does."""
    mul_vjp, sub_vjp, relu_vjp = _MUL_VJP, _SUB_VJP, _RELU_VJP
    for _chunk, steps in op_steps:
        for i, sv, av, a, b in steps:
            g = grads[i]
            if b >= 0:
                if sv is None:                  # add: g to both inputs
                    grads[a] += g
                    grads[b] += g
                elif sv is mul_vjp:             # (g · b, g · a)
                    grads[a] += g * vals[b]
                    grads[b] += g * vals[a]
                elif sv is sub_vjp:             # (g, −g)
                    grads[a] += g
                    grads[b] -= g
                else:
                    try:
                        ga, gb = sv(g, vals[i], vals[a], vals[b])
                    except _IEEE:
                        ga, gb = ieee(av, g, vals[i], vals[a], vals[b])
                    grads[a] += ga
                    grads[b] += gb
            elif sv is None:
                grads[a] += g
            elif sv is relu_vjp:
                if vals[i] <= 0.0:
                    grads[a] += 0.0
                else:
                    grads[a] += g
            else:
                try:
                    grads[a] += sv(g, vals[i], vals[a])
                except _IEEE:
                    grads[a] += ieee(av, g, vals[i], vals[a])
