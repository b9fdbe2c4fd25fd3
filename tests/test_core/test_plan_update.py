"""Plans updated after structural edits (core/plan_update.py) against fresh ones.

After every edit of a random sequence — nodes added and removed, wires made
and cut, settings changed, outputs set, a removal undone — the plan the
Evaluator holds must equal a freshly compiled one attribute by attribute,
follow networkx's topological generations, and evaluate bit for bit alike."""
from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core import engine, plan_update
from chainrule.core.engine import Evaluator, Plan, backward, forward
from chainrule.core.errors import GraphError
from chainrule.core.graph import Graph
from plan_compare import plan_differences, same_bits
from graph_edits import EDITS, apply_edit
from random_graphs import neg_chain, random_graphs, wild_graphs

def _check(ev: Evaluator, g: Graph) -> None:
    plan = ev.plan
    fresh = Plan(g)
    assert plan_differences(plan, fresh) == []
    expected = [n for level in nx.topological_generations(g.nx) for n in level]
    assert plan.order == expected
    ours, theirs = forward(plan), forward(fresh)
    assert all(same_bits(x, y) for x, y in zip(ours.values, theirs.values))
    assert [p.message for p in ours.problems] == [p.message for p in theirs.problems]
    assert ours.warnings == theirs.warnings and ours.error == theirs.error
    if theirs.error is None:
        backward(ours), backward(theirs)
        for x, y in ((ours.grads, theirs.grads), (ours.edge_grads[0], theirs.edge_grads[0]),
                     (ours.edge_grads[1], theirs.edge_grads[1])):
            assert all(a is b or same_bits(a, b) for a, b in zip(x, y))
        assert ours.grad_warnings == theirs.grad_warnings


def _run(g: Graph, edits) -> None:
    """Apply the edits, checking the plan after each."""
    ev = Evaluator(g)
    ev.evaluate()
    made: list = []
    removals: list = []
    for kind, r1, r2 in edits:
        if kind not in ("undo", "remove", "disconnect"):
            removals.clear()        # undo right after a removal, as an undo stack would
        try:
            apply_edit(g, kind, r1, r2, made, removals)
        except GraphError:          # a cycle, a taken port: refused, nothing changed
            pass
        _check(ev, g)


@settings(max_examples=120, deadline=None)
@given(wild_graphs(max_ops=20, arrays=True), EDITS)
def test_updated_plans_equal_fresh_ones_on_wild_graphs(g, edits):
    _run(g, edits)


@settings(max_examples=60, deadline=None)
@given(random_graphs(max_ops=15), EDITS)
def test_updated_plans_equal_fresh_ones_on_scalar_graphs(g, edits):
    _run(g, edits)


@settings(max_examples=40, deadline=None)
@given(EDITS)
def test_updated_plans_equal_fresh_ones_from_empty(edits):
    _run(Graph(), edits)


def _counting(monkeypatch) -> list:
    builds = []
    real = Plan._build
    monkeypatch.setattr(Plan, "_build", lambda self, g: (builds.append(1), real(self, g)))
    return builds


def _chain_out(n: int, leaf: str, op: str) -> Graph:
    """A chain of ``n`` negs whose end meets input ``leaf`` (2.0) in ``out`` (``op``)."""
    g = neg_chain(n)
    g.add_node(leaf, "input", value=2.0)
    g.add_node("out", op)
    g.connect(f"n{n - 1}", "out", 0)
    g.connect(leaf, "out", 1)
    g.set_output("out")
    return g


def test_local_edits_update_the_plan_without_compiling(monkeypatch):
    g = _chain_out(300, "y", "mul")
    ev = Evaluator(g)
    ev.evaluate()
    builds = _counting(monkeypatch)
    g.add_node("new", "neg")
    ev.evaluate()                       # an unwired source: level 0, last
    g.connect("x", "new", 0)
    ev.evaluate()
    g.add_node("s", "leaky_relu")
    g.connect("new", "s", 0)
    g.set_attrs("s", {"slope": 0.5})
    ev.evaluate()
    g.disconnect(g.in_edges("s")[0])
    ev.evaluate()
    g.remove_node("s")
    g.remove_node("new")
    ev.evaluate()
    g.set_output("out")                 # the same output again
    ev.evaluate()
    assert builds == []
    assert plan_differences(ev.plan, Plan(g)) == []


def test_what_cannot_be_updated_is_compiled_afresh(monkeypatch):
    g = neg_chain(5)
    ev = Evaluator(g)
    ev.evaluate()
    builds = _counting(monkeypatch)
    g.rename("n2", "m2")                # not in the change log: compiled afresh
    assert plan_update.updated(ev._plan, g) is None
    ev.evaluate()
    g.set_value("x", np.array([1.0, 2.0]))      # a scalar became an array
    ev.evaluate()
    assert len(builds) == 2
    assert plan_differences(ev.plan, Plan(g)) == []
    version = g.structure_version
    g.structure_version += 1            # bumped without saying what changed: not known
    assert g.structure_changes(version) is None
    assert g.structure_changes(g.structure_version) == []


def test_an_updated_plan_leaves_the_evaluations_of_the_old_one_alone():
    g = neg_chain(4)
    ev = Evaluator(g)
    old = ev.evaluate()
    order, values = list(old.plan.order), list(old.values)
    g.add_node("z", "input", value=3.0)
    g.add_node("w", "add")
    g.connect("z", "w", 0)
    g.connect("n1", "w", 1)
    new = ev.evaluate()
    assert new.plan is not old.plan and engine.Plan is type(new.plan)
    assert old.plan.order == order and old.values == values
    assert old.value("n3") == values[order.index("n3")]


def test_a_plan_updated_twice_gives_the_same_plan_both_times():
    """The next plan takes the old one's level map and reach set rather than copying
    them: the old plan, updated once more, makes its own again (the same plan)."""
    g = _chain_out(6, "w", "add")
    g.add_node("loose", "neg")
    plan = plan_update.updated(Plan(g), g)  # an updated plan: it has a reach set
    assert plan is not None and hasattr(plan, "_reach") and plan._level_of is not None
    g.disconnect(g.in_edges("out")[1])      # w stops reaching the output, z starts
    g.add_node("z", "neg")
    g.connect("n1", "z", 0)
    g.connect("z", "out", 1)
    first = plan_update.updated(plan, g)
    second = plan_update.updated(plan, g)
    fresh = Plan(g)
    assert first is not None and second is not None
    assert not plan_differences(first, fresh) and not plan_differences(second, fresh)
