"""Files changed by another program, read-only files, a file open in two windows."""
from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from chainrule.core import fileformat
from chainrule.gui import windows
from chainrule.gui.commands import SetNodeField
from chainrule.gui.disk_watch import OpenLock


def saved_window(make_window, tmp_path, name="neuron.cgraph"):
    window = make_window()
    path = tmp_path / name
    window.files.save_as(path)
    return window, path


def rewrite_behind(path, title, atomic=True):
    """Another editor saves: a new file renamed over the old one (or written in place)."""
    graph = fileformat.load(path)
    graph.title = title
    text = fileformat.dumps(graph)
    if atomic:
        tmp = path.with_name(path.name + ".other~")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        path.write_text(text, encoding="utf-8")


def test_a_file_rewritten_behind_the_window_shows_the_bar_and_reload_reads_it(
        make_window, tmp_path, qtbot):
    window, path = saved_window(make_window, tmp_path)
    rewrite_behind(path, "changed elsewhere")
    qtbot.waitUntil(lambda: not window.change_bar.isHidden(), timeout=5000)
    assert "changed on disk" in window.change_bar.label.text()
    QTest.mouseClick(window.change_bar.reload_button, Qt.MouseButton.LeftButton)
    assert window.document.graph.title == "changed elsewhere"
    assert window.change_bar.isHidden() and not window.document.modified
    # the path is still watched after the rename: a second change is seen too
    rewrite_behind(path, "and again", atomic=False)
    qtbot.waitUntil(lambda: not window.change_bar.isHidden(), timeout=5000)


def test_our_own_save_and_a_touch_say_nothing(make_window, tmp_path, qtbot):
    window, path = saved_window(make_window, tmp_path)
    window.document.push(SetNodeField(window.document, "w0", "value", 3.0))
    window.files.save()
    os.utime(path)
    qtbot.wait(500)
    assert window.change_bar.isHidden()


def test_keep_mine_then_save_asks_before_overwriting(make_window, tmp_path, qtbot):
    window, path = saved_window(make_window, tmp_path)
    window.document.push(SetNodeField(window.document, "w0", "value", 3.0))
    rewrite_behind(path, "theirs")
    qtbot.waitUntil(lambda: not window.change_bar.isHidden(), timeout=5000)
    QTest.mouseClick(window.change_bar.keep_button, Qt.MouseButton.LeftButton)
    assert window.document.graph.node("w0").value == 3.0
    asked = []
    window.files.ask_overwrite_changed = lambda p: (asked.append(p.name), False)[1]
    assert not window.files.save()
    assert asked == ["neuron.cgraph"] and fileformat.load(path).title == "theirs"
    window.files.ask_overwrite_changed = lambda p: True
    assert window.files.save()
    assert fileformat.load(path).node("w0").value == 3.0


def test_reload_with_unsaved_changes_asks_first(make_window, tmp_path, qtbot):
    window, path = saved_window(make_window, tmp_path)
    window.document.push(SetNodeField(window.document, "w0", "value", 3.0))
    rewrite_behind(path, "theirs")
    qtbot.waitUntil(lambda: not window.change_bar.isHidden(), timeout=5000)
    window.files.ask_reload_discarding = lambda: False
    QTest.mouseClick(window.change_bar.reload_button, Qt.MouseButton.LeftButton)
    assert window.document.graph.node("w0").value == 3.0
    window.files.ask_reload_discarding = lambda: True
    QTest.mouseClick(window.change_bar.reload_button, Qt.MouseButton.LeftButton)
    assert window.document.graph.title == "theirs" and not window.document.modified


def test_a_deleted_file_offers_keep_mine_only(make_window, tmp_path, qtbot):
    window, path = saved_window(make_window, tmp_path)
    path.unlink()
    qtbot.waitUntil(lambda: not window.change_bar.isHidden(), timeout=5000)
    assert "deleted or moved" in window.change_bar.label.text()
    assert window.change_bar.reload_button.isHidden()


def test_saving_over_a_read_only_file_asks_and_refuses_unless_replaced(make_window, tmp_path):
    window, path = saved_window(make_window, tmp_path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    window.document.push(SetNodeField(window.document, "w0", "value", 3.0))
    reasons = []
    window.files.ask_read_only = lambda p, why: (reasons.append(why), None)[1]
    assert not window.files.save()
    assert reasons == ["neuron.cgraph is read-only (mode -r--r--r--)"]
    assert path.read_bytes() == before and window.document.modified
    window.files.ask_read_only = lambda p, why: "Replace"
    assert window.files.save()
    assert os.stat(path).st_mode & 0o777 == 0o444
    assert fileformat.load(path).node("w0").value == 3.0


def test_opening_a_file_open_in_another_window_brings_that_window_forward(
        make_window, tmp_path, qtbot):
    first, path = saved_window(make_window, tmp_path)
    second = make_window()
    raised = []
    real = windows.bring_forward
    windows.bring_forward = lambda w: (raised.append(w), real(w))
    try:
        assert not second.files.open(path)
    finally:
        windows.bring_forward = real
    assert raised == [first] and second.document.path is None and not second.prompts


def test_a_file_open_in_another_process_is_warned_about(make_window, tmp_path, qtbot):
    window, path = saved_window(make_window, tmp_path)
    window.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from chainrule.gui.disk_watch import OpenLock\n"
         "lock = OpenLock(); lock.hold(sys.argv[1]); print('held', flush=True); time.sleep(60)",
         str(path)], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert holder.stdout.readline().strip() == "held"
        assert OpenLock.holder(path) == holder.pid
        other = make_window()
        asked = []
        other.files.ask_open_elsewhere = lambda p, pid: (asked.append(pid), False)[1]
        assert not other.files.open(path)
        assert asked == [holder.pid]
    finally:
        holder.kill()
        holder.wait()
    assert OpenLock.holder(path) is None          # its process is gone: the lock is stale
