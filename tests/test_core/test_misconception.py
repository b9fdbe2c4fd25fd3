"""Overwrite instead of add at forks: the known wrong numbers on the fork demos."""
from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.core.engine import Evaluator, evaluate
from chainrule.core.errors import EvaluationError
from chainrule.core.fileformat import load
from chainrule.core.graph import Edge, Graph
from chainrule.core.misconception import fork_nodes, overwrite_gradients, overwrite_pass, wrong_nodes
from chainrule.core.program import parse_program

from chainrule.resources import DEMOS
INDEX = json.loads((DEMOS / "index.json").read_text())


def program(text):
    return parse_program(text).graph


def test_two_layer_demo_keeps_the_last_contribution_at_each_fork():
    g = load(DEMOS / "05-two-layer.cgraph")
    ev = evaluate(g)
    assert fork_nodes(g) == ["x2", "x3"]
    # x2: via m12 −2 · w12 = −2, via m22 −1 · w22 = +1; right −1.
    # The pass visits m22 before m12, so m12's −2 is written last.
    # x3: via m33 2 · w33 = −2, via m23 −1 · w23 = −2; right −4, written last: m23's −2.
    assert ev.grad("x2") == -1 and ev.grad("x3") == -4
    wrong = overwrite_gradients(ev)
    assert wrong["x2"] == -2 and wrong["x3"] == -2
    assert wrong_nodes(ev, wrong) == ["x2", "x3"]
    # both forks are leaves: nothing upstream inherits the error
    for n, grad in wrong.items():
        if n not in ("x2", "x3"):
            assert grad == ev.grad(n), n
    result = overwrite_pass(ev)
    assert result.kept["x2"] == Edge("x2", "m12", 1)
    assert result.lost["x2"] == [Edge("x2", "m22", 1)]
    assert result.kept["x3"] == Edge("x3", "m23", 1)
    assert result.lost["x3"] == [Edge("x3", "m33", 1)]


def test_linear_chain_demo_loses_the_direct_path():
    g = load(DEMOS / "04-linear-chain.cgraph")
    ev = evaluate(g)
    assert fork_nodes(g) == ["x"]
    # dz/dx = 6561 (direct, via 3x) + 17496 (via y = 2x + 4) = 24057
    assert ev.grad("x") == 24057
    assert overwrite_gradients(ev)["x"] == 17496
    assert wrong_nodes(ev) == ["x"]


def test_x_times_x_gets_half():
    g = program("x = 3\nf = x * x")
    ev = evaluate(g)
    assert fork_nodes(g) == ["x"]
    result = overwrite_pass(ev)
    assert ev.grad("x") == 6 and result.grads["x"] == 3
    assert result.kept["x"] == Edge("x", "f", 1) and result.lost["x"] == [Edge("x", "f", 0)]


def test_a_wrong_fork_misleads_everything_upstream():
    g = program("x = 2\nw = 5\na = w * x\nf = a * a")     # a = 10 fans out twice
    ev = evaluate(g)
    wrong = overwrite_gradients(ev)
    assert fork_nodes(g) == ["a"]
    assert (ev.grad("a"), wrong["a"]) == (20, 10)
    assert (ev.grad("x"), wrong["x"]) == (100, 50)        # x and w never fork themselves
    assert (ev.grad("w"), wrong["w"]) == (40, 20)
    assert wrong_nodes(ev, wrong) == ["x", "w", "a"]


def test_without_forks_both_programs_agree():
    for name in INDEX["demos"]:
        g = load(DEMOS / name)
        ev = evaluate(g)
        wrong = overwrite_gradients(ev)
        assert set(wrong) == {n for n in g.node_ids() if ev.grad(n) is not None}
        if not fork_nodes(g):
            assert wrong_nodes(ev, wrong) == [], name
        else:
            assert wrong_nodes(ev, wrong), name


def test_arrays_and_wire_gradients():
    g = load(DEMOS / "10-fit-two-layer.cgraph")
    ev = evaluate(g)
    result = overwrite_pass(ev)
    np.testing.assert_array_equal(result.grads["x2"], ev.edge_grad(Edge("x2", "m12", 1)))
    np.testing.assert_array_equal(result.grads["x3"], ev.edge_grad(Edge("x3", "m23", 1)))
    for edge in g.edges():                    # no fork is upstream of another: wires agree
        np.testing.assert_array_equal(result.edge_grads[edge], ev.edge_grad(edge))


def test_fork_nodes_ignore_wires_that_do_not_reach_the_output():
    g = program("x = 1\nf = x + 1")
    g.add_node("side", "neg")
    g.connect("x", "side", 0)
    g.set_output("f")
    assert fork_nodes(g) == []
    g.set_output(None)
    assert fork_nodes(g) == []                # two ends: no output chosen


def test_needs_an_output():
    g = Graph()
    g.add_node("a", "input", value=1.0)
    g.add_node("b", "input", value=1.0)
    with pytest.raises(EvaluationError):
        overwrite_gradients(Evaluator(g).forward())


def test_ieee_results_follow_the_ops_numpy_path():
    g = program("x = 0\nf = log(x) + log(x)")
    ev = evaluate(g)
    assert overwrite_gradients(ev)["x"] == np.inf and ev.grad("x") == np.inf


def test_the_fan_out_rule_is_a_parameter_of_the_one_backward_loop():
    """The overwrite pass is the engine's own loop with another rule: any rule goes in,
    and the right one (the sum) is the default."""
    from chainrule.core.engine import OVERWRITE, SUM, Evaluation, backward

    g = program("x = 3\ny = 2\nq = x * x\nf = q + x * y")
    ev = evaluate(g)
    right = Evaluation(ev.plan, ev.values)
    backward(right, accumulate=SUM)
    assert right.grad("x") == ev.grad("x") == 2 * 3 + 2
    first = Evaluation(ev.plan, ev.values)
    backward(first, accumulate=lambda old, new: old)        # the first contribution wins
    last = Evaluation(ev.plan, ev.values)
    backward(last, accumulate=OVERWRITE)
    # x receives, in the loop's order: 2 from mul1 (y · 1), then 3 and 3 from q = x · x
    assert first.grad("x") == 2 and last.grad("x") == 3
    assert last.grad("x") == overwrite_gradients(ev)["x"]
    assert first.grad("y") == last.grad("y") == ev.grad("y") == 3
