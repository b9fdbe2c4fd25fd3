"""The program bar: Replace graph, Add beside, and refusals that leave the graph alone."""
from __future__ import annotations

from PySide6.QtCore import Qt

from chainrule.core import fileformat


def test_replace_builds_the_program_graph_in_one_undo_step(window, qtbot):
    bar = window.program_bar
    before = fileformat.dumps(window.document.graph)
    bar.set_text("x = -2; y = 5; z = -4\nf = (x + y) * z")
    qtbot.mouseClick(bar.replace_button, Qt.MouseButton.LeftButton)
    graph = window.document.graph
    assert set(graph.node_ids()) >= {"x", "y", "z", "f"} and "w0" not in graph
    evaluation = window.document.evaluation
    assert evaluation.value("f") == -12.0 and evaluation.grad("x") == -4.0
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert fileformat.dumps(window.document.graph) == before


def test_ctrl_enter_in_the_editor_replaces(window, qtbot):
    window.show()
    bar = window.program_bar
    bar.editor.setFocus()
    qtbot.keyClicks(bar.editor, "f = sigmoid(a)")
    qtbot.keyClick(bar.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.document.graph.node("f").op == "sigmoid"


def test_add_beside_keeps_the_graph_and_puts_the_program_to_its_right(window):
    graph = window.document.graph
    right_edge = max(n.pos[0] for n in graph.nodes())
    old = set(graph.node_ids())
    bar = window.program_bar
    bar.set_text("x0 = 3\nq = x0 * 2")
    assert bar.add_beside()
    new = set(graph.node_ids()) - old
    assert old <= set(graph.node_ids()) and len(new) == 3     # x0 → x2 (renamed), c1, q
    assert all(graph.node(n).pos[0] > right_edge for n in new)
    assert graph.output == "f"                                 # the existing output stays
    assert "x0" in bar.status.text()                          # the renamed id is reported
    window.document.undo_stack.undo()
    assert set(graph.node_ids()) == old


def test_add_beside_on_an_empty_canvas_makes_the_program_output_the_output(window):
    window.files.new()
    window.program_bar.set_text("f = (a + b) * c")
    assert window.program_bar.add_beside()
    assert window.document.graph.output == "f"


def test_a_bad_program_shows_line_and_column_and_changes_nothing(window):
    bar = window.program_bar
    before = fileformat.dumps(window.document.graph)
    bar.set_text("x = 2\nf = x.real")
    assert not bar.replace()
    assert not bar.add_beside()
    assert bar.status.isVisibleTo(bar)
    assert bar.status.text().startswith("line 2, column ")
    assert bar.status.property("kind") == "error"
    assert fileformat.dumps(window.document.graph) == before
    assert window.document.undo_stack.count() == 0
    assert bar.editor.textCursor().blockNumber() == 1       # the cursor went to the error


def test_unset_names_start_at_zero_and_the_message_says_which(window):
    bar = window.program_bar
    bar.set_text("f = (x + y) * z")
    assert bar.replace()
    graph = window.document.graph
    assert [graph.node(n).value for n in ("x", "y", "z")] == [0.0, 0.0, 0.0]
    text = bar.status.text()
    assert "x, y, z" in text and "0" in text
    assert bar.status.property("kind") == "note"
    bar.set_text("a = 1\nf = a * 2")
    assert bar.replace()
    assert bar.status.isHidden()


def test_replace_drops_the_demos_title_and_shows_the_new_graph_whole(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    canvas.set_zoom(3.0)                                  # far in, somewhere else
    canvas.centerOn(-2000, -2000)
    assert window.document.graph.title
    bar = window.program_bar
    bar.set_text("a = 1; b = 2\nf = a * b")
    qtbot.mouseClick(bar.replace_button, Qt.MouseButton.LeftButton)
    graph = window.document.graph
    assert graph.title == "" and graph.description == ""
    window.inspector.show_graph()
    assert window.inspector.graph_title.text() == "Untitled graph"
    screen = canvas.viewport().rect()
    for item in canvas.graph_scene.nodes.values():
        assert screen.contains(canvas.mapFromScene(item.sceneBoundingRect()).boundingRect())
    window.document.undo_stack.undo()
    assert window.document.graph.title                     # undo brings the title back


def test_add_beside_says_where_the_program_went(window):
    bar = window.program_bar
    bar.set_text("g = sin(u)")
    bar.add_beside()
    assert window.statusBar().currentMessage().startswith("Program placed beside the graph")


def test_lint_warnings_show_under_the_bar(window):
    bar = window.program_bar
    bar.set_text("z = 0.5; w3 = 2\nf = 1 / 1 + exp(-z)")
    assert bar.replace()
    assert bar.status.isVisibleTo(bar)
    assert bar.status.property("kind") == "warning"
    lines = bar.status.text().splitlines()
    assert lines == [
        "Warning: line 2, column 5: this is (1 / 1) + exp(−z) = 1 + exp(−z); "
        "for the sigmoid write 1 / (1 + exp(−z))",
        "Warning: line 1, column 10: w3 does not reach f: its gradient will be —",
    ]
    assert "this is (1 / 1)" in window.statusBar().currentMessage()
    bar.set_text("x = 2\nf = -x ** 2")
    assert bar.add_beside()
    assert bar.status.text().startswith("Warning: line 2, column 5: this is −(x²)")


def test_pasted_micrograd_builds_and_says_which_lines_were_skipped(window):
    from pasted_programs import MICROGRAD

    bar = window.program_bar
    bar.set_text(MICROGRAD)
    assert bar.replace()
    evaluation = window.document.evaluation
    graph = window.document.graph
    assert round(evaluation.value(graph.output), 4) == 24.7041
    assert round(evaluation.grad("a"), 4) == 138.8338
    assert bar.status.property("kind") == "note"
    assert bar.status.text() == "Skipped lines 1, 15, 17 and 18: import and print lines are not run."


def test_each_lint_under_the_bar_and_gone_with_the_fix(window):
    from lint_pairs import PAIRS
    bar = window.program_bar
    for program, warning, fixed in PAIRS:
        bar.set_text(program)
        assert bar.replace()
        assert bar.status.property("kind") == "warning" and warning in bar.status.text()
        bar.set_text(fixed)
        assert bar.replace()
        assert "Warning" not in bar.status.text() or not bar.status.isVisibleTo(bar)
