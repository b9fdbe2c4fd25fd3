"""A training run's backward pass: only the gradients that lead to its parameters.

The gradients it computes must be the full pass's bit for bit; the ones it
skips are None, and only in a training run (``evaluate(wanted=...)``).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from array_graphs import GRAPHS, RNG, bits, mlp_graph
from random_graphs import wild_graphs

from chainrule.core import ops_deep
from chainrule.core.engine import Evaluator
from chainrule.core.ops import OPS
from chainrule.core.program import parse_program
from chainrule.core.training import Trainer, parameters
from chainrule.core.values import as_value


def both_passes(g, wanted):
    full = Evaluator(g).evaluate()
    trained = Evaluator(g).evaluate(explain=False, wanted=tuple(wanted))
    return full, trained


@pytest.mark.parametrize("name", GRAPHS)
def test_the_trained_gradients_are_the_full_pass_bit_for_bit(name):
    g = GRAPHS[name]()
    params = parameters(g)
    assert params
    full, trained = both_passes(g, params)
    plan = full.plan
    assert bits(trained.value(plan.output_id)) == bits(full.value(plan.output_id))
    for p in params:
        assert full.grad(p) is not None
        assert bits(trained.grad(p)) == bits(full.grad(p)), p
    # the data and the targets, which nothing trains, get none in the training run only
    skipped = [n.id for n in g.nodes() if n.spec.is_leaf and not n.trainable
               and full.grad(n.id) is not None]
    assert skipped
    for node_id in skipped:
        assert trained.grad(node_id) is None, node_id


def test_an_input_feeding_a_parameter_path_keeps_its_gradient():
    """Nodes between a parameter and the loss keep theirs; so does everything when all
    inputs are wanted."""
    g = mlp_graph()
    full, trained = both_passes(g, ["W1"])
    for node_id in ("W1", "h", "L"):
        assert bits(trained.grad(node_id)) == bits(full.grad(node_id))
    for node_id in ("X", "W2", "b2", "b1", "y"):
        assert trained.grad(node_id) is None
    every = [n.id for n in g.nodes()]
    full, trained = both_passes(g, every)
    for node_id in every:
        assert bits(trained.grad(node_id)) == bits(full.grad(node_id))


def test_a_plain_evaluation_computes_every_gradient():
    g = mlp_graph()
    ev = Evaluator(g)
    ev.evaluate(explain=False, wanted=("W1",))
    assert ev.evaluate().grad("X") is not None
    assert ev.evaluate(explain=False).grad("X") is not None


def test_a_mixed_plan_drops_the_other_half_of_a_float_node():
    """sum(X @ W) * c: the product of floats gets the float path's own numbers."""
    g = parse_program("s = sum(X @ W)\nL = s * c").graph
    g.set_value("X", RNG.normal(size=(3, 2)))
    g.set_value("W", RNG.normal(size=(2, 2)))
    g.set_value("c", 0.7)
    full, trained = both_passes(g, ["W"])
    assert bits(trained.grad("W")) == bits(full.grad("W"))
    assert bits(trained.grad("s")) == bits(full.grad("s"))
    assert trained.grad("c") is None and trained.grad("X") is None
    full, trained = both_passes(g, ["c"])
    assert bits(trained.grad("c")) == bits(full.grad("c"))
    assert trained.grad("s") is None and trained.grad("W") is None


@pytest.mark.parametrize("wanted, skipped", [(("W", "c"), "d"), (("d",), "c"),
                                             (("c", "d"), "X")])
def test_a_float_node_keeps_its_float_numbers(wanted, skipped):
    """k = c · d is a node of floats (the float path) in a plan with arrays: the half
    it keeps is the float path's own number."""
    g = parse_program("k = c * d + c\nL = sum(X @ W) * k").graph
    g.set_value("X", RNG.normal(size=(3, 2)))
    g.set_value("W", RNG.normal(size=(2, 2)))
    g.set_value("c", 0.7)
    g.set_value("d", -1.3)
    full, trained = both_passes(g, wanted)
    assert trained.plan.nodes[trained.plan.index["k"]].op == "add"
    for node_id in wanted:
        assert bits(trained.grad(node_id)) == bits(full.grad(node_id)), node_id
    assert trained.grad(skipped) is None


@settings(max_examples=60, deadline=None)
@given(wild_graphs(arrays=True), st.data())
def test_random_graphs_with_inf_and_nan(g, data):
    leaves = [n.id for n in g.nodes() if n.spec.is_leaf]
    wanted = data.draw(st.lists(st.sampled_from(leaves), min_size=1, unique=True))
    full, trained = both_passes(g, wanted)
    for node_id in wanted:
        assert bits(trained.grad(node_id)) == bits(full.grad(node_id)), node_id
    for n in g.nodes():
        if trained.grad(n.id) is not None:
            assert bits(trained.grad(n.id)) == bits(full.grad(n.id)), n.id


@pytest.mark.parametrize("name", ["mlp", "conv", "demo 09"])
def test_training_steps_are_those_of_full_passes(name):
    """Ten SGD steps of the Trainer equal ten steps on the full pass's gradients."""
    g = GRAPHS[name]()
    h = g.copy()
    trainer = Trainer(g)
    params = parameters(h)
    ev = Evaluator(h)
    for _ in range(10):
        loss = trainer.step(0.05)
        full = ev.evaluate()
        assert bits(loss) == bits(float(np.sum(full.value(full.plan.output_id))))
        for p in params:
            node = h.node(p)
            node.value = node.value + (-0.05) * np.asarray(full.grad(p))
    for p in params:
        assert bits(g.node(p).value) == bits(h.node(p).value), p


# ------------------------------------------------- the halves of the vjps

def _halves(op, attrs, *inputs):
    spec = OPS[op]
    kw = spec.resolve(attrs)
    out = spec.array(*inputs, **kw)
    g = RNG.normal(size=np.shape(out))
    whole = spec.array_vjp(g, out, *inputs, **kw)
    return whole, [spec.bind_port_vjp(attrs, k)(g, out, *inputs) for k in range(len(inputs))]


@pytest.mark.parametrize("a, b", [((4, 3), (3, 2)), ((3,), (3, 2)), ((4, 3), (3,)),
                                  ((3,), (3,))])
def test_matmul_halves(a, b):
    whole, halves = _halves("matmul", {}, RNG.normal(size=a), RNG.normal(size=b))
    assert [bits(h) for h in halves] == [bits(w) for w in whole]


@pytest.mark.parametrize("attrs, x", [({}, (2, 3, 6, 6)), ({"stride": 2, "padding": 1},
                                                          (2, 3, 7, 5)),
                                     ({"padding": 2}, (3, 6, 6))])
def test_conv2d_halves(attrs, x):
    whole, halves = _halves("conv2d", attrs, RNG.normal(size=x), RNG.normal(size=(4, 3, 3, 3)))
    assert [bits(h) for h in halves] == [bits(w) for w in whole]


def test_an_op_without_halves_runs_its_whole_vjp_for_one_port():
    whole, halves = _halves("mse", {}, RNG.normal(size=(3, 2)), RNG.normal(size=(3, 2)))
    assert [bits(h) for h in halves] == [bits(w) for w in whole]


# ------------------------------------------------------- relu's kernels

SPECIAL = np.array([np.nan, -np.nan, -0.0, 0.0, -1.0, 1.0, np.inf, -np.inf, 5e-324, -5e-324])


@pytest.mark.parametrize("shape", [(), (1,), (10,), (4, 10), (3, 1, 10)])
def test_relu_kernels_are_np_where_bit_for_bit(shape):
    rng = np.random.default_rng(len(shape))
    for _ in range(20):
        x, g = rng.choice(SPECIAL, size=shape), rng.choice(SPECIAL, size=shape)
        assert bits(as_value(ops_deep.relu_array(x))) == bits(as_value(np.where(x <= 0, 0.0, x)))
        assert bits(ops_deep.zero_where_not_positive(x, g)) == bits(np.where(x <= 0, 0.0, g))
    x = rng.choice(SPECIAL, size=(4, 10))
    for g in (rng.choice(SPECIAL, size=10), 2.0, -0.0):
        assert bits(ops_deep.zero_where_not_positive(x, g)) == bits(np.where(x <= 0, 0.0, g))
