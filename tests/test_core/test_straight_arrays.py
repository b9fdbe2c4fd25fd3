"""Straight-line code for training runs of plans with arrays (core/straight_arrays.py).

It must give the loop's numbers bit for bit (values, gradients, the gradient of
every wire), be used only once its first result was found identical, and leave
any evaluation it cannot do to the loop.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from array_graphs import GRAPHS, bits
from random_graphs import wild_graphs

from chainrule.core import straight_arrays, straight_line
from chainrule.core.engine import _SAME, Evaluator
from chainrule.core.training import Trainer, parameters


def warmed(g, wanted):
    """An evaluator whose training-run code is in use (or given up)."""
    ev = Evaluator(g)
    for _ in range(straight_line.WARMUP + 1):
        ev.evaluate(explain=False, wanted=wanted)
    ev.settle()
    ev.evaluate(explain=False, wanted=wanted)          # the check on first use
    return ev


def same(x, y):
    """Values, gradients and every wire's gradient, bit for bit."""
    def key(v):
        return v if v is _SAME else bits(v)
    for a, b in ((x.values, y.values), (x.grads, y.grads),
                 (x.edge_grads[0], y.edge_grads[0]), (x.edge_grads[1], y.edge_grads[1])):
        assert [key(v) for v in a] == [key(v) for v in b]


def loop(g, wanted):
    """The loop's training-run evaluation (a fresh evaluator never writes code at once)."""
    return Evaluator(g).evaluate(explain=False, wanted=wanted)


@pytest.mark.parametrize("name", GRAPHS)
def test_the_code_is_used_and_gives_the_loops_numbers(name):
    g = GRAPHS[name]()
    wanted = tuple(parameters(g))
    ev = warmed(g, wanted)
    assert ev._needed[2].state == "use"
    calls = []
    run = ev._needed[2].run
    ev._needed[2].run = lambda vals, *sgd: calls.append(1) or run(vals, *sgd)
    fast = ev.evaluate(explain=False, wanted=wanted)
    assert calls, "the straight-line code did not run"
    same(fast, loop(g, wanted))


def test_code_that_differs_is_dropped_for_good(monkeypatch):
    real = straight_arrays.compile_training

    def wrong(plan, marker, need, *more):
        run = real(plan, marker, need, *more)

        def off_by_a_bit(vals, *sgd):
            values, grads, a, b, update = run(vals, *sgd)
            i = next(k for k, v in enumerate(grads) if isinstance(v, np.ndarray))
            grads[i] = np.nextafter(grads[i], np.inf)
            return values, grads, a, b, update
        return off_by_a_bit
    monkeypatch.setattr(straight_arrays, "compile_training", wrong)
    g = GRAPHS["demo 09"]()
    wanted = tuple(parameters(g))
    ev = warmed(g, wanted)
    assert ev._needed[2].state == "off"
    same(ev.evaluate(explain=False, wanted=wanted), loop(g, wanted))


def test_an_evaluation_the_code_cannot_do_goes_through_the_loop():
    g = GRAPHS["demo 09"]()
    wanted = tuple(parameters(g))
    ev = warmed(g, wanted)

    def fails(vals, *sgd):
        raise ZeroDivisionError
    ev._needed[2].run = fails
    same(ev.evaluate(explain=False, wanted=wanted), loop(g, wanted))
    assert ev._needed[2].state == "use"


@pytest.mark.parametrize("name", ["mlp", "demo 09"])
def test_a_training_run_with_the_code_is_the_loops_run(name, monkeypatch):
    g = GRAPHS[name]()
    h = g.copy()
    Trainer(g).run(3 * straight_line.WARMUP, 0.05)
    monkeypatch.setattr(straight_arrays, "MAX_NODES", 0)       # the loop only
    Trainer(h).run(3 * straight_line.WARMUP, 0.05)
    for p in parameters(g):
        assert bits(g.node(p).value) == bits(h.node(p).value), p


@settings(max_examples=40, deadline=None)
@given(wild_graphs(arrays=True), st.data())
def test_random_graphs_with_inf_and_nan(g, data):
    leaves = [n.id for n in g.nodes() if n.spec.is_leaf]
    wanted = tuple(data.draw(st.lists(st.sampled_from(leaves), min_size=1, unique=True)))
    ev = warmed(g, wanted)
    if ev._needed is None or ev._needed[2].state != "use":
        return
    fast = ev.evaluate(explain=False, wanted=wanted)
    reference = loop(g, wanted)
    assert [bits(v) for v in fast.grads] == [bits(v) for v in reference.grads]
    assert [bits(v) for v in fast.values] == [bits(v) for v in reference.values]
