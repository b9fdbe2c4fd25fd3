"""Editing on the canvas with real events: drops, wires, drags, keys, quick-add.

Mouse and drag events are sent to the view's viewport as Qt delivers them;
every assertion reads the model (document.graph) or its undo stack.
"""
from __future__ import annotations


from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from chainrule.core import fileformat
from chainrule.core.graph import Edge, Graph
from chainrule.gui.canvas import style
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.mime import OP_MIME
from chainrule.gui.document import Document

from chainrule.resources import DEMOS
from gui_events import drag, mouse, vp


# ------------------------------------------------------------------ helpers

def make_view(qtbot, graph: Graph | None = None) -> CanvasView:
    doc = Document(graph or fileformat.load(DEMOS / "03-add-mul.cgraph"))
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_zoom(1.0)
    view.centerOn(view.graph_scene.items_rect().center())
    messages: list[str] = []
    doc.message.connect(messages.append)
    view.messages = messages
    return view


def out_port(view, node_id) -> QPoint:
    return vp(view, view.graph_scene.nodes[node_id].output_port_scene())


def in_port(view, node_id, port) -> QPoint:
    return vp(view, view.graph_scene.nodes[node_id].input_port_scene(port))


def card_centre(view, node_id) -> QPoint:
    return vp(view, view.graph_scene.nodes[node_id].sceneBoundingRect().center()
              + QPointF(0, 3))


def empty_spot(view) -> QPoint:
    """A viewport point with no item under it."""
    for y in range(20, view.viewport().height(), 40):
        for x in range(20, view.viewport().width(), 40):
            if not view.items(QPoint(x, y)):
                return QPoint(x, y)
    raise AssertionError("no empty spot on the canvas")


def only_new(doc, before) -> str:
    """The id of the one node added since ``before`` (a list of ids)."""
    (new,) = set(doc.graph.node_ids()) - set(before)
    return new


def op_mime(op: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(OP_MIME, op.encode())
    return mime


# ------------------------------------------------------------------ drops

def test_palette_drop_adds_the_node_at_the_drop_point(qtbot):
    view = make_view(qtbot)
    doc = view.document
    before = doc.graph.node_ids()
    point = empty_spot(view)
    mime = op_mime("sigmoid")
    enter = QDragEnterEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(point), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()
    new = only_new(doc, before)
    assert doc.graph.node(new).op == "sigmoid"
    where = view.mapToScene(point)
    assert doc.graph.node(new).pos == (round(where.x() - style.NODE_W / 2),
                                       round(where.y() - style.NODE_H / 2))
    assert view.selected_nodes() == [new]
    # a leaf gets the value 0
    leaf = op_mime("input")          # the events do not own their data: keep it alive
    enter2 = QDragEnterEvent(point, Qt.CopyAction, leaf, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), enter2)
    drop2 = QDropEvent(QPointF(point), Qt.CopyAction, leaf, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), drop2)
    leaf = only_new(doc, before + [new])
    assert doc.graph.node(leaf).value == 0.0
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert new not in doc.graph and new not in view.graph_scene.nodes


def test_foreign_drag_is_refused_with_a_reason(qtbot):
    view = make_view(qtbot)
    before = view.document.graph.node_ids()
    mime = QMimeData()
    mime.setText("rm -rf /")
    point = empty_spot(view)
    enter = QDragEnterEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()
    assert any("only ops from the palette" in m.lower() for m in view.messages)
    drop = QDropEvent(QPointF(point), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), drop)
    assert view.document.graph.node_ids() == before
    # a file drag is left for the window: refused here without a canvas message
    files = QMimeData()
    files.setUrls([__import__("PySide6.QtCore").QtCore.QUrl.fromLocalFile("/tmp/x.cgraph")])
    view.messages.clear()
    enter = QDragEnterEvent(point, Qt.CopyAction, files, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted() and not view.messages


# ------------------------------------------------------------------ wires

def two_free_nodes(qtbot):
    g = Graph()
    g.add_node("a", "input", value=2.0, pos=(0, 0))
    g.add_node("n", "neg", pos=(250, 0))
    g.add_node("m", "mul", pos=(500, 0))
    g.connect("n", "m", 0)
    return make_view(qtbot, g)


def test_drawing_a_wire_connects(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    depth = doc.undo_stack.count()
    drag(view, out_port(view, "a"), in_port(view, "n", 0))
    assert doc.graph.has_edge(Edge("a", "n", 0))
    assert doc.undo_stack.count() == depth + 1
    assert Edge("a", "n", 0) in view.graph_scene.wires
    # the dashed wire and the port hints are gone
    # every item is a card, a wire, or the one label layer
    assert len(view.graph_scene.items()) - 1 == len(view.graph_scene.nodes) + \
        len(view.graph_scene.wires)
    assert all(item.hints is None for item in view.graph_scene.nodes.values())
    # dropping on a card body picks its free port
    drag(view, out_port(view, "a"), card_centre(view, "m"))
    assert doc.graph.has_edge(Edge("a", "m", 1))


def test_a_cycle_is_refused_and_the_message_names_the_loop(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    edges = doc.graph.edges()
    drag(view, out_port(view, "m"), in_port(view, "m", 1))        # onto itself
    assert doc.graph.edges() == edges
    assert "cycle" in view.messages[-1]
    drag(view, out_port(view, "m"), in_port(view, "n", 0))        # m → n → m
    assert doc.graph.edges() == edges
    assert "cycle" in view.messages[-1] and "n → m → n" in view.messages[-1]


def test_a_taken_port_is_refused(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    edges = doc.graph.edges()
    drag(view, out_port(view, "a"), in_port(view, "m", 0))        # m.a is fed by n
    assert doc.graph.edges() == edges
    assert "already fed by" in view.messages[-1] and '"n"' in view.messages[-1]


def test_ports_hint_while_dragging(qtbot):
    view = two_free_nodes(qtbot)
    scene = view.graph_scene
    mouse(view, QMouseEvent.Type.MouseButtonPress, out_port(view, "n"))
    mouse(view, QMouseEvent.Type.MouseMove, empty_spot(view), buttons=Qt.LeftButton)
    assert scene.nodes["m"].hints == {0: False, 1: True}       # taken, free
    assert scene.nodes["n"].hints == {0: False}               # itself: a cycle
    QTest.keyClick(view, Qt.Key_Escape)
    assert scene.nodes["m"].hints is None
    mouse(view, QMouseEvent.Type.MouseButtonRelease, empty_spot(view))
    assert not view.quick_add.isVisible()


def test_pulling_a_wire_off_an_input_moves_or_removes_it(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    depth = doc.undo_stack.count()
    drag(view, in_port(view, "m", 0), in_port(view, "m", 1))     # re-plug into b
    assert doc.graph.edges() == [Edge("n", "m", 1)]
    assert doc.undo_stack.count() == depth + 1
    drag(view, in_port(view, "m", 1), empty_spot(view))          # pull off, drop: removed
    assert doc.graph.edges() == []
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.graph.edges() == [Edge("n", "m", 0)]


def test_wire_dropped_on_empty_canvas_adds_a_connected_node(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    before = doc.graph.node_ids()
    depth = doc.undo_stack.count()
    drag(view, out_port(view, "a"), empty_spot(view))
    assert view.quick_add.isVisible()
    QTest.keyClicks(view.quick_add.edit, "tanh")
    QTest.keyClick(view.quick_add.edit, Qt.Key_Return)
    assert not view.quick_add.isVisible()
    new = only_new(doc, before)
    assert doc.graph.node(new).op == "tanh"
    assert doc.graph.has_edge(Edge("a", new, 0))
    assert doc.undo_stack.count() == depth + 1
    # every item is a card, a wire, or the one label layer
    assert len(view.graph_scene.items()) - 1 == len(view.graph_scene.nodes) + \
        len(view.graph_scene.wires)                              # no dashed wire left
    doc.undo_stack.undo()
    assert new not in doc.graph


def test_dragging_back_from_a_free_input_to_an_output(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    mouse(view, QMouseEvent.Type.MouseButtonPress, in_port(view, "m", 1))
    mouse(view, QMouseEvent.Type.MouseMove, empty_spot(view), buttons=Qt.LeftButton)
    assert view.graph_scene.nodes["a"].hints == {-1: True}
    assert view.graph_scene.nodes["m"].hints == {-1: False}      # itself: a cycle
    mouse(view, QMouseEvent.Type.MouseButtonRelease, card_centre(view, "a"))
    assert doc.graph.has_edge(Edge("a", "m", 1))
    drag(view, in_port(view, "n", 0), card_centre(view, "m"))    # n → m → n
    assert not doc.graph.has_edge(Edge("m", "n", 0))
    assert "cycle" in view.messages[-1]


def test_free_input_dropped_on_empty_canvas_adds_its_feeder(qtbot):
    view = two_free_nodes(qtbot)
    doc = view.document
    before = doc.graph.node_ids()
    depth = doc.undo_stack.count()
    drag(view, in_port(view, "n", 0), empty_spot(view))
    QTest.keyClicks(view.quick_add.edit, "const")
    QTest.keyClick(view.quick_add.edit, Qt.Key_Return)
    new = only_new(doc, before)
    assert doc.graph.node(new).op == "const" and doc.graph.node(new).value == 0.0
    assert doc.graph.has_edge(Edge(new, "n", 0))
    assert doc.undo_stack.count() == depth + 1
    assert all(item.hints is None for item in view.graph_scene.nodes.values())


# ------------------------------------------------------------------ moving

def test_dragging_a_card_is_one_undo_step(qtbot):
    view = make_view(qtbot)
    doc = view.document
    before = doc.graph.node("q").pos
    depth = doc.undo_stack.count()
    start = card_centre(view, "q")
    drag(view, start, start + QPoint(60, 35), steps=10)
    after = doc.graph.node("q").pos
    assert (round(after[0] - before[0]), round(after[1] - before[1])) == (60, 35)
    assert doc.undo_stack.count() == depth + 1
    wire = view.graph_scene.wires[Edge("q", "f", 0)]
    assert wire.ends()[0] == view.graph_scene.nodes["q"].output_port_scene()
    doc.undo_stack.undo()
    assert doc.graph.node("q").pos == before
    assert view.graph_scene.nodes["q"].pos() == QPointF(*before)


def test_dragging_a_selection_moves_all_of_it_in_one_step(qtbot):
    view = make_view(qtbot)
    doc = view.document
    view.select_nodes(["x", "y", "q"])
    before = {n: doc.graph.node(n).pos for n in ("x", "y", "q", "z")}
    depth = doc.undo_stack.count()
    start = card_centre(view, "q")
    drag(view, start, start + QPoint(-20, 40))
    for n in ("x", "y", "q"):
        assert doc.graph.node(n).pos == (before[n][0] - 20, before[n][1] + 40)
    assert doc.graph.node("z").pos == before["z"]
    assert doc.undo_stack.count() == depth + 1


def test_escape_during_a_drag_puts_the_cards_back(qtbot):
    view = make_view(qtbot)
    doc = view.document
    before = doc.graph.node("q").pos
    start = card_centre(view, "q")
    mouse(view, QMouseEvent.Type.MouseButtonPress, start)
    mouse(view, QMouseEvent.Type.MouseMove, start + QPoint(40, 40), buttons=Qt.LeftButton)
    QTest.keyClick(view, Qt.Key_Escape)
    mouse(view, QMouseEvent.Type.MouseMove, start + QPoint(80, 80), buttons=Qt.LeftButton)
    mouse(view, QMouseEvent.Type.MouseButtonRelease, start + QPoint(80, 80))
    assert doc.graph.node("q").pos == before
    assert view.graph_scene.nodes["q"].pos() == QPointF(*before)
    assert doc.undo_stack.count() == 0


def test_space_drag_pans_instead_of_selecting(qtbot):
    view = make_view(qtbot)
    view.setFocus()
    before = view.mapToScene(QPoint(0, 0))
    QTest.keyPress(view, Qt.Key_Space)
    start = card_centre(view, "q")
    drag(view, start, start + QPoint(-70, 30))
    QTest.keyRelease(view, Qt.Key_Space)
    after = view.mapToScene(QPoint(0, 0))
    assert (round(after.x() - before.x()), round(after.y() - before.y())) == (70, -30)
    assert view.document.undo_stack.count() == 0


def test_arrow_keys_nudge_in_one_undo_step(qtbot):
    view = make_view(qtbot)
    doc = view.document
    view.select_nodes(["x", "y"])
    before = {n: doc.graph.node(n).pos for n in ("x", "y")}
    depth = doc.undo_stack.count()
    view.setFocus()
    for _ in range(3):
        QTest.keyClick(view, Qt.Key_Right)
    QTest.keyClick(view, Qt.Key_Up, Qt.ShiftModifier)
    assert doc.graph.node("x").pos == (before["x"][0] + 30, before["x"][1] - 1)
    assert doc.graph.node("y").pos == (before["y"][0] + 30, before["y"][1] - 1)
    assert doc.undo_stack.count() == depth + 1
    doc.undo_stack.undo()
    assert {n: doc.graph.node(n).pos for n in ("x", "y")} == before


# ------------------------------------------------------------------ selection commands

def test_delete_and_undo(qtbot):
    view = make_view(qtbot)
    doc = view.document
    edges = doc.graph.edges()
    view.select_nodes(["q"])
    view.delete_selection()
    assert "q" not in doc.graph and "q" not in view.graph_scene.nodes
    assert Edge("x", "q", 0) not in view.graph_scene.wires
    doc.undo_stack.undo()
    assert set(doc.graph.edges()) == set(edges)
    assert set(view.graph_scene.wires) == set(edges)
    # a selected wire alone
    view.graph_scene.clearSelection()
    view.graph_scene.wires[Edge("z", "f", 1)].setSelected(True)
    assert view.selected_edges() == [Edge("z", "f", 1)]
    view.delete_selection()
    assert not doc.graph.has_edge(Edge("z", "f", 1)) and "z" in doc.graph


def test_duplicate(qtbot):
    view = make_view(qtbot)
    doc = view.document
    view.select_nodes(["x", "q"])
    depth = doc.undo_stack.count()
    view.duplicate_selection()
    new = view.selected_nodes()
    assert len(new) == 2 and not {"x", "q"} & set(new)
    copies = {doc.graph.node(n).op: n for n in new}
    assert doc.graph.has_edge(Edge(copies["input"], copies["add"], 0))
    x, x2 = doc.graph.node("x"), doc.graph.node(copies["input"])
    assert (x2.pos[0] - x.pos[0], x2.pos[1] - x.pos[1]) == (30, 30)
    assert x2.value == x.value
    assert doc.undo_stack.count() == depth + 1


def test_copy_paste_round_trip_through_the_clipboard(qtbot):
    from chainrule.gui.mime import GRAPH_MIME
    view = make_view(qtbot)
    doc = view.document
    view.select_nodes(["x", "y", "q"])
    view.copy_selection()
    mime = QApplication.clipboard().mimeData()
    assert mime.hasFormat(GRAPH_MIME) and mime.hasText()
    copied = fileformat.loads(mime.text())
    assert sorted(copied.node_ids()) == ["q", "x", "y"] and len(copied.edges()) == 2
    n = len(doc.graph)
    view.paste()
    assert len(doc.graph) == n + 3
    new = view.selected_nodes()
    assert len(new) == 3
    ops = sorted(doc.graph.node(i).op for i in new)
    assert ops == ["add", "input", "input"]
    assert sum(1 for e in doc.graph.edges() if e.src in new and e.dst in new) == 2
    doc.undo_stack.undo()
    assert len(doc.graph) == n
    # plain text of a file pastes too; anything else is refused with a message
    QApplication.clipboard().setText((DEMOS / "01-neuron.cgraph").read_text())
    view.paste()
    assert len(doc.graph) == n + 10
    QApplication.clipboard().setText("hello")
    view.paste()
    assert len(doc.graph) == n + 10
    assert view.messages[-1].startswith("Cannot paste")


def test_rubber_band_selects_the_cards_inside(qtbot):
    view = make_view(qtbot)
    seen = []
    view.selection_changed_to.connect(lambda nodes, edges: seen.append(nodes))
    scene = view.graph_scene
    box = scene.nodes["x"].sceneBoundingRect().united(scene.nodes["y"].sceneBoundingRect())
    start = vp(view, box.topLeft() - QPointF(25, 25))
    end = vp(view, box.bottomRight() + QPointF(10, 10))
    drag(view, start, end)
    assert set(view.selected_nodes()) == {"x", "y"}
    assert seen and set(seen[-1]) == {"x", "y"}
    assert view.document.undo_stack.count() == 0


def test_select_all_and_selection_signal(qtbot):
    view = make_view(qtbot)
    seen = []
    view.selection_changed_to.connect(lambda nodes, edges: seen.append((nodes, edges)))
    view.select_all()
    assert set(view.selected_nodes()) == set(view.document.graph.node_ids())
    assert seen and set(seen[-1][0]) == set(view.document.graph.node_ids())


# ------------------------------------------------------------------ quick add, zoom

def test_tab_opens_quick_add_and_enter_adds(qtbot):
    view = make_view(qtbot)
    doc = view.document
    before = doc.graph.node_ids()
    view.setFocus()
    QTest.keyClick(view, Qt.Key_Tab)
    assert view.quick_add.isVisible()
    QTest.keyClicks(view.quick_add.edit, "sigm")
    assert view.quick_add.list.currentItem().data(Qt.UserRole) == "sigmoid"
    QTest.keyClick(view.quick_add.edit, Qt.Key_Return)
    assert doc.graph.node(only_new(doc, before)).op == "sigmoid"
    assert not view.quick_add.isVisible()
    QTest.keyClick(view, Qt.Key_Tab)
    QTest.keyClick(view.quick_add.edit, Qt.Key_Escape)
    assert not view.quick_add.isVisible()
    assert len(doc.graph) == 6


def test_quick_add_finds_and_adds_every_deep_learning_op(qtbot):
    from chainrule.core import ops, ops_deep
    view = make_view(qtbot)
    doc = view.document
    for name in ops_deep.DEEP_OPS:
        before = doc.graph.node_ids()
        view.setFocus()
        QTest.keyClick(view, Qt.Key_Tab)
        assert view.quick_add.isVisible()
        QTest.keyClicks(view.quick_add.edit, name)
        assert view.quick_add.list.currentItem().data(Qt.UserRole) == name
        QTest.keyClick(view.quick_add.edit, Qt.Key_Return)
        assert doc.graph.node(only_new(doc, before)).op == name
    # and by group: every op of the group is listed
    QTest.keyClick(view, Qt.Key_Tab)
    QTest.keyClicks(view.quick_add.edit, "normalisation")
    listed = {view.quick_add.list.item(i).data(Qt.UserRole)
              for i in range(view.quick_add.list.count())}
    assert listed >= {n for n, op in ops.OPS.items() if op.group == "normalisation"}
    QTest.keyClick(view.quick_add.edit, Qt.Key_Escape)


def test_double_click_on_empty_canvas_opens_quick_add(qtbot):
    view = make_view(qtbot)
    doc = view.document
    before = doc.graph.node_ids()
    spot = empty_spot(view)
    QTest.mouseDClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, spot)
    assert view.quick_add.isVisible()
    QTest.keyClicks(view.quick_add.edit, "mse")
    QTest.keyClick(view.quick_add.edit, Qt.Key_Return)
    new = only_new(doc, before)
    assert doc.graph.node(new).op == "mse"
    where = view.mapToScene(spot)
    assert doc.graph.node(new).pos == (round(where.x() - style.NODE_W / 2),
                                       round(where.y() - style.NODE_H / 2))


def test_quick_add_matching():
    from chainrule.gui.canvas.quick_add import matching_ops
    assert matching_ops("sig")[0].name == "sigmoid"
    assert matching_ops("σ")[0].name == "sigmoid"
    assert {op.name for op in matching_ops("loss")} == {"mse", "cross_entropy", "bce",
                                                        "bce_logits", "hinge"}
    assert "input" not in {op.name for op in matching_ops("", with_inputs_only=True)}


def test_zoom(qtbot):
    view = make_view(qtbot)
    view.zoom_in()
    assert abs(view.zoom() - 1.25) < 1e-9
    view.zoom_out()
    view.zoom_out()
    assert abs(view.zoom() - 0.8) < 1e-9
    pos = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(pos, view.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 240),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() > 0.8
    for _ in range(100):
        view.zoom_in()
    assert view.zoom() == 4.0                     # clamped
    view.fit_all()
    rect = view.mapFromScene(view.graph_scene.items_rect()).boundingRect()
    assert view.viewport().rect().contains(rect)


def test_the_graph_stays_fitted_until_the_user_zooms(qtbot):
    doc = Document(fileformat.load(DEMOS / "05-two-layer.cgraph"))
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    view.resize(1200, 800)
    qtbot.waitUntil(lambda: view.zoom() > 0.5)
    fitted = view.zoom()
    rect = view.mapFromScene(view.graph_scene.items_rect()).boundingRect()
    assert view.viewport().rect().contains(rect)
    view.zoom_in()
    view.resize(600, 400)
    qtbot.waitUntil(lambda: view.viewport().width() <= 600)     # the resize has arrived
    assert abs(view.zoom() - fitted * 1.25) < 1e-9


def test_middle_drag_pans(qtbot):
    view = make_view(qtbot)
    before = view.mapToScene(QPoint(0, 0))
    drag(view, QPoint(500, 300), QPoint(400, 250), button=Qt.MiddleButton)
    after = view.mapToScene(QPoint(0, 0))
    assert (round(after.x() - before.x()), round(after.y() - before.y())) == (100, 50)
    assert view.document.undo_stack.count() == 0
