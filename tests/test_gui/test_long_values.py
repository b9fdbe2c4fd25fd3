"""Long values and long text in the inspector: instant, never cut short.

A node holding a 10,000-element vector is selected through the canvas (the
real selection); its table is a view over the array that makes only the
cells it shows, and editing one cell is one undo step.  Labels and the list
field take text beyond QLineEdit's default 32,767 characters.
"""
from __future__ import annotations


import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QTableView

import timeouts
from modal_dialogs import click_in_modal
from chainrule.core.graph import Graph
from chainrule.gui.value_editor import MAX_TEXT_FIELD

N = 10_000


def alarm(seconds: int = 120):
    return timeouts.alarm(seconds, "the inspector froze on a long value")


def _long_vector_window(window):
    graph = Graph()
    graph.add_node("v", "input", value=np.arange(N, dtype=float) / 8)
    graph.add_node("s", "sum")
    graph.connect("v", "s", 0)
    graph.set_output("s")
    window.files._show(graph, None, "long")
    window.show()
    return graph


def test_a_10000_element_vector_opens_at_once_and_one_cell_is_one_undo_step(window, qtbot):
    graph = _long_vector_window(window)
    ins = window.inspector
    table = ins.value_table
    assert isinstance(table, QTableView)
    asked = []
    real_data = table.number_model.data
    table.number_model.data = lambda index, role=0: asked.append(1) or real_data(index, role)
    with alarm():
        window.canvas.select_nodes(["v"])
        QApplication.processEvents()
    assert ins.node_id == "v"
    assert (table.rowCount(), table.columnCount()) == (1, N)
    assert table.text(0, N - 1) == "1249.875"
    # Only the cells in sight were asked for, not ten thousand of them.
    assert len(asked) < N / 4
    stack = window.document.undo_stack
    before = stack.count()
    with alarm():
        assert table.edit_cell(0, 5000, "-1.5")
    assert graph.node("v").value[5000] == -1.5
    assert table.text(0, 5000) == "-1.5"
    assert stack.count() == before + 1
    stack.undo()
    assert graph.node("v").value[5000] == 5000 / 8
    assert np.array_equal(graph.node("v").value, np.arange(N) / 8)


def test_the_list_field_holds_a_long_value_whole(window):
    _long_vector_window(window)
    window.canvas.select_nodes(["v"])
    field = window.inspector.list_edit
    assert len(field.text()) > 32_767
    field.setText(field.text().replace("0.125", "0.25", 1))
    field.editingFinished.emit()
    assert window.document.graph.node("v").value[1] == 0.25
    assert window.document.graph.node("v").value.shape == (N,)


def test_a_long_label_is_kept_whole(window):
    window.canvas.select_nodes(["x1"] if "x1" in window.document.graph else
                               [next(iter(window.document.graph.nodes())).id])
    ins = window.inspector
    label = "L" * 1_000_000
    ins.label_edit.setFocus()
    ins.label_edit.setText(label)
    ins.label_edit.editingFinished.emit()
    assert window.document.graph.node(ins.node_id).label == label
    ins.show_selection([ins.node_id], [])
    assert ins.label_edit.text() == label


def test_a_label_over_the_stated_limit_is_shown_read_only_never_cut(window):
    node_id = next(iter(window.document.graph.nodes())).id
    ins = window.inspector
    assert ins.label_edit.maxLength() == MAX_TEXT_FIELD > 1_000_000
    ins.label_edit.setMaxLength(100)                     # a small limit, to be quick
    window.document.graph.node(node_id).label = "y" * 101
    window.canvas.select_nodes([node_id])
    ins.show_selection([node_id], [])
    assert ins.label_edit.isReadOnly()
    assert "101 characters" in ins.label_edit.placeholderText()
    ins.label_edit.editingFinished.emit()
    assert window.document.graph.node(node_id).label == "y" * 101


@pytest.mark.parametrize("depth", [1000, 65])
def test_a_deeply_nested_list_in_the_list_field_is_one_clear_sentence(window, depth):
    _long_vector_window(window)
    window.canvas.select_nodes(["v"])
    ins = window.inspector
    ins.list_edit.setText("[" * depth + "1" + "]" * depth)
    ins.list_edit.editingFinished.emit()
    message = ins.edit_message.text()
    assert "nested" in message and "deep" in message, message
    assert "ragged" not in message
    assert window.document.graph.node("v").value.shape == (N,)


def test_a_graph_with_more_cards_than_the_editor_draws_is_refused_clearly(make_window, qtbot,
                                                                         tmp_path, monkeypatch):
    from chainrule.core import fileformat as ff
    from chainrule.gui import files
    graph = Graph()
    for i in range(30):
        graph.add_node(f"x{i}", "input", value=1.0)
    path = tmp_path / "many.cgraph"
    ff.save(graph, path)
    monkeypatch.setattr(files, "MAX_CARDS", 20)
    window = make_window()
    before = window.document.graph
    seen: dict = {}                      # the question (test_too_big_to_draw.py: its answers)
    click_in_modal(qtbot, "Cancel", seen)
    assert window.files.open(path) is False
    (text, detail), = seen["texts"]
    assert "30 nodes" in text and "at most 20 cards" in detail
    assert "without a window" in detail
    assert window.document.graph is before and not window.errors


def test_a_program_making_more_cards_than_the_editor_draws_is_refused(window, monkeypatch):
    from chainrule.gui import files
    monkeypatch.setattr(files, "MAX_CARDS", 5)
    before = window.document.graph
    bar = window.program_bar
    bar.set_text("f = a + b + c + d + e + g")
    assert not bar.replace()
    assert "at most 5 cards" in bar.status.text()
    assert window.document.graph is before
