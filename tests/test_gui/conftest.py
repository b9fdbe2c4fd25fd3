"""Fixtures shared by the GUI tests."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from chainrule.gui.files import DEMO_DIR
from chainrule.gui.main_window import MainWindow
from chainrule.gui.settings import Settings


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A main window on the default demo (not shown), with settings in ``tmp_path``.

    Closing or opening never asks about unsaved changes: they are discarded.
    """
    monkeypatch.setenv("CHAINRULE_SETTINGS_DIR", str(tmp_path / "settings"))
    window = MainWindow(Settings(tmp_path / "settings"))
    qtbot.addWidget(window)
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    window.files.open_default_demo()
    return window


@pytest.fixture
def make_window(qtbot, tmp_path, monkeypatch):
    """A factory: ``make_window(demo)`` gives a main window on that demo, settings in
    ``tmp_path``, unsaved changes discarded, error dialogs recorded in ``window.errors``."""
    monkeypatch.setenv("CHAINRULE_SETTINGS_DIR", str(tmp_path / "settings"))

    def make(demo: str = "01-neuron.cgraph") -> MainWindow:
        window = MainWindow(Settings(tmp_path / "settings"))
        qtbot.addWidget(window)
        window.errors = []
        window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
        window.files.show_error = lambda title, text, detail="": window.errors.append(
            (title, text, detail))
        window.files.open_demo(DEMO_DIR / demo, ask=False)
        return window
    return make
