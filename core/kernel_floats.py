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
leaves) and runs the loop's body for the wires (``engine._steps``); the engine
imports it last and calls :func:`backward` from ``engine.backward``.
"""
from __future__ import annotations

import operator
from collections import deque
from typing import Any, Iterator

from .engine import (_IEEE, _MUL_VJP, _RELU_VJP, _SAME, _SUB_VJP, Evaluation, Plan,
                     _backward_chunks, _derived, _floats_finite, _ieee, _quietly, _steps)


def backward(evaluation: Evaluation) -> bool:
    """The kernel's pass over ``evaluation`` (a plan of floats, the sum as the fan-out
    rule), kept when every gradient is finite — then they are the loop's, bit for
    bit, and the wires' wait in a :class:`WiresLater` — else False: the loop does
    the pass again."""
    plan = evaluation.plan
    _key, op_steps, away = _derived(plan)
    grads = [-0.0] * len(plan.nodes)
    grads[plan.output] = 1.0
    _quietly(False, _sums, op_steps, evaluation.values, grads)
    for i in away:                      # the nodes that do not reach the output: None
        grads[i] = None
    if not _floats_finite(grads, away):
        return False
    evaluation.grads = grads
    evaluation.edge_grads = WiresLater(plan, evaluation.values, grads)
    return True


def _sums(op_steps: list, vals: list, grads: list) -> None:
    """Add every contribution into ``grads`` down the plan's op steps.

    ``grads`` comes in as −0.0 everywhere but the output's seed: −0.0 is the exact
    identity of IEEE addition (``−0.0 + x`` is ``x`` bit for bit, +0.0 and −0.0
    included), so a node's first contribution comes out as the loop stores it, and
    every contribution is one unconditional ``+=`` — no test for a first one.  The
    nodes that do not reach the output receive nothing; the caller puts their None
    back.  Where a float function raises, its numpy function under numpy's error
    state gives the number (the loop's own fallback, so the same).  ``s − g`` is
    ``s + (−g)`` in IEEE arithmetic, so sub's second input is sent ``−g`` by a
    subtraction; relu sends 0.0 or ``g`` as the loop does."""
    mul_vjp, sub_vjp, relu_vjp, ieee = _MUL_VJP, _SUB_VJP, _RELU_VJP, _ieee
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


class WiresLater:
    """An evaluation's wire gradients where only node gradients were computed (the
    float kernel's pass, an evaluation edited from the one before a structural edit):
    the loop's own, made when read — the two lists (``[port]``,
    iterating) by one pass of the loop, one wire alone by its node's step of the loop.
    Holds the pass's lists, not the evaluation (no reference cycle)."""

    __slots__ = ("plan", "values", "grads", "lists", "_alone")

    def __init__(self, plan: Plan, values: list, grads: list):
        self.plan, self.values, self.grads = plan, values, grads
        self.lists: tuple[list, list] | None = None
        # wires read alone before the lists are made instead (an export, a list of
        # every wire: past an eighth of the nodes, one pass is cheaper)
        self._alone = len(plan.nodes) // 8 + 16

    def _made(self) -> tuple[list, list]:
        if self.lists is None:
            n = len(self.plan.nodes)
            sent = [None] * n, [None] * n
            _quietly(False, deque, _backward_chunks(self.plan, self.values, [None] * n,
                                                    *sent), 0)
            self.lists = sent
        return self.lists

    def __getitem__(self, port: int) -> list:
        return self._made()[port]

    def __iter__(self) -> Iterator[list]:
        return iter(self._made())

    def __len__(self) -> int:
        return 2

    def alone(self) -> bool:
        """Read one more wire alone (else the lists are made)."""
        self._alone -= 1
        return self._alone >= 0

    def one(self, i: int, port: int) -> Any:
        """What node ``i`` sends back into ``port``: its one step of the loop, on its
        gradient (None: it does not reach the output, or is a leaf)."""
        g = self.grads[i]
        entry = _step_of(self.plan).get(i)
        if g is None or entry is None:
            return None
        grads, sent_a, sent_b = _Scratch({i: g}), {}, {}
        _steps((entry,), self.values, grads, sent_a, sent_b, True, operator.add)
        first = sent_a[i]
        if first is _SAME:
            return g
        return first if port == 0 else sent_b[i]


class _Scratch(dict):
    """Gradients for one step of the loop: the nodes it sends to have none yet."""

    def __missing__(self, key: int) -> None:
        return None



def _step_of(plan: Plan) -> dict[int, tuple]:
    """Node index -> its backward step (ops only), for reading one wire alone; made
    on the first such reading of a plan, again when its steps change."""
    derived = _derived(plan)
    made = plan.__dict__.get("_step_of")
    if made is None or made[0] is not derived:
        made = plan._step_of = (derived, {e[0]: e for _chunk, steps in derived[1]
                                          for e in steps})
    return made[1]
