"""Crash recovery through a real process kill: edit, ``kill -9`` one second later,
start again, and the offer brings the edit back."""
from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainrule.gui.files import DEMO_DIR

DRIVER = Path(__file__).resolve().parents[1] / "support" / "recovery_driver.py"
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")


def start(mode: str, arg: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(DRIVER), mode, arg], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_line(proc: subprocess.Popen, prefix: str, timeout: float = 60.0) -> str:
    """The rest of the first line of the process's output that starts with ``prefix``."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith(prefix + " "):
                return line[len(prefix) + 1:].rstrip("\n")
    proc.kill()
    raise AssertionError(f"no {prefix} line; stderr: {proc.stderr.read()[-2000:]}")


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(QT_QPA_PLATFORM="offscreen", CHAINRULE_DATA_DIR=str(tmp_path / "data"),
               CHAINRULE_SETTINGS_DIR=str(tmp_path / "settings"))
    return env


def kill_after_edit(tmp_path, env) -> Path:
    neuron = tmp_path / "neuron.cgraph"
    shutil.copy(DEMO_DIR / "01-neuron.cgraph", neuron)
    editor = start("edit", str(neuron), env)
    assert json.loads(read_line(editor, "EDITED")) is True
    time.sleep(1.0)
    editor.send_signal(signal.SIGKILL)
    editor.wait(10)
    assert editor.returncode == -signal.SIGKILL
    return neuron


def test_kill_9_one_second_after_an_edit_loses_nothing(tmp_path, env):
    neuron = kill_after_edit(tmp_path, env)
    left = list((tmp_path / "data" / "recovery").glob("session-*.json"))
    assert len(left) == 1
    again = start("recover", "Restore", env)
    offer = read_line(again, "OFFER")
    assert re.fullmatch(r"Recover unsaved changes to neuron\.cgraph from \d\d:\d\d\?", offer)
    [window] = json.loads(read_line(again, "WINDOWS"))
    again.wait(30)
    assert "w2" not in window["nodes"] and "x0" in window["nodes"]
    assert window["modified"] and window["title"].startswith("neuron.cgraph")
    assert b'"w2"' in neuron.read_bytes()          # the file itself was never touched
    assert not left[0].exists()                   # restored: the old recovery file is gone


def test_show_in_a_new_window_keeps_the_first_window_as_it_was(tmp_path, env):
    kill_after_edit(tmp_path, env)
    again = start("recover", "Show in a New Window", env)
    read_line(again, "OFFER")
    windows = json.loads(read_line(again, "WINDOWS"))
    again.wait(30)
    assert len(windows) == 2
    # (Qt lists top-level windows in no particular order)
    first, recovered = sorted(windows, key=lambda w: w["modified"])
    assert "w2" in first["nodes"] and not first["modified"]
    assert "w2" not in recovered["nodes"] and recovered["modified"]


def test_discard_removes_the_recovery_file(tmp_path, env):
    kill_after_edit(tmp_path, env)
    again = start("recover", "Discard", env)
    read_line(again, "OFFER")
    [window] = json.loads(read_line(again, "WINDOWS"))
    again.wait(30)
    assert "w2" in window["nodes"]
    assert not list((tmp_path / "data" / "recovery").glob("session-*.json"))
