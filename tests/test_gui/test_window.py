"""The main window: title, shortcuts, the modified flag, files, prompts, drops, layout.

Every test works through the real window and asserts on the model.  Dialogs
are replaced by recorders (``files.ask_unsaved``, ``files.show_error`` ...),
and settings live in the test's own folder, never the user's.
"""
from __future__ import annotations


import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import (QAction, QContextMenuEvent, QDragEnterEvent, QDropEvent, QKeySequence,
                           QShortcut)
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox

from chainrule.core import fileformat
from chainrule.gui.commands import SetNodeField
from chainrule.gui.files import DEMO_DIR
from chainrule.gui.settings import Settings
from chainrule.gui.shortcuts import (EDITOR_SHORTCUTS, RESERVED, SHORTCUTS, STEPPER_ACTIONS,
                                     keys_for)

Button = QMessageBox.StandardButton


def edit(window, node="w0", value=7.0):
    window.document.push(SetNodeField(window.document, node, "value", value))


def text_of(graph) -> str:
    return fileformat.dumps(graph)


# ----------------------------------------------------------------- start

def test_window_opens_on_the_default_demo_with_its_title(window):
    graph = window.document.graph
    assert graph.output == "f" and "w0" in graph
    assert window.windowTitle() == "Untitled (demo: 01-neuron)[*] — Chainrule"
    assert not window.isWindowModified()
    assert window.document.path is None      # a demo is an untitled copy
    assert window.evaluation_label.text() == "f = 0.7311"


def test_every_dock_is_listed_in_the_view_menu(window):
    texts = [a.text() for a in window.view_menu.actions()]
    for title in ("Palette", "Inspector", "Undo History", "Program"):
        assert title in texts


# ------------------------------------------------------------- shortcuts

def _portable(keys) -> list[str]:
    return [k.toString(QKeySequence.SequenceFormat.PortableText) for k in keys]


def test_the_shortcut_table_binds_no_key_twice_and_the_stepper_keys_only_to_the_stepper():
    seen: dict[str, str] = {}
    for name in SHORTCUTS:
        for key in _portable(keys_for(name)):
            assert key not in seen, f"{key} is bound to {seen[key]} and {name}"
            seen[key] = name
    for key in RESERVED:
        assert seen.get(QKeySequence(key).toString(), "step_next") in STEPPER_ACTIONS
    assert "Ctrl+Z" in _portable(keys_for("undo"))
    assert "Ctrl+Shift+Z" in _portable(keys_for("redo"))
    assert {"F", "Ctrl+0"} <= set(_portable(keys_for("fit_all")))
    # an editor's own keys (Ctrl+Enter) never take a window action's key
    for name in EDITOR_SHORTCUTS:
        for key in _portable(keys_for(name)):
            assert key not in seen, f"{key} of the editor key {name} is also {seen.get(key)}"
            assert key not in RESERVED


def test_no_two_actions_of_the_live_window_share_a_shortcut(window):
    owners: dict[str, str] = {}
    bindings = [(a.objectName() or a.text(), a.shortcuts()) for a in window.findChildren(QAction)]
    bindings += [(s.objectName() or repr(s), [s.key()]) for s in window.findChildren(QShortcut)
                 if s.context() != Qt.ShortcutContext.WidgetShortcut]
    for owner, keys in bindings:
        for key in _portable(keys):
            if not key:
                continue
            assert key not in owners, f"{key} is bound to {owners[key]} and {owner}"
            assert key not in RESERVED or owner.removeprefix("action_") in STEPPER_ACTIONS, \
                f"{owner} takes the reserved key {key}"
            owners[key] = owner
    assert owners["Ctrl+S"] == "action_save"


# ------------------------------------------------------ modified & saving

def test_an_edit_marks_the_window_modified_and_saving_clears_it(window, tmp_path):
    edit(window)
    assert window.document.modified and window.isWindowModified()
    path = tmp_path / "neuron.cgraph"
    window.files.ask_save_path = lambda: str(path)        # a demo copy has no path yet
    assert window.files.save()
    assert not window.isWindowModified() and not window.document.modified
    assert window.windowTitle() == "neuron.cgraph[*] — Chainrule"
    window.document.undo_stack.undo()                      # back past the save point
    assert window.isWindowModified()


def test_save_then_open_gives_the_same_graph(window, make_window, tmp_path):
    edit(window, "x1", -0.25)
    path = tmp_path / "round.cgraph"
    assert window.files.save_as(path)
    saved = text_of(window.document.graph)
    window.close()          # (while it is open, opening it elsewhere brings this window forward)
    other = make_window()
    assert other.files.open(path)
    assert text_of(other.document.graph) == saved
    assert other.document.path == path and not other.document.modified


def test_a_broken_file_shows_the_readers_sentence_and_keeps_the_graph(window, tmp_path):
    bad = tmp_path / "bad.cgraph"
    bad.write_text('{"format": "chainrule", "version": 1, "nodes": [{"id": "a"}], "edges": []}')
    with pytest.raises(Exception) as reader:
        fileformat.load(bad)
    edit(window)
    before = text_of(window.document.graph)
    assert not window.files.open(bad)
    assert len(window.errors) == 1
    assert str(reader.value) in window.errors[0][2]
    assert text_of(window.document.graph) == before
    assert window.document.modified                        # the edit is still there to save
    assert window.document.path is None


def test_cancel_at_the_unsaved_changes_prompt_keeps_the_graph(make_window, tmp_path):
    window = make_window(answer=Button.Cancel)
    other = tmp_path / "other.cgraph"
    fileformat.save(fileformat.loads('{"format":"chainrule","version":1,"nodes":[],"edges":[]}'),
                    other)
    edit(window)
    before = text_of(window.document.graph)
    assert not window.files.new()
    assert not window.files.open(other)
    assert not window.files.open_demo(DEMO_DIR / "03-add-mul.cgraph")
    assert not window.close()
    assert window.prompts and text_of(window.document.graph) == before
    assert window.document.modified


def test_save_at_the_prompt_saves_then_goes_on(make_window, tmp_path):
    window = make_window(answer=Button.Save)
    path = tmp_path / "kept.cgraph"
    window.files.ask_save_path = lambda: str(path)
    edit(window, "w0", 11.0)
    assert window.files.new()
    assert len(window.document.graph) == 0
    assert fileformat.load(path).node("w0").value == 11.0


def test_an_unmodified_graph_is_replaced_without_asking(window):
    assert window.files.new()
    assert window.prompts == [] and len(window.document.graph) == 0
    assert window.windowTitle() == "Untitled[*] — Chainrule"


# ---------------------------------------------------------- recent files

def test_open_recent_lists_the_files_newest_first_and_remembers_them(make_window, tmp_path):
    window = make_window()
    paths = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.cgraph"
        window.files.save_as(path)
        paths.append(str(path.resolve()))
    assert window.files.recent.paths() == paths[::-1]
    window.recent_menu.aboutToShow.emit()
    names = [a.text() for a in window.recent_menu.actions()]
    assert names[:2] == ["&1 b.cgraph", "&2 a.cgraph"]
    # A new window (a later run) reads the same list back.
    assert make_window().files.recent.paths() == paths[::-1]


def test_a_recent_file_that_is_gone_is_removed_with_a_message(window, tmp_path, qtbot):
    path = tmp_path / "gone.cgraph"
    window.files.save_as(path)
    path.unlink()
    messages = []
    window.document.message.connect(messages.append)
    assert not window.open_recent(str(path.resolve()))
    assert window.files.recent.paths() == []
    assert "gone.cgraph" in messages[-1] and "removed" in messages[-1]
    assert window.errors == []


def test_the_recent_list_keeps_ten(window, tmp_path):
    for i in range(12):
        window.files.save_as(tmp_path / f"g{i}.cgraph")
    recent = window.files.recent.paths()
    assert len(recent) == 10 and recent[0].endswith("g11.cgraph")


# ------------------------------------------------------------------ drops

def _drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.width() / 2, 20)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return drop.isAccepted()


def test_dropping_a_cgraph_file_opens_it(window, tmp_path):
    path = tmp_path / "dropped.cgraph"
    fileformat.save(fileformat.load(DEMO_DIR / "03-add-mul.cgraph"), path)
    assert _drop(window, [path])
    assert window.document.path == path
    assert window.windowTitle() == "dropped.cgraph[*] — Chainrule"


def test_dropping_another_kind_of_file_is_refused_with_a_message(window, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    messages = []
    window.document.message.connect(messages.append)
    before = text_of(window.document.graph)
    assert not _drop(window, [path])
    assert "notes.txt" in messages[-1]
    assert text_of(window.document.graph) == before


def test_dropping_a_file_on_the_canvas_opens_it_too(window, tmp_path):
    path = tmp_path / "on-canvas.cgraph"
    fileformat.save(fileformat.load(DEMO_DIR / "03-add-mul.cgraph"), path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    viewport = window.canvas.viewport()
    centre = viewport.rect().center()
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime,
                                                Qt.MouseButton.LeftButton,
                                                Qt.KeyboardModifier.NoModifier))
    assert window.document.path == path


def test_a_dropped_file_with_unsaved_changes_asks_first(make_window, tmp_path):
    window = make_window(answer=Button.Cancel)
    path = tmp_path / "dropped.cgraph"
    fileformat.save(fileformat.load(DEMO_DIR / "03-add-mul.cgraph"), path)
    edit(window)
    _drop(window, [path])
    assert window.prompts and window.document.path is None and "w0" in window.document.graph


# ------------------------------------------------------ layout & settings

def test_the_dock_layout_and_precision_come_back_next_time(make_window):
    window = make_window()
    window.show()
    window.docks["palette"].close()
    window.set_precision(2)
    assert window.evaluation_label.text() == "f = 0.73"
    assert window.close()
    again = make_window()
    again.show()
    assert not again.docks["palette"].isVisible()
    assert again.docks["inspector"].isVisible()
    assert again.digits == 2 and again.precision_actions[2].isChecked()


# ------------------------------------------------------------ status & help

def test_the_status_bar_shows_the_evaluation_error(window):
    window.files.new()
    from chainrule.gui.commands import AddNode
    window.document.push(AddNode(window.document, "a", "input", value=1.0))
    window.document.push(AddNode(window.document, "b", "input", value=2.0))
    window.document.evaluate_now()
    assert "choose the output" in window.evaluation_label.text()
    assert window.evaluation_label.property("kind") == "error"


def test_the_demo_browser_lists_every_demo_with_its_description(window, qtbot):
    from chainrule.gui.files import DemoBrowser, list_demos
    demos = list_demos()
    dialog = DemoBrowser(demos, window)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == len(demos) >= 9
    assert dialog.list.item(0).text() == f"1. {demos[0].title}"
    dialog.list.setCurrentRow(2)
    assert demos[2].title in dialog.text.toPlainText()
    dialog._accept()
    assert dialog.chosen == demos[2]


def test_the_open_demo_menu_is_titled_from_the_demo_files(window):
    from chainrule.gui.files import list_demos
    titles = [a.text() for a in window.demo_menu.actions()]
    assert titles == [d.title for d in list_demos()] and titles[0].startswith("Sigmoid neuron")
    window.demo_menu.actions()[2].trigger()
    assert window.files.demo_name == "03-add-mul" and window.document.path is None


def test_a_palette_double_click_adds_the_op_at_the_canvas_centre(window):
    count = len(window.document.graph)
    node_id = window.add_op_at_centre("sigmoid")
    assert len(window.document.graph) == count + 1
    assert window.document.graph.node(node_id).op == "sigmoid"
    window.document.undo_stack.undo()
    assert node_id not in window.document.graph


def test_a_start_file_that_cannot_be_read_falls_back_to_the_default_demo(qtbot, tmp_path):
    from chainrule.gui.app import create_window
    bad = tmp_path / "bad.cgraph"
    bad.write_text("{")
    window, problem = create_window(bad, Settings(tmp_path / "settings"))
    qtbot.addWidget(window)
    with pytest.raises(Exception) as reader:
        fileformat.load(bad)
    assert problem == str(reader.value)
    assert window.files.demo_name == "01-neuron" and "w0" in window.document.graph


def test_a_start_file_opens_with_its_name_in_the_title(qtbot, tmp_path):
    from chainrule.gui.app import create_window
    path = tmp_path / "start.cgraph"
    fileformat.save(fileformat.load(DEMO_DIR / "03-add-mul.cgraph"), path)
    window, problem = create_window(path, Settings(tmp_path / "settings"))
    qtbot.addWidget(window)
    assert problem is None and window.document.path == path
    assert window.windowTitle() == "start.cgraph[*] — Chainrule"


def test_editing_keys_act_on_the_canvas_only_while_it_has_the_focus(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    graph = window.document.graph
    window.canvas.select_nodes(["x0"])
    palette_list = window.palette.findChild(QAbstractItemView)
    palette_list.setFocus()
    qtbot.waitUntil(palette_list.hasFocus)
    qtbot.keyClick(palette_list, Qt.Key_Backspace)       # the list's key, not the card's
    qtbot.keyClick(palette_list, Qt.Key_Delete)
    qtbot.keyClick(palette_list, Qt.Key_A, Qt.ControlModifier)     # the list's Select All
    assert "x0" in graph
    assert [n for n, item in window.canvas.graph_scene.nodes.items() if item.isSelected()] \
        == ["x0"]
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    qtbot.keyClick(window.canvas, Qt.Key_Backspace)
    assert "x0" not in graph
    window.document.undo_stack.undo()
    window.canvas.select_nodes(["x0"])
    palette_list.setFocus()
    window.actions["delete"].trigger()                   # Edit ▸ Delete works from anywhere
    assert "x0" not in graph


# ---------------------------------------------------------------- right-click menu

def right_click(qtbot, window, scene_pos):
    """A right-button click on the canvas, then the context-menu event the window
    system sends with it (the test driver sends only the mouse events); returns the
    menu it opened."""
    canvas = window.canvas
    canvas.context_menu = None
    vpos = canvas.mapFromScene(scene_pos)
    qtbot.mouseClick(canvas.viewport(), Qt.RightButton, pos=vpos)
    QApplication.sendEvent(canvas.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, vpos, canvas.viewport().mapToGlobal(vpos)))
    menu = canvas.context_menu
    assert menu is not None and menu.isVisible()
    return menu


def entries(menu) -> dict:
    return {a.text().replace("&", ""): a for a in menu.actions() if not a.isSeparator()}


def test_right_click_on_a_card_selects_it_and_offers_what_applies(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    scene = window.canvas.graph_scene
    window.canvas.select_nodes(["w0"])
    menu = right_click(qtbot, window, scene.nodes["s0"].sceneBoundingRect().center())
    assert [n for n, item in scene.nodes.items() if item.isSelected()] == ["s0"]
    items = entries(menu)
    assert list(items) == ["Inspect", "Set as Output", "Cut", "Copy", "Duplicate", "Delete"]
    assert all(a.isEnabled() for a in items.values())
    items["Set as Output"].trigger()
    assert window.document.graph.output == "s0"
    menu.close()
    menu = right_click(qtbot, window, scene.nodes["x1"].sceneBoundingRect().center())
    entries(menu)["Delete"].trigger()
    assert "x1" not in window.document.graph


def test_right_click_on_a_wire_deletes_that_wire(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    scene = window.canvas.graph_scene
    edge = next(e for e in scene.wires if e.dst == "f")
    menu = right_click(qtbot, window, scene.wires[edge].point_at(0.3))
    assert list(entries(menu)) == ["Delete"]
    entries(menu)["Delete"].trigger()
    assert not window.document.graph.has_edge(edge)
    assert "f" in window.document.graph


def test_right_click_on_the_empty_canvas_adds_a_node_there(window, qtbot):
    window.show()
    qtbot.waitExposed(window)
    canvas = window.canvas
    spot = canvas.graph_scene.items_rect().bottomRight() + QPointF(-20, 60)
    canvas.centerOn(spot)
    menu = right_click(qtbot, window, spot)
    assert list(entries(menu)) == ["Add Node Here…", "Paste", "Select All", "Fit All"]
    entries(menu)["Add Node Here…"].trigger()
    assert canvas.quick_add.isVisible()
    before = set(window.document.graph.node_ids())
    canvas.quick_add.chosen.emit("tanh")
    (new,) = set(window.document.graph.node_ids()) - before
    assert window.document.graph.node(new).op == "tanh"
    pos = window.document.graph.node(new).pos
    assert abs(pos[0] - spot.x()) < 120 and abs(pos[1] - spot.y()) < 120
