"""A big graph's cards and wires get their items on first use (gui/canvas/lazy_items.py).

Each test builds one graph twice as a big graph (``LABELS_LATER`` lowered): eagerly
(every item made at once, ``LAZY_ITEMS`` off) and lazily, shows
both at the same far zoom and drives both with the same real mouse events.
Whatever the lazy canvas answers — the item under the pointer, its tooltip, what
a click or a rubber band selects, the pixels, what an undone delete leaves —
must be what the eager one answers.
"""
from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QMouseEvent

from chainrule.core.graph import Edge, Graph
from chainrule.gui.canvas import scene as scene_module, style
from chainrule.gui.canvas.node_item import NodeItem
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.canvas.wire_item import WireItem
from chainrule.gui.document import Document
from gui_events import drag, mouse, vp

FAR = style.LOD_SIMPLE * 0.7


def layered(width: int = 24, layers: int = 5, seed: int = 3) -> Graph:
    """Columns of binary ops reading nearby nodes of the column before (wires cross),
    an add chain to one output, a squaring (twin wires), a wire going back and a
    card whose input is free."""
    rng = random.Random(seed)
    g = Graph()
    prev = [f"x{i}" for i in range(width)]
    for i, x in enumerate(prev):
        g.add_node(x, "input", value=rng.uniform(-1, 1), pos=(0, 110 * i))
    for layer in range(1, layers + 1):
        cur = [f"n{layer}_{i}" for i in range(width)]
        for i, n in enumerate(cur):
            g.add_node(n, rng.choice(["add", "mul", "sub", "max"]), pos=(220 * layer, 110 * i))
            g.connect(prev[i], n, 0)
            g.connect(prev[min(width - 1, max(0, i + rng.choice([-2, -1, 1, 2])))], n, 1)
        prev = cur
    g.add_node("sq", "mul", pos=(220 * (layers + 1), -150))
    g.connect(prev[0], "sq", 0)
    g.connect(prev[0], "sq", 1)                       # twins
    g.add_node("back", "neg", pos=(110, -150))
    g.connect(prev[1], "back", 0)                     # goes back: a lane
    acc = "sq"
    for k, p in enumerate(prev[1:] + ["back"]):
        g.add_node(f"s{k}", "add", pos=(220 * (layers + 2), 110 * k))
        g.connect(acc, f"s{k}", 0)
        g.connect(p, f"s{k}", 1)
        acc = f"s{k}"
    g.add_node("spare", "neg", pos=(220 * (layers + 1), 110 * width + 100))   # a free port
    g.set_output(acc)
    return g


def shown(qtbot, graph: Graph) -> CanvasView:
    view = CanvasView(Document(graph))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def pair(qtbot, monkeypatch):
    """(eager, lazy) views of one graph, both at the same far zoom and centre."""
    graph = layered()
    monkeypatch.setattr(scene_module, "LABELS_LATER", 20)
    monkeypatch.setattr(scene_module, "LAZY_ITEMS", False)
    eager = shown(qtbot, graph.copy())
    assert not eager.graph_scene.nodes.waiting() and not eager.graph_scene.wires.waiting()
    monkeypatch.setattr(scene_module, "LAZY_ITEMS", True)
    monkeypatch.setattr(scene_module, "IDLE_START_MS", 10 ** 8)    # no idle making here
    lazy = shown(qtbot, graph.copy())
    scene = lazy.graph_scene
    assert scene.nodes.waiting() > 100 and scene.wires.waiting() > 200, "the lazy path is taken"
    assert scene.wires.waiting() < len(scene.wires)       # twins and the back wire: made
    for view in (eager, lazy):
        place(view, FAR, QPointF(500, 1200))
    return eager, lazy


def place(view: CanvasView, zoom: float, centre: QPointF) -> None:
    view.set_zoom(zoom)
    view.centerOn(centre)


def key(item):
    if isinstance(item, WireItem):
        return ("wire", item.edge)
    if isinstance(item, NodeItem):
        return ("card", item.node_id)
    return None if item is None else type(item).__name__


def probes(eager: CanvasView, count: int = 40) -> list[QPointF]:
    """Scene points worth pointing at: wires' middles and quarters, cards' centres and
    corners, the gaps between them."""
    scene = eager.graph_scene
    rng = random.Random(7)
    wires = list(scene.wires.values())
    cards = list(scene.nodes.values())
    points = []
    for _ in range(count):
        wire = rng.choice(wires)
        points.append(wire.point_at(rng.choice([0.25, 0.5, 0.75])))
        card = rng.choice(cards).sceneBoundingRect()
        points.append(rng.choice([card.center(), card.topLeft(), card.bottomRight()]))
        points.append(QPointF(rng.uniform(-100, 1500), rng.uniform(-300, 2700)))
    return points


def point_and_click(view: CanvasView, at: QPointF) -> tuple:
    """Hover over ``at``, then click it: (item under the pointer, its tooltip, selection)."""
    p = vp(view, at)
    mouse(view, QMouseEvent.Type.MouseMove, p, buttons=None)
    under = view.itemAt(p)
    tip = under.toolTip() if under is not None else None
    mouse(view, QMouseEvent.Type.MouseButtonPress, p)
    mouse(view, QMouseEvent.Type.MouseButtonRelease, p)
    return key(under), tip, view.selected_nodes(), view.selected_edges()


def visible_points(view: CanvasView, points: list[QPointF]) -> list[QPointF]:
    area = view.viewport().rect().adjusted(4, 4, -4, -4)
    return [p for p in points if area.contains(vp(view, p))]


def test_far_out_hover_and_click_answer_as_an_eager_canvas(pair):
    eager, lazy = pair
    points = visible_points(eager, probes(eager))
    assert len(points) > 30
    for at in points:
        mouse(lazy, QMouseEvent.Type.MouseMove, vp(lazy, at), buttons=None)
    assert lazy.graph_scene.nodes.waiting() and lazy.graph_scene.wires.waiting(), \
        "pointing made only the items near the pointer"
    hits = 0
    for at in points:
        want = point_and_click(eager, at)
        assert point_and_click(lazy, at) == want, at
        hits += want[0] is not None
    assert hits > 10, "the probes hit cards and wires"


def test_zoomed_in_then_out_clicks_still_match(pair):
    eager, lazy = pair
    for view in (eager, lazy):
        place(view, 1.0, QPointF(600, 900))
    assert not lazy.graph_scene.nodes.waiting() and not lazy.graph_scene.wires.waiting()
    points = probes(eager, 20)
    for at in visible_points(eager, points):
        assert point_and_click(lazy, at) == point_and_click(eager, at), at
    for view in (eager, lazy):
        place(view, FAR, QPointF(500, 1200))
    for at in visible_points(eager, points):
        assert point_and_click(lazy, at) == point_and_click(eager, at), at
    places = {e: w.label_xy() for e, w in eager.graph_scene.wires.items()}
    assert {e: w.label_xy() for e, w in lazy.graph_scene.wires.items()} == places


def test_a_rubber_band_far_out_selects_what_an_eager_canvas_selects(pair):
    eager, lazy = pair
    for corners in ((QPointF(-150, 300), QPointF(700, 1400)),
                    (QPointF(150, -400), QPointF(1500, 500))):
        selections = []
        for view in (eager, lazy):
            view.graph_scene.clearSelection()
            drag(view, vp(view, corners[0]), vp(view, corners[1]))
            selections.append((sorted(view.selected_nodes()), sorted(view.selected_edges())))
        assert selections[0] == selections[1]
        assert selections[0][0] and selections[0][1], "the band takes cards and wires"


def test_the_far_picture_is_the_eager_one(pair, qtbot):
    eager, lazy = pair
    images = [view.viewport().grab().toImage() for view in (eager, lazy)]
    assert images[0] == images[1]
    # a step-through's look on a few cards and wires, drawn far out
    edge = Edge("x3", "n1_3", 0)
    for view in (eager, lazy):
        view.graph_scene.show_step_state({"x3": "done", "n1_3": "current", "n1_4": "waiting"},
                                         [edge], "n1_3", {"n1_3": "this step"})
        view.graph_scene.update()
    qtbot.wait(20)
    images = [view.viewport().grab().toImage() for view in (eager, lazy)]
    assert images[0] == images[1]
    assert lazy.graph_scene.nodes["n1_3"].extra_tooltip == "this step"
    assert lazy.graph_scene.wires[edge].emphasized()


def test_delete_and_undo_far_out_leave_what_an_eager_canvas_leaves(pair):
    eager, lazy = pair
    wire = eager.graph_scene.wires[Edge("n2_5", "n3_5", 0)]
    at = wire.point_at(0.5)
    for view in (eager, lazy):
        place(view, FAR, at)
        assert point_and_click(view, at)[3] == [Edge("n2_5", "n3_5", 0)]
        view.delete_selection()
    assert Edge("n2_5", "n3_5", 0) not in lazy.graph_scene.wires
    for view in (eager, lazy):
        view.document.undo_stack.undo()
        view.document.undo_stack.redo()
        view.document.undo_stack.undo()
    looks = []
    for view in (eager, lazy):
        scene = view.graph_scene
        assert set(scene.wires) == set(view.document.graph.edges())
        looks.append(({n: list(item.connected) for n, item in scene.nodes.items()},
                      {e: w.ends() for e, w in scene.wires.items()}))
    assert looks[0] == looks[1]


def test_an_export_far_out_draws_everything(pair):
    eager, lazy = pair
    with lazy.graph_scene.export_mode():
        assert not lazy.graph_scene.nodes.waiting() and not lazy.graph_scene.wires.waiting()
    assert len(lazy.graph_scene.items_rect().getRect()) == 4
    assert lazy.graph_scene.items_rect() == eager.graph_scene.items_rect()


def test_the_card_grid_answers_for_cards_without_items(pair):
    """Placing a wire asks where the cards are: the same answers whether or not a
    card has its item yet."""
    eager, lazy = pair
    rng = random.Random(11)
    for _ in range(200):
        x, y = rng.uniform(-200, 1600), rng.uniform(-300, 2800)
        rect = QRectF(x, y, rng.uniform(10, 300), rng.uniform(10, 300))
        assert sorted(lazy.graph_scene._cards_in(rect), key=lambda r: (r.x(), r.y())) == \
            sorted(eager.graph_scene._cards_in(rect), key=lambda r: (r.x(), r.y()))


def test_a_wire_dragged_far_out_connects_as_on_an_eager_canvas(pair):
    eager, lazy = pair
    graph = eager.document.graph
    src, dst = graph.node("n5_2").pos, graph.node("spare").pos
    start = QPointF(src[0] + style.NODE_W, src[1] + style.NODE_H / 2)
    end = QPointF(dst[0], dst[1] + style.NODE_H / 2)
    for view in (eager, lazy):
        place(view, style.LOD_SIMPLE * 0.95, (start + end) / 2)
        drag(view, vp(view, start), vp(view, end))
        assert Edge("n5_2", "spare", 0) in view.document.graph.edges()
        assert view.graph_scene.nodes["spare"].connected == [True]
    assert lazy.graph_scene.nodes.waiting(), "a wire drag does not make every card"


def test_a_big_graph_opened_at_a_readable_zoom_draws_its_items(qtbot, monkeypatch):
    """The view keeps its zoom when it already is the new graph's fit: the scene
    still draws for it (every item made, labels placed) once the view has it."""
    monkeypatch.setattr(scene_module, "LABELS_LATER", 20)
    view = shown(qtbot, layered())
    place(view, 1.0, QPointF(300, 300))
    monkeypatch.setattr(view, "fit_all", lambda readable=False: None)   # zoom stays 1.0
    view.document.set_graph(layered(seed=4))
    scene = view.graph_scene
    qtbot.waitUntil(lambda: not scene.nodes.waiting() and not scene.wires.waiting())
    assert scene.wire_batch.scene() is None and not scene._labels_later
    assert all(wire.value_text() is not None or wire.grad_text() is not None
               for wire in scene.wires.values())


def test_renames_and_moves_far_out_then_zooming_in_match_an_eager_canvas(pair):
    """Structural edits while the items wait (a rename re-keys waiting wires, a move
    makes the card's wires), undone and redone, then every label placed on zooming in."""
    from chainrule.gui.commands import MoveNodes, Rename
    eager, lazy = pair
    for view in (eager, lazy):
        doc = view.document
        doc.push(Rename(doc, "n3_7", "renamed"))
        doc.push(MoveNodes(doc, {"n2_9": ((440, 990), (470, 1030))}))
        doc.undo_stack.undo()
        doc.undo_stack.redo()
    assert lazy.graph_scene.wires.waiting(), "the edits made only what they touch"
    for view in (eager, lazy):
        place(view, 1.0, QPointF(600, 900))
    scenes = [view.graph_scene for view in (eager, lazy)]
    assert list(scenes[1].wires) == list(scenes[0].wires)
    assert {e: (w.ends(), w.label_xy()) for e, w in scenes[1].wires.items()} == \
        {e: (w.ends(), w.label_xy()) for e, w in scenes[0].wires.items()}
    assert {n: item.pos() for n, item in scenes[1].nodes.items()} == \
        {n: item.pos() for n, item in scenes[0].nodes.items()}


def test_idle_time_makes_every_item_as_the_build_would_have(qtbot, monkeypatch):
    """Left alone, a big graph's scene makes its waiting items a slice at a time: the
    first zoom in then finds them made, exactly as an eager build made them."""
    monkeypatch.setattr(scene_module, "LABELS_LATER", 20)
    monkeypatch.setattr(scene_module, "LAZY_ITEMS", False)
    eager = shown(qtbot, layered())
    monkeypatch.setattr(scene_module, "LAZY_ITEMS", True)
    monkeypatch.setattr(scene_module, "IDLE_SLICE_MS", 1)      # many slices
    lazy = shown(qtbot, layered())
    scene = lazy.graph_scene
    assert scene.nodes.waiting() and scene.wires.waiting()
    qtbot.waitUntil(lambda: not scene.nodes.waiting() and not scene.wires.waiting(),
                    timeout=20_000)
    for view in (eager, lazy):
        place(view, FAR, QPointF(500, 1200))
    qtbot.wait(20)
    assert eager.viewport().grab().toImage() == lazy.viewport().grab().toImage()
    for view in (eager, lazy):
        place(view, 1.0, QPointF(600, 900))
    assert list(scene.wires) == list(eager.graph_scene.wires)
    assert {e: w.label_xy() for e, w in scene.wires.items()} == \
        {e: w.label_xy() for e, w in eager.graph_scene.wires.items()}
    assert eager.viewport().grab().toImage() == lazy.viewport().grab().toImage()


def test_removing_the_last_waiting_key_puts_the_items_in_the_keys_order():
    """Made out of order (c, then a), the last waiting key (b) removed: the table is
    in the keys' order again, as when the last one is made (the far batch draws in
    that order)."""
    from chainrule.gui.canvas.lazy_items import LazyTable
    table = LazyTable(lambda key, record: f"item {key}")
    for key in "abc":
        table.add_lazy(key, (0.0, 0.0, 0.0, 0.0))
    table.get("c")
    table.get("a")
    assert table.discard("b") is None
    assert list(table) == ["a", "c"]
    assert [item for item, _ in table.in_order()] == ["item a", "item c"]
    table.add("d", "item d")
    assert list(table) == ["a", "c", "d"] and table.waiting() == 0


@pytest.mark.parametrize("centre", [QPointF(500, 1200), QPointF(230, 120), QPointF(-400, -400)])
def test_a_free_spot_far_out_is_the_eager_canvass_and_makes_no_item(pair, centre):
    """A palette double-click's spot (cards crowd round the first two centres): found
    through the card grid, the same as on an eager canvas, with every card still
    waiting; Tidy reads the corners without making items either."""
    from chainrule.gui.main_window import free_spot
    eager, lazy = pair
    waiting = lazy.graph_scene.nodes.waiting()
    assert free_spot(lazy.graph_scene, centre) == free_spot(eager.graph_scene, centre)
    assert lazy.graph_scene.nodes.waiting() == waiting
    corners = {n: lazy.graph_scene.corner(n) for n in lazy.graph_scene.nodes}
    assert corners == {n: (i.pos().x(), i.pos().y()) for n, i in eager.graph_scene.nodes.items()}
    assert lazy.graph_scene.nodes.waiting() == waiting
