"""Training: one step by hand, the loss falls on the demos, reset is exact, events, failures."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from chainrule.core.engine import evaluate
from chainrule.core.errors import ChainruleError
from chainrule.core.fileformat import load
from chainrule.core.graph import Graph
from chainrule.core.program import parse_program
from chainrule.core.training import Progress, Trainer, TrainingError, parameters

from chainrule.resources import DEMOS
INDEX = json.loads((DEMOS / "index.json").read_text())

# a learning rate each trainable demo can take without overshooting
LR = {"01-neuron.cgraph": 0.5, "02-neuron-gates.cgraph": 0.5, "05-two-layer.cgraph": 0.01,
      "08-exploding.cgraph": 1e-5, "09-tensor-mlp.cgraph": 0.2, "10-fit-two-layer.cgraph": 0.05,
      "11-softmax-classifier.cgraph": 0.2, "12-two-layer-net.cgraph": 0.1,
      "13-svm-hinge.cgraph": 0.1, "15-tiny-convnet.cgraph": 0.2,
      "16-causal-attention.cgraph": 0.2, "17-logistic-bce.cgraph": 0.2,
      "18-your-backward-pass.cgraph": 0.5, "19-missing-path.cgraph": 0.05,
      "20-bias-not-summed.cgraph": 0.2,
      "21-mlp-layers.cgraph": 0.2, "22-moons-adam.cgraph": 0.5, "23-optimizer-race.cgraph": 0.1,
      "24-neuron-surface.cgraph": 0.5}
#: Demos trained on minibatches: each step sees other rows, so the loss of one step is
#: not that of the next; their epochs' losses on the training rows must fall instead.
MINIBATCH = {"22-moons-adam.cgraph"}


def demo(name):
    return load(DEMOS / name)


def program(text):
    return parse_program(text).graph


def test_parameters_are_the_trainable_inputs_in_file_order():
    g = demo("05-two-layer.cgraph")
    assert parameters(g) == ["w11", "w12", "w22", "w23", "w33", "b1", "b2", "b3",
                             "v1", "v2", "v3"]
    assert parameters(demo("03-add-mul.cgraph")) == []
    assert [name for name in INDEX["demos"] if parameters(demo(name))] == sorted(LR)


def test_one_step_on_the_neuron_is_the_hand_computed_update():
    g = demo("01-neuron.cgraph")
    s = 1 / (1 + math.exp(-1.0))              # w0·x0 + w1·x1 + w2 = −2 + 6 − 3 = 1
    ds = s * (1 - s)
    lr = 0.1
    loss = Trainer(g).step(lr)
    assert loss == pytest.approx(s, rel=1e-15)
    assert g.node("w0").value == pytest.approx(2 - lr * (-1 * ds), rel=1e-15)
    assert g.node("w1").value == pytest.approx(-3 - lr * (-2 * ds), rel=1e-15)
    assert g.node("w2").value == pytest.approx(-3 - lr * ds, rel=1e-15)
    assert g.node("x0").value == -1 and g.node("x1").value == -2     # not parameters


@pytest.mark.parametrize("name", sorted(LR))
def test_one_step_is_w_minus_lr_times_the_engines_gradient(name):
    g = demo(name)
    if g.data is not None:                  # a step trains on the data set's first batch
        g.set_values(g.data.feed(g.data.batches(0)[0]))
    before = evaluate(g)
    lr = LR[name]
    expected = {p: g.node(p).value - lr * before.grad(p) for p in parameters(g)}
    loss = Trainer(g).step(lr)
    assert loss == float(np.sum(before.value(before.output)))
    for p, value in expected.items():
        np.testing.assert_array_equal(g.node(p).value, value)


@pytest.mark.parametrize("name", sorted(LR))
def test_training_lowers_the_loss_on_every_trainable_demo(name):
    g = demo(name)
    trainer = Trainer(g)
    losses = trainer.run(30, LR[name])
    assert len(losses) == 30 and trainer.history == losses
    assert trainer.loss() < losses[0]
    if name in MINIBATCH:
        epochs = [e[1] for e in trainer.epochs]
        assert len(epochs) == 6 and all(b <= a for a, b in zip(epochs, epochs[1:])), epochs
    else:
        assert all(b <= a for a, b in zip(losses, losses[1:])), losses


def test_the_fit_demo_does_what_its_description_promises():
    g = demo("10-fit-two-layer.cgraph")
    assert "α = 0.05" in g.description and "200 steps" in g.description
    trainer = Trainer(g)
    losses = trainer.run(200, 0.05)
    assert losses[0] > 5 and trainer.loss() < 1e-3
    ev = evaluate(g)
    assert np.shape(ev.value("y")) == (4,) and np.shape(ev.grad("w11")) == ()


def test_the_neuron_learns():
    g = demo("01-neuron.cgraph")
    losses = Trainer(g).run(100, 1.0)
    assert losses[0] == pytest.approx(0.7311, abs=1e-4) and losses[-1] < 0.1


def test_reset_restores_exactly_and_clears_the_history():
    for name in sorted(LR):
        g = demo(name)
        original = {p: np.array(g.node(p).value, copy=True) for p in parameters(g)}
        trainer = Trainer(g)
        trainer.run(5, LR[name])
        assert any(not np.array_equal(g.node(p).value, v) for p, v in original.items())
        trainer.reset()
        for p, v in original.items():
            np.testing.assert_array_equal(g.node(p).value, v)
            assert type(g.node(p).value) is type(load(DEMOS / name).node(p).value)
        assert trainer.history == []
        for p, v in trainer.snapshot().items():
            np.testing.assert_array_equal(v, original[p])


def test_snapshot_is_a_copy():
    g = demo("09-tensor-mlp.cgraph")
    trainer = Trainer(g)
    snap = trainer.snapshot()
    snap["W1"][0, 0] = 99.0
    trainer.run(3, 0.1)
    trainer.reset()
    assert g.node("W1").value[0, 0] == 0.5


def test_a_step_announces_each_parameter_once_and_a_quiet_step_nothing():
    g = demo("05-two-layer.cgraph")
    seen = []
    g.node_changed.subscribe(lambda node_id, what: seen.append((node_id, what)))
    trainer = Trainer(g)
    trainer.step(0.01)
    assert seen == [(p, "value") for p in parameters(g)]
    seen.clear()
    version = g.version
    trainer.step(0.01, notify=False)
    assert seen == [] and g.version == version
    trainer.publish()
    assert seen == [(p, "value") for p in parameters(g)] and g.version > version


def test_run_publishes_before_each_callback_and_at_the_end():
    g = demo("05-two-layer.cgraph")
    events = []
    g.node_changed.subscribe(lambda node_id, what: events.append(node_id))
    calls: list[Progress] = []
    n_params = len(parameters(g))

    def callback(progress):
        # what the callback sees is announced: as many events as publications so far
        assert len(events) == n_params * (len(calls) + 1)
        assert g.node("w11").value == Trainer(g).values()["w11"]
        calls.append(progress)

    trainer = Trainer(g)
    losses = trainer.run(25, 0.01, callback=callback, every=10)
    assert [c.done for c in calls] == [10, 20, 25]
    assert all(c.total == 25 for c in calls)
    assert sum((c.losses for c in calls), []) == losses
    assert calls[-1].loss == losses[-1]
    assert len(events) == n_params * 3


def test_run_without_callback_publishes_once():
    g = demo("05-two-layer.cgraph")
    events = []
    g.node_changed.subscribe(lambda node_id, what: events.append(node_id))
    Trainer(g).run(50, 0.01)
    assert events == parameters(g)


def test_run_can_be_stopped():
    g = demo("05-two-layer.cgraph")
    trainer = Trainer(g)
    asked = []

    def should_stop():
        asked.append(1)
        return len(trainer.history) >= 7

    losses = trainer.run(100, 0.01, should_stop=should_stop)
    assert len(losses) == 7 and len(asked) == 8
    assert trainer.run(0, 0.01) == []


def test_run_with_a_time_interval_throttles_callbacks():
    g = demo("05-two-layer.cgraph")
    calls = []
    Trainer(g).run(200, 0.001, callback=calls.append, interval=3600.0)
    assert len(calls) == 1 and calls[0].done == 200 and len(calls[0].losses) == 200


def test_a_diverging_run_stops_with_a_clear_error_and_finite_parameters():
    g = demo("10-fit-two-layer.cgraph")
    trainer = Trainer(g)
    events = []
    g.node_changed.subscribe(lambda node_id, what: events.append(node_id))
    with pytest.raises(TrainingError) as info:
        trainer.run(200, 0.2)
    err = info.value
    assert isinstance(err, ChainruleError)
    # the steps made, as the panel counts them ("loss J = inf after 8 steps")
    assert "smaller α" in str(err) and f"the loss is inf after {err.step} steps" in str(err)
    assert err.losses == trainer.history and len(err.losses) == err.step
    assert all(math.isfinite(g.node(p).value) for p in parameters(g))
    assert events == parameters(g)            # the last finite values were announced
    trainer.reset()
    assert evaluate(g).value("J") == 7.0625


def test_an_infinite_gradient_names_the_parameter():
    g = program("w = 0\nf = sqrt(w)")
    g.set_trainable("w", True)
    trainer = Trainer(g)
    with pytest.raises(TrainingError, match="gradient of w is inf at step 1") as info:
        trainer.step(0.1)
    assert info.value.node == "w" and info.value.step == 0
    assert g.node("w").value == 0.0 and trainer.history == []


def test_an_update_that_overflows_is_refused():
    g = program("w = 1e308\nf = -w")
    g.set_trainable("w", True)
    with pytest.raises(TrainingError, match="w would overflow to inf at step 1"):
        Trainer(g).step(1e308)
    assert g.node("w").value == 1e308


def array_params(w, v, c):
    g = parse_program("L = sum(W * c) + sum(V * c)").graph
    for name, value in (("W", w), ("V", v), ("c", c)):
        g.set_value(name, np.array(value))
    g.set_trainable("W", True)
    g.set_trainable("V", True)
    return g


def test_finite_arrays_whose_sum_overflows_are_finite():
    """1e308 + 1e308 is inf, yet each number is finite: the step goes on."""
    g = array_params([1e308, 1e308], [1e308, -1.0], [0.0, 0.0])
    Trainer(g).step(0.5)
    assert list(g.node("W").value) == [1e308, 1e308]


@pytest.mark.parametrize("lr, bad", [(1e308, "V"), (0.7e308, None)])
def test_one_overflowing_number_of_an_array_is_refused(lr, bad):
    """Only V's second number overflows at 1e308 (at 0.7e308 it reaches 1.7e308: finite)."""
    g = array_params([1.0, 1.0], [1.0, 1e308], [1.0, -1.0])
    trainer = Trainer(g)
    if bad is None:
        trainer.step(lr)
        assert np.all(np.isfinite(g.node("V").value))
        return
    with pytest.raises(TrainingError, match="V would overflow to inf at step 1"):
        trainer.step(lr)
    assert list(g.node("V").value) == [1.0, 1e308] and trainer.history == []


def test_large_arrays_are_checked_too():
    """Past 4,096 numbers in all the check sums each array: one inf among 6,000 is found,
    and finite numbers whose sum overflows are not taken for one."""
    n = 3000
    huge = np.full(n, 1e308)
    g = array_params(huge, np.ones(n), np.zeros(n))
    Trainer(g).step(0.5)                                   # sums overflow, values finite
    assert np.array_equal(g.node("W").value, huge)
    v = np.ones(n)
    v[-1] = 1e308
    c = np.zeros(n)
    c[-1] = -1.0
    g = array_params(np.ones(n), v, c)
    with pytest.raises(TrainingError, match="V would overflow to inf at step 1"):
        Trainer(g).step(1e308)
    assert np.array_equal(g.node("V").value, v)


def test_nothing_to_train_and_bad_learning_rates():
    g = demo("03-add-mul.cgraph")
    with pytest.raises(TrainingError, match="mark an input as trainable"):
        Trainer(g).step(0.1)
    g = demo("05-two-layer.cgraph")
    for lr in (-0.1, math.nan, math.inf, "0.1", True, None):
        with pytest.raises(ValueError):
            Trainer(g).step(lr)
    with pytest.raises(ValueError):
        Trainer(g).run(-1, 0.1)


def test_a_graph_without_a_loss_cannot_train():
    g = Graph()
    g.add_node("w", "input", value=1.0, trainable=True)
    g.add_node("f", "mul")
    g.connect("w", "f", 0)
    with pytest.raises(TrainingError, match="no loss to lower: .*not connected"):
        Trainer(g).step(0.1)


def test_a_parameter_that_does_not_reach_the_loss_stays():
    g = program("w = 2; u = 5\nf = w * w")
    g.set_trainable("w", True)
    g.set_trainable("u", True)
    g.add_node("side", "neg")
    g.connect("u", "side", 0)
    g.set_output("f")
    Trainer(g).run(3, 0.1)
    assert g.node("u").value == 5 and g.node("w").value != 2


def test_parameters_marked_later_are_trained_and_reset():
    g = program("a = 3; b = 4\nf = a * b")
    g.set_trainable("a", True)
    trainer = Trainer(g)
    trainer.step(0.1)
    assert trainer.params == ["a"]
    g.set_trainable("b", True)
    trainer.step(0.1)
    assert trainer.params == ["a", "b"] and g.node("b").value != 4
    trainer.reset()
    assert (g.node("a").value, g.node("b").value) == (3, 4)


def test_structure_changes_between_runs_recompile():
    g = program("w = 2\nf = w * w")
    g.set_trainable("w", True)
    trainer = Trainer(g)
    trainer.step(0.1)
    g.add_node("k", "const", value=3.0)
    g.add_node("f2", "add")
    g.connect("f", "f2", 0)
    g.connect("k", "f2", 1)
    g.set_output("f2")
    loss = trainer.step(0.1)
    assert loss == pytest.approx(1.6 ** 2 + 3)


def test_rebase_makes_the_current_values_the_start():
    g = program("w = 2\nf = w * w")
    g.set_trainable("w", True)
    trainer = Trainer(g)
    trainer.run(3, 0.1)
    now = g.node("w").value
    trainer.rebase()
    trainer.run(3, 0.1)
    trainer.reset()
    assert g.node("w").value == now and trainer.history == []


def test_set_values_checks_everything_before_changing_anything():
    g = demo("05-two-layer.cgraph")
    with pytest.raises(ChainruleError):
        g.set_values({"w11": 5.0, "m11": 1.0})
    with pytest.raises(ChainruleError):
        g.set_values({"w11": 5.0, "w12": math.nan})
    assert g.node("w11").value == -1
    g.set_values({"w11": 5, "x1": [1, 2]})
    assert g.node("w11").value == 5.0 and g.node("x1").value.tolist() == [1.0, 2.0]
