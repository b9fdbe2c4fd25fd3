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
gradients, and the engine keeps its result only when they are all finite: then
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
    """Fill ``grads`` (the output's seed in place, the rest None) down the plan's op
    steps; ``ieee(fn, *args)``: ``fn`` under numpy's error state, where a float
    function raised (the loop's own fallback, so the same numbers)."""
    mul_vjp, sub_vjp, relu_vjp = _MUL_VJP, _SUB_VJP, _RELU_VJP
    for _chunk, steps in op_steps:
        for i, sv, av, a, b in steps:
            g = grads[i]
            if b >= 0:
                if sv is None:                  # add: g to both inputs
                    ga = gb = g
                elif sv is mul_vjp:             # (g · b, g · a)
                    ga = g * vals[b]
                    gb = g * vals[a]
                elif sv is sub_vjp:
                    ga = g
                    gb = -g
                else:
                    try:
                        ga, gb = sv(g, vals[i], vals[a], vals[b])
                    except _IEEE:
                        ga, gb = ieee(av, g, vals[i], vals[a], vals[b])
                s = grads[a]
                grads[a] = ga if s is None else s + ga
                s = grads[b]
                grads[b] = gb if s is None else s + gb
            else:
                if sv is None:
                    ga = g
                elif sv is relu_vjp:
                    ga = 0.0 if vals[i] <= 0.0 else g
                else:
                    try:
                        ga = sv(g, vals[i], vals[a])
                    except _IEEE:
                        ga = ieee(av, g, vals[i], vals[a])
                s = grads[a]
                grads[a] = ga if s is None else s + ga
