"""Forward against reverse mode (core/modes.py): counts, both really run, and they agree."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

from chainrule.core.errors import EvaluationError
from chainrule.core.fileformat import load
from chainrule.core.graph import Graph
from chainrule.core.modes import compare_modes
from chainrule.core.program import parse_program

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "resources" / "demos"


def test_the_neuron_demo_needs_1000_forward_passes_and_one_backward():
    r = compare_modes(load(DEMOS / "25-why-backward.cgraph"))
    assert (r.input_elements, r.output_elements) == (1000, 1)
    assert (r.forward.passes, r.reverse.passes) == (1000, 1)
    # mul: 2 ports × 1000 elements, sum: only adds, sigmoid: 1
    assert r.forward.multiplications_per_pass == r.reverse.multiplications_per_pass == 2001
    assert r.forward.multiplications == 1000 * r.reverse.multiplications
    assert r.ran and r.agree and r.jacobian_forward.shape == (1, 1000)


def test_the_fan_demo_is_the_other_way_round():
    r = compare_modes(load(DEMOS / "26-why-backward-fan.cgraph"))
    assert (r.forward.passes, r.reverse.passes) == (1, 1000)
    assert r.reverse.multiplications == 1000 * r.forward.multiplications
    assert r.agree
    g = load(DEMOS / "26-why-backward-fan.cgraph")
    c = g.node("c").value
    np.testing.assert_allclose(r.jacobian_reverse[:, 0], c * np.cos(0.5 * c), rtol=1e-12)


def test_a_jacobian_of_several_inputs_and_outputs_agrees():
    g = parse_program("W = [[1, 2], [3, -1]]; x = [0.5, -2]; h = tanh(W @ x)").graph
    r = compare_modes(g)
    assert (r.input_elements, r.output_elements) == (6, 2)
    assert r.agree and r.largest_difference < 1e-12
    # matmul counts m·k·n per port
    assert r.forward.multiplications_per_pass == 2 * (2 * 2 * 1) + 2


def test_a_graph_without_an_output_is_refused():
    g = Graph()
    g.add_node("x", "input", value=1.0)
    for k in range(2):
        g.add_node(f"n{k}", "neg")
        g.connect("x", f"n{k}", 0)
    with pytest.raises(EvaluationError, match="choose the output"):
        compare_modes(g)


def test_too_many_passes_are_counted_not_run():
    r = compare_modes(load(DEMOS / "25-why-backward.cgraph"), max_passes=10)
    assert r.forward.passes == 1000 and not r.ran and r.forward.seconds is None
