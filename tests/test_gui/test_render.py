"""``chainrule render`` and File ▸ Export Image write real pictures."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from chainrule.gui.files import DEMO_DIR

DEMO = DEMO_DIR / "01-neuron.cgraph"


def chainrule(*args, env_extra=None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "chainrule", *args],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_render_writes_a_picture(tmp_path, suffix):
    out = tmp_path / f"neuron{suffix}"
    result = chainrule("render", str(DEMO), "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = QImage(str(out))
        assert image.width() > 400 and image.height() > 200
    else:
        text = data.decode("utf-8")
        assert "<svg" in text and "0.3932" in text      # a gradient label is in the picture


def test_render_refuses_other_suffixes_and_unreadable_files(tmp_path):
    bad_suffix = chainrule("render", str(DEMO), "-o", str(tmp_path / "x.jpg"))
    assert bad_suffix.returncode == 2 and ".png or .svg" in bad_suffix.stderr
    broken = tmp_path / "broken.cgraph"
    broken.write_text("{")
    unreadable = chainrule("render", str(broken), "-o", str(tmp_path / "x.png"))
    assert unreadable.returncode == 1
    assert len(unreadable.stderr.strip().splitlines()) == 1
    assert "Traceback" not in unreadable.stderr
    assert not (tmp_path / "x.png").exists()


def test_export_image_from_the_window(qtbot, tmp_path, monkeypatch):
    from chainrule.gui.main_window import MainWindow
    from chainrule.gui.settings import Settings
    monkeypatch.setenv("CHAINRULE_SETTINGS_DIR", str(tmp_path / "settings"))
    window = MainWindow(Settings(tmp_path / "settings"))
    qtbot.addWidget(window)
    window.files.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    window.files.open_default_demo()
    window.ask_export_path = lambda: str(tmp_path / "export.svg")
    assert window.export_image()
    assert "<svg" in (tmp_path / "export.svg").read_text(encoding="utf-8")
    assert window.export_image(str(tmp_path / "export.png"))
    assert QImage(str(tmp_path / "export.png")).width() > 400
