"""The backward pass: hand-worked values, the fan-out rule, and random graphs.

The seeds' numbers (CS231n's neuron, y = 2x + 4, z = (3x + 4y)³) are checked
exactly; random DAGs with fan-out, diamonds, ``x * x`` and nodes that do not
reach the output are checked against finite differences, and the step
iterator against the full pass.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chainrule.core.engine import Evaluator, evaluate
from chainrule.core.gradcheck import check_gradients
from chainrule.core.graph import Edge, Graph
from random_graphs import random_graphs, sum_ends


def build(spec: str) -> Graph:
    """A tiny graph from lines "id = op(src, src)" or "id = value"."""
    g = Graph()
    wires = []
    for line in spec.strip().splitlines():
        name, rhs = (s.strip() for s in line.split("="))
        if "(" in rhs:
            op, args = rhs.rstrip(")").split("(")
            g.add_node(name, op.strip())
            wires += [(a.strip(), name, k) for k, a in enumerate(args.split(","))]
        else:
            g.add_node(name, "input", value=float(rhs))
    for w in wires:
        g.connect(*w)
    return g


NEURON = """
w0 = 2
x0 = -1
w1 = -3
x1 = -2
w2 = -3
a = mul(w0, x0)
b = mul(w1, x1)
s = add(a, b)
t = add(s, w2)
f = sigmoid(t)
"""


def test_cs231n_neuron():
    ev = evaluate(build(NEURON))
    assert ev.value("f") == pytest.approx(0.7310585786)
    got = {n: ev.grad(n) for n in ("x0", "x1", "w0", "w1", "w2")}
    assert got["x0"] == pytest.approx(0.393, abs=5e-4)
    assert got["x1"] == pytest.approx(-0.590, abs=5e-4)
    assert got["w0"] == pytest.approx(-0.197, abs=5e-4)
    assert got["w1"] == pytest.approx(-0.393, abs=5e-4)
    assert got["w2"] == pytest.approx(0.197, abs=5e-4)
    # σ'(1) = σ(1)(1 − σ(1)) is what every wire below the sigmoid is scaled by.
    s = 1 / (1 + math.exp(-1))
    assert got["w2"] == pytest.approx(s * (1 - s), rel=1e-12)


def test_cs231n_add_mul():
    ev = evaluate(build("x = -2\ny = 5\nz = -4\nq = add(x, y)\nf = mul(q, z)"))
    assert ev.value("f") == -12.0
    assert (ev.grad("x"), ev.grad("y"), ev.grad("z"), ev.grad("q")) == (-4.0, -4.0, 3.0, -4.0)


@pytest.mark.parametrize("x", [-1.5, 0.0, 2.0])
def test_y_equals_2x_plus_4(x):
    g = build(f"x = {x}\ntwo = 2\nfour = 4\nm = mul(two, x)\ny = add(m, four)")
    assert evaluate(g).grad("x") == 2.0


@pytest.mark.parametrize("x,y", [(1.0, 2.0), (-0.5, 0.25)])
def test_z_equals_cube_of_3x_plus_4y(x, y):
    g = build(f"x = {x}\ny = {y}\nthree = 3\nfour = 4\ne = 3\n"
              "a = mul(three, x)\nb = mul(four, y)\ns = add(a, b)\nz = pow(s, e)")
    ev = evaluate(g)
    assert ev.grad("x") == pytest.approx(9 * (3 * x + 4 * y) ** 2, rel=1e-12)
    assert ev.grad("y") == pytest.approx(12 * (3 * x + 4 * y) ** 2, rel=1e-12)


def test_x_times_x_keeps_both_wires_and_sums_them():
    g = build("x = 3\nf = mul(x, x)")
    ev = evaluate(g)
    wires = g.out_edges("x")
    assert sorted(w.port for w in wires) == [0, 1]
    assert [ev.edge_grad(w) for w in wires] == [3.0, 3.0]
    assert ev.grad("x") == 6.0


def test_diamond_sums_both_paths():
    g = build("x = 2\na = square(x)\nb = sin(x)\nf = add(a, b)")
    ev = evaluate(g)
    assert ev.grad("x") == pytest.approx(2 * 2 + math.cos(2))


def test_unreachable_nodes_get_no_gradient_not_zero():
    g = build("x = 2\ny = 3\nf = mul(x, x)\nside = tanh(y)")
    g.set_output("f")
    ev = evaluate(g)
    assert ev.grad("y") is None and ev.grad("side") is None
    assert ev.value("side") == pytest.approx(math.tanh(3))
    assert ev.grad("x") == 4.0


def test_several_sinks_without_output_ask_for_one():
    g = build("x = 2\na = tanh(x)\nb = sin(x)")
    ev = evaluate(g)
    assert ev.grad("x") is None
    assert "choose the output" in ev.error and "a" in ev.error and "b" in ev.error
    assert ev.value("a") == pytest.approx(math.tanh(2))


def test_unconnected_port_is_named():
    g = build("x = 2\nf = mul(x, x)")
    g.add_node("g", "add")
    g.connect("f", "g", 0)
    ev = evaluate(g)
    assert ev.error == 'the output "g" cannot be computed: node "g" (add): port b not connected'


def test_deep_chain_has_no_recursion_limit():
    g = Graph()
    g.add_node("x", "input", value=0.5)
    prev = "x"
    for i in range(100_000):
        g.add_node(f"n{i}", "neg")
        g.connect(prev, f"n{i}", 0)
        prev = f"n{i}"
    ev = evaluate(g)
    assert ev.value(prev) == 0.5 and ev.grad("x") == 1.0


def test_evaluator_recompiles_when_a_scalar_becomes_an_array():
    g = build("x = 2\nf = square(x)")
    ev = Evaluator(g)
    assert ev.evaluate().grad("x") == 4.0
    g.set_value("x", [1.0, 2.0])
    np.testing.assert_array_equal(ev.evaluate().grad("x"), [2.0, 4.0])
    g.set_value("x", 3.0)
    assert ev.evaluate().grad("x") == 6.0


# --------------------------------------------------------- random graphs

def _no_ties(g: Graph) -> bool:
    """Finite differences are meaningless at max/min ties; skip those draws."""
    ev = evaluate(g)
    for node in g.nodes():
        if node.op in ("max", "min"):
            a, b = (ev.edge_value(e) for e in g.in_edges(node.id))
            if np.any(np.abs(np.asarray(a) - np.asarray(b)) < 1e-4):
                return False
    return True


@pytest.mark.parametrize("arrays", [False, True], ids=["scalars", "arrays"])
@settings(max_examples=60)
@given(data=st.data())
def test_random_graphs_match_finite_differences(arrays, data):
    g = data.draw(random_graphs(arrays=arrays))
    assume(_no_ties(g))
    rows = check_gradients(g, tolerance=1e-5)
    if not all(r.ok for r in rows):
        assume(_differences_agree(g))
    assert all(r.ok for r in rows), [(r.node, r.analytic, r.numeric) for r in rows if not r.ok]


def _differences_agree(g: Graph) -> bool:
    """Whether finite differences are a usable reference at this draw: near a pole
    (a steep ``div`` or ``exp``) the central difference at h and at h/2 already
    disagree with each other beyond the tolerance, and no gradient can match both."""
    at_h = check_gradients(g, h=1e-6, tolerance=1e-5)
    at_half = {r.node: r.numeric for r in check_gradients(g, h=5e-7, tolerance=1e-5)}
    return all(np.allclose(r.numeric, at_half[r.node], rtol=1e-5, atol=1e-8) for r in at_h)


@settings(max_examples=80)
@given(random_graphs(arrays=True))
def test_node_gradient_is_the_sum_of_its_outgoing_wires(g):
    ev = evaluate(g)
    out = g.effective_output()
    for node in g.nodes():
        grad = ev.grad(node.id)
        if node.id == out:
            continue
        wires = [ev.edge_grad(e) for e in g.out_edges(node.id) if ev.grad(e.dst) is not None]
        if not wires:
            assert grad is None
            continue
        np.testing.assert_allclose(grad, sum(wires), rtol=1e-12, atol=1e-300)


@settings(max_examples=80)
@given(random_graphs(arrays=True))
def test_stepping_gives_the_full_pass(g):
    _check_steps_against_full_pass(g)


@settings(max_examples=8, deadline=None)
@given(random_graphs(min_ops=200, max_ops=420))
def test_stepping_a_large_graph_gives_the_full_pass(g):
    """Several hundred steps: the engine hands out its steps in runs, and stepping
    across the end of one run into the next must change nothing."""
    g.set_output(None)
    sum_ends(g)                                     # add up every end: all nodes reach it
    assert len(Evaluator(g).plan.backward_steps) == len(g) > 200
    _check_steps_against_full_pass(g)


def _check_steps_against_full_pass(g):
    evaluator = Evaluator(g)
    full = evaluator.evaluate()
    seen = []
    for step in evaluator.steps():
        seen.append(step.node)
        np.testing.assert_array_equal(step.grad, full.grad(step.node))
        for edge, grad in step.incoming:
            np.testing.assert_array_equal(grad, full.edge_grad(edge))
        if step.outgoing:
            # the fan-out rule, to the last bit: the wires' gradients added up in the
            # order their consumers were stepped (port a before b), the first as it is
            position = {n: i for i, n in enumerate(seen)}
            terms = [gr for e, gr in sorted(step.outgoing,
                                            key=lambda eg: (position[eg[0].dst], eg[0].port))]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            np.testing.assert_array_equal(step.grad, total)
    reaching = [n for n in g.node_ids() if full.grad(n) is not None]
    assert sorted(seen) == sorted(reaching)
    assert len(seen) == len(set(seen))
    # Every consumer comes before its inputs: reverse topological order.
    position = {n: i for i, n in enumerate(seen)}
    for e in g.edges():
        if e.src in position and e.dst in position:
            assert position[e.dst] < position[e.src]


def test_step_order_is_deterministic():
    g = build(NEURON)
    a = [s.node for s in Evaluator(g).steps()]
    b = [s.node for s in Evaluator(g.copy()).steps()]
    assert a == b and a[0] == "f"


def test_step_carries_the_fork_contributions():
    g = build("x = 2\na = square(x)\nb = mul(x, x)\nf = add(a, b)")
    steps = {s.node: s for s in Evaluator(g).steps()}
    x = steps["x"]
    assert sorted((e.dst, e.port, gr) for e, gr in x.outgoing) == [
        ("a", 0, 4.0), ("b", 0, 2.0), ("b", 1, 2.0)]
    assert x.grad == 8.0 and x.incoming == ()
    assert steps["b"].incoming == ((Edge("x", "b", 0), 2.0), (Edge("x", "b", 1), 2.0))


def test_a_scalar_reshaped_into_an_array_is_evaluated_as_an_array():
    """reshape has no float path: on a number it gives an array, which the all-scalar
    shortcut must not take for a float (it raised instead of evaluating)."""
    from chainrule.core.program import parse_program
    g = parse_program("x = 0.0\ny = reshape(x, shape=[1])\nL = sum(y * 3)").graph
    ev = evaluate(g)
    assert ev.error is None and not ev.warnings
    np.testing.assert_array_equal(ev.value("y"), [0.0])
    assert ev.grad("x") == 3.0
