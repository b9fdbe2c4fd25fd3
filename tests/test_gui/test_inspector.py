"""The inspector edits through undo commands and follows the model (and undo) back.

Nodes are selected on the real canvas; values are typed into the real spin
box, slider and table; the assertions look at the graph, the evaluation and
the labels the canvas draws.
"""
from __future__ import annotations

import numpy as np
import pytest
from gui_text import plain
from PySide6.QtCore import Qt

from chainrule.core.graph import Edge
from chainrule.gui.files import DEMO_DIR


pytestmark = pytest.mark.shown_window


def select(window, node_id):
    window.canvas.select_nodes([node_id])
    assert window.inspector.node_id == node_id


def wire_text(window, edge):
    window.document.evaluate_now()
    return window.canvas.graph_scene.wire_item(Edge(*edge)).value_text()


def test_selecting_a_node_shows_it_and_nothing_selected_shows_the_graph(window):
    select(window, "w0")
    ins = window.inspector
    assert ins.pages.currentWidget() is ins.node_page
    assert ins.id_edit.text() == "w0" and ins.spin.value() == 2.0
    assert ins.trainable.isChecked()
    assert "-0.1966" in ins.node_grad.text()
    window.canvas.select_nodes([])
    assert ins.pages.currentWidget() is ins.graph_page
    assert "Sigmoid neuron" in ins.graph_title.text()
    assert "0.7311" in ins.graph_output.text()


def test_typing_a_value_changes_the_model_the_canvas_and_undo_restores_it(window, qtbot):
    select(window, "w0")
    spin = window.inspector.spin
    edge = Edge("w0", "m0", 0)
    assert wire_text(window, edge) == "2"
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "3.5")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    graph = window.document.graph
    assert graph.node("w0").value == 3.5
    assert wire_text(window, edge) == "3.5"
    assert window.document.evaluation.value("m0") == pytest.approx(-3.5)
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert graph.node("w0").value == 2.0
    assert spin.value() == 2.0                        # the inspector followed the undo
    assert wire_text(window, edge) == "2"
    assert not window.isWindowModified()


def test_dragging_the_slider_is_one_undo_step(window):
    select(window, "x0")
    slider = window.inspector.slider
    stack = window.document.undo_stack
    slider.setSliderDown(True)
    for position in range(500, 800, 10):               # 30 steps of a drag
        slider.setValue(position)
    slider.setSliderDown(False)
    final = window.document.graph.node("x0").value
    assert final == pytest.approx(-10 + 20 * 790 / 1000)
    assert window.inspector.spin.value() == pytest.approx(final)
    assert stack.count() == 1
    stack.undo()
    assert window.document.graph.node("x0").value == -1.0


def test_renaming_to_an_existing_id_is_refused_and_keeps_the_old_id(window, qtbot):
    select(window, "w0")
    ins = window.inspector
    messages = []
    window.document.message.connect(messages.append)
    ins.id_edit.setText("x0")
    ins.id_edit.editingFinished.emit()
    assert "w0" in window.document.graph and ins.id_edit.text() == "w0"
    assert ins.edit_message.isVisibleTo(ins) and "x0" in ins.edit_message.text()
    assert messages and "exists already" in messages[-1]
    assert window.document.undo_stack.count() == 0


def test_a_rename_follows_undo_and_redo(window):
    select(window, "w0")
    ins = window.inspector
    ins.id_edit.setText("weight")
    ins.id_edit.editingFinished.emit()
    graph = window.document.graph
    assert "weight" in graph and "w0" not in graph
    assert ins.node_id == "weight"
    window.document.undo_stack.undo()
    assert "w0" in graph and ins.node_id == "w0" and ins.id_edit.text() == "w0"
    window.document.undo_stack.redo()
    assert ins.id_edit.text() == "weight"


def test_label_and_trainable_edits_are_commands(window):
    select(window, "x0")
    ins = window.inspector
    ins.label_edit.setText("input x")
    ins.label_edit.editingFinished.emit()
    ins.trainable.setChecked(True)
    node = window.document.graph.node("x0")
    assert node.label == "input x" and node.trainable
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert node.label is None and not node.trainable
    assert not ins.trainable.isChecked() and ins.label_edit.text() == ""


def test_set_as_output_moves_the_start_of_the_backward_pass(window):
    select(window, "s0")
    window.inspector.output_button.click()
    assert window.document.graph.output == "s0"
    assert window.document.evaluation.grad("s0") == 1.0
    assert not window.inspector.output_button.isEnabled()
    window.document.undo_stack.undo()
    assert window.document.graph.output == "f"


def test_a_matrix_is_edited_in_its_table(window):
    window.files.open_demo(DEMO_DIR / "09-tensor-mlp.cgraph")
    graph = window.document.graph
    matrix = next(n.id for n in graph.nodes()
                  if isinstance(n.value, np.ndarray) and n.value.ndim == 2)
    before = graph.node(matrix).value.copy()
    select(window, matrix)
    ins = window.inspector
    table = ins.value_table
    assert not ins.scalar_row.isVisibleTo(ins) and table.isVisibleTo(ins)
    assert (table.rowCount(), table.columnCount()) == before.shape
    assert f"({before.shape[0]}×{before.shape[1]})" in ins.shape_label.text()
    loss_before = window.document.evaluation.value(graph.effective_output())
    table.edit_cell(0, 1, "0.75")                        # what an edit in the cell does
    assert graph.node(matrix).value[0, 1] == 0.75
    assert window.document.evaluation.value(graph.effective_output()) != loss_before
    table.edit_cell(1, 0, "not a number")
    assert graph.node(matrix).value[1, 0] == before[1, 0]
    assert table.text(1, 0) != "not a number"
    window.document.undo_stack.undo()
    np.testing.assert_array_equal(graph.node(matrix).value, before)
    assert float(table.text(0, 1)) == before[0, 1]


def test_the_value_can_change_shape_as_a_list(window):
    select(window, "x1")
    ins = window.inspector
    ins.list_edit.setText("[1, 2, 3]")
    ins.list_edit.editingFinished.emit()
    np.testing.assert_array_equal(window.document.graph.node("x1").value, [1, 2, 3])
    assert ins.value_table.isVisibleTo(ins) and ins.value_table.columnCount() == 3
    ins.list_edit.setText("[1, [2]]")
    ins.list_edit.editingFinished.emit()
    assert ins.edit_message.isVisibleTo(ins)
    np.testing.assert_array_equal(window.document.graph.node("x1").value, [1, 2, 3])


def test_the_axis_of_a_sum_is_set_with_all_or_a_number(window):
    window.program_bar.set_text("v = [[1, 2], [3, 4]]\nf = sum(v)")
    window.program_bar.replace()
    graph = window.document.graph
    select(window, "f")
    ins = window.inspector
    axis = ins.setting_rows["axis"]          # generated from the op table's declaration
    assert axis.box.isVisibleTo(ins) and axis.none.isChecked()
    axis.none.setChecked(False)
    assert graph.node("f").attrs == {"axis": 0}
    axis.editor.setValue(1)
    assert graph.node("f").attrs == {"axis": 1}
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert graph.node("f").attrs == {} and axis.none.isChecked()


def test_a_wire_shows_its_value_and_gradient_contribution(window):
    edge = Edge("w0", "m0", 0)
    item = window.canvas.graph_scene.wire_item(edge)
    item.setSelected(True)
    ins = window.inspector
    assert ins.edge == edge and ins.pages.currentWidget() is ins.edge_page
    assert plain(ins.edge_value) == "value: 2"
    assert plain(ins.edge_grad) == "gradient sent back to w0: -0.1966"


def test_deleting_the_shown_node_goes_back_to_the_graph_page(window):
    select(window, "x0")
    window.canvas.delete_selection()
    assert window.inspector.pages.currentWidget() is window.inspector.graph_page
    window.document.undo_stack.undo()
    assert "x0" in window.document.graph


def test_problems_of_a_node_are_listed(window):
    window.files.new()
    window.program_bar.set_text("f = log(x)")
    window.program_bar.replace()                        # x starts at 0: log(0) = -inf
    select(window, "f")
    ins = window.inspector
    assert ins.node_problems.isVisibleTo(ins) and "inf" in ins.node_problems.text()


def test_the_settings_widgets_are_generated_from_the_op_table(window):
    """A throwaway op with four kinds of settings, registered for this test only: its
    rows come from the declaration, with no inspector code for them."""
    from chainrule.core import ops
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

    op = ops.Op("scaled", ("x",), "functions", "k·x", "times · x", ("times",), "note",
                scalar=lambda x, **kw: x * kw.get("times", 2),
                scalar_vjp=lambda g, out, x, **kw: g * kw.get("times", 2),
                array=lambda x, **kw: x * kw.get("times", 2),
                array_vjp=lambda g, out, x, **kw: g * kw.get("times", 2),
                settings=(ops.Setting("times", "int", 2, low=1, high=5),
                          ops.Setting("offset", "float", 0.0),
                          ops.Setting("negate", "bool", False),
                          ops.Setting("mode", "choice", "plain", choices=("plain", "squared")),
                          ops.Setting("scale", "float", low=0, above=True, none="no scaling")))
    ops.register(op)
    try:
        window.program_bar.set_text("x = 1\nf = scaled(x, times=3)")
        window.program_bar.replace()
        graph = window.document.graph
        select(window, "f")
        ins = window.inspector
        rows = ins.setting_rows
        assert list(rows) == ["times", "offset", "negate", "mode", "scale"]
        assert all(r.box.isVisibleTo(ins) for r in rows.values())
        times, offset = rows["times"].editor, rows["offset"].editor
        assert isinstance(times, QSpinBox) and (times.minimum(), times.maximum()) == (1, 5)
        assert times.value() == 3 and isinstance(offset, QLineEdit)
        assert isinstance(rows["negate"].editor, QCheckBox)
        assert isinstance(rows["mode"].editor, QComboBox)
        assert rows["scale"].none.isChecked() and rows["scale"].none.text() == "no scaling"
        assert rows["times"].none is None
        times.setValue(4)
        assert graph.node("f").attrs == {"times": 4}
        offset.setText("0.25")
        offset.editingFinished.emit()
        rows["negate"].editor.setChecked(True)
        rows["mode"].editor.setCurrentIndex(1)
        assert graph.node("f").attrs == {"times": 4, "offset": 0.25, "negate": True,
                                         "mode": "squared"}
        rows["scale"].none.setChecked(False)
        rows["scale"].editor.setText("-1")
        rows["scale"].editor.editingFinished.emit()
        assert ins.edit_message.isVisibleTo(ins)
        assert ins.edit_message.text() == \
            "the scale of scaled must be a number greater than 0, not -1.0"
        assert "scale" not in graph.node("f").attrs
        window.document.undo_stack.undo()
        assert graph.node("f").attrs == {"times": 4, "offset": 0.25, "negate": True}
        assert rows["mode"].editor.currentText() == "plain"
    finally:
        window.program_bar.set_text("x = 1")
        window.program_bar.replace()
        ops.unregister("scaled")


def test_a_long_description_opens_at_its_top(make_window, qtbot):
    """A description longer than the panel shows its first line once the window is
    laid out (the text cursor left at its end used to scroll the view there)."""
    window = make_window("16-causal-attention.cgraph")
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    bar = window.inspector.graph_description.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    qtbot.wait(50)                        # let the layout settle, then nothing may scroll
    assert bar.value() == 0
    window.files.open_demo(DEMO_DIR / "12-two-layer-net.cgraph", ask=False)
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    qtbot.wait(50)
    assert bar.value() == 0
