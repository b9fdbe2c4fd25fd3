"""The engine's loop kernel as it was before it was made faster, kept as the reference.

Every op through its bound function, one entry at a time, leaves included, under
numpy's error state: what ``engine.forward`` and ``engine.backward`` computed before
the loop left out the leaves, wrote relu and the vjps of ``sub``, ``mul`` and relu
inline and stopped entering ``np.errstate`` for plans of floats.  One change: the
fan-out sum is ``operator.add(s, g)`` where the old loop wrote ``s + g``, whose nan
(when both are nan) depended on whether CPython had specialised that line yet; the
engine now gives ``operator.add``'s nan whatever its state.  The kernel tests compare
the engine with this bit for bit.  It reads the same plan entries and fills in an
engine ``Evaluation``, so the inf/nan explanations are the engine's own functions on
the reference numbers.
"""
from __future__ import annotations

import operator
from collections import deque

import numpy as np

from chainrule.core import engine
from chainrule.core.engine import _FAIL, _IEEE, _SAME, Evaluation, Plan, _ieee


def forward(plan: Plan) -> Evaluation:
    vals = engine._leaf_values(plan)
    try:
        with np.errstate(all="ignore"):
            _forward_fast(plan.forward_loop, vals)
        evaluation = Evaluation(plan, vals)
    except _FAIL:
        evaluation = engine._forward_careful(plan)
    engine._note_nonfinite(evaluation)
    return evaluation


def _forward_fast(steps: list, vals: list) -> None:
    for i, f, af, a, b in steps:
        if b < 0:
            try:
                vals[i] = f(vals[a])
            except _IEEE:
                vals[i] = _ieee(af, vals[a])
        else:
            try:
                vals[i] = f(vals[a], vals[b])
            except _IEEE:
                vals[i] = _ieee(af, vals[a], vals[b])


def backward(evaluation: Evaluation, accumulate=None, vjp_rule=None) -> Evaluation:
    n = len(evaluation.plan.nodes)
    evaluation.grads = [None] * n
    evaluation.edge_grads = sent_a, sent_b = [None] * n, [None] * n
    plan = evaluation.plan
    if vjp_rule is not None:
        plan = engine._with_rule(plan, vjp_rule)
    with np.errstate(all="ignore"):
        deque(_backward_chunks(plan, evaluation.values, evaluation.grads, sent_a, sent_b,
                               accumulate), maxlen=0)
    engine._note_nonfinite_grads(evaluation)
    return evaluation


def _backward_chunks(plan, vals, grads, sent_a, sent_b, accumulate):
    acc = operator.add if accumulate is None else accumulate
    out = plan.output
    seed = vals[out]
    grads[out] = np.ones_like(seed) if isinstance(seed, np.ndarray) else 1.0
    for chunk in plan.backward_chunks:
        for i, sv, av, a, b in chunk:
            if b >= 0:
                g = grads[i]
                if sv is None:
                    sent_a[i] = _SAME
                    s = grads[a]
                    grads[a] = g if s is None else acc(s, g)
                    s = grads[b]
                    grads[b] = g if s is None else acc(s, g)
                    continue
                x, y = vals[a], vals[b]
                try:
                    gab = sv(g, vals[i], x, y)
                except _IEEE:
                    gab = _ieee(av, g, vals[i], x, y)
                sent_a[i], sent_b[i] = ga, gb = gab
                s = grads[a]
                grads[a] = ga if s is None else acc(s, ga)
                s = grads[b]
                grads[b] = gb if s is None else acc(s, gb)
            elif a >= 0:
                g, x = grads[i], vals[a]
                if sv is None:
                    ga = g
                else:
                    try:
                        ga = sv(g, vals[i], x)
                    except _IEEE:
                        ga = _ieee(av, g, vals[i], x)
                sent_a[i] = ga
                s = grads[a]
                grads[a] = ga if s is None else acc(s, ga)
        yield chunk
