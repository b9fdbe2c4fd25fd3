"""The one window factory of the GUI tests.

``make_window(demo)`` gives a main window on that demo (the default demo if
none) with settings in ``tmp_path``; the unsaved-changes question is answered
with ``answer`` (recorded in ``window.prompts``) and error dialogs are
recorded in ``window.errors`` as ``(title, text, detail)`` instead of shown.
A test module marked ``pytest.mark.shown_window`` gets its windows shown,
active and with the canvas focused (keys reach the canvas).
``window`` is ``make_window()``.
"""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from chainrule.gui.files import DEMO_DIR
from chainrule.gui.main_window import MainWindow
from chainrule.gui.settings import Settings


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch, request):
    monkeypatch.setenv("CHAINRULE_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("CHAINRULE_DATA_DIR", str(tmp_path / "data"))     # recovery files
    shown = request.node.get_closest_marker("shown_window") is not None

    def make(demo: str | None = None,
             answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Discard
             ) -> MainWindow:
        window = MainWindow(Settings(tmp_path / "settings"))
        qtbot.addWidget(window)
        window.prompts, window.errors = [], []
        window.files.ask_unsaved = lambda: (window.prompts.append(1), answer)[1]
        window.files.show_error = lambda title, text, detail="": window.errors.append(
            (title, text, detail))
        if demo is None:
            window.files.open_default_demo()
        else:
            window.files.open_demo(DEMO_DIR / demo, ask=False)
        if shown:
            window.show()
            qtbot.waitExposed(window)
            window.activateWindow()
            qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
            window.canvas.setFocus()
        return window
    return make


@pytest.fixture
def window(make_window):
    return make_window()
