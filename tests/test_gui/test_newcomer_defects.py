"""The defects a newcomer hit in the first ten minutes, each driven through the window.

Each test fails on the code before its fix (issue "defects a newcomer hit").
"""
from __future__ import annotations

import re

import pytest
from gui_text import plain
from PySide6.QtWidgets import QLabel

from chainrule.core.graph import Edge
from chainrule.gui.commands import Connect, Disconnect

pytestmark = pytest.mark.shown_window

ENTITY = re.compile(r"&(quot|amp|lt|gt|#x?[0-9a-fA-F]+);")


def build_mul(window, wired: bool = False):
    """x * y from File ▸ New, the way a newcomer builds it (``wired``: with its wires)."""
    window.files.new()
    x = window.add_op_at_centre("input")
    y = window.add_op_at_centre("input")
    m = window.add_op_at_centre("mul")
    if wired:
        wire(window, x, m, 0)
        wire(window, y, m, 1)
    return x, y, m


def build_chain(window, op: str):
    """op(x * y): the product feeding one more card."""
    x, y, m = build_mul(window, wired=True)
    last = window.add_op_at_centre(op)
    wire(window, m, last, 0)
    return x, y, m, last


def wire(window, src, dst, port):
    window.document.push(Connect(window.document, Edge(src, dst, port)))
    window.document.evaluate_now()


def inspector_texts(window) -> list[str]:
    return [plain(label) for label in window.inspector.findChildren(QLabel)
            if label.isVisibleTo(window.inspector) and label.text()]


# 1 -------------------------------------------------------------------------

def test_1_the_inspector_shows_quotes_as_quotes_never_html_entities(make_window):
    window = make_window()
    x, y, m = build_mul(window)
    window.canvas.select_nodes([m])            # "node "mul1" (mul): ports a, b not connected"
    texts = inspector_texts(window)
    assert any('"mul1"' in t for t in texts), texts
    window.canvas.select_nodes([])
    texts += inspector_texts(window)
    window.canvas.select_nodes([x, m])
    texts += inspector_texts(window)
    assert not [t for t in texts if ENTITY.search(t)]


# 2 -------------------------------------------------------------------------

def test_2_after_wiring_the_inspector_says_the_node_is_the_output(make_window):
    window = make_window()
    x, y, m = build_mul(window)
    window.canvas.select_nodes([m])
    assert plain(window.inspector.output_label) == "Not the output."
    wire(window, x, m, 0)
    wire(window, y, m, 1)
    assert window.document.graph.effective_output() == m
    assert plain(window.inspector.output_label).startswith("The output")
    assert window.canvas.graph_scene.node_item(m).is_output if hasattr(
        window.canvas.graph_scene.node_item(m), "is_output") else True


# 3 -------------------------------------------------------------------------

def test_3_deleting_a_wire_keeps_the_output_and_says_what_is_missing(make_window):
    window = make_window()
    x, y, m, sq = build_chain(window, "square")
    doc = window.document
    assert doc.evaluation.grad(x) is not None
    doc.push(Disconnect(doc, Edge(m, sq, 0)))      # now two ends: mul1 and square1
    ev = doc.evaluate_now()
    assert ev.output == sq and "several ends" not in (ev.error or "")
    assert "port x not connected" in ev.error
    wire(window, m, sq, 0)                          # wired again: every gradient is back
    assert doc.evaluation.grad(x) is not None
    doc.undo_stack.undo()                           # and the undo of that wire the same
    doc.undo_stack.undo()
    ev = doc.evaluate_now()
    assert ev.output == sq


def test_3_an_unwired_card_keeps_every_gradient_and_the_inspector_names_the_output(make_window):
    window = make_window()
    x, y, m = build_mul(window, wired=True)
    doc = window.document
    extra = window.add_op_at_centre("tanh")         # a second end
    ev = doc.evaluate_now()
    assert ev.error is None and ev.output == m and ev.grad(x) is not None
    scene = window.canvas.graph_scene
    assert scene.wire_item(Edge(x, m, 0)).grad_text() is not None
    window.canvas.select_nodes([])
    text = plain(window.inspector.graph_output)
    assert f"Output {m}" in text and "several ends" in text
    window.canvas.select_nodes([extra])
    assert plain(window.inspector.output_label) == f"Not the output (the output is {m})."
    window.canvas.select_nodes([m])
    assert "kept while the graph has several ends" in plain(window.inspector.output_label)


def test_3_adding_an_unwired_card_keeps_the_output_until_another_is_chosen(make_window):
    window = make_window("04-linear-chain.cgraph")
    doc = window.document
    graph = doc.graph
    out_before = graph.effective_output()
    graph.set_output(None) if graph.output else None
    doc.evaluate_now()
    assert graph.effective_output() == out_before
    extra = window.add_op_at_centre("tanh")
    ev = doc.evaluate_now()
    assert ev.output == out_before and ev.error is None
    window.canvas.select_nodes([extra])
    window.set_output_from_selection()              # the user chooses another
    ev = doc.evaluate_now()
    assert ev.output == extra


# 7 -------------------------------------------------------------------------

def test_7_the_caret_lands_on_the_error_after_shift_return_line_breaks(make_window, qtbot):
    from PySide6.QtCore import Qt
    window = make_window()
    bar = window.program_bar
    bar.editor.setFocus()
    bar.set_text("")
    qtbot.keyClicks(bar.editor, "x = 2")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(bar.editor, "y = 3")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(bar.editor, "f = x.real + y")
    assert not bar.replace()
    assert "line 3" in bar.status.text()
    cursor = bar.editor.textCursor()
    text = bar.text()
    line = text[:cursor.position()].count("\n") + 1
    assert line == 3, (text, cursor.position())
    col = int(re.search(r"line 3, column (\d+)", bar.status.text()).group(1))
    assert cursor.position() - text.rindex("\n") == col


# 8 -------------------------------------------------------------------------

def test_8_quiz_hides_the_answers_at_once_focuses_the_answer_and_says_why_it_waits(
        make_window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    window = make_window("03-add-mul.cgraph")
    scene = window.canvas.graph_scene
    panel = window.learning.quiz_panel
    assert any(w.grad_text() not in (None, "") for w in scene.wires.values())
    window.learning.actions["quiz_mode"].trigger()
    # before the first step nothing gives an answer away
    assert [w.grad_text() for w in scene.wires.values() if w.grad_text()] == []
    controller = window.step_through.controller
    messages = []
    window.document.message.connect(messages.append)
    window.canvas.setFocus()
    for _ in range(20):
        if panel.question is not None:
            break
        qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    assert panel.question is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.answer_edit)
    held = controller.position
    window.canvas.setFocus()
    messages.clear()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)      # → at the unanswered question
    assert controller.position == held
    assert any("answer" in m.lower() for m in messages), messages
    assert QApplication.focusWidget() is panel.answer_edit


# 9 -------------------------------------------------------------------------

def _curve_pixels(panel) -> int:
    """Pixels of the loss plot in the curve's colour (what a person sees drawn)."""
    from PySide6.QtGui import QColor
    panel.plot.repaint()
    image = panel.plot.grab().toImage()
    want = QColor(panel.curve.opts["pen"].color())
    count = 0
    for y in range(0, image.height(), 1):
        for x in range(0, image.width(), 1):
            c = QColor(image.pixel(x, y))
            if abs(c.red() - want.red()) + abs(c.green() - want.green()) + \
                    abs(c.blue() - want.blue()) < 60:
                count += 1
    return count


def test_9_one_step_shows_on_the_loss_plot(make_window, qtbot):
    from PySide6.QtCore import Qt
    window = make_window("10-fit-two-layer.cgraph")
    panel = window.learning.train_panel
    window.docks["train"].show()
    panel.plot.resize(300, 200)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    panel._redraw_plot()
    assert panel.plotted_points == 1
    assert _curve_pixels(panel) > 5


def test_9_undoing_a_run_resets_the_axes_and_the_progress_bar(make_window, qtbot):
    from PySide6.QtCore import Qt
    window = make_window("10-fit-two-layer.cgraph")
    panel = window.learning.train_panel
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    panel.run(200)
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
    assert panel.progress.text().startswith("200 of 200")
    window.document.undo_stack.undo()                 # the Run
    panel._redraw_plot()
    assert panel.plotted_points == 1
    assert "200" not in panel.progress.text()
    x_range = panel.plot.getPlotItem().getViewBox().viewRange()[0]
    assert x_range[1] < 50, x_range                   # not the 200 steps that are gone


# 4 (the cut numbers) -------------------------------------------------------

def test_4_a_number_on_a_short_wire_is_never_cut(make_window):
    window = make_window()
    scene = window.canvas.graph_scene
    for item in scene.wires.values():
        for label in item._current_labels(scene):
            if label is not None and "[" not in label.text:
                assert label.static.text() == label.text
    x, y, m = build_mul(window, wired=True)
    item = scene.wire_item(Edge(x, m, 0))
    item._room = 56.0                                  # the narrowest gap there is
    item._labels_key = None
    value, _grad, _tangent = item._current_labels(scene)
    assert value.static.text() == value.text


# 10 ------------------------------------------------------------------------

def test_10_palette_double_click_never_drops_a_card_on_another(make_window, qtbot):
    window = make_window()
    window.files.new()
    scene = window.canvas.graph_scene
    ids = [window.add_op_at_centre("add") for _ in range(6)]
    rects = [scene.node_item(n).sceneBoundingRect() for n in ids]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b)


def test_10_wires_are_easy_to_hit_and_their_labels_select_them(make_window):
    window = make_window()
    scene = window.canvas.graph_scene
    item = scene.wire_item(Edge("s1", "f", 0))
    window.canvas.viewport().repaint()
    placed = item._placed_labels(scene)
    label_rect = placed[2][0]
    assert item.shape().contains(label_rect.center())
    p = item.point_at(0.3)
    assert item.shape().contains(p + type(p)(0, 8))      # 8 px off the line still hits


def test_10_the_undo_history_names_things_as_the_rest_of_the_editor_does(make_window):
    window = make_window()
    x, y, m = build_mul(window)
    stack = window.document.undo_stack
    assert stack.undoText() == "Add mul1"                # not "Add mul mul1"
    wire(window, x, m, 0)
    assert stack.undoText() == f"Connect {x} → {m}.a"    # the port's name, not its number
    window.document.undo_stack.undo()


def test_10_an_edit_during_a_step_through_says_it_ended(make_window, qtbot):
    window = make_window()
    messages = []
    window.document.message.connect(messages.append)
    window.step_through.controller.step()
    window.canvas.select_nodes(["w0"])
    window.inspector.spin.setValue(3.0)
    qtbot.waitUntil(lambda: any("step-through" in m for m in messages))
    said = next(m for m in messages if "step-through" in m)
    assert "ended" in said and "starts again" not in said


# 5 -------------------------------------------------------------------------

def _crosses_cards(scene, item, margin=6.0) -> list[str]:
    """The cards (other than near its own two ports) that the wire's line passes over."""
    from PySide6.QtCore import QRectF
    from chainrule.gui.canvas import style
    hits = set()
    p0, p1 = item.ends()
    for k in range(1, 400):
        p = item.point_at(k / 400)
        if min((p - p0).manhattanLength(), (p - p1).manhattanLength()) < 20:
            continue
        for node_id, card in scene.nodes.items():
            body = QRectF(card.pos().x() + margin, card.pos().y() + margin,
                          style.NODE_W - 2 * margin, style.NODE_H - 2 * margin)
            if body.contains(p):
                hits.add(node_id)
    return sorted(hits)


def test_5_wires_going_right_to_left_run_around_the_cards(make_window, tmp_path):
    from chainrule.core import fileformat
    from chainrule.core.graph import Graph
    g = Graph()
    g.add_node("x", "input", value=2.0, pos=(500, 100))
    g.add_node("y", "input", value=3.0, pos=(250, 100))
    g.add_node("m", "mul", pos=(0, 120))
    g.add_node("q", "square", pos=(250, 20))
    g.connect("x", "m", 0)
    g.connect("y", "m", 1)
    g.connect("m", "q", 0)
    path = tmp_path / "back.cgraph"
    fileformat.save(g, path)
    window = make_window()
    window.files.adopt(fileformat.load(path), path)
    scene = window.canvas.graph_scene
    for edge in (Edge("x", "m", 0), Edge("y", "m", 1)):
        item = scene.wire_item(edge)
        assert _crosses_cards(scene, item) == [], edge
    # the two lanes into m are apart, so the wires do not lie on each other
    a, b = (scene.wire_item(e).point_at(0.5).y() for e in (Edge("x", "m", 0), Edge("y", "m", 1)))
    assert abs(a - b) >= 8


def _pixels_near(image, rect, colour, tol=90) -> int:
    n = 0
    for y in range(max(0, int(rect.top())), min(image.height(), int(rect.bottom()) + 1)):
        for x in range(max(0, int(rect.left())), min(image.width(), int(rect.right()) + 1)):
            c = image.pixelColor(x, y)
            if abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + \
                    abs(c.blue() - colour.blue()) < tol:
                n += 1
    return n


def test_4_a_short_wire_shows_its_gradient_label_over_the_cards(make_window, qtbot):
    from chainrule.gui.canvas import style
    window = make_window()
    x, y, m, f = build_chain(window, "sigmoid")
    scene = window.canvas.graph_scene
    mx, my = scene.node_item(m).pos().x(), scene.node_item(m).pos().y()
    window.document.graph.set_pos(f, (mx + style.NODE_W + 12, my))   # a 12 px gap: short
    item = scene.wire_item(Edge(m, f, 0))
    window.canvas.resetTransform()
    window.canvas.centerOn(item.label_anchor())
    qtbot.wait(20)
    window.canvas.viewport().repaint()
    placed = item._placed_labels(scene)
    rects = {}
    for r, _p, _s, c in placed[2:]:
        rects.setdefault(c.rgb(), r)
    grad_rect = rects[style.GRAD.rgb()]
    view = window.canvas
    image = view.viewport().grab().toImage()
    from PySide6.QtCore import QRectF
    over_cards = 0
    for node_id in (m, f):
        card = scene.node_item(node_id)
        body = QRectF(card.pos().x(), card.pos().y(), style.NODE_W, style.NODE_H)
        part = grad_rect.intersected(body)
        if not part.isEmpty():
            over_cards += _pixels_near(image, view.mapFromScene(part).boundingRect(), style.GRAD)
    assert over_cards > 8          # the part of the number over a card is drawn, not hidden
