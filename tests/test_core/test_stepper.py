"""Step-through and the chain-rule explanations, on the demos that ship with the app."""
from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.core.engine import BackwardStep, Evaluator, evaluate
from chainrule.core.explain import backward_text, edge_text, forward_text, node_text
from chainrule.core.fileformat import load
from chainrule.core.gradcheck import check_gradients
from chainrule.core.stepper import CURRENT, DONE, READY, WAITING, ForwardStep, Stepper

from chainrule.resources import DEMOS
INDEX = json.loads((DEMOS / "index.json").read_text())


def demo(name: str):
    return load(DEMOS / name)


@pytest.mark.parametrize("name", INDEX["demos"])
def test_every_demo_opens_evaluates_and_passes_a_gradient_check(name):
    g = demo(name)
    assert g.title and g.description
    ev = evaluate(g)
    assert ev.error is None and not ev.problems and not ev.warnings
    rows = check_gradients(g)
    assert rows and all(r.ok for r in rows), [(r.node, r.rel_error) for r in rows if not r.ok]


def test_the_index_lists_every_demo_and_the_default_first():
    assert sorted(INDEX["demos"]) == sorted(p.name for p in DEMOS.glob("*.cgraph"))
    assert INDEX["default"] == INDEX["demos"][0] == "01-neuron.cgraph"


def test_neuron_demos_give_the_seed_gradients():
    for name in ("01-neuron.cgraph", "02-neuron-gates.cgraph"):
        ev = evaluate(demo(name))
        got = [round(ev.grad(n), 3) for n in ("x0", "x1", "w0", "w1", "w2")]
        assert got == [0.393, -0.59, -0.197, -0.393, 0.197], name


@pytest.mark.parametrize("name", INDEX["demos"])
def test_step_order_is_the_engines_iterator(name):
    g = demo(name)
    st = Stepper(g)
    st.run_all()
    forward = [s.node for s in st.steps if isinstance(s, ForwardStep)]
    backward = [s.node for s in st.steps if isinstance(s, BackwardStep)]
    assert forward == Evaluator(g).plan.order
    assert backward == [s.node for s in Evaluator(g).steps()]
    assert st.position == st.total == len(st.steps)


@pytest.mark.parametrize("name", INDEX["demos"])
def test_after_every_step_the_labels_equal_the_full_pass(name):
    g = demo(name)
    full = evaluate(g)
    st = Stepper(g)
    st.run_all()
    view = st.view()
    for e in g.edges():
        np.testing.assert_array_equal(view.edge_values[e], full.edge_value(e))
        np.testing.assert_array_equal(view.edge_grads[e], full.edge_grad(e))
    for n in g.node_ids():
        np.testing.assert_array_equal(view.node_values[n], full.value(n))
        np.testing.assert_array_equal(view.node_grads[n], full.grad(n))


def test_step_back_restores_exactly_the_previous_view():
    g = demo("05-two-layer.cgraph")
    st = Stepper(g)
    views = [st.view()]
    while st.step():
        views.append(st.view())
    assert len(views) == st.total + 1
    for k in range(st.total, 0, -1):
        st.back()
        assert st.view() == views[k - 1]
    assert not st.back() and st.phase == "start"
    assert st.view().edge_values == {} and st.view().edge_grads == {}


def test_states_show_the_backward_schedule():
    g = demo("05-two-layer.cgraph")
    st = Stepper(g)
    st.run_forward()
    assert st.phase == "forward" and set(st.view().states.values()) <= {DONE, CURRENT}
    while not (isinstance(st.current, BackwardStep) and st.current.node in ("m12", "m22")):
        st.step()
    first = st.current.node
    other = {"m12": "m22", "m22": "m12"}[first]
    view = st.view()
    assert view.current == first and view.states[first] == CURRENT
    # x2 feeds both: it still waits for the gradient coming back through the other
    assert view.states["x2"] == WAITING and view.waiting_for["x2"] == [other]
    assert view.states["w" + first[1:]] == READY
    assert set(view.emphasized) == set(g.in_edges(first))
    while st.current.node != other:
        st.step()
    assert st.view().states["x2"] == READY


def test_forward_waiting_names_the_missing_inputs():
    g = demo("03-add-mul.cgraph")
    st = Stepper(g)
    st.jump(1)
    view = st.view()
    assert view.states[st.forward[0].node] == CURRENT
    f = g.effective_output()
    assert view.states[f] == WAITING and view.waiting_for[f]


def test_chain_rule_panel_shows_w2_as_upstream_times_one():
    g = demo("01-neuron.cgraph")
    st = Stepper(g)
    st.run_all()
    step = next(s for s in st.steps if isinstance(s, BackwardStep) and
                any(e.src == "w2" for e, _ in s.incoming))
    text = backward_text(step, g, st.evaluation, digits=3).text()
    assert "∂f/∂w2 = " in text and "0.197 · 1 = 0.197" in text
    assert "add distributes" in text


def test_chain_rule_panel_for_mul_swaps_inputs():
    g = demo("03-add-mul.cgraph")
    st = Stepper(g)
    st.run_all()
    step = next(s for s in st.steps if isinstance(s, BackwardStep) and s.node == "f")
    text = backward_text(step, g, st.evaluation).text()
    assert "local  ∂f/∂q = z = −4" in text
    assert "chain  ∂f/∂q = ∂f/∂f · ∂f/∂q = 1 · (−4) = −4" in text
    q = next(s for s in st.steps if isinstance(s, BackwardStep) and s.node == "q")
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4" in backward_text(q, g, st.evaluation).text()


def test_fork_sum_in_the_two_layer_demo_adds_up():
    g = demo("05-two-layer.cgraph")
    ev = evaluate(g)
    text = node_text(ev, g, "x2").text()
    assert "∂J/∂x2 = −2 (via m12) + 1 (via m22) = −1" in text
    parts = [ev.edge_grad(e) for e in g.out_edges("x2")]
    assert sum(parts) == ev.grad("x2") == -1.0


def test_forward_text_writes_the_computation_with_numbers():
    g = demo("03-add-mul.cgraph")
    st = Stepper(g)
    st.run_forward()
    q = next(s for s in st.forward if s.node == "q")
    assert forward_text(q, g).lines == ["q = x + y = −2 + 5 = 3"]


def test_matrices_show_shapes():
    g = demo("09-tensor-mlp.cgraph")
    ev = evaluate(g)
    matmul = next(n.id for n in g.nodes() if n.op == "matmul" and
                  any(e.src == "W1" for e in g.in_edges(n.id)))
    text = node_text(ev, g, matmul).text()
    assert "@ W1ᵀ : (4×2) = (4×3)·(3×2)" in text
    assert "ᵀ @ ∂loss/∂" in text and ": (2×3) = (2×4)·(4×3)" in text


def test_wire_explanation_after_a_pass():
    g = demo("03-add-mul.cgraph")
    ev = evaluate(g)
    edge = next(e for e in g.edges() if e.src == "z")
    text = edge_text(ev, g, edge).text()
    assert "value  −4" in text and "∂f/∂z = ∂f/∂f · ∂f/∂z = 1 · 3 = 3" in text


def test_shown_so_far_tells_not_yet_from_no_number_at_all():
    from chainrule.core.graph import Edge
    from chainrule.core.stepper import NOT_YET, ShownSoFar
    g = demo("03-add-mul.cgraph")
    g.add_node("side", "neg")                 # reads x, reaches nothing: never a gradient
    g.connect("x", "side", 0)
    g.set_output("f")
    st = Stepper(g)
    shown = ShownSoFar(st)
    assert shown.value("q") is NOT_YET and shown.grad("x") is NOT_YET
    assert shown.grad("side") is None and shown.edge_grad(Edge("x", "side", 0)) is None
    st.jump(len(st.forward))
    shown = ShownSoFar(st)
    assert shown.value("q") == 3 and shown.edge_value(Edge("q", "f", 0)) == 3
    assert shown.grad("x") is NOT_YET and shown.edge_grad(Edge("x", "q", 0)) is NOT_YET
    st.run_all()
    shown = ShownSoFar(st)
    assert shown.grad("x") == -4 and shown.edge_grad(Edge("x", "q", 0)) == -4
    assert shown.grad("side") is None


def test_shown_so_far_warns_of_a_gradient_once_it_is_reached():
    from chainrule.core.program import parse_program
    from chainrule.core.stepper import ShownSoFar
    st = Stepper(parse_program("a = 1\nb = 0\nf = a / b").graph)
    st.jump(len(st.forward))
    assert "f" in ShownSoFar(st).warnings and ShownSoFar(st).grad_warnings == {}
    st.run_all()
    assert ShownSoFar(st).grad_warnings == {"a": "the gradient is inf",
                                           "b": "the gradient is -inf"}


def test_the_view_is_made_once_per_position():
    st = Stepper(demo("03-add-mul.cgraph"))
    st.jump(3)
    first = st.view()
    assert st.view() is first
    st.step()
    assert st.view() is not first and st.view().current != first.current
    st.back()
    assert st.view().node_values == first.node_values


def test_shown_so_far_has_gradients_once_the_backward_pass_begins_and_fits_its_graph():
    from chainrule.core.stepper import NOT_YET
    g = demo("03-add-mul.cgraph")
    st = Stepper(g)
    st.jump(len(st.forward))
    shown = st.shown()
    assert shown is st.shown()                       # one per position, shared
    assert shown.grads is None and shown.edge_grads is None
    st.step()
    shown = st.shown()
    assert shown.grads is not None and shown.edge_grads is not None
    first = st.current.node
    assert shown.grad(first) is not NOT_YET
    assert shown.fits(g) and not shown.fits(g.copy())
