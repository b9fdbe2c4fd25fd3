"""Learning with the graph, through the real window: Train panel, gradient check,
gradient-flow view, overwrite-at-forks view, quiz mode, Export as Python.

Buttons are clicked, spin boxes and the answer field are typed into; the
assertions are on the model (parameter values, the undo stack, the marks the
scene holds).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog

from chainrule.core import ops
from chainrule.core.cli import eval_json
from chainrule.core.engine import evaluate
from chainrule.core.fileformat import load
from chainrule.core.graph import Edge
from chainrule.core.quiz import Quiz
from chainrule.core.training import parameters, total_loss
from chainrule.gui.files import DEMO_DIR
from chainrule.gui.flow_view import MAX_WIDTH, MIN_WIDTH, magnitude

INDEX = json.loads((DEMO_DIR / "index.json").read_text())


def values(window) -> dict:
    graph = window.document.graph
    return {p: np.array(graph.node(p).value, copy=True) for p in parameters(graph)}


def same_values(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def loss(window) -> float:
    ev = window.document.evaluate_now()
    return total_loss(ev.value(ev.output))


def type_into(qtbot, spin, text: str) -> None:
    """Select the spin box's text, type ``text``, press Enter (as a user would)."""
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key_Return)


def run_and_wait(qtbot, panel, steps: int, timeout: int = 20000) -> None:
    type_into(qtbot, panel.steps_spin, str(steps))
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=timeout)


# ================================================================= training

def test_trainable_inputs_wear_a_badge(make_window):
    window = make_window("05-two-layer.cgraph")
    scene = window.canvas.graph_scene
    for node in window.document.graph.nodes():
        assert scene.nodes[node.id].trainable == node.trainable
    assert scene.nodes["w11"].trainable and not scene.nodes["x1"].trainable


def test_one_step_is_the_hand_computed_update(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = window.learning.train_panel
    type_into(qtbot, panel.lr_spin, "0.1")
    assert panel.lr_spin.value() == 0.1
    ev = window.document.evaluate_now()
    before = values(window)
    grads = {p: ev.grad(p) for p in before}
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    after = values(window)
    for p in before:
        assert after[p] == before[p] - 0.1 * grads[p], p
    # e.g. w12: 1 − 0.1 · (−4) = 1.4 (dJ/dw12 = dJ/dm12 · x2 = −2 · 2)
    assert grads["w12"] == -4 and after["w12"] == 1.4
    assert window.document.undo_stack.count() == 1
    assert len(panel.trainer.history) == 1 and panel.trainer.history[0] == 1.0


@pytest.mark.parametrize("demo, steps, lr", [("01-neuron.cgraph", 50, "0.5"),
                                              ("05-two-layer.cgraph", 30, "0.01"),
                                              ("10-fit-two-layer.cgraph", 200, "0.05")])
def test_training_lowers_the_loss_on_the_demos(make_window, qtbot, demo, steps, lr):
    window = make_window(demo)
    panel = window.learning.train_panel
    type_into(qtbot, panel.lr_spin, lr)
    start = loss(window)
    run_and_wait(qtbot, panel, steps)
    end = loss(window)
    assert end < start
    assert len(panel.trainer.history) == steps
    assert panel.trainer.history[0] == start
    if demo.startswith("10"):
        assert start > 5 and end < 1e-3        # what the demo's description promises
    # the canvas follows the parameters
    qtbot.waitUntil(lambda: window.canvas.graph_scene.evaluation.value(
        window.document.graph.effective_output()) == pytest.approx(end))
    assert panel.plotted_points == steps


def test_reset_restores_the_values_before_training_exactly(make_window, qtbot):
    window = make_window("10-fit-two-layer.cgraph")
    panel = window.learning.train_panel
    start = values(window)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    run_and_wait(qtbot, panel, 50)
    assert not same_values(values(window), start)
    qtbot.mouseClick(panel.reset_button, Qt.LeftButton)
    assert same_values(values(window), start)
    assert panel.trainer.history == [] and panel.plotted_points == 0
    # Reset is one undo step too
    stack = window.document.undo_stack
    assert stack.undoText() == "Reset parameters"
    stack.undo()
    assert not same_values(values(window), start) and len(panel.trainer.history) == 51


def test_undo_of_a_step_restores_the_parameters_and_redo_reapplies(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = window.learning.train_panel
    stack = window.document.undo_stack
    start = values(window)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    one = values(window)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    two = values(window)
    assert stack.count() == 2 and stack.undoText().startswith("Training step")
    stack.undo()
    assert same_values(values(window), one) and len(panel.trainer.history) == 1
    stack.undo()
    assert same_values(values(window), start) and panel.trainer.history == []
    stack.redo()
    stack.redo()
    assert same_values(values(window), two) and len(panel.trainer.history) == 2


def test_a_run_is_one_undo_step(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = window.learning.train_panel
    stack = window.document.undo_stack
    start = values(window)
    run_and_wait(qtbot, panel, 300)
    trained = values(window)
    assert stack.count() == 1 and stack.undoText().startswith("Train 300 steps")
    stack.undo()
    assert same_values(values(window), start) and panel.trainer.history == []
    stack.redo()
    assert same_values(values(window), trained) and len(panel.trainer.history) == 300


def test_cancel_stops_a_run_and_keeps_its_steps(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = window.learning.train_panel
    type_into(qtbot, panel.lr_spin, "0.001")
    type_into(qtbot, panel.steps_spin, "1000000")
    start = values(window)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    assert panel.running and panel.cancel_button.isEnabled()
    assert not panel.step_button.isEnabled() and not panel.reset_button.isEnabled()
    qtbot.waitUntil(lambda: panel.progress.value() > 0)
    qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    assert not panel.running and panel.step_button.isEnabled()
    done = len(panel.trainer.history)
    assert 0 < done < 1_000_000
    assert "cancelled" in panel.status.text()
    stack = window.document.undo_stack
    assert stack.count() == 1 and f"{done:,} of 1,000,000" in stack.undoText()
    stack.undo()
    assert same_values(values(window), start)


def test_the_window_stays_responsive_during_a_run(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = window.learning.train_panel
    type_into(qtbot, panel.lr_spin, "0.000001")      # slow enough to see the loss move
    # more steps than any machine does before the bar moves twice; Cancel ends the run
    # (a fixed 20,000 ended between two updates of the bar once the steps got faster)
    type_into(qtbot, panel.steps_spin, str(panel.steps_spin.maximum()))
    ticks, progress, shown = [], [], []
    scene = window.canvas.graph_scene

    def tick():
        ticks.append(1)
        progress.append(panel.progress.value())
        if panel.running:
            shown.append(scene.evaluation.value("J"))      # what the canvas labels say
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    top = panel.steps_spin.value()
    qtbot.waitUntil(lambda: len({p for p in progress if 0 < p < top}) >= 2   # the bar moved
                    and len(set(shown)) >= 2, timeout=30000)   # the labels followed
    assert panel.running and len(ticks) >= 3      # the event loop turned during the run
    qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=10000)
    timer.stop()


def test_an_edit_during_a_run_stops_it(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = window.learning.train_panel
    type_into(qtbot, panel.lr_spin, "0.001")
    type_into(qtbot, panel.steps_spin, "1000000")
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.progress.value() > 0)
    window.document.undo_stack.undo()            # the learner presses Ctrl+Z mid-run
    assert not panel.running
    assert "changed while it ran" in panel.status.text()


def test_no_trainable_input_says_how_to_make_one(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    panel = window.learning.train_panel
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    assert "mark inputs as trainable in the inspector" in panel.status.text()
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    assert not panel.running and window.document.undo_stack.count() == 0


def test_a_learning_rate_too_large_stops_with_one_sentence(make_window, qtbot):
    window = make_window("08-exploding.cgraph")
    panel = window.learning.train_panel
    type_into(qtbot, panel.lr_spin, "100")
    run_and_wait(qtbot, panel, 1000)
    text = panel.status.text().splitlines()[0]
    assert text.startswith("Training stopped:") and text.endswith(".")
    assert "smaller α" in text
    graph = window.document.graph
    assert all(np.all(np.isfinite(graph.node(p).value)) for p in parameters(graph))


def test_learning_rate_arrows_step_along_one_two_five(make_window, qtbot):
    window = make_window()
    spin = window.learning.train_panel.lr_spin
    spin.setValue(0.05)
    spin.stepBy(1)
    assert spin.value() == 0.1
    spin.stepBy(1)
    assert spin.value() == 0.2
    spin.stepBy(-3)
    assert spin.value() == 0.02
    assert spin.text() == "0.02"


# ============================================================ gradient check

@pytest.mark.parametrize("name", INDEX["demos"])
def test_gradient_check_marks_every_demo_right(make_window, name):
    window = make_window(name)
    scene = window.canvas.graph_scene
    window.learning.actions["check_gradients"].trigger()
    leaves = [n.id for n in window.document.graph.nodes() if n.spec.is_leaf]
    assert all(scene.nodes[n].mark_text("check").startswith("✓") for n in leaves)
    window.learning.actions["check_all_nodes"].trigger()
    marks = {n: item.mark_text("check") for n, item in scene.nodes.items()}
    assert all(m is not None and m.startswith("✓") for m in marks.values()), marks


def test_gradient_check_catches_a_wrong_vjp_on_canvas_and_in_the_inspector(
        make_window, monkeypatch):
    window = make_window("03-add-mul.cgraph")
    good = ops.OPS["mul"]
    monkeypatch.setitem(ops.OPS, "mul", dataclasses.replace(
        good, scalar_vjp=lambda g, out, a, b: (g * a, g * b),
        array_vjp=lambda g, out, a, b: (g * a, g * b)))
    window.learning.actions["check_gradients"].trigger()
    scene = window.canvas.graph_scene
    assert scene.nodes["z"].mark_text("check").startswith("✗")
    assert scene.nodes["x"].mark_text("check").startswith("✗")
    assert "disagree" in window.statusBar().currentMessage()
    window.canvas.select_nodes(["z"])
    notes = window.inspector.node_notes
    assert notes.isVisibleTo(window.inspector) and "✗ gradient check" in notes.text()


def test_check_marks_clear_on_the_next_edit_but_not_on_a_move(make_window, qtbot):
    from chainrule.gui.commands import MoveNodes, SetNodeField
    window = make_window("03-add-mul.cgraph")
    doc, scene = window.document, window.canvas.graph_scene
    window.learning.actions["check_gradients"].trigger()
    window.canvas.select_nodes(["x"])
    assert "✓ gradient check" in window.inspector.node_notes.text()
    doc.push(MoveNodes(doc, {"x": ((0, 0), (10, 10))}))
    assert scene.nodes["x"].mark_text("check") is not None
    doc.push(SetNodeField(doc, "x", "value", 3.0))
    assert all(item.mark_text("check") is None for item in scene.nodes.values())
    assert window.inspector.node_notes.text() == ""


# ========================================================= gradient-flow view

@pytest.mark.parametrize("demo", ["07-vanishing.cgraph", "08-exploding.cgraph",
                                  "05-two-layer.cgraph"])
def test_flow_view_widths_follow_the_gradient(make_window, demo):
    window = make_window(demo)
    window.learning.actions["flow_view"].trigger()
    assert window.learning.flow.legend.isVisibleTo(window)
    ev = window.document.evaluation
    pairs = []
    for edge, wire in window.canvas.graph_scene.wires.items():
        width, _color = wire.style_override()
        pairs.append((magnitude(ev.edge_grad(edge)), width))
    pairs.sort()
    for (m0, w0), (m1, w1) in zip(pairs, pairs[1:]):
        assert w0 <= w1
        if m0 < m1 and 1e-6 < m0 and m1 < 1e4:
            assert w0 < w1, (m0, m1)
    assert all(MIN_WIDTH <= w <= MAX_WIDTH for _, w in pairs)


def test_flow_view_colours_vanishing_blue_and_exploding_red(make_window):
    window = make_window("07-vanishing.cgraph")
    window.learning.actions["flow_view"].trigger()
    ev = window.document.evaluation
    wires = window.canvas.graph_scene.wires
    tiny = min(wires, key=lambda e: magnitude(ev.edge_grad(e)))
    _, color = wires[tiny].style_override()
    assert color.blue() > color.red()
    window.files.open_demo(DEMO_DIR / "08-exploding.cgraph", ask=False)
    ev = window.document.evaluation
    wires = window.canvas.graph_scene.wires
    huge = max(wires, key=lambda e: magnitude(ev.edge_grad(e)))
    width, color = wires[huge].style_override()
    assert color.red() > color.blue() and width > 7
    window.learning.actions["flow_view"].trigger()        # off: plain wires again
    assert all(w.style_override() is None for w in wires.values())
    assert not window.learning.flow.legend.isVisibleTo(window)


def test_the_vanishing_and_exploding_demos_mention_the_flow_view():
    for name in ("07-vanishing.cgraph", "08-exploding.cgraph"):
        assert "Gradient Flow View" in load(DEMO_DIR / name).description


# ================================================================ misconception

def test_overwrite_at_forks_gives_the_known_wrong_numbers_on_demo_05(make_window):
    window = make_window("05-two-layer.cgraph")
    scene = window.canvas.graph_scene
    window.learning.actions["misconception"].trigger()
    assert scene.nodes["x2"].mark_text("fork") == "= keeps -2 (right -1)"
    assert scene.nodes["x3"].mark_text("fork") == "= keeps -2 (right -4)"
    assert {n for n, item in scene.nodes.items() if item.mark_text("fork")} == {"x2", "x3"}
    extras = {e: w.extra_text() for e, w in scene.wires.items() if w.extra_text()}
    assert extras == {Edge("x2", "m22", 1): "overwrite: lost",
                      Edge("x3", "m33", 1): "overwrite: lost"}
    # the right gradients stay on the wires
    assert scene.wires[Edge("x2", "m12", 1)].grad_text() == "-2"
    assert "Overwrite instead of add" in window.statusBar().currentMessage()
    window.learning.actions["misconception"].trigger()
    assert all(item.mark_text("fork") is None for item in scene.nodes.values())
    assert all(w.extra_text() is None for w in scene.wires.values())


def test_an_inner_fork_passes_its_wrong_gradient_upstream(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    window.program_bar.set_text("x = 2\ny = 3 * x\nf = y * y")
    window.program_bar.replace()
    window.document.evaluate_now()
    window.learning.set_misconception(True)
    scene = window.canvas.graph_scene
    graph = window.document.graph
    # y feeds both ports of f: right dy = 2y = 12, overwrite keeps y's last: 6; x gets 3 · 6
    y = next(n for n in graph.node_ids() if graph.node(n).label == "y" or n == "y")
    assert scene.nodes[y].mark_text("fork") == "= keeps 6 (right 12)"
    into_y = [e for e in graph.edges() if e.dst == y]
    texts = [scene.wires[e].extra_text() for e in into_y]
    assert "overwrite: 18" in texts


# ================================================================ quiz mode

def _quiz(window):
    return window.learning.quiz_panel


def _step_to_question(qtbot, window, limit=20):
    panel = _quiz(window)
    for _ in range(limit):
        if panel.question is not None:
            return panel.question
        window.step_through.controller.step()
    return panel.question


@pytest.mark.parametrize("seed, src", [(1, "q"), (0, "z")])
def test_quiz_asks_before_the_step_grades_and_keeps_a_score(make_window, qtbot, seed, src):
    window = make_window("03-add-mul.cgraph")
    panel = _quiz(window)
    panel.quiz = Quiz(rel=0.01, seed=seed)          # which of f's two wires is asked
    window.learning.actions["quiz_mode"].trigger()
    assert panel.enabled and panel.mode_check.isChecked()
    controller = window.step_through.controller
    question = _step_to_question(qtbot, window)
    assert question is not None and question.node == "f" and question.edge.src == src
    held = controller.position
    assert held == len(controller.stepper.forward)          # f's step not shown yet
    wire = window.canvas.graph_scene.wires[question.edge]
    assert wire.grad_text() == "?"
    controller.step()                                       # → again: still waiting
    assert controller.position == held
    expected = {"q": -4, "z": 3}[question.edge.src]         # ∂f/∂q = −4, ∂f/∂z = 3
    # not a number: the question stays open, the score is untouched
    qtbot.keyClicks(panel.answer_edit, "minus four")
    qtbot.keyClick(panel.answer_edit, Qt.Key_Return)
    assert panel.question is not None and panel.quiz.asked == 0
    assert "not a number" in panel.result.text()
    panel.answer_edit.clear()
    panel.answer_edit.insert(str(expected).replace("-", "−"))    # the Unicode minus, pasted
    qtbot.keyClick(panel.answer_edit, Qt.Key_Return)
    assert panel.last_result.correct and "✓ Right" in panel.result.text()
    assert "chain" in panel.result.text()                   # the rule that gives it
    assert controller.position == held + 1                  # revealed
    assert panel.score_label.text() == "Score: 1 / 1"
    # the next question: a wrong answer (within 1 % counts as right, so be far off)
    question = _step_to_question(qtbot, window)
    assert question is not None
    qtbot.keyClicks(panel.answer_edit, str(question.expected + 1))
    qtbot.mouseClick(panel.check_button, Qt.LeftButton)
    assert not panel.last_result.correct and "✗ Not quite" in panel.result.text()
    assert panel.score_label.text() == "Score: 1 / 2"


def test_quiz_tolerance_is_one_percent(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    panel = _quiz(window)
    panel.set_enabled(True)
    question = _step_to_question(qtbot, window)
    qtbot.keyClicks(panel.answer_edit, str(question.expected * 1.009))
    qtbot.keyClick(panel.answer_edit, Qt.Key_Return)
    assert panel.last_result.correct
    question = _step_to_question(qtbot, window)
    qtbot.keyClicks(panel.answer_edit, str(question.expected * 1.02))
    qtbot.keyClick(panel.answer_edit, Qt.Key_Return)
    assert not panel.last_result.correct


def test_quiz_asks_each_backward_step_once_and_end_stops_at_each(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    panel = _quiz(window)
    panel.set_enabled(True)
    controller = window.step_through.controller
    asked = []
    for _ in range(10):
        controller.backward_all()                    # End: stops at every question
        if panel.question is None:
            break
        asked.append(panel.question.node)
        qtbot.mouseClick(panel.reveal_button, Qt.LeftButton)
    assert controller.position == controller.total
    assert asked == ["f", "q"]        # x, y, z feed one wire each: nothing new to ask
    assert panel.quiz.asked == 0                      # Reveal does not score
    controller.reset()
    controller.backward_all()                         # answered: not asked again
    assert panel.question is None and controller.position == controller.total


def test_quiz_asks_a_fork_leaf_for_the_sum(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    panel = _quiz(window)
    panel.set_enabled(True)
    controller = window.step_through.controller
    for _ in range(40):
        controller.backward_all()
        if panel.question is None or panel.question.node == "x2":
            break
        qtbot.mouseClick(panel.reveal_button, Qt.LeftButton)
    question = panel.question
    assert question.node == "x2" and question.edge is None and question.expected == -1
    assert "feeds 2 wires" in panel.prompt.text()
    assert window.canvas.graph_scene.nodes["x2"].mark_text("quiz") == "gradient = ?"
    qtbot.keyClicks(panel.answer_edit, "-1")
    qtbot.keyClick(panel.answer_edit, Qt.Key_Return)
    assert panel.last_result.correct and "sum" in panel.result.text()
    assert window.canvas.graph_scene.nodes["x2"].mark_text("quiz") is None


def test_quiz_off_lets_the_steps_through(make_window):
    window = make_window("03-add-mul.cgraph")
    controller = window.step_through.controller
    controller.backward_all()
    assert controller.position == controller.total and _quiz(window).question is None


# ================================================================ export

@pytest.mark.parametrize("name", INDEX["demos"])
def test_export_as_python_writes_a_script_that_prints_the_apps_numbers(
        make_window, tmp_path, monkeypatch, name):
    window = make_window(name)
    target = tmp_path / "exported"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "Python script (*.py)")))
    window.learning.actions["export_python"].trigger()
    script = tmp_path / "exported.py"
    assert script.exists()
    result = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120, env={"PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    graph = window.document.graph
    want = json.loads(json.dumps(eval_json(graph, evaluate(graph))))
    assert got.keys() == want.keys() and got["output"] == want["output"]
    _close(got["nodes"], want["nodes"])
    _close(got["edges"], want["edges"])


def _close(got, want) -> None:
    if isinstance(want, dict):
        assert got.keys() == want.keys()
        for k in want:
            _close(got[k], want[k])
    elif isinstance(want, list):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            _close(a, b)
    elif isinstance(want, float) and math.isfinite(want):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300)
    else:
        assert got == want


def test_export_as_python_is_in_the_file_menu(make_window):
    window = make_window()
    file_menu = window.menuBar().actions()[0].menu()
    names = [a.objectName() for a in file_menu.actions()]
    assert "action_export_python" in names
    assert names.index("action_export_python") > names.index("action_export_image")


def test_flow_and_overwrite_views_show_only_what_a_step_through_reached(make_window):
    window = make_window("05-two-layer.cgraph")
    scene = window.canvas.graph_scene
    learning = window.learning
    learning.actions["flow_view"].trigger()
    learning.actions["misconception"].trigger()
    controller = window.step_through.controller
    controller.reset()                                  # a step-through, at a cleared canvas
    assert all(w.style_override() is None for w in scene.wires.values())
    assert all(w.extra_text() is None for w in scene.wires.values())
    assert all(item.mark_text("fork") is None for item in scene.nodes.values())
    controller.jump(controller.total)                   # the last step: everything reached
    assert all(w.style_override() is not None for w in scene.wires.values())
    assert scene.nodes["x2"].mark_text("fork") == "= keeps -2 (right -1)"
    assert scene.wires[Edge("x2", "m22", 1)].extra_text() == "overwrite: lost"
    steps = controller.stepper.steps
    x2_step = max(k for k, step in enumerate(steps) if step.node == "x2")   # its backward step
    controller.jump(x2_step)                            # every step before x2's own
    view = controller.stepper.view()
    assert "x2" not in view.node_grads
    assert scene.nodes["x2"].mark_text("fork") is None
    styled = {e for e, w in scene.wires.items() if w.style_override() is not None}
    assert styled == set(view.edge_grads)


def test_a_diverged_run_plots_only_finite_losses_and_the_panel_says_what_happened(
        make_window, qtbot):
    window = make_window("10-fit-two-layer.cgraph")
    panel = window.learning.train_panel
    assert panel.progress.text() == ""                   # no "0 of 1 steps" before a run
    type_into(qtbot, panel.lr_spin, "0.2")
    run_and_wait(qtbot, panel, 200)
    done = len(panel.trainer.history)
    assert 0 < done < 200
    assert f"the loss is inf after {done} steps" in panel.status.text()
    assert f"after {done} steps" in panel.status.text().splitlines()[-1]
    x, y = panel.curve.getData()
    assert len(y) == done and np.all(np.isfinite(y))
    assert panel.progress.text() == f"{done} of 200 steps"
    item = panel.plot.getPlotItem()
    assert item.getAxis("left").autoSIPrefix is False     # no "(x1e+27)": it shifted the ticks
    qtbot.mouseClick(panel.reset_button, Qt.LeftButton)
    assert panel.plotted_points == 0 and "Reset:" in panel.status.text()
    assert item.getViewBox().viewRange()[1][1] <= 1.5      # the diverged run's axes are gone
    assert panel.progress.text() == ""
    window.document.undo_stack.undo()                    # the note goes with the reset
    assert "Reset:" not in panel.status.text()
