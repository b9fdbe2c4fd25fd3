"""Inline rename, New Window, File ▸ Close, the welcome, the shortcut reference,
and the palette filter's own key — through real events."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from chainrule.gui import windows
from chainrule.gui.app import start_session
from chainrule.gui.canvas import style
from chainrule.gui.help_dialogs import shortcut_rows
from chainrule.gui.shortcuts import HELP, SHORTCUTS, keys_for

pytestmark = pytest.mark.shown_window
C, S = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def card_name_point(window, node_id: str) -> QPoint:
    item = window.canvas.graph_scene.node_item(node_id)
    return window.canvas.mapFromScene(item.mapToScene(20, style.HEADER_H / 2))


def test_double_clicking_a_card_name_renames_it_in_place(window):
    canvas = window.canvas
    QTest.mouseDClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      card_name_point(window, "x0"))
    editor = canvas.inline_rename.edit
    assert editor.isVisible() and editor.text() == "x0" and editor.hasFocus()
    QTest.keyClicks(editor, "input_a")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert "input_a" in window.document.graph and "x0" not in window.document.graph
    assert not editor.isVisible() and canvas.hasFocus()
    assert window.document.undo_stack.undoText() == "Rename x0 to input_a"


def test_f2_on_a_labelled_card_changes_the_label_and_escape_changes_nothing(window):
    doc, canvas = window.document, window.canvas
    doc.graph.set_label("w0", "weight")
    canvas.select_nodes(["w0"])
    QTest.keyClick(canvas, Qt.Key.Key_F2)
    editor = canvas.inline_rename.edit
    assert editor.text() == "weight"
    QTest.keyClicks(editor, "nope")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert doc.graph.node("w0").label == "weight" and not editor.isVisible()
    QTest.keyClick(canvas, Qt.Key.Key_F2)
    QTest.keyClicks(canvas.inline_rename.edit, "slope")
    QTest.keyClick(canvas.inline_rename.edit, Qt.Key.Key_Return)
    assert doc.graph.node("w0").label == "slope" and "w0" in doc.graph


def test_find_node_selects_a_node_by_its_label(window):
    window.document.graph.set_label("w2", "bias")
    QTest.keyClick(window.canvas, Qt.Key.Key_F, C)
    picker = window.keyboard.picker
    assert picker.isVisible()
    QTest.keyClicks(picker.edit, "bias")
    assert picker.row_texts() == ["w2 — bias"]
    QTest.keyClick(picker.edit, Qt.Key.Key_Return)
    assert window.canvas.selected_nodes() == ["w2"]


def test_the_palette_filter_has_its_own_key(window):
    assert "Ctrl+F" not in [k.toString() for k in keys_for("find_op")]
    QTest.keyClick(window.canvas, Qt.Key.Key_A, C | S)
    assert window.palette.filter.hasFocus()


def test_new_window_and_file_close(window, qtbot):
    before = windows.open_windows()
    QTest.keyClick(window.canvas, Qt.Key.Key_N, C | S)
    [new] = [w for w in windows.open_windows() if w not in before]
    qtbot.waitExposed(new)
    assert len(new.document.graph) == 0 and new.isVisible()
    new.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is new)
    new.actions["close_window"].trigger()
    assert new.closed and new not in windows.open_windows() and window.isVisible()


def test_file_close_with_unsaved_changes_asks_first(make_window):
    from PySide6.QtWidgets import QMessageBox
    window = make_window(answer=QMessageBox.StandardButton.Cancel)
    window.canvas.select_nodes(["w0"])
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    window.actions["close_window"].trigger()
    assert window.prompts and window.isVisible() and not window.closed


def test_the_welcome_comes_at_the_first_start_until_dismissed_and_help_brings_it_back(
        window, qtbot):
    start_session(window)
    welcome = window.welcome
    qtbot.waitExposed(welcome)
    shown = " ".join(label.text() for label in welcome.findChildren(QLabel))
    assert "→" in shown and "←" in shown and "F11" in shown and "neuron demo" in shown
    box = welcome.dont_show
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(8, box.height() // 2))          # on the tick box
    assert box.isChecked()
    QTest.mouseClick(welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.files.demo_name == "01-neuron"
    assert window.settings.welcome_dismissed()
    window.welcome = None
    start_session(window)
    assert window.welcome is None                         # dismissed for good
    window.actions["getting_started"].trigger()
    assert window.welcome is not None and window.welcome.isVisible()
    window.welcome.close()


def test_the_shortcut_reference_lists_every_key_of_the_one_table(window, qtbot):
    QTest.keyClick(window.canvas, Qt.Key.Key_Slash, C)
    dialog = next(d for d in QApplication.topLevelWidgets()
                  if d.objectName() == "shortcutsDialog" and d.isVisible())
    listed = dialog.texts()
    assert set(SHORTCUTS) <= set(HELP)                    # every action has its text
    for name in SHORTCUTS:
        first = keys_for(name)[:1]
        if first:
            text = first[0].toString(QKeySequence.SequenceFormat.NativeText)
            assert any(keys.split(", ")[0] == text and what == HELP[name][1]
                       for keys, what in listed), name
    assert ("Tab", "Quick-add an op at the pointer") in listed
    assert len(shortcut_rows()) == len([r for r in listed if r[1]])
    dialog.close()
