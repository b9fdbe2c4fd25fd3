"""One label path: every view shows the document's current evaluation.

During a step-through the document's current evaluation is what the steps
have revealed; otherwise it is the live evaluation.  These tests step through
a demo with the keys and check, at every position, that the canvas's wire
labels and stub, the inspector, the gradient-flow view and the overwrite view
all show the numbers reached so far and nothing else — and the live numbers
once the step-through ends.  The expectations come from the order of the
stepper's steps and the full pass's labels, not from the object the views read.

``test_the_checks_catch_a_view_that_stops_following`` shows the checks can
fail: it unplugs one view from the signal and expects them to notice.
"""
from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from chainrule.core.engine import BackwardStep
from chainrule.core.fileformat import load
from chainrule.core.graph import Edge
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.document import Document
from chainrule.gui.files import DEMO_DIR
from chainrule.gui.flow_view import FlowView
from chainrule.gui.inspector import Inspector
from chainrule.gui.misconception_view import MisconceptionView
from chainrule.gui.stepper_controller import StepperController

DEMO = "05-two-layer.cgraph"        # two forks (x2, x3): the overwrite view has work
NODE = "x2"                         # the inspector's selection
FORK_WIRE = Edge("x2", "m22", 1)    # "overwrite: lost" once its gradient is reached


@pytest.fixture
def shown_window(make_window, qtbot):
    """Demo 05 in a shown, active window, flow and overwrite views on, x2 selected."""
    window = make_window(DEMO)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.learning.actions["flow_view"].trigger()
    window.learning.actions["misconception"].trigger()
    window.canvas.select_nodes([NODE])
    window.canvas.setFocus()
    return window


class Views:
    """What each view shows, read from its widgets and items."""

    def __init__(self, scene, inspector):
        self.scene = scene
        self.inspector = inspector

    def labels(self) -> dict:
        return {e: (w.value_text(), w.grad_text()) for e, w in self.scene.wires.items()}

    def stub(self, output: str) -> tuple:
        item = self.scene.nodes[output]
        return item.stub_value, item.stub_grad

    def styled(self) -> set:
        return {e for e, w in self.scene.wires.items() if w.style_override() is not None}

    def fork_mark(self) -> str | None:
        return self.scene.nodes[NODE].mark_text("fork")

    def fork_extra(self) -> str | None:
        return self.scene.wires[FORK_WIRE].extra_text()


def live_snapshot(views: Views, output: str) -> dict:
    return {"labels": views.labels(), "stub": views.stub(output), "styled": views.styled(),
            "mark": views.fork_mark(), "extra": views.fork_extra(),
            "value": views.inspector.node_value.text(), "grad": views.inspector.node_grad.text()}


def reached(steps, k: int) -> tuple[set, set]:
    """(nodes computed, nodes whose backward step is done) after the first k steps."""
    computed = {s.node for s in steps[:k] if not isinstance(s, BackwardStep)}
    processed = {s.node for s in steps[:k] if isinstance(s, BackwardStep)}
    return computed, processed


def check_position(views: Views, steps, k: int, live: dict, output: str) -> None:
    """Every view shows the numbers of the first k steps (the live ones where reached)."""
    computed, processed = reached(steps, k)
    want = {e: (value if e.src in computed else None, grad if e.dst in processed else None)
            for e, (value, grad) in live["labels"].items()}
    assert views.labels() == want, f"wire labels at step {k}"
    live_value, live_grad = live["stub"]
    assert views.stub(output) == (live_value if output in computed else None,
                                  live_grad if output in processed else None), f"stub, step {k}"
    assert views.styled() == {e for e in live["styled"] if e.dst in processed}, \
        f"flow view at step {k}"
    assert views.fork_mark() == (live["mark"] if NODE in processed else None), \
        f"overwrite mark at step {k}"
    assert views.fork_extra() == (live["extra"] if FORK_WIRE.dst in processed else None), \
        f"overwrite wire text at step {k}"
    inspector = views.inspector
    if NODE in computed:
        assert inspector.node_value.text() == live["value"], f"inspector value, step {k}"
    else:
        assert "not reached yet" in inspector.node_value.text(), f"inspector value, step {k}"
    if NODE in processed:
        assert inspector.node_grad.text() == live["grad"], f"inspector gradient, step {k}"
    else:
        assert "not reached yet" in inspector.node_grad.text(), f"inspector gradient, step {k}"


def check_live(views: Views, live: dict, output: str) -> None:
    assert live_snapshot(views, output) == live


# ---------------------------------------------------------------- the window, by keys

def test_every_view_shows_what_the_steps_reached_and_the_live_pass_after(shown_window,
                                                                        qtbot):
    window = shown_window
    views = Views(window.canvas.graph_scene, window.inspector)
    output = window.document.graph.effective_output()
    live = live_snapshot(views, output)
    assert live["mark"] == "= keeps -2 (right -1)" and live["extra"] == "overwrite: lost"
    assert "-1" in live["grad"] and len(live["styled"]) == len(live["labels"])
    c = window.step_through.controller
    qtbot.keyClick(window.canvas, Qt.Key_Home)              # a cleared canvas
    steps = c.stepper.steps
    check_position(views, steps, 0, live, output)
    for k in range(1, c.total + 1):
        qtbot.keyClick(window.canvas, Qt.Key_Right)
        assert c.position == k
        check_position(views, c.stepper.steps, k, live, output)
    for k in range(c.total - 1, c.total - 8, -1):           # and back
        qtbot.keyClick(window.canvas, Qt.Key_Left)
        check_position(views, c.stepper.steps, k, live, output)
    window.step_through.controls.actions["step_leave"].trigger()
    assert not c.active
    check_live(views, live, output)


def test_an_edit_during_a_step_through_brings_every_view_back_to_live(shown_window, qtbot):
    window = shown_window
    views = Views(window.canvas.graph_scene, window.inspector)
    output = window.document.graph.effective_output()
    live = live_snapshot(views, output)
    qtbot.keyClick(window.canvas, Qt.Key_Home)      # (→ alone would nudge the selected card)
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    qtbot.keyClick(window.canvas, Qt.Key_Right)
    assert window.step_through.controller.position == 2
    assert views.labels() != live["labels"]
    window.document.undo_stack.push(_value_edit(window, "x1"))   # the same value: same numbers
    assert not window.step_through.controller.active
    window.document.evaluate_now()
    check_live(views, live, output)


def _value_edit(window, node_id):
    from chainrule.gui.commands import SetNodeField
    doc = window.document
    return SetNodeField(doc, node_id, "value", doc.graph.node(node_id).value)


def test_the_quiz_asks_on_the_current_evaluation_and_lets_go_when_it_ends(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    scene = window.canvas.graph_scene
    live = {e: (w.value_text(), w.grad_text()) for e, w in scene.wires.items()}
    panel = window.learning.quiz_panel
    panel.set_enabled(True)
    c = window.step_through.controller
    while panel.question is None:
        c.step()
    asked = panel.question.edge
    wire = scene.wires[asked]
    assert (wire.value_text(), wire.grad_text()) == (live[asked][0], "?")
    assert wire.emphasized()
    assert "gradient" not in scene.wire_tooltip(asked)
    window.step_through.controls.actions["step_leave"].trigger()
    assert panel.question is None and not wire.emphasized()
    assert {e: (w.value_text(), w.grad_text()) for e, w in scene.wires.items()} == live


# ---------------------------------------------------------------- construction order

PARTS = ("inspector", "flow", "overwrite", "controller")


@pytest.mark.parametrize("order", list(itertools.permutations(PARTS)),
                         ids=lambda order: "-".join(order))
def test_the_order_the_views_are_made_in_does_not_matter(qtbot, order):
    document = Document(load(DEMO_DIR / DEMO))
    canvas = CanvasView(document)
    qtbot.addWidget(canvas)
    made = {}
    for part in order:
        if part == "inspector":
            made[part] = Inspector(document)
            qtbot.addWidget(made[part])
        elif part == "flow":
            made[part] = FlowView(document, canvas, canvas)
            made[part].set_enabled(True)
        elif part == "overwrite":
            made[part] = MisconceptionView(document, canvas.graph_scene, canvas)
            made[part].set_enabled(True)
        else:
            made[part] = StepperController(document, canvas.graph_scene, canvas)
    inspector, controller = made["inspector"], made["controller"]
    inspector.show_node(NODE)
    views = Views(canvas.graph_scene, inspector)
    output = document.graph.effective_output()
    live = live_snapshot(views, output)
    assert live["mark"] and live["extra"]
    controller.reset()
    check_position(views, controller.stepper.steps, 0, live, output)
    for k in (len(controller.stepper.forward), controller.total - 3, controller.total):
        controller.jump(k)
        check_position(views, controller.stepper.steps, k, live, output)
    controller.leave()
    check_live(views, live, output)


# ---------------------------------------------------------------- the checks can fail

@pytest.mark.parametrize("view", ["scene", "inspector", "flow", "overwrite"])
def test_the_checks_catch_a_view_that_stops_following(shown_window, qtbot, view):
    window = shown_window
    scene = window.canvas.graph_scene
    slot = {"scene": scene.show_evaluation, "inspector": window.inspector._on_evaluated,
            "flow": window.learning.flow.refresh,
            "overwrite": window.learning.misconception.refresh}[view]
    views = Views(scene, window.inspector)
    output = window.document.graph.effective_output()
    live = live_snapshot(views, output)
    assert window.document.current_evaluation_changed.disconnect(slot)
    c = window.step_through.controller
    c.reset()
    c.jump(len(c.stepper.forward))  # every value, no gradient yet: each view differs from live
    names = {"scene": "wire labels", "inspector": "inspector", "flow": "flow view",
             "overwrite": "overwrite"}
    with pytest.raises(AssertionError, match=names[view]):
        check_position(views, c.stepper.steps, c.position, live, output)


# ---------------------------------------------------------------- cost of a step

def test_a_step_publishes_once_and_runs_the_overwrite_program_once_per_pass(shown_window,
                                                                            monkeypatch):
    import chainrule.gui.misconception_view as misconception_view
    calls = []
    real = misconception_view.overwrite_pass
    monkeypatch.setattr(misconception_view, "overwrite_pass",
                        lambda evaluation: calls.append(1) or real(evaluation))
    window = shown_window
    published = []
    window.document.current_evaluation_changed.connect(published.append)
    c = window.step_through.controller
    for k in range(1, 11):
        c.step()
        assert len(published) == k
    assert published[-1] is window.document.current_evaluation()
    assert published[-1] is c.stepper.shown()       # made once per position, shared
    assert len(calls) <= 1


def test_the_quiz_check_catches_a_quiz_that_stops_following(make_window):
    window = make_window("03-add-mul.cgraph")
    panel = window.learning.quiz_panel
    panel.set_enabled(True)
    assert window.document.current_evaluation_changed.disconnect(panel._shown_changed)
    c = window.step_through.controller
    while panel.question is None:
        c.step()
    window.step_through.controls.actions["step_leave"].trigger()
    # unplugged, it keeps asking about a step-through that has ended: what the quiz
    # test above rules out
    assert panel.question is not None
    assert window.canvas.graph_scene.wires[panel.question.edge].grad_text() == "?"
