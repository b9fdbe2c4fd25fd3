"""Every kernel gives the reference loop's numbers bit for bit: values, gradients,
the gradient of every wire, and the inf/nan explanations — on random graphs whose
values make inf and nan (division by zero, log of a negative, overflow)."""
from __future__ import annotations

import threading
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core import evaluator as evaluator_module
from chainrule.core import straight_line, straight_segments
from chainrule.core.engine import _SAME, Evaluator, _leaf_values
from random_graphs import LEAF_VALUES, Graph, wild_graphs
from same_numbers import assert_same, reference


@settings(max_examples=60, deadline=None)
@given(wild_graphs(), st.lists(LEAF_VALUES, min_size=1, max_size=8))
def test_straight_line_code_equals_the_loop(graph, later):
    evaluator = Evaluator(graph)
    for _ in range(straight_line.WARMUP + 1):       # past the warm-up
        evaluator.evaluate()
    evaluator.settle()
    evaluator.evaluate()                            # the check
    leaves = [n.id for n in graph.nodes() if n.spec.is_leaf]
    for k, value in enumerate(later):               # new values, the same plan
        graph.set_value(leaves[k % len(leaves)], value)
        assert_same(evaluator.evaluate(), reference(graph), graph)


def graph_of(nodes, wires) -> Graph:
    g = Graph()
    for node_id, op, value in nodes:
        g.add_node(node_id, op, value=value)
    g.connect_many(wires)
    return g


def using_straight_line_code(g: Graph) -> Evaluator:
    """An evaluator of ``g`` past the warm-up and the first-use check."""
    evaluator = Evaluator(g)
    for _ in range(straight_line.WARMUP + 1):
        evaluator.evaluate()
    evaluator.settle()
    evaluator.evaluate()
    assert evaluator._code.state == "use"
    return evaluator


def test_straight_line_code_is_used_on_a_graph_of_floats():
    g = graph_of((("x", "input", 2.0), ("w", "input", -3.0), ("m", "mul", None),
                  ("t", "tanh", None)), [("x", "m", 0), ("w", "m", 1), ("m", "t", 0)])
    evaluator = using_straight_line_code(g)
    g.set_value("x", 0.0)
    ev = evaluator.evaluate()
    assert ev.grad("w") == 0.0 and ev.grad("x") == -3.0
    g.set_value("w", [1.0, 2.0])            # an array: a new plan, the loop again
    assert evaluator.evaluate().value("m").tolist() == [0.0, 0.0]
    assert evaluator._code.state == "wait"


def test_straight_line_code_leaves_an_overflowing_gradient_to_the_loop():
    """Finite values, one gradient inf: the compiled path's one finiteness test over
    values and gradients sends the evaluation to the loop, which explains it."""
    g = graph_of((("x", "input", 1.0), ("w", "input", 2.0), ("m", "mul", None),
                  ("v", "input", 3.0), ("n", "mul", None)),
                 [("x", "m", 0), ("w", "m", 1), ("m", "n", 0), ("v", "n", 1)])
    evaluator = using_straight_line_code(g)
    assert evaluator.evaluate().grad_warnings == {}
    for node_id, value in (("x", 1e-300), ("w", 1e300), ("v", 1e300)):
        g.set_value(node_id, value)
    ev = evaluator.evaluate()
    assert ev.value("n") == 1e300 and ev.grad("x") == float("inf")
    assert ev.grad_warnings == {"x": "the gradient is inf"}
    assert_same(ev, reference(g), g)


@settings(max_examples=30, deadline=None)
@given(wild_graphs(arrays=True))
def test_a_training_evaluation_has_the_same_numbers_without_explanations(graph):
    lean = Evaluator(graph).evaluate(explain=False)
    full = reference(graph)
    assert lean.warnings == {} and lean.grad_warnings == {}
    for n in graph.node_ids():
        assert repr(lean.value(n)) == repr(full.value(n))
        assert repr(lean.grad(n)) == repr(full.grad(n))


def test_setting_a_node_to_its_own_value_keeps_the_array():
    g = Graph()
    g.add_node("w", "input", value=[1.0, 2.0])
    w = g.node("w").value
    g.set_values({"w": w})
    assert g.node("w").value is w


@settings(max_examples=80, deadline=None)
@given(wild_graphs(), st.integers(1, 6))
def test_straight_line_code_in_pieces_equals_one_function(graph, lines):
    """Cut after every few lines (a gradient summed across a cut, a value computed
    in one piece and read in another): the pieces give the one function's numbers
    bit for bit, or raise where it raises."""
    plan = Evaluator(graph).plan
    if not straight_line.eligible(plan):
        return
    whole = straight_line.compile_plan(plan, _SAME)
    with mock.patch.object(straight_line, "MAX_NODES", 0), \
            mock.patch.object(straight_segments, "LINES", lines):
        pieces = straight_line.compile_plan(plan, _SAME)
    try:
        expected = whole(_leaf_values(plan))
    except Exception as exc:            # the loop takes its IEEE path here
        with pytest.raises(type(exc)):
            pieces(_leaf_values(plan))
        return
    got = pieces(_leaf_values(plan))
    assert all(straight_line.identical(x, y) for x, y in zip(got, expected))


def test_a_plan_past_one_functions_limit_is_written_in_pieces():
    """6,001 nodes: past MAX_NODES, the code is used all the same, made of pieces."""
    g = Graph()
    g.add_node("x", "input", value=0.5)
    prev = "x"
    for i in range(straight_line.MAX_NODES + 1):
        g.add_node(f"n{i}", ("neg", "sin", "add")[i % 3])
        g.connect(prev, f"n{i}", 0)
        if i % 3 == 2:
            g.connect("x", f"n{i}", 1)
        prev = f"n{i}"
    made = []
    real = straight_segments._piece
    with mock.patch.object(straight_segments, "_piece",
                           lambda *a: made.append(1) or real(*a)):
        evaluator = using_straight_line_code(g)
    assert len(made) > 1
    g.set_value("x", -0.25)
    assert_same(evaluator.evaluate(), reference(g), g)


def test_writing_a_big_plans_pieces_stops_when_its_plan_is_replaced():
    """A structural edit while a big plan's code is being written: the writing stops
    at the next piece (seconds of a core at 100,000 nodes) and gives no code."""
    g = Graph()
    g.add_node("x", "input", value=0.5)
    prev = "x"
    for i in range(straight_line.MAX_NODES + 1):
        g.add_node(f"n{i}", "neg")
        g.connect(prev, f"n{i}", 0)
        prev = f"n{i}"
    evaluator = Evaluator(g)
    started, go, made = threading.Event(), threading.Event(), []
    real = straight_segments._piece

    def first_waits(*args):
        made.append(1)
        if len(made) == 1:
            started.set()
            go.wait(10)
        return real(*args)
    with mock.patch.object(straight_segments, "_piece", first_waits):
        for _ in range(straight_line.WARMUP + 1):
            evaluator.evaluate()
        job = evaluator._code.job
        assert evaluator._code.state == "writing" and started.wait(10)
        g.add_node("extra", "neg")                  # the plan is replaced...
        g.connect("x", "extra", 0)
        evaluator.evaluate()
        go.set()
        job.wait()
    assert job.result() is None and len(made) == 1  # ...and the writing stopped


class _Clock:
    """A clock that each path of the Evaluator moves by its own time."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def _timed_paths(monkeypatch, loop_s: float, code_s: float) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(evaluator_module, "time", clock)
    real_forward, real_straight = evaluator_module.forward, Evaluator._evaluate_straight

    def forward(*args, **kwargs):
        clock.now += loop_s
        return real_forward(*args, **kwargs)

    def straight(self, *args, **kwargs):
        clock.now += code_s
        return real_straight(self, *args, **kwargs)
    monkeypatch.setattr(evaluator_module, "forward", forward)
    monkeypatch.setattr(Evaluator, "_evaluate_straight", straight)
    return clock


def _chain_of_floats() -> Graph:
    return graph_of((("x", "input", 0.5), ("a", "neg", None), ("b", "tanh", None)),
                    [("x", "a", 0), ("a", "b", 0)])


def test_straight_line_code_no_faster_than_the_loop_is_dropped(monkeypatch):
    _timed_paths(monkeypatch, loop_s=1.0, code_s=1.0)
    evaluator = using_straight_line_code(_chain_of_floats())
    for _ in range(evaluator_module.TRIALS - 1):
        evaluator.evaluate()
    assert evaluator._code.state == "use"
    evaluator.evaluate()
    assert evaluator._code.state == "off"
    assert_same(evaluator.evaluate(), reference(evaluator.graph), evaluator.graph)


def test_faster_straight_line_code_is_kept(monkeypatch):
    _timed_paths(monkeypatch, loop_s=1.0, code_s=0.5)
    evaluator = using_straight_line_code(_chain_of_floats())
    for _ in range(3 * evaluator_module.TRIALS):
        evaluator.evaluate()
    assert evaluator._code.state == "use"
