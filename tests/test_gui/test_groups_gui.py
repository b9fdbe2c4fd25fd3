"""Groups in the editor through real mouse and key events; every assertion reads
the model (document.graph) or its undo stack."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest

from chainrule.core import groups as gm
from chainrule.core.engine import evaluate
from chainrule.core.graph import Edge
from chainrule.core.program import parse_program
from chainrule.gui.canvas.group_items import FrameItem, GateItem
from chainrule.gui.shortcuts import keys_for
from gui_events import drag, mouse, vp

pytestmark = pytest.mark.shown_window

SIGMA = ["minus_one", "one", "neg", "e", "plus_one", "f"]


def press(window, name: str) -> None:
    """The first key of action ``name``, typed on the canvas."""
    key = keys_for(name)[0][0]
    QTest.keyClick(window.canvas, key.key(), key.keyboardModifiers())


def double_click(view, point: QPointF) -> None:
    pos = vp(view, point)
    mouse(view, QMouseEvent.Type.MouseButtonPress, pos)
    mouse(view, QMouseEvent.Type.MouseButtonRelease, pos)
    mouse(view, QMouseEvent.Type.MouseButtonDblClick, pos)
    mouse(view, QMouseEvent.Type.MouseButtonRelease, pos)


def settle(qtbot, window) -> None:
    qtbot.wait(5)
    window.canvas.graph_scene.groups.refresh()


def ungrouped(make_window):
    window = make_window("02-neuron-gates.cgraph")
    window.document.graph.groups.clear()
    window.document.graph.groups_changed.emit()
    window.document.undo_stack.clear()
    window.canvas.fit_all()
    return window


def test_group_key_groups_the_selected_cards_in_one_undo_step(make_window, qtbot):
    window = ungrouped(make_window)
    doc = window.document
    window.canvas.select_nodes(SIGMA)
    press(window, "group")
    (gid,) = doc.graph.groups
    assert sorted(doc.graph.groups[gid].nodes) == sorted(SIGMA)
    assert gid in window.canvas.graph_scene.groups.frames
    assert doc.undo_stack.count() == 1
    QTest.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert doc.graph.groups == {}
    settle(qtbot, window)
    assert not window.canvas.graph_scene.groups.frames


def test_double_click_collapses_the_frame_and_expands_the_gate(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    doc, view = window.document, window.canvas
    layer = view.graph_scene.groups
    frame = layer.frames["sigma"]
    double_click(view, frame.tab_rect().center())
    assert doc.graph.groups["sigma"].collapsed
    gate = layer.gates["sigma"]
    assert (gate.inputs, gate.outputs) == (["s1"], ["f"])
    assert not view.graph_scene.nodes["e"].isVisible()
    wire = view.graph_scene.wires[Edge("s1", "neg", 0)]
    assert wire.isVisible()        # the wire into the gate keeps its value and gradient
    assert not view.graph_scene.wires[Edge("neg", "e", 0)].isVisible()
    double_click(view, gate.sceneBoundingRect().center())
    assert not doc.graph.groups["sigma"].collapsed
    assert view.graph_scene.nodes["e"].isVisible()
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.graph.groups["sigma"].collapsed


def test_dragging_a_gate_moves_it_in_one_undo_step(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    doc, view = window.document, window.canvas
    window.group_tools.toggle("sigma")
    gate = view.graph_scene.groups.gates["sigma"]
    start = gate.pos()
    a = vp(view, gate.sceneBoundingRect().center())
    drag(view, a, a + (vp(view, QPointF(80, 40)) - vp(view, QPointF(0, 0))))
    pos = doc.graph.groups["sigma"].pos
    assert pos is not None and pos != (start.x(), start.y())
    assert doc.undo_stack.undoText().startswith("Move")
    doc.undo_stack.undo()
    assert doc.graph.groups["sigma"].pos is None


def test_ungroup_and_the_frame_follows_its_cards(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    doc, view = window.document, window.canvas
    frame = view.graph_scene.groups.frames["sigma"]
    before = frame.frame_rect()
    view.graph_scene.nodes["e"].moveBy(0, 300)
    assert frame.frame_rect().bottom() > before.bottom() + 150
    frame.setSelected(True)
    press(window, "ungroup")
    assert doc.graph.groups == {}


def test_delete_on_a_selected_gate_deletes_its_cards_and_undo_brings_the_gate_back(
        make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    doc, view = window.document, window.canvas
    window.group_tools.toggle("sigma")
    view.graph_scene.groups.gates["sigma"].setSelected(True)
    QTest.keyClick(view, Qt.Key_Delete)
    assert not any(n in doc.graph for n in SIGMA)
    settle(qtbot, window)
    assert "sigma" not in view.graph_scene.groups.gates
    doc.undo_stack.undo()
    assert doc.graph.groups["sigma"].nodes == SIGMA
    settle(qtbot, window)
    assert view.graph_scene.groups.gates["sigma"].outputs == ["f"]


def test_nested_groups_enter_opens_full_screen_and_escape_backs_out(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    doc, view, tools = window.document, window.canvas, window.group_tools
    view.select_nodes(["m0", "m1", "s0", "s1"])
    view.graph_scene.groups.frames["sigma"].setSelected(True)
    outer = tools.group_selection(label="neuron")
    assert doc.graph.groups["sigma"].parent == outer
    layer = view.graph_scene.groups
    view.graph_scene.clearSelection()
    layer.frames[outer].setSelected(True)
    QTest.keyClick(view, Qt.Key_Return)
    assert layer.focus == outer
    assert tools.breadcrumbs() == ["Graph", "neuron"]
    assert not view.graph_scene.nodes["w0"].isVisible()
    assert view.graph_scene.nodes["m0"].isVisible()
    view.graph_scene.clearSelection()
    layer.frames["sigma"].setSelected(True)
    QTest.keyClick(view, Qt.Key_Return)
    assert tools.breadcrumbs() == ["Graph", "neuron", "σ"]
    assert tools.crumbs.isVisible() and "σ" in tools.crumbs.text()
    assert not view.graph_scene.nodes["m0"].isVisible()
    QTest.keyClick(view, Qt.Key_Escape)
    assert tools.breadcrumbs() == ["Graph", "neuron"]
    QTest.keyClick(view, Qt.Key_Escape)
    assert layer.focus is None and view.graph_scene.nodes["w0"].isVisible()
    assert not tools.crumbs.isVisible()


def test_right_steps_over_a_collapsed_group_and_f7_steps_into_it(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    window.group_tools.toggle("sigma")
    controller = window.step_through.controller
    view = window.canvas
    QTest.keyClick(view, Qt.Key_Right)
    stops = controller.stepper.stops()
    assert controller.position == stops[0]
    n = 1
    gate = view.graph_scene.groups.gates["sigma"]
    marked = 0
    while controller.position < controller.total:
        QTest.keyClick(view, Qt.Key_Right)
        n += 1
        assert controller.position == stops[n - 1]
        assert gate.current == (controller.stepper.gate_at() == "sigma")
        marked += gate.current
    assert marked == 2                   # its forward step and its backward step
    assert n == len(stops) < controller.total
    label = window.step_through.controls.position_label.text()
    assert label == f"step {len(stops)} of {len(stops)} ({controller.total}/{controller.total} inside)"
    QTest.keyClick(view, Qt.Key_Home)
    seen = []
    for _ in range(controller.total):
        press(window, "step_into")
        seen.append(controller.current.node)
    assert [node for _, node in controller.stepper.step_nodes()] == seen


def test_the_chain_panel_writes_a_collapsed_gates_backward_as_one_gate(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    window.group_tools.toggle("sigma")
    controller = window.step_through.controller
    stepper_stops = None
    while True:
        QTest.keyClick(window.canvas, Qt.Key_Right)
        stepper_stops = controller.stepper.stops()
        if controller.position > controller.n_forward and controller.stepper.gate_at():
            break
    from chainrule.core.explain import step_page
    explanation, *_ = step_page(controller.stepper)
    assert "∂σ/∂sum" in explanation.text() and "(−1)·" in explanation.text()
    assert stepper_stops


def test_a_selected_gate_gets_its_chain_rule_page(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    window.group_tools.toggle("sigma")
    gate = window.canvas.graph_scene.groups.gates["sigma"]
    a = vp(window.canvas, gate.sceneBoundingRect().center())
    mouse(window.canvas, QMouseEvent.Type.MouseButtonPress, a)
    mouse(window.canvas, QMouseEvent.Type.MouseButtonRelease, a)
    assert gate.isSelected()
    text = window.step_through.panel.text()
    assert "σ (a group of 6 gates)" in text and "∂σ/∂sum" in text and "0.1966" in text


def test_check_equivalence_and_replace_with_the_single_gate(make_window, qtbot):
    window = make_window("02-neuron-gates.cgraph")
    doc, tools = window.document, window.group_tools
    before = evaluate(doc.graph)
    result = tools.check("sigma", "sigmoid")
    assert result.ok
    assert not tools.check("sigma", "tanh").ok
    node = tools.replace_with_op("sigma", "sigmoid", result)
    graph = doc.graph
    assert graph.node(node).op == "sigmoid" and "e" not in graph and not graph.groups
    after = evaluate(graph)
    for leaf in ("w0", "x0", "w1", "x1", "w2"):
        assert after.grad(leaf) == pytest.approx(before.grad(leaf), rel=1e-12)
    assert after.value(node) == pytest.approx(before.value("f"))
    doc.undo_stack.undo()                      # one step
    assert "sigma" in doc.graph.groups and "e" in doc.graph


def test_expand_to_scalars_opens_a_window_with_the_same_numbers(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    graph = parse_program("X = [[1.0, 2.0], [3.0, -1.0]]; W = [[0.5, -1.0], [2.0, 0.25]]\n"
                          "Y = X @ W\nL = sum(Y * Y)").graph
    window.document.set_graph(graph)
    window.canvas.select_nodes(["Y"])
    window.group_tools.actions["expand_scalars"].trigger()
    (other,) = window.group_tools.windows
    qtbot.addWidget(other)
    scalar = other.document.evaluation
    ev = window.document.evaluation
    grads = np.array([[scalar.grad(f"W_{i}_{j}") for j in range(2)] for i in range(2)])
    np.testing.assert_allclose(grads, ev.edge_grad(Edge("W", "Y", 1)), rtol=1e-12)


MLP = ("x0 = 1.0; x1 = -2.0\n"
       "h0 = tanh(0.1*x0 + 0.2*x1 + 0.3); h1 = tanh(-0.4*x0 + 0.5*x1 - 0.1)\n"
       "g0 = tanh(0.7*h0 - 0.2*h1); g1 = tanh(0.3*h0 + 0.9*h1)\n"
       "y = 1.5*g0 - 0.5*g1\nL = (y - 1.0) ** 2")


def test_group_by_layer_is_one_action_and_one_undo_step(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    doc = window.document
    doc.set_graph(parse_program(MLP).graph)
    press(window, "group_by_layer")
    groups = doc.graph.groups
    assert [g.label for g in groups.values()] == ["layer 1", "layer 2", "layer 3"]
    assert all(g.collapsed for g in groups.values())
    assert {"h0", "h1"} <= set(groups["layer1"].nodes)
    owned = gm.membership(doc.graph)
    assert set(owned) == set(doc.graph.node_ids())
    assert doc.undo_stack.count() == 1
    settle(qtbot, window)
    assert set(window.canvas.graph_scene.groups.gates) == set(groups)
    doc.undo_stack.undo()
    assert not doc.graph.groups


def test_group_items_are_frames_and_gates(make_window):
    window = make_window("14-batchnorm-two-ways.cgraph")
    layer = window.canvas.graph_scene.groups
    assert isinstance(layer.frames["staged"], FrameItem)
    window.group_tools.toggle("staged")
    assert isinstance(layer.gates["staged"], GateItem)
    assert layer.gates["staged"].inputs == ["x"]


def test_the_check_equivalence_dialog_proposes_sigmoid_and_replaces(make_window, qtbot,
                                                                     monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QMessageBox
    window = make_window("02-neuron-gates.cgraph")
    doc = window.document
    offered, shown = [], []

    def choose(parent, title, label, items, current, editable):
        offered.extend(items)
        return "sigmoid", True

    def answer(box):
        shown.append(box.text())
        replace = [b for b in box.buttons() if b.text().startswith("Replace")]
        replace[0].click()
        return 0
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(choose))
    monkeypatch.setattr(QMessageBox, "exec", answer)
    window.canvas.graph_scene.groups.frames["sigma"].setSelected(True)
    window.group_tools.actions["check_equivalence"].trigger()
    assert offered[0] == "sigmoid"
    assert shown and "are equal: largest difference" in shown[0]
    assert [n.op for n in doc.graph.nodes()].count("sigmoid") == 1
    assert not doc.graph.groups and doc.undo_stack.undoText().startswith("Replace")
