"""The first evaluation after a structural edit, edited from the last one
(``Evaluator._evaluate_edited``): after every edit of random sequences, the
Evaluator's numbers are a fresh plan's loop's bit for bit — values, gradients,
each wire's gradient, the inf/nan notes — and the edited path is taken."""
from __future__ import annotations

from hypothesis import given, settings

from chainrule.core import evaluator as evaluator_module
from chainrule.core.engine import Evaluator
from chainrule.core.errors import GraphError
from chainrule.core.graph import Graph
from graph_edits import EDITS, apply_edit
from random_graphs import random_graphs, wild_graphs
from same_numbers import assert_same, reference


class _Counted:
    """Counts the evaluations the edited path gave, and the backward passes run
    (a context: hypothesis runs many examples in one test)."""

    def __enter__(self):
        self.edited = self.backward_passes = 0
        self._real = real = Evaluator._evaluate_edited
        self._backward = evaluator_module.backward

        def spy(evaluator, plan, explain):
            result = real(evaluator, plan, explain)
            self.edited += result is not None
            return result

        def counted_backward(*args, **kwargs):
            self.backward_passes += 1
            return self._backward(*args, **kwargs)
        Evaluator._evaluate_edited = spy
        evaluator_module.backward = counted_backward
        return self

    def __exit__(self, *exc):
        Evaluator._evaluate_edited = self._real
        evaluator_module.backward = self._backward


def _walk(g: Graph, edits, explain: bool = True) -> None:
    ev = Evaluator(g)
    ev.evaluate(explain=explain)
    made: list = []
    removals: list = []
    for kind, r1, r2 in edits:
        if kind not in ("undo", "remove", "disconnect"):
            removals.clear()
        try:
            apply_edit(g, kind, r1, r2, made, removals)
        except GraphError:
            pass
        ours, ref = ev.evaluate(explain=explain), reference(g)
        assert ours.error == ref.error
        assert [p.message for p in ours.problems] == [p.message for p in ref.problems]
        if explain:
            assert_same(ours, ref, g)
        else:
            assert not ours.warnings and not ours.grad_warnings
            ref.warnings.clear()
            ref.grad_warnings.clear()
            assert_same(ours, ref, g)


@settings(max_examples=120, deadline=None)
@given(wild_graphs(max_ops=20), EDITS)
def test_edited_evaluations_are_a_fresh_loops_on_wild_graphs(g, edits):
    _walk(g, edits)


@settings(max_examples=60, deadline=None)
@given(random_graphs(max_ops=15), EDITS)
def test_edited_evaluations_are_a_fresh_loops_on_scalar_graphs(g, edits):
    _walk(g, edits, explain=False)


def _neuron() -> Graph:
    g = Graph()
    for node_id, value in (("w", 0.5), ("x", -2.0), ("b", 0.25)):
        g.add_node(node_id, "input", value=value)
    g.add_node("m", "mul")
    g.add_node("s", "add")
    g.add_node("r", "relu")
    for src, dst, port in (("w", "m", 0), ("x", "m", 1), ("m", "s", 0), ("b", "s", 1),
                           ("s", "r", 0)):
        g.connect(src, dst, port)
    g.set_output("r")
    return g


def test_a_loose_node_added_keeps_every_gradient():
    g = _neuron()
    ev = Evaluator(g)
    before = ev.evaluate()
    g.add_node("loose", "neg")
    g.connect("x", "loose", 0)
    with _Counted() as counted:
        after = ev.evaluate()
    assert counted.edited == 1 and counted.backward_passes == 0
    assert after.value("loose") == 2.0 and after.grad("loose") is None
    for n in ("w", "x", "b", "m", "s", "r"):
        assert after.grad(n) == before.grad(n) and after.value(n) == before.value(n)
    assert_same(after, reference(g), g)


def test_a_value_edit_before_the_structural_one_takes_both_passes():
    g = _neuron()
    ev = Evaluator(g)
    ev.evaluate()
    g.set_value("w", 3.0)
    g.add_node("loose", "neg")
    g.connect("x", "loose", 0)
    with _Counted() as counted:
        after = ev.evaluate()
    assert counted.edited == 0 and counted.backward_passes == 1
    assert after.value("m") == -6.0
    assert_same(after, reference(g), g)


def test_an_edit_that_reaches_the_output_runs_the_backward_pass():
    g = _neuron()
    ev = Evaluator(g)
    ev.evaluate()
    g.disconnect(g.in_edges("s")[1])
    g.add_node("two", "input", value=2.0)
    g.connect("two", "s", 1)
    with _Counted() as counted:
        after = ev.evaluate()
    assert counted.edited == 1 and counted.backward_passes == 1
    assert after.value("s") == 1.0 and after.grad("two") == 1.0 and after.grad("b") is None
    assert_same(after, reference(g), g)


def test_a_setting_changed_on_the_way_to_the_output_runs_the_backward_pass():
    """No node starts or stops reaching the output, but the changed node reaches it:
    its gradient and those upstream change."""
    g = _neuron()
    g.add_node("lr", "leaky_relu")
    g.connect("s", "lr", 0)
    g.add_node("out", "add")
    g.connect("lr", "out", 0)
    g.connect("r", "out", 1)
    g.set_output("out")             # s = −0.75: the slope is s's gradient
    ev = Evaluator(g)
    before = ev.evaluate()
    g.set_attrs("lr", {"slope": 0.2})
    with _Counted() as counted:
        after = ev.evaluate()
    assert counted.edited == 1 and counted.backward_passes == 1
    assert before.grad("s") == 0.01 and after.grad("s") == 0.2
    assert_same(after, reference(g), g)
