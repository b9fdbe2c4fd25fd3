"""The optimizer, the data set and the pictures through the real window.

Widgets are driven as a learner would (combo boxes, buttons, clicks on the
data plot, Ctrl+Z); the assertions are on the model: parameter values, the
optimizer's state, the undo stack, the marks on the cards, the texts of the
inspector and of the chain-rule panel, the images drawn.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from chainrule.core.optimizers import SGD, Adam
from chainrule.core.race import race
from chainrule.core.regions import decision_regions
from chainrule.core.training import Trainer, parameters
from chainrule.gui.files import DEMO_DIR


def panel_of(window):
    return window.learning.train_panel


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def values(window):
    g = window.document.graph
    return {p: np.array(g.node(p).value, copy=True) for p in parameters(g)}


def test_adam_steps_in_the_panel_equal_the_core_optimizer(make_window, qtbot):
    window = make_window("01-neuron.cgraph")
    panel = panel_of(window)
    choose(panel.optimizer_box.combo, "adam")
    panel.lr_spin.setValue(0.01)
    reference = window.document.graph.copy()
    ref = Trainer(reference, optimizer=Adam(0.01))
    for _ in range(3):
        qtbot.mouseClick(panel.step_button, Qt.LeftButton)
        ref.step()
    for p, v in values(window).items():
        assert np.array_equal(v, reference.node(p).value), p
    assert panel.optimizer.state[parameters(window.document.graph)[0]]["step"] == 3


def test_state_badges_inspector_and_reset(make_window, qtbot):
    window = make_window("01-neuron.cgraph")
    panel = panel_of(window)
    choose(panel.optimizer_box.combo, "momentum")
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    scene = window.canvas.graph_scene
    p = parameters(window.document.graph)[0]
    text, _color, tip = scene.nodes[p].marks["optimizer"]
    assert text.startswith("v ") and "velocity v" in tip
    window.inspector.show_node(p)
    assert "velocity v" in window.inspector.node_notes.text()
    qtbot.mouseClick(panel.reset_button, Qt.LeftButton)
    assert not panel.optimizer.state and "optimizer" not in scene.nodes[p].marks
    window.document.undo_stack.undo()                    # the reset undone: the state is back
    assert panel.optimizer.state and "optimizer" in scene.nodes[p].marks


def test_a_run_is_one_undo_step_with_the_optimizer_state(make_window, qtbot):
    window = make_window("01-neuron.cgraph")
    panel = panel_of(window)
    choose(panel.optimizer_box.combo, "adam")
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    after_one = values(window)
    state_one = {k: dict(v) for k, v in panel.optimizer.state.items()}
    stack = window.document.undo_stack
    index = stack.index()
    panel.steps_spin.setValue(50)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=20000)
    assert stack.index() == index + 1
    assert all(s["step"] == 51 for s in panel.optimizer.state.values())
    stack.undo()
    assert all(np.array_equal(v, after_one[k]) for k, v in values(window).items())
    assert {k: v["step"] for k, v in panel.optimizer.state.items()} == \
        {k: v["step"] for k, v in state_one.items()}
    stack.redo()
    assert all(s["step"] == 51 for s in panel.optimizer.state.values())


def test_the_chain_panel_writes_the_update_step_after_the_backward_pass(make_window, qtbot):
    window = make_window("01-neuron.cgraph")
    panel = panel_of(window)
    choose(panel.optimizer_box.combo, "adam")
    panel.lr_spin.setValue(0.01)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    controller = window.step_through.controller
    controller.backward_all()
    text = window.step_through.panel.text()
    p = parameters(window.document.graph)[0]
    assert "Update step" in text and "m = 0.9·" in text and "v̂ = v/(1 − 0.999^2)" in text
    # the new value it writes is the one the next Step makes
    line = next(l for l in text.splitlines() if ":=" in l)
    shown = float(line.rsplit("=", 1)[1].strip().replace("−", "-"))
    controller.leave()
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    first = [q for q in parameters(window.document.graph)][0]
    value = window.document.graph.node(first).value
    assert shown == pytest.approx(float(np.ravel(value)[0]), rel=1e-3)


# ------------------------------------------------------------------ data

def test_generate_bind_train_in_epochs_and_plot_both_losses(make_window, qtbot):
    window = make_window("22-moons-adam.cgraph")
    data_panel = window.learning.data_panel
    panel = panel_of(window)
    assert panel.optimizer_box.name == "adam"              # the demo's lab settings
    data_panel.generator.setCurrentText("circles")
    data_panel.seed.setValue(3)
    qtbot.mouseClick(data_panel.generate_button, Qt.LeftButton)
    data = window.document.graph.data
    assert data.generator == {"name": "circles", "n": 200, "noise": 0.1, "seed": 3}
    assert window.document.graph.node("X").value.shape == (160, 2)
    panel.unit_combo.setCurrentText("epochs")
    panel.steps_spin.setValue(3)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=20000)
    assert len(panel.trainer.history) == 3 * 5            # 160 rows in batches of 32
    assert len(panel.trainer.epochs) == 3
    x, y = panel.held_curve.getData()
    assert len(x) == 3 and not panel.epoch_plot.isHidden()
    window.document.undo_stack.undo()                     # the run
    window.document.undo_stack.undo()                     # the generated set
    assert window.document.graph.data.generator["name"] == "moons"


def test_clicking_the_plot_adds_a_point_of_the_chosen_class(make_window, qtbot):
    window = make_window("22-moons-adam.cgraph")
    window.show()
    qtbot.waitExposed(window)
    window.learning.show_dock("data")
    data_panel = window.learning.data_panel
    data_panel.click_class.setCurrentIndex(1)
    view = data_panel.plot.getPlotItem().getViewBox()
    scene_pos = view.mapViewToScene(QPointF(0.25, 0.75))
    widget_pos = data_panel.plot.mapFromScene(scene_pos)
    before = len(window.document.graph.data)
    qtbot.mouseClick(data_panel.plot.viewport(), Qt.LeftButton, pos=widget_pos)
    data = window.document.graph.data
    assert len(data) == before + 1 and data.rows[-1, 2] == 1
    assert data.rows[-1, 0] == pytest.approx(0.25, abs=0.05)
    assert data.rows[-1, 1] == pytest.approx(0.75, abs=0.05)
    window.document.undo_stack.undo()
    assert len(window.document.graph.data) == before


def test_csv_import_good_and_bad(make_window, qtbot, tmp_path):
    window = make_window("22-moons-adam.cgraph")
    data_panel = window.learning.data_panel
    good = tmp_path / "points.csv"
    good.write_text("a,b,c,cls\n0,1,9,0\n1,0,9,1\n0.5,0.5,9,1\n")
    assert data_panel.import_csv(str(good), ["a", "b"], "cls")
    data = window.document.graph.data
    assert data.bind == {"X": ["a", "b"], "y": ["cls"]} and len(data) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,cls\n0,1,0\n1,oops,1\n")
    assert not data_panel.import_csv(str(bad), ["a", "b"], "cls")
    assert 'bad.csv, row 3, column 2 ("b"): "oops" is not a number' in data_panel.status.text()
    assert window.document.graph.data is data                 # nothing changed


def test_the_regions_image_follows_the_parameters_during_a_run(make_window, qtbot):
    window = make_window("22-moons-adam.cgraph")
    data_panel = window.learning.data_panel
    data_panel.redraw_regions()
    first = data_panel.regions.copy()
    assert np.array_equal(first, decision_regions(window.document.graph, data_panel.region_box,
                                                  first.shape[0]))
    panel = panel_of(window)
    panel.unit_combo.setCurrentText("epochs")
    panel.steps_spin.setValue(40)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=30000)
    data_panel.redraw_regions()
    assert not np.array_equal(first, data_panel.regions)
    assert np.array_equal(data_panel.regions, decision_regions(
        window.document.graph, data_panel.region_box, first.shape[0]))


def test_the_data_set_is_saved_and_read_back(make_window, qtbot, tmp_path):
    window = make_window("22-moons-adam.cgraph")
    data_panel = window.learning.data_panel
    data_panel.add_point(0.1, 0.2, 0)
    path = tmp_path / "mine.cgraph"
    from chainrule.core import fileformat
    fileformat.save(window.document.graph, path)
    back = fileformat.load(path)
    assert np.array_equal(back.data.rows, window.document.graph.data.rows)
    assert back.extra["lab"]["optimizer"] == "adam"


# ------------------------------------------------------------ surface and race

def test_the_surface_and_both_race_paths_on_demo_24(make_window, qtbot):
    window = make_window("24-neuron-surface.cgraph")
    surface = window.learning.surface_view
    assert (surface.a_box.currentText(), surface.b_box.currentText()) == ("w[0]", "w[1]")
    qtbot.mouseClick(surface.draw_button, Qt.LeftButton)
    s = surface.surface
    assert s.losses.shape == (41, 41) and np.isfinite(s.losses).all()
    race_view = window.learning.race_view
    race_view.steps.setValue(60)
    qtbot.mouseClick(race_view.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not race_view.running, timeout=20000)
    assert len(surface.race_paths) == 2
    alone = race(window.document.graph, [("a", SGD(0.5))], 60)[0]
    assert race_view.entrants[0].losses == alone.losses
    sgd_path = next(iter(surface.race_paths.values()))
    assert len(sgd_path) == 61 and sgd_path[0] == (-2.5, 2.5)
    assert sgd_path[-1] == pytest.approx(tuple(alone.trainer.graph.node("w").value))


def test_the_train_panels_path_grows_on_the_surface(make_window, qtbot):
    window = make_window("24-neuron-surface.cgraph")
    surface = window.learning.surface_view
    surface.draw()
    panel = panel_of(window)
    for _ in range(3):
        qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    assert len(surface.path) == 4
    assert surface.path[-1] == tuple(window.document.graph.node("w").value)


def test_the_window_answers_during_a_run_with_data_bound(make_window, qtbot):
    window = make_window("22-moons-adam.cgraph")
    panel = panel_of(window)
    panel.steps_spin.setValue(100000)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    # the run trains between the window's turns: wait for its first steps (a loaded
    # machine may take longer than a fixed pause), then the window must still answer
    qtbot.waitUntil(lambda: panel.trainer is not None and len(panel.trainer.history) > 0,
                    timeout=10000)
    assert panel.running
    done = len(panel.trainer.history)
    qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    assert not panel.running and 0 < done <= len(panel.trainer.history) < 100000


def test_the_drawn_regions_put_a_known_linear_boundary_on_the_right_pixels(make_window, qtbot):
    """scores = (x1, −x1): class 1 left of x1 = 0, class 0 right of it, on screen."""
    from data_graphs import linear_classifier
    from chainrule.gui.data_panel import REGION_COLORS
    window = make_window("01-neuron.cgraph")
    window.show()
    qtbot.waitExposed(window)
    window.document.set_graph(linear_classifier())
    window.learning.show_dock("data")
    data_panel = window.learning.data_panel
    for scatter in data_panel.scatters:
        scatter.setVisible(False)                 # only the regions under the samples
    data_panel.redraw_regions()
    qtbot.wait(50)
    x0, x1, y0, y1 = data_panel.region_box
    image = data_panel.plot.grab().toImage()
    view = data_panel.plot.getPlotItem().getViewBox()
    width = x1 - x0
    for fx, fy in ((0.1, 0.2), (0.3, 0.8), (0.45, 0.5), (0.55, 0.5), (0.7, 0.2), (0.9, 0.9)):
        x, y = x0 + fx * width, y0 + fy * (y1 - y0)
        if abs(x) < width / 64:
            continue                              # on the boundary's own pixel column
        point = data_panel.plot.mapFromScene(view.mapViewToScene(QPointF(x, y)))
        ratio = image.devicePixelRatio()
        color = image.pixelColor(int(point.x() * ratio), int(point.y() * ratio))
        expected = REGION_COLORS[1 if x < 0 else 0]
        assert (color.red(), color.green(), color.blue()) == expected, (x, y)


def test_choosing_another_input_rebinds_the_same_columns_as_one_undo_step(make_window, qtbot):
    window = make_window("22-moons-adam.cgraph")
    data_panel = window.learning.data_panel
    data_panel.batch.setValue(16)
    data_panel.batch.editingFinished.emit()
    assert window.document.graph.data.batch_size == 16
    window.document.graph.add_node("X2", "input", value=0.0)
    combo = data_panel.feature_node
    combo.setCurrentText("X2")
    combo.activated.emit(combo.currentIndex())
    data = window.document.graph.data
    assert data.bind == {"X2": ["x1", "x2"], "y": ["label"]} and data.batch_size == 16
    assert window.document.graph.node("X2").value.shape == (160, 2)
    window.document.undo_stack.undo()
    assert window.document.graph.data.bind == {"X": ["x1", "x2"], "y": ["label"]}


def test_with_minibatches_the_update_step_is_what_the_next_step_does(make_window, qtbot):
    window = make_window("22-moons-adam.cgraph")
    panel = panel_of(window)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    data = window.document.graph.data
    np.testing.assert_array_equal(window.document.graph.node("X").value,
                                  data.feed(data.batches(0)[2])["X"])    # the next batch
    controller = window.step_through.controller
    controller.backward_all()
    text = window.step_through.panel.text()
    line = next(l for l in text.splitlines() if "W1[0, 0] :=" in l)
    shown = float(line.rsplit("=", 1)[1].strip().replace("−", "-"))
    controller.leave()
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    assert shown == pytest.approx(window.document.graph.node("W1").value[0, 0], rel=1e-3)


@pytest.mark.shown_window           # keys go to the canvas
def test_the_update_is_a_step_of_the_step_through_with_the_numbers_of_the_update(make_window,
                                                                                qtbot):
    from chainrule.gui.step_canvas import UPDATING
    window = make_window("01-neuron.cgraph")
    panel = panel_of(window)
    choose(panel.optimizer_box.combo, "sgd")
    panel.lr_spin.setValue(0.05)
    controller = window.step_through.controller
    graph = window.document.graph
    before = values(window)
    qtbot.keyClick(window.canvas, Qt.Key_End)
    total = controller.total
    assert window.step_through.controls.scrubber.maximum() == total
    qtbot.keyClick(window.canvas, Qt.Key_Home)
    pages = []
    for _ in range(total):
        qtbot.keyClick(window.canvas, Qt.Key_Right)
        pages.append(window.step_through.panel.text())
    assert controller.position == total and controller.phase == "done"
    assert ":=" not in pages[-2] and "Next: the Update step" in pages[-2]
    text = pages[-1]
    assert "Update step" in text and "SGD" in text
    # every parameter's line: w := w − lr·g = new, with this step's numbers
    grads = {p: float(controller.stepper.evaluation.grad(p)) for p in parameters(graph)}
    shown = {}
    for line in text.splitlines():
        if ":=" in line:
            name = line.split(":=")[0].split()[-1]
            shown[name] = float(line.rsplit("=", 1)[1].strip().replace("−", "-"))
    assert shown.keys() == set(grads)
    for p, g in grads.items():
        assert shown[p] == pytest.approx(float(before[p]) - 0.05 * g, rel=1e-3)  # 4 digits
    # the canvas highlights the parameters; the graph is not changed
    items = window.canvas.graph_scene.nodes
    assert {n for n, item in items.items() if item.state == "current"} == set(grads)
    assert items["w0"].extra_tooltip == UPDATING
    assert all(np.array_equal(v, before[k]) for k, v in values(window).items())
    # ← goes back to the last backward step, End comes back
    qtbot.keyClick(window.canvas, Qt.Key_Left)
    assert controller.phase == "backward" and controller.position == total - 1
    assert ":=" not in window.step_through.panel.text()
    assert {n for n, item in items.items() if item.state == "current"} == \
        {controller.current.node}
    qtbot.keyClick(window.canvas, Qt.Key_End)
    assert window.step_through.panel.text() == text
    # the Step that follows makes exactly these values
    controller.leave()
    qtbot.mouseClick(panel.step_button, Qt.LeftButton)
    after = values(window)
    for p in grads:
        assert float(after[p]) == pytest.approx(shown[p], rel=1e-3)
