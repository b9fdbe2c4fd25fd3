"""The fast training step of small tensor nets: straight-line code written for the
leaves' shapes (core/straight_shapes.py) and plain SGD's update written into it.

Every run here is compared with the same run through the loop alone, bit for bit:
the losses, the parameters after it, and the error a diverging run stops with.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from array_graphs import GRAPHS, bits

from chainrule.core import ops, straight_arrays, straight_line, straight_shapes
from chainrule.core.fileformat import load
from chainrule.core.optimizers import make_optimizer
from chainrule.core.program import parse_program
from chainrule.core.training import Trainer, TrainingError, parameters
from chainrule.resources import DEMOS

RNG = np.random.default_rng(11)
STEPS = 4 * straight_line.WARMUP


def small_net():
    """Demo 09's size, built as the benchmark builds it (the same numbers each time)."""
    rng = np.random.default_rng(11)
    g = parse_program("h = tanh(X @ W1 + b1)\nL = mse(h @ W2 + b2, t)").graph
    for name, value in dict(X=rng.normal(size=(4, 3)), t=rng.normal(size=(4, 1)),
                            W1=rng.normal(size=(3, 8)), b1=np.zeros(8),
                            W2=rng.normal(size=(8, 1)), b2=np.zeros(1)).items():
        g.set_value(name, value)
    for name in ("W1", "b1", "W2", "b2"):
        g.node(name).trainable = True
    return g


def linear_fit():
    """Linear regression: with too large an α it diverges geometrically, to inf."""
    rng = np.random.default_rng(12)
    g = parse_program("L = mse(X @ W + b, t)").graph
    for name, value in dict(X=rng.normal(size=(6, 2)) * 3, t=rng.normal(size=(6, 1)),
                            W=rng.normal(size=(2, 1)), b=np.zeros(1)).items():
        g.set_value(name, value)
    g.node("W").trainable = g.node("b").trainable = True
    return g


NETS = {"small net": small_net, "linear fit": linear_fit, **GRAPHS,
        "demo 22 (minibatches)": lambda: load(DEMOS / "22-moons-adam.cgraph")}
RULES = {"sgd": dict(), "sgd with weight decay": dict(weight_decay=0.01),
         "momentum": dict(), "rmsprop": dict(), "adam": dict()}


def rule(name, lr):
    return make_optimizer(name.split()[0], lr, **RULES[name])


def loop_only(monkeypatch, train):
    """``train()`` with no straight-line code for plans with arrays: the loop alone."""
    with monkeypatch.context() as m:
        m.setattr(straight_arrays, "MAX_NODES", 0)
        return train()


def same_params(g, h):
    for p in parameters(g):
        assert bits(g.node(p).value) == bits(h.node(p).value), p


def settled(trainer, lr=0.01):
    """A trainer whose training-run code is written, checked and in use."""
    for _ in range(straight_line.WARMUP + 1):
        trainer.step(lr)
    trainer.evaluator.settle()
    trainer.step(lr)
    trainer.step(lr)
    return trainer


def test_the_shaped_code_and_its_sgd_update_are_used():
    trainer = settled(Trainer(small_net()))
    code = trainer.evaluator._needed[2]
    assert code.state == "use"
    assert code.run.__globals__["GENERAL"] is not None, "not the code written for shapes"
    evaluation = trainer.evaluator.evaluate(explain=False, wanted=trainer.params,
                                            sgd=-0.01)
    assert evaluation.update is not None and evaluation.update[0] is code.run
    assert trainer._checked is code.run         # its first update was found SGD's own
    # and the code calls no op function of the table for matmul, add, tanh and mse
    calls = [name for name in code.run.__code__.co_names
             if re.fullmatch(r"[FV]\d+", name) and name != "F64"]
    assert not calls


@pytest.mark.parametrize("rule_name", RULES)
@pytest.mark.parametrize("net", NETS)
def test_a_run_is_the_loops_run_bit_for_bit(net, rule_name, monkeypatch):
    g = NETS[net]()
    h = g.copy()
    lr = 0.01 if net != "linear fit" else 0.001

    def train(graph):
        trainer = Trainer(graph, optimizer=rule(rule_name, lr))
        losses = trainer.run(STEPS)
        trainer.evaluator.settle()
        return losses + trainer.run(STEPS)
    fast = train(g)
    slow = loop_only(monkeypatch, lambda: train(h))
    assert [bits(x) for x in fast] == [bits(x) for x in slow]
    same_params(g, h)


def test_a_change_of_the_datas_shape_mid_run_falls_back_and_stays_exact(monkeypatch):
    def train(graph):
        trainer = Trainer(graph, optimizer=rule("sgd", 0.01))
        trainer.run(STEPS)
        trainer.evaluator.settle()
        rng = np.random.default_rng(13)
        rows = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))

        def new_batch(progress):
            if progress.done == STEPS // 2:     # six rows from now on, not four
                graph.set_value("X", rows[0])
                graph.set_value("t", rows[1])
        trainer.run(STEPS, callback=new_batch, every=STEPS // 2)
        return trainer
    g, h = small_net(), small_net()
    trainer = train(g)
    slow = loop_only(monkeypatch, lambda: train(h))
    same_params(g, h)
    assert [bits(x) for x in trainer.history] == [bits(x) for x in slow.history]
    # the shaped code now hands every evaluation to the general code (no update)
    evaluation = trainer.evaluator.evaluate(explain=False, wanted=trainer.params, sgd=-0.01)
    assert evaluation.update is None


def test_a_diverging_run_stops_as_the_loops_does(monkeypatch):
    def train(graph):
        trainer = Trainer(graph, optimizer=rule("sgd", 0.5))
        with pytest.raises(TrainingError) as caught:
            trainer.run(100_000)
        return trainer, caught.value
    g, h = linear_fit(), linear_fit()
    fast, error = train(g)
    slow, slow_error = loop_only(monkeypatch, lambda: train(h))
    assert len(fast.history) > 2 * straight_line.WARMUP, "it stopped before the fast path"
    assert str(error) == str(slow_error) and error.step == slow_error.step
    assert error.node == slow_error.node
    assert [bits(x) for x in fast.history] == [bits(x) for x in slow.history]
    same_params(g, h)
    for p in parameters(g):
        assert np.all(np.isfinite(g.node(p).value)), "the last finite values are kept"


def test_a_parameter_edited_between_runs_is_trained_from_its_new_value(monkeypatch):
    new_w1 = RNG.normal(size=(3, 8))

    def train(graph):
        trainer = Trainer(graph, optimizer=rule("sgd", 0.01))
        trainer.run(STEPS)
        trainer.evaluator.settle()
        trainer.run(STEPS)
        graph.set_value("W1", new_w1)
        trainer.run(STEPS)
        return trainer.history
    g, h = small_net(), small_net()
    fast = train(g)
    slow = loop_only(monkeypatch, lambda: train(h))
    assert [bits(x) for x in fast] == [bits(x) for x in slow]
    same_params(g, h)


def test_an_update_that_is_not_sgds_own_is_refused(monkeypatch):
    real = straight_arrays.compile_training

    def wrong(*args):
        run = real(*args)

        def off_by_a_bit(vals, *sgd):
            result = run(vals, *sgd)
            if result[4] is not None:
                new, finite = result[4]
                new = [np.nextafter(new[0], np.inf)] + new[1:]
                result = result[:4] + ((new, finite),)
            return result
        return off_by_a_bit
    g, h = small_net(), small_net()
    with monkeypatch.context() as m:
        m.setattr(straight_arrays, "compile_training", wrong)
        trainer = Trainer(g, optimizer=rule("sgd", 0.01))
        trainer.run(STEPS)
        trainer.evaluator.settle()
        trainer.run(STEPS)
    assert trainer._refused and trainer._checked is None
    slow = loop_only(monkeypatch, lambda: Trainer(h, optimizer=rule("sgd", 0.01)))
    slow.run(STEPS)
    slow.run(STEPS)
    same_params(g, h)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_unbroadcast_forms_are_unbroadcast(target, data):
    """Each axis of the gradient's shape stretched (a 1 in the target) or added in front."""
    target = tuple(data.draw(st.sampled_from([1, n])) for n in target)
    front = data.draw(st.lists(st.integers(1, 3), max_size=2))
    shape = tuple(front) + tuple(n if n != 1 else data.draw(st.integers(1, 3)) for n in target)
    g = RNG.normal(size=shape)
    form = straight_shapes.unbroadcast_form("g", g, target)
    got = eval(form, dict(straight_shapes.CONSTS, g=g))
    assert bits(got) == bits(ops.unbroadcast(g, target))
    assert type(got) is type(ops.unbroadcast(g, target))


def test_forms_are_none_where_unbroadcast_gives_a_float():
    assert straight_shapes.unbroadcast_form("g", np.ones(3), ()) is None
    assert straight_shapes.unbroadcast_form("g", 1.0, (3,)) is None


def test_large_plans_keep_the_general_code(monkeypatch):
    monkeypatch.setattr(straight_arrays, "SHAPED_AT_MOST", 10)
    g = small_net()
    h = g.copy()
    trainer = settled(Trainer(g))
    assert trainer.evaluator._needed[2].run.__globals__["GENERAL"] is None
    evaluation = trainer.evaluator.evaluate(explain=False, wanted=trainer.params, sgd=-0.01)
    assert evaluation.update is None            # the optimizer does the update
    slow = loop_only(monkeypatch, lambda: settled(Trainer(h)))
    assert [bits(x) for x in trainer.history] == [bits(x) for x in slow.history]
    same_params(g, h)


def test_publish_announces_each_parameter_once_and_skips_removed_ones():
    g = small_net()
    trainer = Trainer(g)
    trainer.step(0.01, notify=False)
    seen = []
    g.node_changed.subscribe(lambda node_id, what: seen.append((node_id, what)))
    g.remove_node("b2")
    seen.clear()
    trainer.publish()
    assert seen == [(p, "value") for p in ("W1", "b1", "W2")]


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_sgd_on_lists_is_sgds_step(wd):
    rng = np.random.default_rng(5)
    ids = ["W", "b", "s"]                      # a 0-d array too (its product is a scalar)
    values = [rng.normal(size=(3, 2)), rng.normal(size=2), np.array(rng.normal())]
    grads = [rng.normal(size=(3, 2)) * 1e3, rng.normal(size=2), np.array(rng.normal())]
    before = [v.copy() for v in values], [g.copy() for g in grads]
    lists, dicts = rule("sgd", 0.3), rule("sgd", 0.3)
    lists.weight_decay = dicts.weight_decay = wd
    got = lists.step_arrays(ids, values, grads)
    want = dicts.step(dict(zip(ids, values)), dict(zip(ids, grads)))
    assert [bits(v) for v in got] == [bits(want[p]) for p in ids]
    assert all(v is not p and v is not g for v, p, g in zip(got, values, grads))
    assert [bits(v) for v in values] == [bits(v) for v in before[0]]   # nothing written
    assert [bits(g) for g in grads] == [bits(g) for g in before[1]]    # into its inputs
    assert lists.state == dicts.state
    assert (lists.sgd_factor() is None) == (wd != 0)
    # anything but float64 arrays with gradients of their shape: the general step
    assert lists.step_arrays(ids, values, [grads[0], None]) is None
    assert lists.step_arrays(ids, values, [grads[0], grads[0]]) is None
    assert lists.step_arrays(["w"], [1.5], [0.5]) is None


def test_a_huge_finite_parameter_is_still_trained(monkeypatch):
    """The written code's finiteness test squares the new values: 1e200 squared is inf,
    so that step goes to the optimizer, which finds every value finite and takes it."""
    def train(graph):
        trainer = Trainer(graph, optimizer=rule("sgd", 0.01))
        settled(trainer)
        graph.set_value("W1", graph.node("W1").value * 1e200)     # tanh saturates
        losses = trainer.run(5)
        return trainer, losses
    g, h = small_net(), small_net()
    fast, losses = train(g)
    slow, slow_losses = loop_only(monkeypatch, lambda: train(h))
    assert fast.evaluator._needed[2].state == "use"
    assert [bits(x) for x in losses] == [bits(x) for x in slow_losses]
    same_params(g, h)
    assert np.abs(g.node("W1").value).max() > 1e199 and np.isfinite(g.node("W1").value).all()
