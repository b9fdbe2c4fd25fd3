"""The start-up check of ``python -m gui.qt_check`` (run by ``make run``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.gui import qt_check

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def loader(monkeypatch):
    """Replace the library loader: names in ``absent`` fail to load."""
    absent: set[str] = set()
    monkeypatch.setattr(qt_check, "_can_load", lambda soname: soname not in absent)
    monkeypatch.setattr(qt_check, "_plugin_load_error", lambda: None)
    return absent


@pytest.fixture
def x11(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)


def test_missing_libraries_lists_only_the_absent_ones_with_their_packages(loader):
    loader.update({"libxcb-cursor.so.0", "libxkbcommon-x11.so.0"})
    assert qt_check.missing_libraries() == [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ]


def test_nothing_missing_means_empty_list(loader):
    assert qt_check.missing_libraries() == []


def test_table_covers_the_libraries_the_xcb_plugin_is_known_to_need():
    libs = dict(qt_check.XCB_LIBRARIES)
    for soname, package in {
        "libxcb-icccm.so.4": "libxcb-icccm4",
        "libxcb-keysyms.so.1": "libxcb-keysyms1",
        "libxcb-cursor.so.0": "libxcb-cursor0",
        "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
        "libxcb-image.so.0": "libxcb-image0",
        "libxcb-render-util.so.0": "libxcb-render-util0",
        "libxcb-shape.so.0": "libxcb-shape0",
        "libxcb-xkb.so.1": "libxcb-xkb1",
        "libEGL.so.1": "libegl1",
        "libGL.so.1": "libgl1",
        "libfontconfig.so.1": "libfontconfig1",
        "libdbus-1.so.3": "libdbus-1-3",
    }.items():
        assert libs[soname] == package


def test_main_names_the_packages_and_exits_1(loader, x11, capsys):
    loader.update({"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"})
    assert qt_check.main() == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in err
    assert "libxcb-icccm.so.4" in err
    # one message, not one per library
    assert err.count("apt-get install") == 1


def test_a_package_is_named_once_even_when_two_of_its_libraries_are_missing(loader, x11, capsys):
    loader.update({"libglib-2.0.so.0", "libgthread-2.0.so.0"})
    assert qt_check.main() == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install libglib2.0-0\n" in err


def test_main_is_silent_and_exits_0_when_all_libraries_load(loader, x11, capsys):
    assert qt_check.main() == 0
    assert capsys.readouterr() == ("", "")


def test_plugin_that_still_fails_to_load_is_reported(loader, x11, monkeypatch, capsys):
    monkeypatch.setattr(
        qt_check,
        "_plugin_load_error",
        lambda: "libfoo.so.9: cannot open shared object file: No such file or directory",
    )
    assert qt_check.main() == 1
    assert "libfoo.so.9" in capsys.readouterr().err


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "wayland", "vnc"])
def test_other_qt_platforms_are_not_checked(loader, x11, monkeypatch, capsys, platform):
    loader.update(lib for lib, _ in qt_check.XCB_LIBRARIES)
    monkeypatch.setenv("QT_QPA_PLATFORM", platform)
    assert qt_check.main() == 0
    assert capsys.readouterr().err == ""


def test_a_fallback_list_that_includes_xcb_is_checked(loader, x11, monkeypatch):
    loader.add("libxcb-shape.so.0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "wayland;xcb")
    assert qt_check.main() == 1


def test_other_operating_systems_are_not_checked(loader, x11, monkeypatch):
    loader.update(lib for lib, _ in qt_check.XCB_LIBRARIES)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert qt_check.main() == 0


def test_no_display_says_so_and_how_to_run_headless(loader, x11, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY")
    assert qt_check.main() == 1
    err = capsys.readouterr().err
    assert "no display" in err.lower()
    assert "DISPLAY" in err and "WAYLAND_DISPLAY" in err
    assert "xvfb-run" in err
    assert "offscreen" in err


def test_no_display_and_missing_libraries_give_both_hints_at_once(loader, x11, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY")
    loader.add("libxcb-xkb.so.1")
    assert qt_check.main() == 1
    err = capsys.readouterr().err
    assert "no display" in err.lower()
    assert "sudo apt-get install libxcb-xkb1" in err


def test_a_wayland_session_without_x11_is_left_to_qt(loader, x11, monkeypatch):
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    loader.update(lib for lib, _ in qt_check.XCB_LIBRARIES)
    assert qt_check.main() == 0


def test_forcing_xcb_on_wayland_without_display_is_reported(loader, x11, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert qt_check.main() == 1
    assert "DISPLAY is not set" in capsys.readouterr().err


def test_real_loader_answers_for_this_machine():
    # Whatever this machine has installed, the answer is well-formed.
    missing = qt_check.missing_libraries()
    assert all(pair in qt_check.XCB_LIBRARIES for pair in missing)
    assert qt_check._can_load("libc.so.6")
    assert not qt_check._can_load("libchainrule-does-not-exist.so.0")


def test_running_the_module_does_not_import_pyside6():
    # The check has to work exactly when Qt cannot load, so neither it nor
    # the gui package may import PySide6 on the way.
    code = (
        "import sys, runpy\n"
        "try:\n"
        "    runpy.run_module('chainrule.gui.qt_check', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_command_line_without_display_exits_1_with_the_message():
    result = subprocess.run(
        [sys.executable, "-m", "chainrule.gui.qt_check"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if not sys.platform.startswith("linux"):
        assert result.returncode == 0
        return
    assert result.returncode == 1
    assert "no display" in result.stderr.lower()
    assert "Traceback" not in result.stderr
