"""Building f = (x + y) * z with the keyboard alone, and the keyboard-building keys.

Every key goes to whichever widget has the focus (``QApplication.focusWidget``),
as a user's key presses do: the test never reaches into a widget to type."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from chainrule.core.graph import Edge

pytestmark = pytest.mark.shown_window
C, S = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def key(k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(QApplication.focusWidget(), k, modifier)
    QApplication.processEvents()              # as between a user's key presses


def type_(text: str) -> None:
    QTest.keyClicks(QApplication.focusWidget(), text)


def add(op: str, name: str, value: str | None = None) -> None:
    key(Qt.Key.Key_Tab)                       # quick-add
    type_(op)
    key(Qt.Key.Key_Return)
    key(Qt.Key.Key_F2)                        # rename the new card in place
    type_(name)
    key(Qt.Key.Key_Return)
    if value is not None:
        key(Qt.Key.Key_Return)                # into the inspector's value field
        type_(value)
        key(Qt.Key.Key_Return)                # commit, and back to the canvas


def find(name: str) -> None:
    key(Qt.Key.Key_F, C)                      # the standard Find key: Find Node
    type_(name)
    key(Qt.Key.Key_Return)


def wire(to: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    key(Qt.Key.Key_W, modifier)               # the port picker (Shift: unwire)
    type_(to)
    key(Qt.Key.Key_Return)


@pytest.fixture
def keyboard_window(window, qtbot):
    QCursor.setPos(QPoint(-5000, -5000))      # the pointer is far from the canvas
    key(Qt.Key.Key_N, C)                      # File ▸ New
    assert len(window.document.graph) == 0
    return window


def test_f_equals_x_plus_y_times_z_by_key_presses_alone(keyboard_window):
    window = keyboard_window
    for op, name, value in (("input", "x", "-2"), ("input", "y", "5"), ("input", "z", "-4"),
                            ("add", "q", None), ("mul", "f", None)):
        add(op, name, value)
        assert window.canvas.hasFocus()
    graph = window.document.graph
    assert {n.id: n.op for n in graph.nodes()} == {"x": "input", "y": "input", "z": "input",
                                                   "q": "add", "f": "mul"}
    for node, port in (("x", "q.a"), ("y", "q.b"), ("q", "f.a"), ("z", "f.b")):
        find(node)
        wire(port)
    assert set(graph.edges()) == {Edge("x", "q", 0), Edge("y", "q", 1), Edge("q", "f", 0),
                                  Edge("z", "f", 1)}
    assert graph.effective_output() == "f"
    evaluation = window.document.evaluation
    assert evaluation.error is None and evaluation.value("f") == -12.0   # CS231n's example
    assert [evaluation.grad(n) for n in ("x", "y", "z", "q")] == [-4.0, -4.0, 3.0, -4.0]
    # Unwire and wire again, from the other end.
    find("f")
    wire("z f.b", S)
    assert Edge("z", "f", 1) not in graph.edges()
    wire("z f.b")
    assert Edge("z", "f", 1) in graph.edges()
    # The cards do not pile up: each keyboard-added card has its own place.
    scene = window.canvas.graph_scene
    rects = [scene.node_item(n).sceneBoundingRect() for n in graph.node_ids()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_brackets_select_in_reading_order_and_arrows_move(keyboard_window):
    window = keyboard_window
    add("input", "x")
    add("input", "y")
    canvas = window.canvas
    key(Qt.Key.Key_Escape)                     # clear the selection
    assert canvas.selected_nodes() == []
    key(Qt.Key.Key_BracketRight)
    assert canvas.selected_nodes() == ["x"]
    key(Qt.Key.Key_BracketRight)
    assert canvas.selected_nodes() == ["y"]
    key(Qt.Key.Key_BracketLeft)
    assert canvas.selected_nodes() == ["x"]
    before = window.document.graph.node("x").pos
    key(Qt.Key.Key_Down)
    assert window.document.graph.node("x").pos == (before[0], before[1] + 10)


def test_the_port_picker_offers_no_wire_that_would_make_a_cycle(keyboard_window):
    window = keyboard_window
    add("input", "x")
    add("neg", "n1")
    add("neg", "n2")
    find("n1")
    wire("n2.")
    find("n2")
    key(Qt.Key.Key_W)
    rows = window.keyboard.picker.row_texts()
    assert "n2 → n1.x" not in " ".join(rows) and not any(r.startswith("n2 → n1") for r in rows)
    assert "x → n2.x" not in rows                     # the port is fed already
    key(Qt.Key.Key_Escape)


def test_tidy_layout_is_one_undo_step(window):
    graph, stack = window.document.graph, window.document.undo_stack
    for n, node_id in enumerate(graph.node_ids()):
        graph.set_pos(node_id, (n * 7.0, n * 3.0))
    before = {n: graph.node(n).pos for n in graph.node_ids()}
    depth = stack.count()
    key(Qt.Key.Key_L, C | S)
    assert stack.count() == depth + 1 and stack.undoText() == "Tidy layout"
    xs = {graph.node(n).pos[0] for n in graph.node_ids()}
    assert len(xs) > 1 and all((x - min(xs)) % 220 == 0 for x in xs)
    stack.undo()
    assert {n: graph.node(n).pos for n in graph.node_ids()} == before
