"""`chainrule` without a usable screen says what to do instead of Qt's plugin abort."""
from __future__ import annotations

import pytest

import chainrule.gui.app


def test_no_display_gives_one_message_and_no_window(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")

    def no_qt():
        pytest.fail("the QApplication must not be made without a display")
    monkeypatch.setattr(chainrule.gui.app, "application", no_qt)
    assert chainrule.gui.app.main() == 1
    err = capsys.readouterr().err
    assert "There is no display" in err and "xvfb-run" in err
