"""The scene mirrors the model: items follow edits, undo, renames, evaluations.

Edits go through the document's undo commands (as the inspector and the
program bar make them); the assertions read the items the user sees.
"""
from __future__ import annotations


import numpy as np
import pytest
from PySide6.QtCore import QPointF

from chainrule.core import fileformat
from chainrule.core.formatting import format_number, format_value
from chainrule.core.graph import Edge, Graph
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.canvas.export import render_image
from chainrule.gui.commands import (AddNode, Connect, Disconnect, Rename, ReplaceContent, SetNodeField,
                          SetOutput)
from chainrule.gui.document import Document

from chainrule.resources import DEMOS


def make_view(qtbot, graph: Graph) -> CanvasView:
    doc = Document(graph)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    return view


def demo(name: str) -> Graph:
    return fileformat.load(DEMOS / name)


def settle(view: CanvasView):
    """The evaluation the document would make on the next event-loop turn, now."""
    return view.document.evaluation


def test_scene_has_one_item_per_node_and_wire(qtbot):
    view = make_view(qtbot, demo("01-neuron.cgraph"))
    scene = view.graph_scene
    graph = view.document.graph
    assert set(scene.nodes) == set(graph.node_ids())
    assert set(scene.wires) == set(graph.edges())
    for node in graph.nodes():
        assert scene.nodes[node.id].pos() == QPointF(*node.pos)


def test_wire_labels_are_the_core_numbers(qtbot):
    view = make_view(qtbot, demo("01-neuron.cgraph"))
    ev = settle(view)
    for edge, wire in view.graph_scene.wires.items():
        assert wire.value_text() == format_number(ev.edge_value(edge))
        assert wire.grad_text() == format_number(ev.edge_grad(edge))
    # the output's stub: its value and the seed gradient 1
    out = view.graph_scene.nodes["f"]
    assert out.is_output
    assert out.stub_value == format_number(ev.value("f"))
    assert out.stub_grad == "1"


def test_fork_wires_show_their_own_contribution(qtbot):
    g = Graph()
    g.add_node("x", "input", value=3.0, pos=(0, 0))
    g.add_node("sq", "mul", pos=(220, 0))
    g.add_node("e", "exp", pos=(220, 110))
    g.add_node("s", "add", pos=(440, 50))
    g.connect("x", "sq", 0)
    g.connect("x", "sq", 1)
    g.connect("x", "e", 0)
    g.connect("sq", "s", 0)
    g.connect("e", "s", 1)
    view = make_view(qtbot, g)
    ev = settle(view)
    scene = view.graph_scene
    texts = {e: scene.wires[e].grad_text() for e in g.out_edges("x")}
    assert texts[Edge("x", "sq", 0)] == "3" and texts[Edge("x", "sq", 1)] == "3"
    assert texts[Edge("x", "e", 0)] == format_number(np.exp(3.0))
    # the node's gradient is their sum, shown nowhere on a single wire
    assert format_number(ev.grad("x")) not in texts.values()
    # the two wires of x * x put their labels at different places
    a = scene.wires[Edge("x", "sq", 0)].label_anchor()
    b = scene.wires[Edge("x", "sq", 1)].label_anchor()
    assert abs(a.x() - b.x()) > 30


def test_value_edit_relabels(qtbot):
    view = make_view(qtbot, demo("03-add-mul.cgraph"))
    doc = view.document
    wire = view.graph_scene.wires[Edge("x", "q", 0)]
    assert wire.value_text() == "-2"
    doc.push(SetNodeField(doc, "x", "value", 7.5))
    qtbot.waitUntil(lambda: wire.value_text() == "7.5")
    assert view.graph_scene.wires[Edge("q", "f", 0)].value_text() == "12.5"
    assert view.graph_scene.nodes["x"].value_text == "7.5"
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: wire.value_text() == "-2")


def test_arrays_show_shape_and_preview_and_the_tooltip_has_them_whole(qtbot):
    g = Graph()
    g.add_node("W", "input", value=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], pos=(0, 0))
    g.add_node("s", "sum", pos=(220, 0))
    g.connect("W", "s", 0)
    view = make_view(qtbot, g)
    ev = settle(view)
    wire = view.graph_scene.wires[Edge("W", "s", 0)]
    assert wire.value_text() == format_value(ev.edge_value(Edge("W", "s", 0)), 4, width=26)
    assert wire.value_text().startswith("(2×3)")
    tip = view.graph_scene.wire_tooltip(Edge("W", "s", 0))
    assert "6" in tip and "shape (2, 3)" in tip


def test_no_gradient_label_without_backward_and_dash_off_the_path(qtbot):
    g = Graph()
    g.add_node("a", "input", value=1.0, pos=(0, 0))
    g.add_node("n", "neg", pos=(220, 0))
    g.add_node("m", "exp", pos=(220, 110))
    g.connect("a", "n", 0)
    g.connect("a", "m", 0)
    view = make_view(qtbot, g)
    settle(view)
    scene = view.graph_scene
    # two ends and no output chosen: no backward pass, so no gradient labels
    assert scene.wires[Edge("a", "n", 0)].grad_text() is None
    assert scene.wires[Edge("a", "n", 0)].value_text() == "1"
    view.document.push(SetOutput(view.document, "n"))
    settle(view)
    assert scene.wires[Edge("a", "n", 0)].grad_text() == "-1"
    assert scene.wires[Edge("a", "m", 0)].grad_text() == "—"


def test_precision(qtbot):
    view = make_view(qtbot, demo("01-neuron.cgraph"))
    settle(view)
    wire = view.graph_scene.wires[Edge("s1", "f", 0)]
    assert wire.grad_text() == "0.1966"
    view.set_precision(2)
    assert wire.grad_text() == "0.2"
    assert view.graph_scene.nodes["f"].stub_value == "0.73"
    view.set_precision(6)
    assert wire.grad_text() == "0.196612"


def test_structure_edits_and_undo_follow(qtbot):
    view = make_view(qtbot, demo("03-add-mul.cgraph"))
    doc, scene = view.document, view.graph_scene
    doc.push(AddNode(doc, "t", "tanh", pos=(660, 138)))
    assert "t" in scene.nodes and scene.nodes["t"].connected == [False]
    doc.push(Connect(doc, Edge("f", "t", 0)))
    assert Edge("f", "t", 0) in scene.wires and scene.nodes["t"].connected == [True]
    settle(view)
    assert scene.nodes["f"].is_output and not scene.nodes["t"].is_output  # chosen in the file
    doc.push(SetOutput(doc, None))
    settle(view)
    assert scene.nodes["t"].is_output and not scene.nodes["f"].is_output  # the single end
    doc.push(Disconnect(doc, Edge("q", "f", 0)))
    assert Edge("q", "f", 0) not in scene.wires
    assert scene.nodes["f"].connected == [False, True]
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert "t" not in scene.nodes
    assert set(scene.wires) == set(doc.graph.edges())
    assert scene.nodes["f"].connected == [True, True]


def test_rename_rekeys_items(qtbot):
    view = make_view(qtbot, demo("03-add-mul.cgraph"))
    doc, scene = view.document, view.graph_scene
    doc.push(Rename(doc, "q", "sum_xy"))
    assert "q" not in scene.nodes and scene.nodes["sum_xy"].node_id == "sum_xy"
    assert Edge("x", "sum_xy", 0) in scene.wires and Edge("sum_xy", "f", 0) in scene.wires
    assert scene.wires[Edge("sum_xy", "f", 0)].edge == Edge("sum_xy", "f", 0)
    settle(view)
    assert scene.wires[Edge("sum_xy", "f", 0)].value_text() == "3"
    # the wires still follow the renamed card
    item = scene.nodes["sum_xy"]
    item.setPos(item.pos() + QPointF(0, 40))
    p0, _ = scene.wires[Edge("sum_xy", "f", 0)].ends()
    assert p0 == item.output_port_scene()


def test_replace_and_new_graph_rebuild(qtbot):
    view = make_view(qtbot, demo("03-add-mul.cgraph"))
    doc, scene = view.document, view.graph_scene
    doc.push(ReplaceContent(doc, demo("01-neuron.cgraph")))
    assert set(scene.nodes) == set(doc.graph.node_ids())
    doc.set_graph(demo("05-two-layer.cgraph"))
    assert set(scene.nodes) == set(doc.graph.node_ids())
    assert set(scene.wires) == set(doc.graph.edges())
    assert len(scene.items()) - 1 == len(scene.nodes) + len(scene.wires)   # + the label layer


def test_warning_badge_and_unconnected_ports(qtbot):
    g = Graph()
    g.add_node("a", "input", value=-1.0, pos=(0, 0))
    g.add_node("l", "log", pos=(220, 0))
    g.add_node("m", "mul", pos=(440, 0))
    g.connect("a", "l", 0)
    g.connect("l", "m", 0)
    view = make_view(qtbot, g)
    ev = settle(view)
    scene = view.graph_scene
    assert scene.nodes["m"].connected == [True, False]        # hollow red ring on b
    assert ev.warnings["l"] and scene.nodes["l"].warning == ev.warnings["l"]
    assert ev.warnings["l"] in scene.node_tooltip("l")
    doc = view.document
    doc.push(SetNodeField(doc, "a", "value", 2.0))
    settle(view)
    assert scene.nodes["l"].warning is None
    assert "not connected" in scene.port_tooltip("m", ("in", 1))


def test_nodes_without_positions_are_laid_out(qtbot):
    g = Graph()
    g.add_node("a", "input", value=1.0)
    g.add_node("b", "neg")
    g.connect("a", "b", 0)
    view = make_view(qtbot, g)
    scene = view.graph_scene
    assert scene.nodes["b"].pos().x() > scene.nodes["a"].pos().x()
    assert g.node("a").pos is None          # the scene's placement is not written back


def test_stepper_hooks(qtbot):
    from chainrule.core.stepper import Stepper
    view = make_view(qtbot, demo("03-add-mul.cgraph"))
    scene = view.graph_scene
    settle(view)
    doc = view.document
    stepper = Stepper(doc.graph)
    stepper.jump([s.node for s in stepper.forward].index("q") + 1)    # q computed
    doc.show_steps(stepper.shown())           # what the steps have revealed
    wire = scene.wires[Edge("q", "f", 0)]
    scene.show_step_state({}, [wire.edge], None, {})
    assert (wire.value_text(), wire.grad_text()) == ("3", None)
    assert wire.emphasized()
    doc.push(SetNodeField(doc, "x", "value", 1.0))
    settle(view)
    assert wire.value_text() == "3"           # the stepper keeps control
    for state in ("done", "current", "ready", "waiting", "normal"):
        scene.nodes["q"].set_state(state)
        assert scene.nodes["q"].state == state
    with pytest.raises(ValueError):
        scene.nodes["q"].set_state("bogus")
    scene.nodes["q"].set_extra_tooltip("step 2: add hands the gradient on")
    assert "step 2" in scene.node_tooltip("q")
    doc.show_steps(None)                      # live again
    assert wire.value_text() == "6"
    scene.nodes["f"].set_state("done")
    scene.clear_states()
    assert {item.state for item in scene.nodes.values()} == {"normal"}
    assert "step 2" not in scene.node_tooltip("q")


def test_export_png_and_svg(qtbot, tmp_path):
    view = make_view(qtbot, demo("01-neuron.cgraph"))
    settle(view)
    view.set_zoom(0.1)                         # labels hidden on screen, not in the file
    png = render_image(view.graph_scene, tmp_path / "g.png")
    svg = render_image(view.graph_scene, tmp_path / "g.svg")
    from PySide6.QtGui import QImage
    image = QImage(str(png))
    assert image.width() > 1500                # 2× the scene's size
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "0.1966" in text
    with pytest.raises(ValueError):
        render_image(view.graph_scene, tmp_path / "g.bmp")


def test_a_warning_badge_never_covers_the_output_tag(qtbot):
    from chainrule.core.program import parse_program
    view = CanvasView(Document(parse_program("a = 1; b = 0\nf = a / b").graph))
    qtbot.addWidget(view)
    view.document.evaluate_now()
    item = view.graph_scene.nodes["f"]
    assert item.warning and item.is_output
    assert not item.output_tag_rect().intersects(item._badge_rect())
