"""The level-batched kernel gives the loop's numbers bit for bit — values, gradients,
every wire's gradient, −0.0 kept — and is chosen for wide graphs only."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.core import kernel_batched as kb
from chainrule.core.engine import Evaluator
from chainrule.core.optimizers import SGD
from chainrule.core.training import Trainer
from random_graphs import LEAF_VALUES, Graph, neg_chain, random_graphs, sum_ends, wild_graphs
from same_numbers import assert_same, bits, reference


FIXTURES = HealthCheck.function_scoped_fixture     # constant settings: nothing to reset


@pytest.fixture
def any_size(monkeypatch):
    """Every eligible plan gets the batched kernel, however small or narrow."""
    monkeypatch.setattr(kb, "MIN_NODES", 1)
    monkeypatch.setattr(kb, "MARGIN", float("inf"))


@st.composite
def wide_graphs(draw):
    """Layers of several nodes of one op each (the batched kernel's case): inputs read
    from any earlier layer, so the fan-out varies (0 to many wires per node)."""
    g = Graph()
    layers = [[f"x{i}" for i in range(draw(st.integers(1, 6)))]]
    for x in layers[0]:
        g.add_node(x, "input", value=draw(LEAF_VALUES | st.floats(-3, 3)))
    ops = ("add", "sub", "mul", "div", "max", "min", "neg", "exp", "log", "tanh", "sin",
           "cos", "relu", "abs", "sqrt", "square", "reciprocal", "sigmoid", "pow", "mse")
    earlier = list(layers[0])
    for li in range(draw(st.integers(1, 5))):
        layer = []
        for gi in range(draw(st.integers(1, 3))):
            op = draw(st.sampled_from(ops))
            for k in range(draw(st.integers(1, 6))):
                nid = f"n{li}_{gi}_{k}"
                g.add_node(nid, op)
                for port in range(g.node(nid).spec.arity):
                    src = layers[-1][draw(st.integers(0, len(layers[-1]) - 1))] \
                        if port == 0 and draw(st.booleans()) else draw(st.sampled_from(earlier))
                    g.connect(src, nid, port)
                layer.append(nid)
        layers.append(layer)
        earlier += layer
    g.set_output(sum_ends(g, "s"))
    return g


def kernel_and_loop(graph):
    plan = Evaluator(graph).plan
    kernel = kb.choose(plan)
    assert kernel is not None
    return kb.BatchedEvaluation(plan, kernel, *kernel.run()), reference(graph)


@pytest.mark.parametrize("exact", ["this machine's", "none"])
@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURES])
@given(graph=st.one_of(random_graphs(max_ops=20), wild_graphs(), wide_graphs()))
def test_the_kernel_computes_the_loops_numbers(any_size, monkeypatch, exact, graph):
    """Where everything is finite, the kernel's own arrays; elsewhere the kernel hands
    the evaluation to the loop.  "none": exp, tanh… one node at a time as well, and
    the other way of folding the fan-out."""
    if exact == "none":
        monkeypatch.setattr(kb, "_exact", frozenset())
        monkeypatch.setattr(kb, "ROW_FOLD", 0)      # and every fold one add per wire
    ev, ref = kernel_and_loop(graph)
    if ev.finite():
        assert_same(ev, ref, graph)
    else:                   # inf or nan: past the first use's check, the loop
        plan = Evaluator(graph).plan
        assert kb.choice(plan) is not None
        kb.evaluate(plan)
        assert kb.evaluate(plan) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[FIXTURES])
@given(graph=st.one_of(wild_graphs(), wide_graphs()),
       later=st.lists(LEAF_VALUES, min_size=1, max_size=6))
def test_the_evaluator_gives_the_loops_evaluation_whichever_kernel(any_size, graph, later):
    evaluator = Evaluator(graph)
    evaluator.evaluate()
    evaluator.settle()
    assert_same(evaluator.evaluate(), reference(graph), graph)       # the check
    leaves = [n.id for n in graph.nodes() if n.spec.is_leaf]
    for k, value in enumerate(later):
        graph.set_value(leaves[k % len(leaves)], value)
        assert_same(evaluator.evaluate(), reference(graph), graph)


def layered(width: int, layers: int, seed: int = 3) -> Graph:
    """``width`` inputs, then layers of ``width`` binary ops reading two nearby nodes of
    the layer before, the last layer summed by an add tree."""
    rng = random.Random(seed)
    g = Graph()
    prev = []
    for i in range(width):
        g.add_node(f"x{i}", "input", value=rng.uniform(-1, 1))
        prev.append(f"x{i}")
    for li in range(layers):
        cur = []
        for i in range(width):
            nid = f"n{li}_{i}"
            g.add_node(nid, rng.choice(("add", "mul", "sub", "max", "tanh")))
            g.connect(prev[i], nid, 0)
            if g.node(nid).spec.arity == 2:
                g.connect(prev[(i + rng.choice((-1, 1))) % width], nid, 1)
            cur.append(nid)
        prev = cur
    while len(prev) > 1:
        nxt = []
        for j in range(0, len(prev) - 1, 2):
            nid = f"t{len(g)}"
            g.add_node(nid, "add")
            g.connect(prev[j], nid, 0)
            g.connect(prev[j + 1], nid, 1)
            nxt.append(nid)
        prev = nxt + prev[len(prev) - len(prev) % 2:]
    g.set_output(prev[0])
    return g


def test_a_wide_layered_graph_takes_the_batched_kernel():
    g = layered(1000, 4)
    evaluator = Evaluator(g)
    evaluator.evaluate()                     # the first pass of a plan: the loop
    evaluator.settle()
    assert kb.choice(evaluator.plan) is not None
    assert type(evaluator.evaluate()).__name__ == "Evaluation"     # checked against the loop
    ev = evaluator.evaluate()
    assert isinstance(ev, kb.BatchedEvaluation)
    assert_same(ev, reference(g), g)
    g.set_value("x3", -0.0)
    ev = evaluator.evaluate()
    assert isinstance(ev, kb.BatchedEvaluation)
    assert_same(ev, reference(g), g)
    # the stepper walks the loop's steps over the same evaluation
    steps = list(evaluator.steps(evaluator.evaluate()))
    assert len(steps) == sum(evaluator.plan.reaching)
    # inf and nan: the loop, with its explanations
    g.set_value("x0", 1e308)
    g.set_value("x1", 1e308)
    ev = evaluator.evaluate()
    ref = reference(g)
    assert not isinstance(ev, kb.BatchedEvaluation) and ref.warnings
    assert_same(ev, ref, g)


def test_a_structural_edit_goes_back_to_the_loop_until_the_new_plan_is_surveyed():
    g = layered(800, 4)
    evaluator = Evaluator(g)
    for _ in range(3):
        evaluator.evaluate()
        evaluator.settle()
    assert isinstance(evaluator.evaluate(), kb.BatchedEvaluation)
    g.add_node("extra", "neg")
    g.connect("x0", "extra", 0)
    assert not isinstance(evaluator.evaluate(), kb.BatchedEvaluation)


@pytest.mark.parametrize("graph", [
    pytest.param(lambda: neg_chain(5000), id="chain"),
    pytest.param(lambda: random_dag(5000), id="random DAG"),
])
def test_chains_and_random_dags_keep_the_loop(graph):
    g = graph()
    sum_ends(g, "end") if len(g.sinks()) > 1 else None
    evaluator = Evaluator(g)
    evaluator.evaluate()
    evaluator.settle()
    assert kb.eligible(evaluator.plan)
    assert kb.choice(evaluator.plan) is None
    assert not isinstance(evaluator.evaluate(), kb.BatchedEvaluation)


def random_dag(n: int, seed: int = 0) -> Graph:
    """Each op reads recent nodes: a few nodes per (level, op) group."""
    rng = random.Random(seed)
    g = Graph()
    ids = []
    for i in range(20):
        g.add_node(f"x{i}", "input", value=rng.uniform(-1, 1))
        ids.append(f"x{i}")
    for i in range(n):
        op = rng.choice(("add", "mul", "relu"))
        nid = f"n{i}"
        g.add_node(nid, op)
        for port in range(g.node(nid).spec.arity):
            g.connect(rng.choice(ids[-50:]), nid, port)
        ids.append(nid)
    return g


def test_small_graphs_and_arrays_keep_the_loop():
    g = layered(10, 3)
    assert not kb.eligible(Evaluator(g).plan)           # too small to matter
    g = layered(1000, 3)
    g.set_value("x0", [1.0, 2.0])
    assert not kb.eligible(Evaluator(g).plan)           # an array


def test_numpy_functions_are_batched_only_where_they_equal_math(monkeypatch):
    """exp's numpy version (SIMD) may differ from math.exp by an ulp: then its group
    calls math.exp node by node, and the numbers stay the loop's."""
    exact = kb.exact_ufuncs()
    xs = np.linspace(0.001, 30, 5001)
    for name in ("exp", "log", "tanh", "sin", "cos"):
        ok = all(bits(getattr(math, name)(x)) == bits(y)
                 for x, y in zip(xs.tolist(), getattr(np, name)(xs).tolist()))
        if not ok:
            assert name not in exact
    g = Graph()
    for i in range(3000):
        g.add_node(f"x{i}", "input", value=i / 100 - 15)
        g.add_node(f"e{i}", "exp")
        g.connect(f"x{i}", f"e{i}", 0)
    out = sum_ends(g)
    g.set_output(out)
    monkeypatch.setattr(kb, "MARGIN", float("inf"))
    ev, ref = kernel_and_loop(g)
    assert_same(ev, ref, g)


def test_a_training_run_has_the_same_losses_through_either_kernel(monkeypatch):
    def losses():
        g = layered(700, 3)
        for i in range(0, 700, 3):
            g.set_trainable(f"x{i}", True)
        trainer = Trainer(g, optimizer=SGD(0.01))
        out = [trainer.step(), trainer.step()]      # the loop, then the choice is made
        trainer.evaluator.settle()
        out += [trainer.step() for _ in range(6)]   # the check, then the chosen kernel
        return out, trainer.evaluator

    batched, evaluator = losses()
    assert isinstance(evaluator.evaluate(), kb.BatchedEvaluation)
    monkeypatch.setattr(kb, "MIN_NODES", 10 ** 9)          # the loop only
    loop, evaluator = losses()
    assert not isinstance(evaluator.evaluate(), kb.BatchedEvaluation)
    assert [bits(x) for x in batched] == [bits(x) for x in loop]


def test_a_plan_that_keeps_the_loop_is_not_surveyed_again_after_each_small_edit(monkeypatch):
    """A survey costs two thirds of an evaluation: after a few local edits of a
    random DAG (which keeps the loop) the updated plans keep it without one, until
    an eighth of its nodes' worth of structural changes; then it is surveyed again."""
    g = random_dag(3000)
    g.set_output(sum_ends(g, "end"))
    evaluator = Evaluator(g)
    evaluator.evaluate()
    evaluator.evaluate()
    evaluator.settle()
    assert kb.choice(evaluator.plan) is None
    surveys = []
    real = kb.Job.__init__
    monkeypatch.setattr(kb.Job, "__init__", lambda self, plan: surveys.append(1) or real(self, plan))
    for k in range(5):
        g.add_node(f"new{k}", "neg")
        g.connect("x1", f"new{k}", 0)
        evaluator.evaluate()
        evaluator.evaluate()
        evaluator.settle()
    assert surveys == []
    assert kb.choice(evaluator.plan) is None
    # many changes since the survey: the next plan is surveyed again
    for k in range(len(evaluator.plan.nodes) // 8):
        g.add_node(f"more{k}", "neg")
        g.connect("x2", f"more{k}", 0)
    evaluator.evaluate()
    evaluator.evaluate()
    assert surveys == [1]


def test_a_wide_graph_mended_by_one_wire_is_surveyed_at_once():
    """A wide graph with one open port keeps the loop without being measured (it has a
    problem); the wire that mends it gives a plan that is surveyed and batched."""
    g = layered(800, 4)
    g.add_node("loose", "mul")
    g.connect("x0", "loose", 0)
    evaluator = Evaluator(g)
    for _ in range(3):
        evaluator.evaluate()
        evaluator.settle()
    assert not isinstance(evaluator.evaluate(), kb.BatchedEvaluation)
    g.remove_node("loose")
    for _ in range(3):
        evaluator.evaluate()
        evaluator.settle()
    assert isinstance(evaluator.evaluate(), kb.BatchedEvaluation)
