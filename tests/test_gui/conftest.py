"""Fixtures shared by the GUI tests."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gui.main_window import MainWindow
from gui.settings import Settings


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
