"""The misconception library: each mistake gives its known wrong numbers on its demo,
computed here by hand (numpy), beside the right ones."""
from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule import resources
from chainrule.core import fileformat as ff
from chainrule.core.engine import evaluate
from chainrule.core.misconception import (LIBRARY, overwrite_gradients, unzeroed_training,
                                          wrong_gradients)


def demo(name):
    g = ff.load(resources.path(f"demos/{name}"))
    return g, evaluate(g)


def wrong(key):
    g, ev = demo(LIBRARY[key].demo)
    return g, ev, wrong_gradients(key, g, ev)


def sig(x):
    return 1 / (1 + math.exp(-x))


def test_the_library_has_the_mistakes_of_the_issue():
    assert set(LIBRARY) == {"value_for_gradient", "overwrite", "upstream_dropped",
                            "relu_by_gradient", "sigmoid_prime_on_gradient", "bias_not_summed",
                            "inverse_for_transpose", "not_zeroed"}
    for m in LIBRARY.values():
        assert m.title and m.explanation and (resources.DEMOS / m.demo).exists()


def test_value_for_gradient_is_the_learners_neuron():
    _, _, w = wrong("value_for_gradient")
    a = sig(1.0)                                     # activation = 0.7311
    assert w["s1"] == pytest.approx(a)               # grad of the product: the value
    assert w["x0"] == pytest.approx(2 * a) and w["w0"] == pytest.approx(-a)
    assert w["x1"] == pytest.approx(-3 * a) and w["w1"] == pytest.approx(-2 * a)
    assert w["w2"] == pytest.approx(a)


def test_overwrite_is_the_engine_with_assignment():
    g, ev, w = wrong("overwrite")
    assert w == overwrite_gradients(ev)
    assert w["x2"] != ev.grad("x2")


def test_upstream_dropped_on_the_linear_chain():
    _, ev, w = wrong("upstream_dropped")
    assert ev.grad("x") == pytest.approx(3 * 27 ** 2 * (3 + 4 * 2))   # 24057
    assert w["x"] == pytest.approx(2 + 3)          # the local derivatives of 2x and 3x alone
    assert w["y"] == pytest.approx(4) and w["four_y"] == pytest.approx(1)


def test_relu_masked_by_the_gradient():
    _, ev, w = wrong("relu_by_gradient")
    g = ev.grad("h")
    np.testing.assert_allclose(w["z1"], g * (g > 0))
    assert not np.allclose(w["z1"], ev.grad("z1"))


def test_sigmoid_prime_taken_on_the_gradient():
    _, ev, w = wrong("sigmoid_prime_on_gradient")
    x, y = 3.0, -4.0
    num, den = x + sig(y), sig(x) + (x + y) ** 2
    d_num, d_den = 1 / den, -num / den ** 2
    assert w["x"] == pytest.approx(d_num + d_den * (1 - d_den) + d_den * 2 * (x + y))
    assert w["y"] == pytest.approx(d_num * (1 - d_num) + d_den * 2 * (x + y))
    assert ev.grad("x") == pytest.approx(d_num + d_den * sig(x) * (1 - sig(x))
                                         + d_den * 2 * (x + y))


def test_bias_not_summed_over_the_batch():
    _, ev, w = wrong("bias_not_summed")
    assert np.shape(w["b1"]) == (4, 3) and np.shape(ev.grad("b1")) == (3,)
    np.testing.assert_allclose(w["b1"], ev.grad("z1"))
    np.testing.assert_allclose(np.sum(w["b1"], axis=0), ev.grad("b1"))


def test_inverse_for_transpose():
    g, ev, w = wrong("inverse_for_transpose")
    W2 = np.asarray(g.node("W2").value)
    np.testing.assert_allclose(w["h"], ev.grad("hw2") @ np.linalg.pinv(W2))
    assert not np.allclose(w["h"], ev.grad("h"))


def test_gradients_not_zeroed_grow_step_after_step():
    g, _ = demo(LIBRARY["not_zeroed"].demo)
    steps = unzeroed_training(g, steps=4)
    for k, step in enumerate(steps):
        for p, used in step.used.items():
            assert used == pytest.approx(sum(s.right[p] for s in steps[:k + 1]))
    first = steps[0]
    assert all(first.used[p] == first.right[p] for p in first.right)
    size = [sum(abs(float(np.sum(v))) for v in s.used.values()) for s in steps]
    assert size[0] < size[1] < size[2]                 # the step it takes grows
    assert g.node("w11").value == ff.load(resources.path(
        "demos/10-fit-two-layer.cgraph")).node("w11").value      # the graph is left alone
