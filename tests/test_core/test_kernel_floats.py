"""The float kernel (core/kernel_floats.py): a whole backward pass of floats that
stores node gradients only, kept when they are all finite, else done again by the
loop; the wires' gradients are the loop's, made when first read.  Whichever way a
pass went, its numbers are the reference loop's bit for bit."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

import reference_loop
from chainrule.core import engine, kernel_floats
from chainrule.core.engine import Evaluator, Plan
from chainrule.core.graph import Graph
from random_graphs import LEAF_VALUES, wild_graphs
from same_numbers import assert_same, bits


def _passes(graph: Graph):
    plan = Plan(graph)
    ev, ref = engine.forward(plan), reference_loop.forward(plan)
    if ref.error is None:
        engine.backward(ev)
        reference_loop.backward(ref)
    return plan, ev, ref


def _kept(ev) -> bool:
    """The float kernel's pass was kept (its wires' gradients not made yet)."""
    return type(ev.edge_grads) is kernel_floats.WiresLater and ev.edge_grads.lists is None


@settings(max_examples=200, deadline=None)
@given(wild_graphs(max_ops=40))
def test_a_pass_is_kept_exactly_when_its_gradients_sum_to_a_finite_number(graph):
    plan, ev, ref = _passes(graph)
    if ref.error is not None:
        return
    kept = _kept(ev)
    assert kept == (plan.all_scalar and math.isfinite(sum(
        g for g in ref.grads if g is not None)))
    if kept:
        assert not ev.grad_warnings and not ref.grad_warnings
    assert_same(ev, ref, graph)         # reads the wires' gradients: the loop makes them
    assert not _kept(ev)


@settings(max_examples=100, deadline=None)
@given(wild_graphs(max_ops=30), st.lists(LEAF_VALUES, min_size=1, max_size=4))
def test_each_wire_read_alone_is_the_reference_loops(graph, later):
    """The editor reads one wire at a time (``edge_grad``), through value edits."""
    evaluator = Evaluator(graph)
    leaves = [n.id for n in graph.nodes() if n.spec.is_leaf]
    for k, value in enumerate([None] + later):
        if value is not None:
            graph.set_value(leaves[k % len(leaves)], value)
        ref = reference_loop.forward(evaluator.plan)
        if ref.error is not None:
            return
        reference_loop.backward(ref)
        ev = evaluator.evaluate()
        kept = _kept(ev)
        for k, edge in enumerate(graph.edges()):
            assert bits(ev.edge_grad(edge)) == bits(ref.edge_grad(edge)), edge
            # a few wires are read one step each, past an eighth of the nodes (and 16)
            # the lists are made by one pass
            assert _kept(ev) == (kept and k < len(graph) // 8 + 16)
        assert [bits(g) for g in ev.grads] == [bits(g) for g in ref.grads]


def _weighted(w: float, x: float) -> Graph:
    """out = w · relu(x) + w: w gets two contributions, x one, through relu."""
    g = Graph()
    g.add_node("w", "input", value=w)
    g.add_node("x", "input", value=x)
    g.add_node("r", "relu")
    g.add_node("m", "mul")
    g.add_node("out", "add")
    g.connect("x", "r", 0)
    g.connect("r", "m", 0)
    g.connect("w", "m", 1)
    g.connect("m", "out", 0)
    g.connect("w", "out", 1)
    g.set_output("out")
    return g


def test_a_negative_zero_gradient_stays_negative_zero():
    """w = −0.0: r's gradient is 1 · −0.0 = −0.0, passed through relu to x as it is
    (a first contribution is stored, never added to 0.0, which would make it 0.0)."""
    g = _weighted(-0.0, 3.0)
    plan, ev, ref = _passes(g)
    assert _kept(ev)
    assert bits(ev.grad("r")) == bits(-0.0) == bits(ref.grad("r"))
    assert bits(ev.grad("x")) == bits(-0.0)
    assert_same(ev, ref, g)


def test_a_nan_gradient_is_the_loops_pass():
    """w · relu(x) · 10 overflows to inf, times 0.0 is nan: the gradient sent to the
    0.0 is inf, so the loop does the pass (and explains it)."""
    g = _weighted(1e308, 10.0)
    g.add_node("ten", "input", value=10.0)
    g.add_node("big", "mul")
    g.connect("m", "big", 0)
    g.connect("ten", "big", 1)
    g.add_node("zero", "input", value=0.0)
    g.add_node("z", "mul")
    g.connect("big", "z", 0)
    g.connect("zero", "z", 1)
    g.disconnect(next(e for e in g.in_edges("out") if e.port == 0))
    g.connect("z", "out", 0)
    plan, ev, ref = _passes(g)
    assert plan.all_scalar and not _kept(ev)
    assert ev.grad("zero") == math.inf
    assert ev.grad_warnings
    assert_same(ev, ref, g)


def test_every_float_vjp_gives_floats():
    """The kernel starts each node's sum at −0.0, which leaves a float as it is but
    would turn an int 0 into 0.0 where the loop stores the 0: every op's float
    vjp (default settings) gives floats."""
    import itertools

    from chainrule.core import ops
    checked = 0
    for spec in ops.OPS.values():
        if spec.settings:
            sf, sv, _af, _av = spec.bind({s.name: s.default for s in spec.settings})
        else:
            sf, sv = spec.scalar, spec.scalar_vjp
        if sf is None or sv is None:
            continue
        for xs in itertools.product((0.0, -0.0, 1.5, -2.0, 3.0), repeat=spec.arity):
            try:
                sent = sv(0.7, sf(*xs), *xs)
            except (ArithmeticError, ValueError):
                continue
            for g in sent if isinstance(sent, tuple) else (sent,):
                assert type(g) is float, (spec.name, xs, g)
            checked += 1
    assert checked > 100


def test_a_node_that_does_not_reach_the_output_has_no_gradient():
    """Every sum starts at −0.0: the nodes nothing sends to get their None back."""
    g = _weighted(0.5, 3.0)
    g.add_node("loose", "neg")
    g.connect("x", "loose", 0)
    plan, ev, ref = _passes(g)
    assert _kept(ev)
    assert ev.grad("loose") is None and ref.grad("loose") is None
    assert_same(ev, ref, g)
