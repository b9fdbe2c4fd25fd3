"""Forward mode in the real window: the toggle, the third label, the seeds, the step text,
the Modes dock on the why-backward demos."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from chainrule.core import forward_mode
from chainrule.gui.canvas import style

pytestmark = pytest.mark.shown_window   # keys go to the canvas


def tools(window):
    return window.forward_tools


def wire(window, src, dst):
    return next(w for e, w in window.canvas.graph_scene.wires.items()
                if e.src == src and e.dst == dst)


def test_the_toggle_puts_a_tangent_label_on_every_wire(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    assert wire(window, "x", "q").tangent_text() is None
    assert not tools(window).legend.isVisible()
    qtbot.keyClick(window, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)
    assert tools(window).action.isChecked() and window.document.forward_mode
    # default: tangent 1 on the first input (none selected)
    assert wire(window, "x", "q").tangent_text() == "ṫ 1"
    assert wire(window, "y", "q").tangent_text() == "ṫ 0"
    assert wire(window, "q", "f").tangent_text() == "ṫ 1"
    out = window.canvas.graph_scene.nodes["f"]
    assert out.stub_tangent == "ṫ -4"
    # the value and gradient labels are still there
    assert wire(window, "q", "f").value_text() == "3"
    assert wire(window, "q", "f").grad_text() == "-4"
    legend = tools(window).legend
    assert legend.isVisible() and "ṫ tangent" in legend.text()
    assert style.TANGENT.name() in legend.text()
    # the numbers come from the one evaluation, computed in core
    ev = window.document.current_evaluation()
    assert forward_mode.tangent(ev, "f") == -4.0
    qtbot.keyClick(window, Qt.Key_T, Qt.ControlModifier | Qt.ShiftModifier)
    assert wire(window, "x", "q").tangent_text() is None and not legend.isVisible()


def test_selecting_an_input_seeds_it_and_the_inspector_sets_seeds(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    tools(window).set_enabled(True)
    scene = window.canvas.graph_scene
    scene.nodes["z"].setSelected(True)
    assert wire(window, "z", "f").tangent_text() == "ṫ 1"
    assert wire(window, "x", "q").tangent_text() == "ṫ 0"
    assert window.canvas.graph_scene.nodes["f"].stub_tangent == "ṫ 3"
    editor = tools(window).seed_editor
    assert editor.isVisible() and editor.edit.text() == "1"
    # type a seed of 2 on y (selected: the default 1 moved there), then 1 on z
    scene.clearSelection()
    scene.nodes["y"].setSelected(True)
    assert editor.edit.text() == "1" and wire(window, "z", "f").tangent_text() == "ṫ 0"
    qtbot.mouseClick(editor.edit, Qt.LeftButton)     # the user clicks into the field
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "2")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert window.document.tangent_seeds.keys() == {"y"}
    assert wire(window, "q", "f").tangent_text() == "ṫ 2"
    assert scene.nodes["f"].stub_tangent == "ṫ -8"          # 2·(−4)
    scene.clearSelection()
    scene.nodes["z"].setSelected(True)
    assert editor.edit.text() == ""                        # set seeds: z is not seeded
    qtbot.mouseClick(editor.edit, Qt.LeftButton)
    qtbot.keyClicks(editor.edit, "1")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert window.document.tangent_seeds.keys() == {"y", "z"}
    assert scene.nodes["f"].stub_tangent == "ṫ -5"          # 2·(−4) + 1·3
    # a wrong shape is refused in one sentence, nothing changes
    qtbot.mouseClick(editor.edit, Qt.LeftButton)
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "[1, 2]")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert "must have its shape scalar" in editor.note.text()
    assert scene.nodes["f"].stub_tangent == "ṫ -5"
    qtbot.mouseClick(editor.clear, Qt.LeftButton)
    assert window.document.tangent_seeds == {}
    assert wire(window, "z", "f").tangent_text() == "ṫ 1"    # the selected input again
    assert wire(window, "y", "q").tangent_text() == "ṫ 0"


def test_an_array_seed_from_the_table(make_window, qtbot):
    window = make_window("25-why-backward.cgraph")
    tools(window).set_enabled(True)
    window.canvas.graph_scene.nodes["w"].setSelected(True)
    editor = tools(window).seed_editor
    assert editor.table.isVisible() and editor.table.columnCount() == 1000
    editor.table.edit_cell(0, 0, "0")
    seed = window.document.tangent_seeds["w"]
    assert seed[0] == 0.0 and seed[1] == 1.0 and seed.shape == (1000,)
    ev = window.document.current_evaluation()
    grad = ev.grad("w")
    assert np.isclose(forward_mode.tangent(ev, "f"), float(np.sum(grad * seed)))


def test_forward_steps_write_the_tangent_rule_with_numbers(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    tools(window).set_enabled(True)
    panel = window.step_through.panel
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert "ẋ = 1\n(seeded)" in panel.text()
    assert wire(window, "x", "q").tangent_text() == "ṫ 1"
    assert wire(window, "q", "f").tangent_text() is None        # not reached yet
    for _ in range(3):
        qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert "ṡ" not in panel.text()          # the demo names the sum q
    assert "q̇ = ẋ + ẏ = 1 + 0 = 1" in panel.text()
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert "ḟ = q̇·z + q·ż = 1·(−4) + (−2 + 5)" not in panel.text()
    assert "ḟ = q̇·z + q·ż = 1·(−4) + 3·0 = −4" in panel.text()
    assert window.canvas.graph_scene.nodes["f"].stub_tangent == "ṫ -4"
    # turning forward mode off mid-way keeps the position and drops the rule
    position = window.step_through.controller.position
    tools(window).set_enabled(False)
    assert window.step_through.controller.position == position
    assert "ḟ" not in panel.text()


@pytest.mark.parametrize("demo,n_in,n_out", [("25-why-backward.cgraph", 1000, 1),
                                             ("26-why-backward-fan.cgraph", 1, 1000)])
def test_the_modes_panel_counts_both_modes_on_the_demos(make_window, qtbot, demo, n_in, n_out):
    window = make_window(demo)
    dock = window.docks["modes"]
    dock.show()
    dock.raise_()
    panel = tools(window).modes_panel
    qtbot.waitUntil(lambda: panel.report is not None)
    table = panel.table
    assert table.item(0, 1).text() == f"{n_in:,}"          # forward: one pass per input
    assert table.item(1, 1).text() == f"{n_out:,}"         # reverse: one per output
    per_pass = {"25-why-backward.cgraph": 2001, "26-why-backward-fan.cgraph": 3000}[demo]
    assert table.item(0, 2).text() == f"{n_in * per_pass:,}"
    assert table.item(1, 2).text() == f"{n_out * per_pass:,}"
    assert panel.check.text().startswith("✓ Forward mode's tangents reproduce all 1,000")
    assert ("reverse mode (backpropagation) needs 1,000× fewer passes" in panel.why.text()) \
        == (n_in > n_out)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    assert panel.report.agree


def test_the_inspector_shows_an_op_nodes_tangent(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    tools(window).set_enabled(True)
    window.canvas.graph_scene.nodes["f"].setSelected(True)
    editor = tools(window).seed_editor
    assert editor.isVisible() and not editor.edit.isVisible()
    assert editor.note.text().startswith("ḟ = -4")


def test_export_steps_in_forward_mode_writes_the_tangent_rule(make_window, tmp_path):
    window = make_window("03-add-mul.cgraph")
    tools(window).set_enabled(True)
    paths = window.step_through.export_steps(tmp_path / "svg", ".svg")
    # step 4: the add gate q (after the three leaves), its tangent rule in the caption
    q_step = paths[4].read_text(encoding="utf-8")
    assert "q̇ = ẋ + ẏ = 1 + 0 = 1" in q_step
    assert "ṫ 1" in q_step                                  # and on its wires


def test_clicking_a_wire_in_forward_mode_gives_its_tangent(make_window):
    window = make_window("03-add-mul.cgraph")
    tools(window).set_enabled(True)
    wire(window, "q", "f").setSelected(True)
    assert "tangent q̇ = 1" in window.step_through.panel.text()


def test_the_inspector_puts_both_modes_side_by_side(make_window):
    window = make_window("01-neuron.cgraph")
    tools(window).set_enabled(True)
    window.canvas.graph_scene.nodes["w1"].setSelected(True)
    note = tools(window).seed_editor.note.text()
    assert "Forward mode: ḟ = -0.393224. Reverse mode: Σ gradient · tangent = -0.393224." \
        in note
