"""The step-through in the real window: keys, toolbar, scrubber, canvas labels, the chain-rule panel.

Everything is driven the way a user drives it — key presses on the window,
toolbar actions, the scrubber — and checked on what the canvas items show
(every WireItem's texts, every NodeItem's state) against the core: the
engine's order of steps and the labels of the full pass.
"""
from __future__ import annotations

import json

import pytest
from gui_text import plain
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from chainrule.core.engine import Evaluator
from chainrule.core.fileformat import load
from chainrule.core.gradcheck import check_gradients
from chainrule.core.graph import Graph
from chainrule.core.stepper import update_params
from chainrule.gui.commands import MoveNodes, SetNodeField
from chainrule.gui.files import DEMO_DIR
from chainrule.gui.stepper_controller import RESTARTED

INDEX = json.loads((DEMO_DIR / "index.json").read_text(encoding="utf-8"))


pytestmark = pytest.mark.shown_window   # keys go to the canvas


def stepper_of(window):
    return window.step_through.controller


def key(qtbot, window, k, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(window.canvas, k)


def labels(window) -> dict:
    """Everything the step-through draws: wire texts and emphasis, stub, node states."""
    scene = window.canvas.graph_scene
    wires = {edge: (w.value_text(), w.grad_text(), emphasized(w))
             for edge, w in scene.wires.items()}
    nodes = {n: (item.state, item.extra_tooltip) for n, item in scene.nodes.items()}
    out = scene.nodes[window.document.graph.effective_output()]
    return {"wires": wires, "nodes": nodes,
            "stub": (out.stub_value, out.stub_grad, out.stub_emphasized)}


def texts(window) -> dict:
    """Only the numbers: wire labels and the output's stub."""
    snapshot = labels(window)
    return {"wires": {e: v[:2] for e, v in snapshot["wires"].items()},
            "stub": snapshot["stub"][:2]}


def emphasized(wire) -> bool:
    # The step highlight: the wires the current step works on.
    return wire.emphasized()


# ------------------------------------------------------------------ order

@pytest.mark.parametrize("name", INDEX["demos"])
def test_every_demo_steps_in_the_engines_order_to_the_full_pass_labels(make_window, qtbot, name):
    window = make_window(name)
    graph = window.document.graph
    evaluation = window.document.evaluation
    assert evaluation.error is None and not evaluation.problems
    assert all(row.ok for row in check_gradients(graph))
    full = texts(window)
    order = []
    c = stepper_of(window)
    while c.position < c.total or not c.active:
        key(qtbot, window, Qt.Key_Right)
        order.append(c.current.node)
    engine = Evaluator(load(DEMO_DIR / name))
    expected = engine.plan.order + [s.node for s in engine.steps()]
    if update_params(graph, evaluation):
        expected.append(None)               # the Update step: no one node, the parameters
    # → steps over a collapsed group (demo 21): it stops after each group's last node
    assert order == [expected[k - 1] for k in c.stepper.stops()]
    assert [s.node for s in c.stepper.steps] == expected
    assert texts(window) == full
    states = {item.state for item in window.canvas.graph_scene.nodes.values()}
    assert states <= {"done", "current", "normal"}


def test_step_back_restores_exactly_the_previous_labels_states_and_highlight(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    c = stepper_of(window)
    key(qtbot, window, Qt.Key_Home)
    seen = [labels(window)]
    assert all(v == (None, None, False) for v in seen[0]["wires"].values())
    for _ in range(c.total):
        key(qtbot, window, Qt.Key_Right)
        seen.append(labels(window))
    for k in range(c.total, 0, -1):
        key(qtbot, window, Qt.Key_Left)
        assert c.position == k - 1
        assert labels(window) == seen[k - 1], f"step back to {k - 1}"


def test_current_node_ready_waiting_and_emphasized_wires_in_the_backward_pass(make_window,
                                                                             qtbot):
    window = make_window("05-two-layer.cgraph")
    c = stepper_of(window)
    key(qtbot, window, Qt.Key_Right)
    while c.current.node not in ("m12", "m22") or c.phase != "backward":
        key(qtbot, window, Qt.Key_Right)
    first = c.current.node
    other = {"m12": "m22", "m22": "m12"}[first]
    scene = window.canvas.graph_scene
    assert scene.nodes[first].state == "current"
    assert scene.nodes["x2"].state == "waiting"
    # the tooltip names the consumer as its card does (its label)
    label = window.document.graph.node(other).display
    assert scene.nodes["x2"].extra_tooltip == f"Waiting for gradients from {label}."
    assert "Waiting for gradients from" in scene.node_tooltip("x2")
    for edge, wire in scene.wires.items():
        assert emphasized(wire) == (edge.dst == first)
        if edge.dst == first:
            assert wire.grad_text() is not None


# ------------------------------------------------------------------ panel

def test_chain_panel_shows_w2_as_upstream_times_one(make_window, qtbot):
    window = make_window("01-neuron.cgraph")
    c = stepper_of(window)
    panel = window.step_through.panel

    def to_w2_step():
        key(qtbot, window, Qt.Key_Home)
        while not (c.phase in ("backward", "done") and
                   any(e.src == "w2" for e, _ in getattr(c.current, "incoming", []))):
            key(qtbot, window, Qt.Key_Right)

    to_w2_step()
    assert "∂f/∂w2 = ∂f/∂sum · ∂sum/∂w2 = 0.1966 · 1 = 0.1966" in panel.text() or \
        "0.1966 · 1 = 0.1966" in panel.text()
    window.set_precision(3)
    assert "0.197 · 1 = 0.197" in panel.text()
    w2_wire = next(w for e, w in window.canvas.graph_scene.wires.items() if e.src == "w2")
    assert w2_wire.grad_text() == "0.197"          # the canvas follows the precision too
    assert "add distributes" in panel.text()


def test_fork_sum_in_demo_05_adds_up_in_the_panel(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    c = stepper_of(window)
    panel = window.step_through.panel
    key(qtbot, window, Qt.Key_Right)
    while c.current.node != "x2" or c.phase != "backward":
        key(qtbot, window, Qt.Key_Right)
    assert "∂J/∂x2 = −2 (via m12) + 1 (via m22) = −1" in panel.text()
    assert "m12 is w12*x2" in panel.text()


def test_clicking_a_node_or_wire_after_a_pass_explains_it(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    panel = window.step_through.panel
    scene = window.canvas.graph_scene
    scene.nodes["q"].setSelected(True)
    assert "q = x + y = −2 + 5 = 3" in panel.text()
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4" in panel.text()
    scene.clearSelection()
    wire = next(w for e, w in scene.wires.items() if e.src == "z")
    wire.setSelected(True)
    assert "∂f/∂z = ∂f/∂f · ∂f/∂z = 1 · 3 = 3" in panel.text()
    scene.clearSelection()
    # mid-way through a step-through: only what has been computed so far
    key(qtbot, window, Qt.Key_Right, 2)
    scene.nodes["q"].setSelected(True)
    assert "not computed yet" in panel.text()


# ------------------------------------------------------------------ keys and controls

def test_keys_drive_the_stepper(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    assert not c.active
    key(qtbot, window, Qt.Key_Right, 2)
    assert c.active and c.position == 2
    key(qtbot, window, Qt.Key_Left)
    assert c.position == 1
    key(qtbot, window, Qt.Key_End)
    assert c.position == c.total and c.phase == "done"
    key(qtbot, window, Qt.Key_Home)
    assert c.position == 0
    assert all(w.value_text() is None and w.grad_text() is None
               for w in window.canvas.graph_scene.wires.values())
    controls = window.step_through.controls
    controls.set_speed(3)
    key(qtbot, window, Qt.Key_Space)                  # a tap of Space plays
    assert c.playing
    key(qtbot, window, Qt.Key_Space)
    assert not c.playing


def test_arrows_nudge_selected_cards_only_outside_a_step_through(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    graph = window.document.graph
    window.canvas.select_nodes(["q"])
    before = graph.node("q").pos
    key(qtbot, window, Qt.Key_Right)
    assert not c.active and graph.node("q").pos[0] == before[0] + 10
    key(qtbot, window, Qt.Key_Home)                    # a step-through starts
    key(qtbot, window, Qt.Key_Right)
    assert c.active and c.position == 1
    assert graph.node("q").pos[0] == before[0] + 10


def test_space_held_while_dragging_pans_and_does_not_play(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    canvas = window.canvas
    window.canvas.set_zoom(1.0)
    before = canvas.mapToScene(QPoint(0, 0))
    qtbot.keyPress(canvas, Qt.Key_Space)
    start = QPoint(200, 200)
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, pos=start)
    for i in range(1, 7):
        move = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(start + QPoint(-10 * i, 5 * i)),
                           QPointF(viewport.mapToGlobal(start + QPoint(-10 * i, 5 * i))),
                           Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(viewport, move)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=start + QPoint(-60, 30))
    qtbot.keyRelease(canvas, Qt.Key_Space)
    after = canvas.mapToScene(QPoint(0, 0))
    assert (round(after.x() - before.x()), round(after.y() - before.y())) == (60, -30)
    assert not c.playing and not c.active


def test_tooltips_give_no_gradient_away_during_a_step_through(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    scene = window.canvas.graph_scene
    assert "gradient: -4" in scene.node_tooltip("x")          # live: the full pass
    key(qtbot, window, Qt.Key_Right, 6)                       # forward done, f's backward step
    assert "gradient:" not in scene.node_tooltip("x")
    assert "Waiting for gradients from q = x + y." in scene.node_tooltip("x")   # its card
    assert "gradient: 1" in scene.node_tooltip("f")
    x_wire = next(e for e in scene.wires if e.src == "x")
    assert "gradient" not in scene.wire_tooltip(x_wire)
    window.step_through.controls.actions["step_leave"].trigger()
    assert "gradient: -4" in scene.node_tooltip("x")


def test_toolbar_actions_and_scrubber(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    controls = window.step_through.controls
    a = controls.actions
    a["forward_all"].trigger()
    assert c.position == c.n_forward == 5 and c.phase == "forward"
    assert not a["step_forward"].isEnabled()
    a["step_backward"].trigger()
    assert c.position == 6 and c.current.node == "f"
    assert controls.position_label.text() == f"step 6 of {c.total}"
    controls.scrubber.setValue(2)                     # jump by dragging the scrubber
    assert c.position == 2
    assert controls.position_label.text() == f"step 2 of {c.total}"
    a["step_back"].trigger()
    assert c.position == 1
    a["step_forward"].trigger()
    assert c.position == 2
    a["backward_all"].trigger()
    assert c.position == c.total and controls.scrubber.value() == c.total
    a["step_leave"].trigger()
    # live again: the canvas labels follow the document's evaluation
    assert not c.active and window.canvas.graph_scene.evaluation is window.document.evaluation
    assert controls.position_label.text() == f"live · {c.total} steps"
    menu_texts = [x.text() for x in controls.menu.actions()]
    assert "&Next Step" in menu_texts and "Step &Back" in menu_texts


def test_play_advances_with_the_timer_and_stops_at_the_end(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    controls = window.step_through.controls
    controls.speed_actions[3].trigger()
    assert c.timer.interval() == 250
    controls.actions["play"].trigger()
    assert c.playing and controls.actions["play"].text() == "&Pause"
    qtbot.waitUntil(lambda: c.position >= 2, timeout=3000)
    c.set_speed(3)
    c.timer.setInterval(10)
    qtbot.waitUntil(lambda: not c.playing, timeout=3000)
    assert c.position == c.total and controls.actions["play"].text() == "&Play"


# ------------------------------------------------------------------ edits

def test_editing_during_a_step_through_resets_it_and_says_so(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    key(qtbot, window, Qt.Key_Right, 7)
    doc = window.document
    doc.push(MoveNodes(doc, {"q": (doc.graph.node("q").pos, (0.0, 0.0))}))
    assert c.active and c.position == 7            # moving a card changes no number
    doc.push(SetNodeField(doc, "x", "value", 1.0))
    assert not c.active
    assert window.statusBar().currentMessage() == RESTARTED
    doc.evaluate_now()
    wire = next(w for e, w in window.canvas.graph_scene.wires.items() if e.src == "q")
    assert wire.value_text() == "6"                 # live labels, with the new value
    assert all(i.state == "normal" for i in window.canvas.graph_scene.nodes.values())
    key(qtbot, window, Qt.Key_End)
    assert c.active and c.current is not None
    key(qtbot, window, Qt.Key_Left, 3)
    doc.undo_stack.undo()                           # undo is an edit too
    assert not c.active and window.statusBar().currentMessage() == RESTARTED


def test_a_step_through_that_cannot_run_says_why(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    c = stepper_of(window)
    graph = Graph()
    graph.add_node("a", "input", value=1.0)
    graph.add_node("b", "input", value=2.0)
    window.document.set_graph(graph)
    key(qtbot, window, Qt.Key_End)
    message = window.statusBar().currentMessage()
    assert message.startswith("The backward pass cannot run: choose the output")
    assert message.count(".") == 1 and c.position == c.total == 2
    window.document.set_graph(Graph())
    key(qtbot, window, Qt.Key_Right)
    assert not c.active
    assert "graph is empty" in window.statusBar().currentMessage()


# ------------------------------------------------------------------ presentation

def test_presentation_mode_hides_the_other_docks_and_restores_them(make_window, qtbot):
    window = make_window("05-two-layer.cgraph")
    before = {name: dock.isVisible() for name, dock in window.docks.items()}
    assert before["palette"] and before["chain"]
    qtbot.keyClick(window.canvas, Qt.Key_F11)
    presentation = window.step_through.presentation
    assert presentation.active and window.isFullScreen()
    assert window.docks["chain"].isVisible()
    assert not any(d.isVisible() for n, d in window.docks.items() if n != "chain")
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert window.step_through.panel.scale > 1
    # keyboard-only: the arrows step even with a card selected
    window.canvas.select_nodes(["x2"])
    key(qtbot, window, Qt.Key_Right)
    assert stepper_of(window).position == 1
    qtbot.keyClick(window.canvas, Qt.Key_Escape)
    assert not presentation.active and not window.isFullScreen()
    assert {name: dock.isVisible() for name, dock in window.docks.items()} == before
    assert window.menuBar().isVisible() and window.toolbar.isVisible()
    assert window.step_through.panel.scale == 1


def test_closing_in_presentation_mode_saves_the_normal_layout(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    window.step_through.presentation.enter()
    assert not window.docks["palette"].isVisible()
    window.close()
    again = make_window("03-add-mul.cgraph")
    assert again.docks["palette"].isVisible() and again.menuBar().isVisible()
    assert not again.isFullScreen()


# ------------------------------------------------------------------ menus

def test_step_menu_export_steps_and_every_demo_listed(make_window):
    window = make_window()
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Step" in titles and titles.index("&Step") < titles.index("&Help")
    file_menu = window.menuBar().actions()[0].menu()
    names = [a.objectName() for a in file_menu.actions()]
    assert names.index("action_export_steps") == names.index("action_export_image") + 1
    assert len(window.demo_menu.actions()) == len(INDEX["demos"])
    from chainrule.gui.files import DemoBrowser, list_demos
    browser = DemoBrowser(list_demos(), window)
    assert browser.list.count() == len(INDEX["demos"])
    for row, name in enumerate(INDEX["demos"]):
        browser.list.setCurrentRow(row)
        data = json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))
        assert data["title"] in browser.text.toPlainText()
        assert data["description"].split(".")[0].replace("`", "") in \
            browser.text.toPlainText().replace("\n", " ")
    browser.deleteLater()


def test_the_inspector_shows_only_what_the_steps_have_reached(make_window, qtbot):
    window = make_window("03-add-mul.cgraph")
    scene = window.canvas.graph_scene
    inspector = window.inspector
    scene.nodes["x"].setSelected(True)
    assert plain(inspector.node_grad) == "gradient ∂f/∂x: -4"       # live: the full pass
    key(qtbot, window, Qt.Key_Home)                               # a cleared canvas
    assert "not reached yet" in inspector.node_value.text()
    assert "not reached yet" in inspector.node_grad.text()
    key(qtbot, window, Qt.Key_Right, 6)                           # forward done, f's step
    assert plain(inspector.node_value) == "value: -2"
    assert "not reached yet" in inspector.node_grad.text()
    scene.clearSelection()
    x_wire = next(w for e, w in scene.wires.items() if e.src == "x")
    x_wire.setSelected(True)
    assert "not reached yet" in inspector.edge_grad.text()
    key(qtbot, window, Qt.Key_End)
    assert plain(inspector.edge_grad) == "gradient sent back to x: -4"
    scene.clearSelection()
    assert plain(inspector.graph_output) == "Output f = -12"
    key(qtbot, window, Qt.Key_Home)
    assert "not reached yet" in inspector.graph_output.text()
    window.step_through.controls.actions["step_leave"].trigger()
    assert plain(inspector.graph_output) == "Output f = -12"


@pytest.mark.parametrize("edit", ["open another demo", "delete the output"])
def test_changing_the_graph_during_a_step_through_is_shown_without_errors(make_window, qtbot,
                                                                         edit):
    window = make_window("01-neuron.cgraph")
    key(qtbot, window, Qt.Key_Right, 3)
    if edit == "open another demo":
        window.files.open_demo(DEMO_DIR / "05-two-layer.cgraph", ask=False)
        assert "J" in window.inspector.graph_output.text()
    else:
        window.canvas.select_nodes(["f"])
        window.actions["delete"].trigger()
        assert "f" not in window.document.graph
    assert not stepper_of(window).active


def test_presentation_mode_makes_room_for_a_whole_backward_step(make_window, qtbot):
    """The keys cannot scroll the panel: it grows past its usual 30 % of the screen until
    a two-input step's four lines all show, or to half the screen."""
    window = make_window("05-two-layer.cgraph")
    qtbot.keyClick(window.canvas, Qt.Key_F11)
    panel = window.step_through.panel
    dock = window.docks["chain"]
    c = stepper_of(window)
    c.jump(c.total)
    p2 = next(k for k, s in enumerate(c.stepper.steps)
              if s.node == "p2" and k >= len(c.stepper.forward))
    c.jump(p2 + 1)                                      # p2 = v2*h2: two inputs
    assert "∂J/∂h2 = ∂J/∂p2 · ∂p2/∂h2" in panel.text()

    def room() -> int:
        return min(panel.page_height() + dock.height() - panel.height(), window.height() // 2)
    qtbot.waitUntil(lambda: abs(dock.height() - room()) <= 4, timeout=3000)
    assert dock.height() > window.height() * 0.3 + 20          # it grew
    if room() < window.height() // 2:                           # it all fits: no scrolling
        assert panel.browser.verticalScrollBar().maximum() == 0
    qtbot.keyClick(window.canvas, Qt.Key_Escape)


def test_the_panel_names_the_card_of_an_id_whose_label_only_begins_like_it(make_window):
    window = make_window("09-tensor-mlp.cgraph")
    c = stepper_of(window)
    c.jump(c.total)
    at = next(k for k, s in enumerate(c.stepper.steps)
              if s.node == "pred" and k >= len(c.stepper.forward))
    c.jump(at + 1)
    assert "pred is prediction" in window.step_through.panel.text()


def test_the_warning_badges_follow_every_step_forward_and_back(make_window, qtbot, tmp_path):
    # inf values (a warning per node downstream of 1/0) and inf/nan gradients
    from chainrule.core.fileformat_write import save
    from chainrule.core.program import parse_program
    from chainrule.gui.canvas.scene import badge_text
    path = tmp_path / "warnings.cgraph"
    save(parse_program("a = 1\nb = 0\nq = a / b\nr = q * a\ns = r + b\nf = s * 2").graph, path)
    window = make_window()
    assert window.files.open(path, ask=False)
    window.canvas.setFocus()
    c, scene = stepper_of(window), window.canvas.graph_scene

    def badges_match():
        reference = c.stepper.view_from_scratch()
        assert {n: item.warning for n, item in scene.nodes.items()} == {
            n: badge_text(reference, n) for n in scene.nodes}, c.position

    key(qtbot, window, Qt.Key_Home)
    badges_match()
    for _ in range(c.total):
        key(qtbot, window, Qt.Key_Right)
        badges_match()
    assert any(scene.nodes[n].warning for n in ("a", "b"))      # gradient warnings shown
    # the status bar names the first warning and counts the others
    shown = c.stepper.shown()
    count = len(shown.problems) + len(shown.warnings) + len(shown.grad_warnings)
    first = next(iter(shown.warnings.values()))
    assert f"⚠ {first} (+{count - 1} more)" in window.evaluation_label.text()
    for _ in range(c.total):
        key(qtbot, window, Qt.Key_Left)
        badges_match()


def test_the_planned_total_follows_every_edit_though_it_is_remembered(window, qtbot):
    """The controls ask for the total several times per edit; it is remembered per
    evaluation and graph version, so an edit that adds or removes the Update step,
    or a step, is counted at once."""
    c = stepper_of(window)
    doc = window.document
    first = c.total
    assert c.total == first                        # asked again: the same
    trainable = [n.id for n in doc.graph.nodes() if n.trainable]
    for node_id in trainable:                      # no trainable input: no Update step
        doc.push(SetNodeField(doc, node_id, "trainable", False))
    doc.evaluate_now()
    assert c.total == first - 1
    assert trainable
    doc.undo_stack.undo()                          # one trainable again: the Update step
    doc.evaluate_now()
    assert c.total == first


def test_the_status_bar_follows_the_step_through(make_window, qtbot, tmp_path):
    # the whole evaluation's line (f = inf, its warnings) only once the steps show it
    from chainrule.core.fileformat_write import save
    from chainrule.core.program import parse_program
    path = tmp_path / "warnings.cgraph"
    save(parse_program("a = 1\nb = 0\nq = a / b\nr = q * a\nf = r * 2").graph, path)
    window = make_window()
    assert window.files.open(path, ask=False)
    whole = window.evaluation_label.text()
    live = window.document.evaluation
    assert whole == f"f = inf   ⚠ {live.warnings['q']} " \
        f"(+{len(live.warnings) + len(live.grad_warnings) - 1} more)"
    window.canvas.setFocus()
    c, label = stepper_of(window), window.evaluation_label
    key(qtbot, window, Qt.Key_Home)
    assert label.text() == "f = not reached yet" and label.property("kind") == "ok"
    seen = []
    for _ in range(c.total):
        key(qtbot, window, Qt.Key_Right)
        seen.append((c.current.node, c.phase, label.text(), label.property("kind")))
    forward = [s for s in seen if s[1] in ("forward", "done")][:len(c.stepper.forward)]
    at_q = next(k for k, s in enumerate(forward) if s[0] == "q")
    assert all(s[2] == "f = not reached yet" for s in forward[:at_q])
    warning_q = window.document.evaluation.warnings["q"]
    assert forward[at_q][2] == f"f = not reached yet   ⚠ {warning_q}"
    assert forward[at_q][3] == "warning"
    assert forward[-1][0] == "f" and forward[-1][2].startswith("f = inf   ⚠ ")
    assert seen[-1][2] == label.text()
    shown = c.stepper.shown()
    count = len(shown.warnings) + len(shown.grad_warnings)
    assert label.text().endswith(f"(+{count - 1} more)")
    key(qtbot, window, Qt.Key_Home)
    assert label.text() == "f = not reached yet"
    c.leave()                                   # live again: the whole evaluation's line
    assert label.text() == whole
