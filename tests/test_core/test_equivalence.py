"""Fused equals staged (core/equivalence.py, ``chainrule check --equivalent``)."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from chainrule.core import equivalence as eq
from chainrule.core import groups as gm
from chainrule.core.cli import main
from chainrule.core.engine import evaluate
from chainrule.core.errors import GraphError
from chainrule.core.fileformat import load
from chainrule.core.program import parse_program

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "resources" / "demos"
NEURON, GATES, BATCHNORM = (DEMOS / "01-neuron.cgraph", DEMOS / "02-neuron-gates.cgraph",
                            DEMOS / "14-batchnorm-two-ways.cgraph")


def grouped(program: str, gid: str = "g"):
    """The program's graph with every node but its inputs in one group."""
    graph = parse_program(program).graph
    inner = [n for n in graph.node_ids() if graph.node(n).op != "input"]
    gm.add_group(graph, gm.Group(gid, inner))
    return graph


def test_the_four_gates_are_the_sigmoid():
    result = eq.check_equivalent(load(GATES), "sigma", "sigmoid")
    assert result.ok and result.error is None
    assert result.largest < 1e-12 and result.draws == 20
    assert result.ports == [("s1", "x")]


def test_demo_02_gives_demo_01s_numbers():
    a, b = evaluate(load(NEURON)), evaluate(load(GATES))
    for leaf in ("w0", "x0", "w1", "x1", "w2"):
        assert b.grad(leaf) == pytest.approx(a.grad(leaf), rel=1e-12)


def test_staged_batchnorm_is_the_fused_gate():
    result = eq.check_equivalent(load(BATCHNORM), "staged", "batchnorm")
    assert result.ok and result.largest < 1e-10


def test_a_group_against_another_group():
    graph = load(BATCHNORM)
    gm.add_group(graph, gm.Group("fused", ["bn"]))
    assert eq.check_equivalent(graph, "staged", "fused").ok
    gm.add_group(graph, gm.Group("weighted", ["m1"]))
    with pytest.raises(GraphError, match="cannot be the same function"):
        eq.check_equivalent(graph, "staged", "weighted")


def test_softmax_and_cross_entropy_staged_is_the_fused_loss_with_gradient_p_minus_y():
    graph = grouped("s = [1.0, -2.0, 0.5]; y = [0.2, 0.5, 0.3]\n"
                    "p = softmax(s); lp = log(p); L = -sum(y * lp)", "ce")
    result = eq.check_equivalent(graph, "ce", "cross_entropy")
    assert result.ok, result.summary()
    assert result.ports == [("s", "logits"), ("y", "target")]
    ev = evaluate(graph)
    p = np.exp([1.0, -2.0, 0.5]) / np.exp([1.0, -2.0, 0.5]).sum()
    np.testing.assert_allclose(ev.grad("s"), p - np.array([0.2, 0.5, 0.3]), atol=1e-12)


def test_class_index_targets_keep_their_values_in_the_draws():
    graph = grouped("s = [[1.0, -2.0, 0.5], [0.1, 0.2, 0.3]]; y = [2, 0]\n"
                    "L = cross_entropy(s, y)", "ce")
    assert eq.check_equivalent(graph, "ce", "cross_entropy").ok


def test_a_wrong_pair_is_refused_with_the_largest_difference():
    result = eq.check_equivalent(load(GATES), "sigma", "tanh")
    assert not result.ok
    assert result.largest > 0.1
    assert "draw" in result.where or "graph's numbers" in result.where
    assert "NOT equal" in result.summary() and f"{result.largest:.3g}" in result.summary()


def test_ports_must_match():
    with pytest.raises(GraphError, match="mul takes a, b"):
        eq.check_equivalent(load(GATES), "sigma", "mul")
    with pytest.raises(GraphError, match="neither a group nor an op"):
        eq.check_equivalent(load(GATES), "sigma", "input")


def test_candidates_propose_the_matching_op_first():
    assert eq.candidates(load(GATES), "sigma")[0] == "sigmoid"
    assert eq.candidates(load(BATCHNORM), "staged")[0] == "batchnorm"


def test_checking_does_not_change_the_graph():
    graph = load(GATES)
    before = graph.version
    eq.check_equivalent(graph, "sigma", "sigmoid")
    assert graph.version == before


# ------------------------------------------------------------ command line

def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_equal_exits_0_and_prints_the_largest_difference(capsys):
    code, out, err = run(capsys, "check", GATES, "--equivalent", "sigma=sigmoid")
    assert code == 0 and err == ""
    assert out.startswith("sigma and sigmoid are equal: largest difference ")
    code, out, _ = run(capsys, "check", BATCHNORM, "--equivalent", "staged=batchnorm", "--json")
    data = json.loads(out)
    assert code == 0 and data["equal"] is True and data["largest_difference"] < 1e-10
    assert data["draws"] == 20


def test_cli_not_equal_exits_1(capsys):
    code, out, _ = run(capsys, "check", GATES, "--equivalent", "sigma=tanh")
    assert code == 1 and "NOT equal: largest difference" in out
    code, out, _ = run(capsys, "check", GATES, "--equivalent", "sigma=tanh", "--json")
    data = json.loads(out)
    assert code == 1 and data["equal"] is False and data["largest_difference"] > 0.1


@pytest.mark.parametrize("pair, code, message", [
    ("nope=sigmoid", 1, 'there is no group "nope" (groups: sigma)'),
    ("sigma=zz", 1, '"zz" is neither a group nor an op'),
    ("sigma=mul", 1, "mul takes a, b"),
    ("sigma", 2, "is not GROUP=OP"),
    ("=sigmoid", 2, "is not GROUP=OP"),
])
def test_cli_bad_pairs_say_what_and_where(capsys, pair, code, message):
    got, out, err = run(capsys, "check", GATES, "--equivalent", pair)
    assert got == code
    assert message in err and "Traceback" not in err
    if code == 1:
        assert len(err.splitlines()) == 1 and "02-neuron-gates.cgraph" in err


def test_draws_where_the_values_are_not_finite_are_drawn_again():
    """log of a negative draw is nan on both sides: such draws must not count as equal."""
    graph = grouped("x = 2.0\nf = log(x) * 1.0", "g")
    assert eq.check_equivalent(graph, "g", "log").ok
    assert not eq.check_equivalent(graph, "g", "sqrt").ok


def test_the_draws_stay_where_the_group_is_defined():
    graph = grouped("x = 2.0\nf = exp(log(x))", "g")      # x for x > 0, nan below
    result = eq.check_equivalent(graph, "g", "abs")
    assert result.ok, result.summary()
