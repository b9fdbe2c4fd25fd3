"""A collapsed group as one gate: its local derivative (core/group_chain.py) and
stepping over it / into it (core/stepper.py)."""
from __future__ import annotations

import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from chainrule.core import groups as gm
from chainrule.core.engine import Evaluator, evaluate
from chainrule.core.fileformat import load
from chainrule.core.group_chain import gate_backward_text, gate_derivatives
from chainrule.core.program import parse_program
from chainrule.core.stepper import Stepper

DEMOS = pathlib.Path(__file__).resolve().parents[2] / "resources" / "demos"


def collapsed(path, gid):
    graph = load(DEMOS / path)
    graph.groups[gid].collapsed = True
    return graph


def test_the_sigmoid_gates_backward_is_upstream_times_the_sum_over_paths():
    graph = collapsed("02-neuron-gates.cgraph", "sigma")
    ev = evaluate(graph)
    (d,) = gate_derivatives(graph, ev, "sigma")
    assert (d.input, d.output, len(d.paths)) == ("s1", "f", 1)
    x = ev.value("s1")
    assert math.prod(d.paths[0].factors) == pytest.approx(-1 * math.exp(-x) * 1
                                                          * (-1 / (1 + math.exp(-x)) ** 2))
    s = 1 / (1 + math.exp(-x))
    assert d.local == pytest.approx(s * (1 - s), rel=1e-12)
    from chainrule.core.graph import Edge
    assert d.upstream * d.local == pytest.approx(ev.edge_grad(Edge("s1", "neg", 0)), rel=1e-12)
    text = gate_backward_text(graph, ev, "sigma", digits=3).text()
    assert "(−1)·0.368·1·(−0.534) = 0.197" in text
    assert "∂f/∂sum = ∂f/∂f · ∂σ/∂sum = 1 · 0.197 = 0.197" in text


PROGRAMS = [
    "x = 0.7; a = x * x; b = sin(x); f = a * b + exp(a)",
    "x = -1.3; y = 0.4; a = x * y; b = tanh(a + x); c = a * b; f = c + b * y",
    "x = 2.0; a = x * x; b = a * x; c = a * b; f = c + a",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_forks_inside_a_group_sum_their_paths_to_the_engines_number(program):
    graph = parse_program(program).graph
    inner = [n for n in graph.node_ids() if graph.node(n).op not in ("input", "const")]
    gm.add_group(graph, gm.Group("g", inner, collapsed=True))
    ev = evaluate(graph)
    derivs = gate_derivatives(graph, ev, "g")
    assert derivs
    for d in derivs:
        assert d.local == pytest.approx(sum(math.prod(p.factors) for p in d.paths))
        entering = sum(ev.edge_grad(e) for e in gm.boundary(graph, "g").in_edges
                       if e.src == d.input)
        assert d.upstream * d.local == pytest.approx(entering, rel=1e-12)
        assert ev.grad(d.input) == pytest.approx(entering, rel=1e-12)   # inputs only feed g


def test_a_tensor_group_sums_its_paths_vector_jacobian_products():
    graph = collapsed("14-batchnorm-two-ways.cgraph", "staged")
    ev = evaluate(graph)
    (d,) = gate_derivatives(graph, ev, "staged")
    assert d.input == "x" and d.output == "xhat" and len(d.paths) == 4
    entering = sum(ev.edge_grad(e) for e in gm.boundary(graph, "staged").in_edges)
    np.testing.assert_allclose(d.grad, entering, atol=1e-14)
    text = gate_backward_text(graph, ev, "staged").text()
    assert "(4×3) → (4×3)" in text and text.count("path ") == 4


def test_step_into_visits_exactly_the_engines_order():
    graph = collapsed("02-neuron-gates.cgraph", "sigma")
    stepper = Stepper(graph)
    seen = []
    while stepper.step_into():
        seen.append(stepper.current.node)
    evaluator = Evaluator(graph)
    ev = evaluator.forward()
    engine = [n for n in ev.plan.order if ev.value(n) is not None]
    engine += [s.node for s in evaluator.steps(ev)]
    assert seen == engine


@pytest.mark.parametrize("demo, gid", [("02-neuron-gates.cgraph", "sigma"),
                                        ("14-batchnorm-two-ways.cgraph", "staged")])
def test_step_over_is_one_step_per_pass_for_the_group_in_the_engines_order(demo, gid):
    graph = collapsed(demo, gid)
    stepper = Stepper(graph)
    order = stepper.step_nodes()
    positions, shown = [], []
    while stepper.step_over():
        positions.append(stepper.position)
    assert positions == stepper.stops() and positions[-1] == stepper.total
    # between stops the steps are the engine's, none skipped, none reordered
    stepper.reset()
    while stepper.step_over():
        shown = [(("forward" if k < len(stepper.forward) else "backward"), s.node)
                 for k, s in enumerate(stepper.steps[:stepper.position])]
    assert shown == order
    inner = set(gm.members(graph, gid))
    stops = [order[k - 1] for k in stepper.stops()]
    for phase in ("forward", "backward"):
        assert sum(1 for p, n in stops if p == phase and n in inner) == 1
    outside = [x for x in order if x[1] not in inner]
    fwd, bwd = stepper.stop_count()
    assert fwd + bwd == len(outside) + 2
    while stepper.back_over():
        pass
    assert stepper.position == 0


def test_an_expanded_group_is_stepped_node_by_node():
    graph = load(DEMOS / "02-neuron-gates.cgraph")
    stepper = Stepper(graph)
    assert stepper.stops() == list(range(1, stepper.total + 1))


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_stops_follow_the_engine_for_random_groupings(data):
    graph = parse_program(PROGRAMS[1]).graph
    ids = graph.node_ids()
    chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    gm.add_group(graph, gm.Group("g", chosen, collapsed=True))
    stepper = Stepper(graph)
    stops = stepper.stops()
    assert stops == sorted(set(stops)) and stops[-1] == stepper.total
    hidden = [(p, n) for p, n in stepper.step_nodes() if n in chosen]
    phases = {p for p, _ in hidden}
    assert len(stops) == stepper.total - len(hidden) + len(phases)


def test_demo_21_opens_with_each_layer_collapsed_and_its_gradients_check():
    from chainrule.core.gradcheck import check_gradients
    graph = load(DEMOS / "21-mlp-layers.cgraph")
    assert [(g.label, g.collapsed) for g in graph.groups.values()] == \
        [("layer 1", True), ("layer 2", True), ("layer 3", True)]
    assert all(r.ok for r in check_gradients(graph))
    ev = evaluate(graph)
    for gid in graph.groups:
        (d,) = gate_derivatives(graph, ev, gid)
        entering = sum(ev.edge_grad(e) for e in gm.boundary(graph, gid).in_edges)
        np.testing.assert_allclose(d.grad, entering, atol=1e-14)
    stepper = Stepper(graph)
    outside = sum(1 for _, n in stepper.step_nodes() if n not in stepper.gates)
    assert len(stepper.stops()) == outside + 2 * 3
