"""Ids at the 64-character limit: renaming past it says why; copying one works."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from chainrule.core import fileformat
from chainrule.gui.commands import Rename

pytestmark = pytest.mark.shown_window

LONG = "a_rather_long_but_legal_identifier_for_one_weight_of_the_neuron_"   # 64


def test_renaming_to_an_over_long_id_in_the_inspector_says_why_and_cuts_nothing(window):
    ins = window.inspector
    window.canvas.select_nodes(["w0"])
    ins.id_edit.setFocus()
    ins.id_edit.selectAll()
    typed = "w" * 70
    QTest.keyClicks(ins.id_edit, typed)
    assert ins.id_edit.text() == typed                      # the field does not cut it
    QTest.keyClick(ins.id_edit, Qt.Key.Key_Return)
    assert "w0" in window.document.graph and "w" * 64 not in window.document.graph
    assert "has 70 characters, longer than the limit of 64" in ins.edit_message.text()
    assert not window.document.modified


def test_renaming_inline_to_an_over_long_id_keeps_the_field_open_and_says_why(window):
    canvas = window.canvas
    canvas.select_nodes(["w0"])
    QTest.keyClick(canvas, Qt.Key.Key_F2)
    editor = canvas.inline_rename.edit
    assert editor.isVisible() and editor.text() == "w0"
    QTest.keyClicks(editor, "x" * 65)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert editor.isVisible() and "longer than the limit of 64" in editor.toolTip()
    assert "longer than the limit of 64" in window.statusBar().currentMessage()
    assert "w0" in window.document.graph


@pytest.mark.parametrize("how", ["duplicate", "copy and paste"])
def test_a_node_with_a_64_character_id_duplicates_and_pastes(window, how):
    assert len(LONG) == 64
    doc, canvas = window.document, window.canvas
    doc.push(Rename(doc, "w0", LONG))
    before = set(doc.graph.node_ids())
    depth = doc.undo_stack.count()
    canvas.select_nodes([LONG])
    if how == "duplicate":
        QTest.keyClick(canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    else:
        QTest.keyClick(canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    [new] = set(doc.graph.node_ids()) - before
    assert len(new) == 64 and new != LONG and new.startswith(LONG[:60])
    assert doc.undo_stack.count() == depth + 1              # one whole step
    doc.undo_stack.undo()
    assert set(doc.graph.node_ids()) == before
    fileformat.loads(fileformat.dumps(doc.graph))           # still a valid graph
