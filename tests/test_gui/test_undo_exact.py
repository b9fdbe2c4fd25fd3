"""Undo restores exactly what it took, through the editor's own actions.

One test per way undo used to lose something: a deleted node's wires lost
their unknown keys; a deleted node came back at the end and changed the step
order; copying a node with a 64-character id failed half-way inside the
undo stack; undoing "Replace graph" lost the wires' unknown keys (and the
replaced graph kept the old file's top-level ones).
"""
from __future__ import annotations

import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from chainrule.core import fileformat
from chainrule.core.engine import Plan
from chainrule.core.graph import MAX_ID_LENGTH
from chainrule.core.program import parse_program
from chainrule.core.stepper import Stepper
from chainrule.gui.commands import ReplaceContent
from chainrule.gui.files import DEMO_DIR

GOLDEN = DEMO_DIR.parents[1] / "tests" / "golden"
LONG = "a" * MAX_ID_LENGTH


def step_order(graph) -> list:
    stepper = Stepper(graph)
    stepper.run_all()
    return [(type(s).__name__, s.node) for s in stepper.steps]


def open_file(make_window, tmp_path, source):
    """A main window on a copy of ``source`` (so saving writes in tmp_path)."""
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    window = make_window()
    assert window.files.open(path, ask=False)
    return window, path


def test_delete_and_undo_keeps_the_wires_unknown_keys_and_a_save_writes_them(
        make_window, tmp_path):
    window, path = open_file(make_window, tmp_path, GOLDEN / "v1-unknown-keys.cgraph")
    doc = window.document
    saved = fileformat.dumps(doc.graph)
    window.canvas.select_nodes(["a", "s"])
    window.canvas.delete_selection()
    assert "a" not in doc.graph
    doc.undo_stack.undo()
    assert not doc.modified
    assert fileformat.dumps(doc.graph) == saved
    assert window.files.save_as(tmp_path / "again.cgraph")
    text = (tmp_path / "again.cgraph").read_text(encoding="utf-8")
    assert '"style": "dashed"' in text and '"meta": {"created": "2026-01-01"}' in text
    assert text == saved


def test_delete_and_undo_keeps_the_forward_and_step_order(make_window):
    window = make_window("03-add-mul.cgraph")
    doc = window.document
    order, steps = Plan(doc.graph).order, step_order(doc.graph)
    assert order == ["x", "y", "z", "q", "f"]
    window.canvas.select_nodes(["x"])
    window.canvas.delete_selection()
    doc.undo_stack.undo()
    assert Plan(doc.graph).order == order
    assert step_order(doc.graph) == steps
    doc.undo_stack.redo()
    doc.undo_stack.undo()
    assert Plan(doc.graph).order == order and step_order(doc.graph) == steps


def test_duplicate_and_paste_of_a_64_character_id_are_whole_undo_steps(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    doc = window.document
    doc.graph.rename("x", LONG)
    doc.undo_stack.clear()
    before = fileformat.dumps(doc.graph)
    canvas = window.canvas
    canvas.select_nodes([LONG])
    canvas.duplicate_selection()
    copy = "a" * (MAX_ID_LENGTH - 1) + "2"
    assert copy in doc.graph and doc.undo_stack.count() == 1
    canvas.select_nodes([LONG])
    canvas.copy_selection()
    canvas.paste()
    QApplication.clipboard().setText("")     # no QMimeData of ours left for Qt's teardown
    third = "a" * (MAX_ID_LENGTH - 1) + "3"
    assert third in doc.graph and doc.undo_stack.count() == 2
    assert all(len(n) <= MAX_ID_LENGTH for n in doc.graph.node_ids())
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert fileformat.dumps(doc.graph) == before
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert {LONG, copy, third} <= set(doc.graph.node_ids())


def test_replace_graph_swaps_every_key_and_its_undo_gives_back_the_file(
        make_window, tmp_path, qtbot):
    window, _ = open_file(make_window, tmp_path, GOLDEN / "v1-unknown-keys.cgraph")
    doc = window.document
    saved = fileformat.dumps(doc.graph)
    bar = window.program_bar
    bar.set_text("f = (x + y) * z")
    qtbot.mouseClick(bar.replace_button, Qt.MouseButton.LeftButton)
    replaced = fileformat.dumps(doc.graph)
    assert replaced == fileformat.dumps(parse_program("f = (x + y) * z").graph)
    assert "x-comment" not in replaced and "generator" not in replaced
    doc.undo_stack.undo()
    assert fileformat.dumps(doc.graph) == saved
    assert doc.graph.edge_extra and doc.graph.extra["x-comment"]
    doc.undo_stack.redo()
    assert fileformat.dumps(doc.graph) == replaced


def test_replace_by_a_file_with_unknown_keys_and_back(make_window):
    window = make_window("03-add-mul.cgraph")
    doc = window.document
    saved, order = fileformat.dumps(doc.graph), Plan(doc.graph).order
    golden = fileformat.load(GOLDEN / "v1-unknown-keys.cgraph")
    doc.push(ReplaceContent(doc, golden))
    assert fileformat.dumps(doc.graph) == fileformat.dumps(golden)
    doc.undo_stack.undo()
    assert fileformat.dumps(doc.graph) == saved and Plan(doc.graph).order == order
    doc.undo_stack.redo()
    assert fileformat.dumps(doc.graph) == fileformat.dumps(golden)
