"""The loop kernel gives the reference loop's numbers bit for bit (tests/support/
reference_loop.py: every op through its bound function, as before the loop wrote
``+ − ×`` and relu inline): values, gradients, every wire's gradient, the inf/nan
explanations — with the right fan-out rule, the overwriting one, each misconception's
vjp rule, and through the stepper's generator."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_loop
from chainrule.core import engine
from chainrule.core.engine import OVERWRITE, Evaluation, Evaluator, Plan
from chainrule.core.misconception import LIBRARY
from random_graphs import LEAF_VALUES, Graph, wild_graphs

RULES = [m.rule for m in LIBRARY.values() if m.rule is not None]


def bits(x):
    """A key equal only for the same bits: −0.0 is not 0.0, a nan only its own sign."""
    if type(x) is float:
        return struct.pack("<d", x)
    if isinstance(x, np.ndarray):
        return (x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.floating):
        return (type(x).__name__, x.tobytes())
    return repr(x)          # None, the "same as the node's gradient" marker


def assert_identical(ev: Evaluation, ref: Evaluation) -> None:
    assert [bits(v) for v in ev.values] == [bits(v) for v in ref.values]
    assert ev.warnings == ref.warnings
    assert ev.problems == ref.problems and ev.error == ref.error
    if ref.grads is None:
        assert ev.grads is None
        return
    assert [bits(g) for g in ev.grads] == [bits(g) for g in ref.grads]
    for mine, theirs in zip(ev.edge_grads, ref.edge_grads):
        assert [bits(g) for g in mine] == [bits(g) for g in theirs]
    assert ev.grad_warnings == ref.grad_warnings


def both(graph: Graph, accumulate=None, vjp_rule=None) -> tuple[Evaluation, Evaluation]:
    plan = Plan(graph)
    ev = engine.forward(plan)
    ref = reference_loop.forward(plan)
    if ref.error is None:
        engine.backward(ev, accumulate, vjp_rule)
        reference_loop.backward(ref, accumulate, vjp_rule)
    return ev, ref


@settings(max_examples=150, deadline=None)
@given(wild_graphs())
def test_floats_bit_for_bit(graph):
    assert_identical(*both(graph))


@settings(max_examples=80, deadline=None)
@given(wild_graphs(arrays=True))
def test_arrays_bit_for_bit(graph):
    assert_identical(*both(graph))


@settings(max_examples=60, deadline=None)
@given(wild_graphs(arrays=True), st.sampled_from([OVERWRITE] + RULES))
def test_misconception_rules_go_through_the_same_loop(graph, rule):
    if rule is OVERWRITE:
        assert_identical(*both(graph, accumulate=OVERWRITE))
    else:
        assert_identical(*both(graph, vjp_rule=rule(graph)))


@settings(max_examples=40, deadline=None)
@given(wild_graphs(arrays=True), st.lists(LEAF_VALUES, min_size=1, max_size=6))
def test_evaluator_and_stepper_match_the_reference(graph, later):
    evaluator = Evaluator(graph)
    leaves = [n.id for n in graph.nodes() if n.spec.is_leaf]
    for k, value in enumerate([None] + later):      # value edits: the same plan again
        if value is not None:
            graph.set_value(leaves[k % len(leaves)], value)
        ref = reference_loop.forward(evaluator.plan)
        if ref.error is None:
            reference_loop.backward(ref)
        assert_identical(evaluator.evaluate(), ref)
        stepped = engine.forward(evaluator.plan)
        if ref.error is None:
            list(evaluator.steps(stepped))
            engine._note_nonfinite_grads(stepped)
        assert_identical(stepped, ref)


def _operands() -> Graph:
    """Nodes holding 0.0, −0.0, 2.5, ±inf and nan of both signs (leaves must be finite:
    the infinities come from an overflow, the nans from inf − inf)."""
    g = Graph()
    for node_id, value in (("zero", 0.0), ("negzero", -0.0), ("x", 2.5), ("big", 1e308),
                           ("ten", 10.0)):
        g.add_node(node_id, "input", value=value)
    for node_id, op, ins in (("inf", "mul", ("big", "ten")), ("neginf", "neg", ("inf",)),
                             ("nan", "add", ("inf", "neginf")), ("negnan", "neg", ("nan",))):
        g.add_node(node_id, op)
        for port, src in enumerate(ins):
            g.connect(src, node_id, port)
    return g


OPERANDS = ["zero", "negzero", "x", "inf", "neginf", "nan", "negnan"]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "relu"])
@pytest.mark.parametrize("a", OPERANDS)
@pytest.mark.parametrize("b", OPERANDS)
def test_the_ops_written_inline_on_signed_zeros_inf_and_nan(op, a, b):
    g = _operands()
    g.add_node("f", op)
    g.connect(a, "f", 0)
    if g.node("f").spec.arity == 2:
        g.connect(b, "f", 1)
    g.add_node("s", "mul")               # an upstream gradient that is b, not 1
    g.connect("f", "s", 0)
    g.connect(b, "s", 1)
    g.set_output("s")
    ev, ref = both(g)
    assert_identical(ev, ref)
    assert ev.grad(a) is not None


def test_stepping_through_an_array_graph_prints_no_numpy_warnings():
    """numpy's error state is set inside the backward generator, a run of steps at a
    time, so the stepper (which consumes it outside any ``np.errstate``) is quiet too."""
    import warnings
    g = Graph()
    g.add_node("x", "input", value=[0.0, 1.0, -1.0])
    g.add_node("l", "log")
    g.add_node("d", "div")
    g.connect("x", "l", 0)
    g.connect("l", "d", 0)
    g.connect("x", "d", 1)
    evaluator = Evaluator(g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = list(evaluator.steps())
    assert len(steps) == 3 and np.isnan(steps[-1].grad).any()


@settings(max_examples=100, deadline=None)
@given(wild_graphs(), st.data())
def test_a_node_left_unwired_changes_nothing_else(graph, data):
    """A node dropped on the canvas and not yet wired (port b open): the other nodes'
    values, gradients and inf/nan notes are those without it, and a plan of floats
    stays one (the float paths, their one-sum finiteness tests)."""
    before = Evaluator(graph).evaluate()
    feeder = data.draw(st.sampled_from([n.id for n in graph.nodes()]))
    graph.add_node("loose", "mul")
    graph.connect(feeder, "loose", 0)
    plan = Plan(graph)
    assert plan.all_scalar == Plan_without(graph).all_scalar
    ev = engine.forward(plan)
    if ev.error is None:
        engine.backward(ev)
    assert ev.value("loose") is None
    assert [p.kind for p in ev.problems] == ["unwired"] + [p.kind for p in before.problems]
    for node in graph.nodes():
        if node.id != "loose":
            assert bits(ev.value(node.id)) == bits(before.value(node.id))
            assert bits(ev.grad(node.id)) == bits(before.grad(node.id))
    assert ev.warnings == before.warnings and ev.grad_warnings == before.grad_warnings
    assert set(ev.warnings) == {n.id for n in graph.nodes() if ev.value(n.id) is not None
                                and not np.isfinite(ev.value(n.id))}
    # the same plan made by an update of the one without the node
    evaluator = Evaluator(graph)
    graph.remove_node("loose")
    evaluator.evaluate()
    graph.add_node("loose", "mul")
    graph.connect(feeder, "loose", 0)
    assert evaluator.plan.all_scalar == plan.all_scalar
    assert evaluator.evaluate().warnings == before.warnings


def Plan_without(graph: Graph) -> Plan:
    copy = graph.copy()
    copy.remove_node("loose")
    return Plan(copy)
