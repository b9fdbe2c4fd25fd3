"""The Your Backward Pass panel, driven by real key presses: type, Ctrl+Enter, marks
in the editor and rings on the canvas, "Show me" moving the step-through, the
answer kept with the graph (undo, save and open)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from chainrule.core import fileformat as ff
from chainrule.gui.answer_panel import BAD, MARK, OK

pytestmark = pytest.mark.shown_window


def panel_of(window):
    return window.answer.panel


def type_answer(qtbot, window, text: str) -> None:
    editor = panel_of(window).editor
    window.answer.dock.show()
    window.answer.dock.raise_()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key_Delete)
    for k, line in enumerate(text.split("\n")):
        if k:
            qtbot.keyClick(editor, Qt.Key_Return)
        qtbot.keyClicks(editor, line)


def ctrl_enter(qtbot, window) -> None:
    editor = panel_of(window).editor
    window.answer.dock.raise_()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    qtbot.keyClick(editor, Qt.Key_Return, Qt.ControlModifier)


def test_type_check_with_ctrl_enter_marks_lines_and_rings(qtbot, make_window):
    window = make_window("01-neuron.cgraph")
    type_answer(qtbot, window, "grad_s1 = (1 - f) * f\ngrad_x0 = w0 * f")
    assert window.document.graph.answer == "grad_s1 = (1 - f) * f\ngrad_x0 = w0 * f"
    ctrl_enter(qtbot, window)
    panel = panel_of(window)
    assert panel.report is not None
    assert panel.editor.mark_of(1)[0] == "✓" and panel.editor.mark_of(2)[0] == "✗"
    assert "value_for_gradient" in panel.editor.mark_of(2)[2]
    assert "you used f (value 0.7311)" in panel.editor.mark_of(2)[2]
    nodes = window.canvas.graph_scene.nodes
    assert nodes["s1"].rings[MARK] == OK and nodes["x0"].rings[MARK] == BAD
    tip = window.canvas.graph_scene.node_tooltip("x0")
    assert "expected 0.3932, given 1.462" in tip
    assert panel.missing.isVisible() and "grad_w0" in panel.missing.text()
    # the program bar's Ctrl+Enter did not run: the graph is the same
    assert "f" in window.document.graph and len(window.document.graph) == 10


def test_show_me_steps_to_where_the_gradient_is_made(qtbot, make_window):
    window = make_window("18-your-backward-pass.cgraph")
    panel = panel_of(window)
    assert "grad_x0 = w0 * activation" in panel.text()   # the demo's answer is loaded
    ctrl_enter(qtbot, window)
    wrong = [v.code for v in panel.report.claims if not v.ok]
    assert wrong == ["value_for_gradient"] * 5
    cursor = panel.editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.Start)
    cursor.movePosition(cursor.MoveOperation.Down, n=3)     # line 4: grad_w0
    panel.editor.setTextCursor(cursor)
    assert panel.show_button.isEnabled()
    qtbot.mouseClick(panel.show_button, Qt.LeftButton)
    controller = window.step_through.controller
    assert controller.current is not None and controller.current.node == "w0"
    assert controller.position == controller.stepper.backward_position("w0")
    assert controller.position > controller.n_forward          # in the backward pass
    assert window.docks["chain"].isVisible() and window.answer.dock.isVisible()


def test_fixing_a_line_turns_it_green(qtbot, make_window):
    window = make_window("18-your-backward-pass.cgraph")
    panel = panel_of(window)
    lines = panel.text().splitlines()
    fixed = "\n".join(lines[:3] + [lines[3].replace("activation", "grad_product")] + lines[4:])
    type_answer(qtbot, window, fixed)
    ctrl_enter(qtbot, window)
    assert panel.editor.mark_of(4)[0] == "✓" and panel.editor.mark_of(5)[0] == "✗"
    nodes = window.canvas.graph_scene.nodes
    assert nodes["w0"].rings[MARK] == OK and nodes["x0"].rings[MARK] == BAD


def test_the_answer_is_undone_saved_and_opened_again(qtbot, make_window, tmp_path):
    window = make_window("01-neuron.cgraph")
    type_answer(qtbot, window, "grad_w2 = 1")
    assert window.document.modified
    window.document.undo_stack.undo()
    assert window.document.graph.answer == "" and panel_of(window).text() == ""
    window.document.undo_stack.redo()
    assert panel_of(window).text() == "grad_w2 = 1"
    path = tmp_path / "mine.cgraph"
    window.files.ask_save_path = lambda: str(path)
    assert window.files.save()
    assert ff.load(path).answer == "grad_w2 = 1"
    window.close()          # a file open in another window would only bring that one forward
    other = make_window("03-add-mul.cgraph")
    assert panel_of(other).text() == ""
    assert other.files.open(str(path), ask=False)
    assert panel_of(other).text() == "grad_w2 = 1"


def test_a_refused_answer_says_where_and_changes_nothing(qtbot, make_window):
    window = make_window("01-neuron.cgraph")
    type_answer(qtbot, window, "grad_w0 = x0 * (1 - f) * f\ngrad_x0 = (w0")
    ctrl_enter(qtbot, window)
    panel = panel_of(window)
    assert panel.report is None and "syntax error" in panel.summary.text()
    assert panel.editor.mark_of(2)[0] == "✗" and panel.editor.mark_of(1) is None
    assert not window.canvas.graph_scene.nodes["x0"].rings


def test_a_line_the_language_refuses_is_marked_and_the_rest_checked(qtbot, make_window):
    window = make_window("01-neuron.cgraph")
    type_answer(qtbot, window, "grad_w0 = x0 * (1 - f) * f\ngrad_x0 = w0 ^ 2")
    ctrl_enter(qtbot, window)
    panel = panel_of(window)
    assert panel.editor.mark_of(1)[0] == "✓" and panel.editor.mark_of(2)[0] == "✗"
    assert "use ** for a power" in panel.editor.mark_of(2)[2]
    assert window.canvas.graph_scene.nodes["x0"].rings[MARK] == BAD


def test_editing_the_graph_clears_the_marks(qtbot, make_window):
    window = make_window("01-neuron.cgraph")
    type_answer(qtbot, window, "grad_x0 = w0 * (1 - f) * f")
    ctrl_enter(qtbot, window)
    assert window.canvas.graph_scene.nodes["x0"].rings
    window.document.graph.set_value("x0", 3.0)
    QApplication.processEvents()
    assert not window.canvas.graph_scene.nodes["x0"].rings
    assert panel_of(window).editor.marks == {}


def test_checking_an_empty_graph_says_why_and_the_window_keeps_working(qtbot, make_window):
    window = make_window("01-neuron.cgraph")
    window.files.new() if hasattr(window.files, "new") else None
    type_answer(qtbot, window, "grad_x = 1")
    ctrl_enter(qtbot, window)
    panel = panel_of(window)
    assert panel.report is None and "cannot be graded" in panel.summary.text()
    assert window.isVisible()


def test_the_panel_sits_beside_chain_rule(make_window):
    window = make_window("18-your-backward-pass.cgraph")
    from PySide6.QtCore import Qt
    assert window.dockWidgetArea(window.answer.dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert window.answer.dock not in window.tabifiedDockWidgets(window.docks["chain"])
    assert window.answer.dock.isVisible()
