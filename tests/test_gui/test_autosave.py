"""Autosave inside one process: when the recovery file is written and removed."""
from __future__ import annotations

import json
import time

from chainrule.core import fileformat
from chainrule.gui import recovery
from chainrule.gui.commands import SetNodeField


def edit(window, value=7.0, node="w0"):
    window.document.push(SetNodeField(window.document, node, "value", value))


def recovered(window) -> dict:
    return json.loads(window.autosave.path.read_text(encoding="utf-8"))


def test_a_lone_edit_is_written_at_once_and_a_save_removes_it(window, qtbot, tmp_path):
    path = tmp_path / "neuron.cgraph"
    window.files.save_as(path)
    edit(window)
    qtbot.waitUntil(window.autosave.path.exists, timeout=2000)
    data = recovered(window)
    assert data["path"] == str(path.resolve()) and data["name"] == "neuron.cgraph"
    assert fileformat.loads(data["graph"]).node("w0").value == 7.0
    assert window.autosave.path.parent == tmp_path / "data" / "recovery"
    assert window.autosave.path.stat().st_mode & 0o077 == 0      # private
    window.files.save()
    assert not window.autosave.path.exists()


def test_undoing_back_to_the_saved_state_removes_it(window, qtbot):
    edit(window)
    qtbot.waitUntil(window.autosave.path.exists, timeout=2000)
    window.document.undo_stack.undo()
    assert not window.autosave.path.exists()


def test_a_burst_is_written_after_its_last_edit_and_at_least_every_max_wait(window, qtbot):
    window.settings.autosave_interval_s = 600          # the idle write would come much later
    autosave = window.autosave
    edit(window, 1.0)
    qtbot.waitUntil(autosave.path.exists, timeout=2000)  # the first edit: at once
    for value in (2.0, 3.0, 4.0):
        edit(window, value, node="x0")
    assert fileformat.loads(recovered(window)["graph"]).node("x0").value != 4.0
    # written once the burst pauses: a kill a second after its last edit loses nothing
    qtbot.waitUntil(lambda: fileformat.loads(recovered(window)["graph"])
                    .node("x0").value == 4.0, timeout=int(recovery.BURST_PAUSE_S * 1000) + 500)


def test_a_burst_that_goes_on_is_written_every_interval(window, qtbot):
    window.settings.autosave_interval_s = 1
    autosave = window.autosave
    edit(window, 1.0)
    qtbot.waitUntil(autosave.path.exists, timeout=2000)
    value = 2.0
    for _ in range(16):                                 # a drag: an edit every 0.1 s
        edit(window, value, node="x0")
        qtbot.wait(100)
        value += 1.0
    # the burst never paused, yet what it had reached a second in is on disk
    assert fileformat.loads(recovered(window)["graph"]).node("x0").value >= 8.0


def test_a_clean_close_removes_it_and_left_behind_skips_live_windows(make_window, qtbot):
    first, second = make_window(), make_window()
    edit(first)
    edit(second, 3.0)
    qtbot.waitUntil(lambda: first.autosave.path.exists() and second.autosave.path.exists(),
                    timeout=2000)
    assert recovery.left_behind() == []        # both windows are alive: nothing to offer
    first.close()
    assert first.prompts and not first.autosave.path.exists()
    assert second.autosave.path.exists()


def test_the_offer_restores_into_the_window_as_one_undo_step(make_window, qtbot, tmp_path):
    crashed = make_window()
    edit(crashed, 42.0)
    qtbot.waitUntil(crashed.autosave.path.exists, timeout=2000)
    crashed.autosave._lock.unlock()            # as if its process had died
    crashed.autosave._lock = None
    fresh = make_window()
    questions = []
    assert recovery.offer(fresh, lambda r, _w: (questions.append(r.question()),
                                                recovery.RESTORE)[1]) == 1
    assert questions[0].startswith("Recover unsaved changes to Untitled (demo: 01-neuron) "
                                   "from ")
    assert fresh.document.graph.node("w0").value == 42.0 and fresh.document.modified
    fresh.document.undo_stack.undo()
    assert fresh.document.graph.node("w0").value != 42.0


def test_the_interval_setting_is_bounded(window):
    settings = window.settings
    assert settings.autosave_interval_s == 5
    settings.autosave_interval_s = 0                  # out of range: the default
    assert settings.autosave_interval_s == 5
    settings.autosave_interval_s = 12
    assert settings.autosave_interval_s == 12


def test_broken_recovery_files_are_never_offered_and_never_crash(window, tmp_path):
    folder = tmp_path / "data" / "recovery"
    folder.mkdir(parents=True)
    (folder / "session-garbage.json").write_bytes(b"\xff\x00 not json")
    (folder / "session-other.json").write_text('{"format": "something else"}')
    (folder / "session-nograph.json").write_text('{"format": "chainrule-recovery"}')
    assert recovery.left_behind() == []
    assert recovery.offer(window, lambda r, w: recovery.RESTORE) == 0
    assert len(list(folder.glob("session-*.json"))) == 3       # left alone


def test_a_recovered_graph_that_cannot_be_read_says_so(window, tmp_path):
    folder = tmp_path / "data" / "recovery"
    folder.mkdir(parents=True)
    (folder / "session-bad.json").write_text(json.dumps(
        {"format": "chainrule-recovery", "saved": 0, "name": "g.cgraph", "graph": "{]"}))
    assert recovery.offer(window, lambda r, w: recovery.RESTORE) == 0
    assert window.errors and window.errors[0][0] == "Cannot recover"
    assert not window.document.modified


def test_an_unwritable_data_folder_says_so_and_the_editor_keeps_working(
        window, qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(window.autosave, "folder", blocker / "recovery")
    messages = []
    window.document.message.connect(messages.append)
    edit(window)
    qtbot.waitUntil(lambda: any("recovery file" in m for m in messages), timeout=2000)
    assert window.document.graph.node("w0").value == 7.0


def test_an_edit_after_a_pause_is_written_at_once_even_just_after_a_write(window, qtbot):
    window.settings.autosave_interval_s = 600          # a burst's write would come much later
    autosave = window.autosave
    edit(window, 1.0)
    qtbot.waitUntil(autosave.path.exists, timeout=2000)
    qtbot.wait(int(recovery.QUIET_S * 1000) + 100)     # the user pauses
    edit(window, 2.0)
    qtbot.waitUntil(lambda: fileformat.loads(recovered(window)["graph"])
                    .node("w0").value == 2.0, timeout=500)


def test_on_a_graph_slow_to_write_a_lone_edit_waits_for_a_pause(window, qtbot, monkeypatch):
    """A write of about 10,000 nodes takes some 0.2 s: after one such write, lone
    edits are gathered like a burst (written BURST_PAUSE_S after the last), so
    separate clicks never stall between them; a quick write goes back to at once."""
    window.settings.autosave_interval_s = 600
    autosave = window.autosave
    dumps = fileformat.dumps
    monkeypatch.setattr(fileformat, "dumps", lambda graph: (time.sleep(
        recovery.SLOW_WRITE_S * 1.5), dumps(graph))[1])
    edit(window, 1.0)
    qtbot.waitUntil(autosave.path.exists, timeout=2000)        # not known slow yet: at once
    qtbot.wait(int(recovery.QUIET_S * 1000) + 100)              # the user pauses
    edit(window, 2.0)
    assert autosave._idle.isActive() and autosave._idle.interval() == int(
        recovery.BURST_PAUSE_S * 1000)
    qtbot.waitUntil(lambda: fileformat.loads(recovered(window)["graph"])
                    .node("w0").value == 2.0, timeout=int(recovery.BURST_PAUSE_S * 1000) + 500)
    monkeypatch.setattr(fileformat, "dumps", dumps)             # a quick write again
    edit(window, 3.0)
    qtbot.waitUntil(lambda: fileformat.loads(recovered(window)["graph"])
                    .node("w0").value == 3.0, timeout=int(recovery.BURST_PAUSE_S * 1000) + 500)
    qtbot.wait(int(recovery.QUIET_S * 1000) + 100)
    edit(window, 4.0)
    assert autosave._idle.interval() == 0                       # at once, as before
