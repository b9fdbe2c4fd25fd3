"""The canvas on big graphs keeps every behaviour of the small ones.

Wires are placed with the scene's own grid of cards and labels (spatial.py), not
by asking Qt's index: the grid must find what the index would.  The far-zoom
batches learn of a selection through ``selectionChanged``; the Modes panel runs
only when its tab is in front; the output's stub labels show wherever the
wires' labels do.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor

from chainrule.core.graph import Graph
from chainrule.gui.canvas import scene as scene_module, style
from chainrule.gui.canvas.node_item import NodeItem
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.commands import Disconnect
from chainrule.gui.document import Document
from chainrule.gui.files import DEMO_DIR
from canvas_views import shown_canvas


def make_big_graph(layers: int, width: int) -> Graph:
    """``width`` inputs, then ``layers`` columns of ``mul``s each reading two neighbours
    of the column before (wires crossing, labels crowding), summed into one output."""
    g = Graph()
    prev = [f"x{i}" for i in range(width)]
    for i, x in enumerate(prev):
        g.add_node(x, "input", value=0.5 + i, pos=(0, 110 * i))
    for layer in range(1, layers + 1):
        cur = [f"n{layer}_{i}" for i in range(width)]
        for i, n in enumerate(cur):
            g.add_node(n, "mul", pos=(220 * layer, 110 * i))
            g.connect(prev[i], n, 0)
            g.connect(prev[(i + (1 if i % 2 else -1)) % width], n, 1)
        prev = cur
    acc = prev[0]
    for k, p in enumerate(prev[1:]):
        g.add_node(f"s{k}", "add", pos=(220 * (layers + 1 + k), 110 * k))
        g.connect(acc, f"s{k}", 0)
        g.connect(p, f"s{k}", 1)
        acc = f"s{k}"
    g.set_output(acc)
    return g


@pytest.fixture(scope="module")
def big_scene():
    from PySide6.QtWidgets import QApplication
    _app = QApplication.instance() or QApplication([])
    doc = Document(make_big_graph(layers=4, width=30))
    view = CanvasView(doc)
    yield view.graph_scene
    view.deleteLater()


def _as_set(rects) -> set:
    return {(r.x(), r.y()) for r in rects}


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-200, 1300), y=st.floats(-200, 3500), w=st.floats(1, 400),
       h=st.floats(1, 300))
def test_the_card_grid_finds_the_cards_qt_finds(big_scene, x, y, w, h):
    """Every card whose shape Qt finds in a rectangle is found; nothing is found whose
    bounding box does not meet it (the grid takes the rounded corners as square)."""
    rect = QRectF(x, y, w, h)
    found = _as_set(big_scene._cards_in(rect))
    by_shape = _as_set(scene_module._card(i) for i in big_scene.items(rect)
                       if isinstance(i, NodeItem))
    by_box = _as_set(scene_module._card(i) for i in big_scene.items(
        rect, Qt.IntersectsItemBoundingRect) if isinstance(i, NodeItem))
    assert by_shape <= found <= by_box


def test_the_grids_follow_moves_hides_and_removals(qtbot):
    doc = Document(make_big_graph(layers=3, width=12))
    view = CanvasView(doc)
    qtbot.addWidget(view)
    scene = view.graph_scene
    rng = random.Random(3)
    nodes = list(scene.nodes.values())
    for item in rng.sample(nodes, 10):
        item.setPos(item.pos() + QPointF(rng.uniform(-300, 300), rng.uniform(-300, 300)))
    rng.choice(nodes).setVisible(False)
    for edge in rng.sample(list(scene.wires), 5):
        doc.push(Disconnect(doc, edge))
    wires = list(scene.wires.values())
    for _ in range(200):
        x, y = rng.uniform(-300, 1200), rng.uniform(-300, 1500)
        box = (x, y, x + rng.uniform(5, 300), y + rng.uniform(5, 200))
        own = rng.choice(wires)
        brute = sum(1 for w in wires if w is not own and w.isVisible()
                    and scene_module._overlap(scene_module._label_box(w), box))
        assert scene._labels_meeting(box, own) == brute
        cards = {(r.x(), r.y()) for r in scene._cards_in(QRectF(box[0], box[1], box[2] - box[0],
                                                                box[3] - box[1]))}
        shown = {(scene_module._card(i).x(), scene_module._card(i).y())
                 for i in scene.nodes.values() if i.isVisible() and
                 i.meets(box[0] - i.pos().x(), box[1] - i.pos().y(),
                         box[2] - i.pos().x(), box[3] - i.pos().y())}
        assert cards == shown


def test_building_a_scene_never_asks_qts_index(qtbot, monkeypatch):
    """Asking the index while items are added made building quadratic (Qt walks every
    item per question while its index is stale): the build must not ask it."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the scene asked Qt's index while building")
    monkeypatch.setattr(scene_module.GraphScene, "items", refuse)
    view = CanvasView(Document(make_big_graph(layers=3, width=20)))
    qtbot.addWidget(view)
    assert len(view.graph_scene.wires) == len(view.document.graph.edges())


def test_a_selection_far_out_shows_in_the_batches(qtbot):
    view = CanvasView(Document(make_big_graph(layers=3, width=12)))
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.set_zoom(0.1)
    scene = view.graph_scene
    view.viewport().repaint()
    card = scene.nodes["n2_3"]
    wire = next(iter(scene.wires.values()))
    card.setSelected(True)
    wire.setSelected(True)
    view.viewport().repaint()
    view.viewport().grab()
    cards = scene.card_batch._regroup()
    assert any(border is not None and border[0] == style.SELECTION.rgba()
               for _kind, _fill, border, _o, rects in cards)
    lines = scene.wire_batch._regroup()
    assert any(pen.color() == style.WIRE_SELECTED for pen, _lines in lines)
    scene.card_batch._groups = []             # what was drawn before the selection
    scene.clearSelection()
    assert scene.card_batch._groups is None and scene.wire_batch._groups is None


def test_the_output_stub_labels_show_where_the_wire_labels_do(qtbot):
    """Between LOD_WIRE_TEXT and LOD_TEXT the wires' labels are drawn enlarged; the
    output's stub carries its value and gradient there too."""
    view = shown_canvas(qtbot, "01-neuron.cgraph")
    zoom = (style.LOD_WIRE_TEXT + style.LOD_TEXT) / 2
    view.set_zoom(zoom)
    out = view.graph_scene.nodes["f"]
    view.centerOn(out)
    qtbot.wait(50)
    corner = view.mapFromScene(out.mapToScene(QPointF(style.NODE_W, -40)))
    far = view.mapFromScene(out.mapToScene(QPointF(style.NODE_W + 2 * style.STUB_LEN,
                                                   style.NODE_H + 40)))

    def count(colour: QColor) -> int:
        """Pixels of about this colour right of the card (the labels' text)."""
        image = view.viewport().grab().toImage()
        n = 0
        for x in range(max(0, corner.x()), min(image.width(), far.x())):
            for y in range(max(0, corner.y()), min(image.height(), far.y())):
                c = image.pixelColor(x, y)
                n += abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + \
                    abs(c.blue() - colour.blue()) < 120
        return n
    shown = count(style.VALUE), count(style.GRAD)
    out.set_stub_labels(None, None)
    out.update()
    bare = count(style.VALUE), count(style.GRAD)
    assert shown[0] > bare[0] + 5 and shown[1] > bare[1] + 5, (shown, bare)


@pytest.mark.shown_window
def test_the_modes_panel_waits_for_its_tab(make_window, qtbot):
    """Tabbed behind the inspector it is still "visible" to Qt: it must not run then
    (both modes on a big graph take seconds), and must run when its tab comes up."""
    window = make_window("03-add-mul.cgraph")
    panel = window.forward_tools.modes_panel
    window.docks["inspector"].raise_()
    qtbot.wait(20)
    window.files.open_demo(DEMO_DIR / "05-two-layer.cgraph", ask=False)
    assert not panel.on_screen() and panel._stale          # tabbed away: nothing ran
    window.docks["modes"].raise_()
    qtbot.waitUntil(lambda: not panel._stale and panel.report is not None, timeout=5000)
    assert panel.report.output == window.document.graph.effective_output()


def _label_places(scene) -> dict:
    return {edge: wire.label_xy() for edge, wire in scene.wires.items()}


def _eager_and_far_lazy(qtbot, monkeypatch):
    """One graph built twice: eagerly, and with its labels left for later, zoomed far."""
    graph = make_big_graph(layers=4, width=30)
    eager = CanvasView(Document(graph.copy()))
    qtbot.addWidget(eager)
    monkeypatch.setattr(scene_module, "LABELS_LATER", 10)
    lazy = CanvasView(Document(graph.copy()))
    qtbot.addWidget(lazy)
    lazy.set_zoom(style.LOD_WIRE_TEXT / 2)          # far: no label drawn, none placed
    qtbot.wait(10)
    scene = lazy.graph_scene      # the labels wait: their wires have no item yet, or are listed
    assert scene.wires.waiting() or scene._labels_later, \
        "a big graph's labels wait for a readable zoom"
    return eager.graph_scene, lazy


def test_a_big_graph_places_its_labels_when_a_zoom_draws_them(qtbot, monkeypatch):
    """From LABELS_LATER wires the build leaves labels where they are; the first zoom
    that draws labels places them, exactly where an eager build puts them."""
    eager, lazy = _eager_and_far_lazy(qtbot, monkeypatch)
    lazy.set_zoom(1.0)
    assert not lazy.graph_scene._labels_later
    assert _label_places(lazy.graph_scene) == _label_places(eager)


def test_a_lone_wire_keeps_its_label_clear_of_a_card_when_opened(qtbot):
    """A card sitting on a wire's middle: the label moves along the wire on opening
    (it was put back in the middle by the twins' spreading)."""
    g = Graph()
    g.add_node("x", "input", value=1.0, pos=(0, 0))
    g.add_node("y", "neg", pos=(600, 0))
    g.add_node("block", "input", value=2.0, pos=(290, -10))
    g.connect("x", "y", 0)
    g.set_output("y")
    view = CanvasView(Document(g))
    qtbot.addWidget(view)
    scene = view.graph_scene
    wire = next(iter(scene.wires.values()))
    x, y = wire.label_xy()
    card = scene.nodes["block"].sceneBoundingRect()
    box = QRectF(x - scene_module.LABEL_BOX_W / 2, y - scene_module.LABEL_BOX_H / 2,
                 scene_module.LABEL_BOX_W, scene_module.LABEL_BOX_H)
    assert not box.intersects(card), (wire._t, box, card)


def test_rendering_a_big_graph_far_out_places_its_labels_first(qtbot, monkeypatch):
    """A picture draws labels at any zoom: export mode places the ones that waited."""
    eager, lazy = _eager_and_far_lazy(qtbot, monkeypatch)
    scene = lazy.graph_scene
    with scene.export_mode():
        assert not scene._labels_later
    assert _label_places(scene) == _label_places(eager)


@pytest.mark.parametrize("x, y, w, h", [(0.0, 0.0, 7.0, 110.0), (-30.0, 110.0, 30.0, 5.0),
                                        (0.0, 110.0 + 60.0, 7.0, 3.0)])
def test_a_rectangle_touching_a_cards_edge_finds_it_as_qt_does(big_scene, x, y, w, h):
    """Edges that lie on a card's (the examples hypothesis found): Qt's shape test
    counts touching, so the grid does too."""
    test_the_card_grid_finds_the_cards_qt_finds.hypothesis.inner_test(big_scene, x, y, w, h)
