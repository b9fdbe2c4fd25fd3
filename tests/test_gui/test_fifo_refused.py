"""Only regular files are read: a FIFO, a device or a socket is refused at once.

Through the command line in a subprocess (with a timeout: reading a FIFO
would block for ever) and through the window's File ▸ Open, drop and Open
Recent (with an alarm for the same reason).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import timeouts
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

SPECIALS = ["fifo", "device", "socket"]


@pytest.fixture
def special(request, tmp_path):
    """A path of the given kind, named like a graph file."""
    kind = request.param
    if kind == "fifo":
        path = tmp_path / "pipe.cgraph"
        os.mkfifo(path)
        yield path
    elif kind == "device":
        path = tmp_path / "zero.cgraph"
        path.symlink_to("/dev/zero")
        yield path
    else:
        path = tmp_path / "sock.cgraph"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        yield path
        sock.close()


def _chainrule(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from chainrule.gui.entry import main; sys.exit(main(sys.argv[1:]))"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chainrule {' '.join(args)} hung on a file that is not a regular file")


@pytest.mark.parametrize("special", SPECIALS, indirect=True)
@pytest.mark.parametrize("command", [
    ["eval", "{}"], ["check", "{}"], ["export", "{}", "-o", "{out}.py"],
    ["render", "{}", "-o", "{out}.png"], ["{}"], ["eval", "--expr-file", "{}"]])
def test_the_command_line_refuses_a_special_file_at_once(special, command, tmp_path):
    args = [a.format(special, out=tmp_path / "out") for a in command]
    done = _chainrule(*args)
    assert done.returncode == 1, done.stderr
    assert "not a regular file" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("out*"))


def alarm(seconds: int = 20):
    return timeouts.alarm(seconds, "the window hung on a file that is not a regular file")


@pytest.mark.parametrize("special", SPECIALS, indirect=True)
def test_file_open_refuses_a_special_file(make_window, special):
    window = make_window()
    with alarm():
        assert window.files.open(special) is False
    (title, text, detail), = window.errors
    assert detail == "not a regular file"


@pytest.mark.parametrize("special", ["fifo"], indirect=True)
def test_a_dropped_fifo_is_refused(make_window, special):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(special))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with alarm():
        window.dropEvent(event)
    assert [e[2] for e in window.errors] == ["not a regular file"]


@pytest.mark.parametrize("special", ["fifo"], indirect=True)
def test_a_recent_fifo_is_refused_with_the_true_reason(make_window, special):
    window = make_window()
    window.files.recent.add(Path(special))
    with alarm():
        assert window.files.open_recent(str(special)) is False
    assert [e[2] for e in window.errors] == ["not a regular file"]
    assert str(Path(special)) in [str(Path(p)) for p in window.files.recent.paths()]


def test_file_open_keeps_unknown_keys_of_any_depth_and_size(make_window, tmp_path):
    deep = "[" * 995 + "]" * 995
    digits = "7" * 5000
    path = tmp_path / "future.cgraph"
    path.write_text('{"format": "chainrule", "version": 1, "nodes": [{"id": "x", "op": '
                    '"input", "value": 1, "deep": ' + deep + ', "big": ' + digits + '}], '
                    '"edges": []}')
    window = make_window()
    assert window.files.open(path) is True, window.errors
    assert window.files.save() is True, window.errors
    text = path.read_text()
    assert deep in text and digits in text
