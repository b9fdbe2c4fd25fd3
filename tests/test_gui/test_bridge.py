"""File ▸ Export as PyTorch / TikZ, Import from PyTorch, and the panel's Copy as LaTeX."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from chainrule.core.engine import evaluate


@pytest.fixture
def window(make_window):
    return make_window("01-neuron.cgraph")


def test_the_file_menu_has_the_bridge_after_export_as_python(window):
    texts = [a.text() for a in window.file_menu.actions()]
    i = texts.index("Export as &Python…")
    assert texts[i + 1:i + 4] == ["Export as Py&Torch…", "Export as Ti&kZ…",
                                  "&Import from PyTorch…"]


def test_export_as_pytorch_then_import_gives_the_same_gradients(window, tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed")
    out = tmp_path / "neuron.py"
    before = evaluate(window.document.graph)
    assert window.bridge.export_torch(str(out))
    assert "torch.sigmoid" in out.read_text()
    assert window.bridge.import_torch(f"{out}:model")
    after = evaluate(window.document.graph)
    assert window.document.path is None
    assert window.document.graph.title == "model (imported from neuron.py)"
    for leaf in ("w0", "x0", "w1", "x1", "w2"):
        assert after.grad(leaf) == pytest.approx(before.grad(leaf), rel=1e-12)


def test_export_as_tikz_during_a_step_through_shows_that_step(window, tmp_path):
    controller = window.step_through.controller
    window.canvas.setFocus()
    for _ in range(3):
        controller.step()
    out = tmp_path / "c.tex"
    assert window.bridge.export_tikz(str(out))
    text = out.read_text()
    assert "crcurrentcard" in text and "\\begin{tikzpicture}" in text


def test_copy_as_latex_copies_the_current_steps_align_block(window, qtbot):
    controller = window.step_through.controller
    for _ in range(6):                       # step 6: m0 = w0 · x0
        controller.step()
    panel = window.step_through.panel
    qtbot.mouseClick(panel.copy_latex_button, Qt.MouseButton.LeftButton)
    text = QApplication.clipboard().text()
    assert text == "\\begin{align*}\nm_{0} &= w_{0} \\cdot x_{0} = 2 \\cdot (-1) = -2\n" \
        "\\end{align*}"
