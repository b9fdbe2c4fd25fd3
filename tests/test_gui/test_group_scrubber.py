"""The scrubber and the step schedule count a collapsed group once (demo 02, σ
collapsed), through real mouse and key events on the Step toolbar."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from chainrule.core.explain import step_page
from chainrule.gui.shortcuts import keys_for

pytestmark = pytest.mark.shown_window


def collapsed_02(make_window):
    window = make_window("02-neuron-gates.cgraph")
    window.group_tools.toggle("sigma")
    return window, window.step_through.controller, window.step_through.controls.scrubber


def handle_centre(slider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    return slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider).center()


def test_the_scrubber_ranges_over_the_stops(make_window, qtbot):
    window, controller, scrubber = collapsed_02(make_window)
    stops = controller.stops()
    assert len(stops) < controller.total           # σ's 4 gates (+2 constants) are one
    assert scrubber.maximum() == len(stops)        # live, before any step
    QTest.keyClick(window.canvas, Qt.Key_Right)
    assert controller.stepper.stops() == stops
    assert scrubber.maximum() == len(stops) and scrubber.value() == 1


def test_dragging_the_scrubber_visits_exactly_the_stops(make_window, qtbot):
    window, controller, scrubber = collapsed_02(make_window)
    stops = controller.stops()
    seen = []
    controller.changed.connect(lambda: seen.append(controller.position))
    start = handle_centre(scrubber)
    end = QPoint(scrubber.width() - 2, start.y())
    QTest.mousePress(scrubber, Qt.LeftButton, Qt.NoModifier, start)
    for i in range(1, 41):
        QTest.mouseMove(scrubber, start + (end - start) * (i / 40))
    QTest.mouseRelease(scrubber, Qt.LeftButton, Qt.NoModifier, end)
    assert controller.position == controller.total and scrubber.value() == len(stops)
    assert set(seen) <= {0, *stops}
    visited = sorted(set(seen) - {0})
    assert visited == stops                        # every stop, one by one, none inside σ
    # back to the start, then Page Up on the focused scrubber: one stop at a time
    QTest.mousePress(scrubber, Qt.LeftButton, Qt.NoModifier, handle_centre(scrubber))
    QTest.mouseMove(scrubber, QPoint(1, start.y()))
    QTest.mouseRelease(scrubber, Qt.LeftButton, Qt.NoModifier, QPoint(1, start.y()))
    assert controller.position == 0 and scrubber.value() == 0
    scrubber.setFocus()
    for n, k in enumerate(stops, 1):
        QTest.keyClick(scrubber, Qt.Key_PageUp)
        assert controller.position == k and scrubber.value() == n


def test_right_visits_the_stops_and_f7_still_walks_the_inner_nodes(make_window, qtbot):
    window, controller, scrubber = collapsed_02(make_window)
    stops = controller.stops()
    positions = []
    while controller.position < controller.total:
        QTest.keyClick(window.canvas, Qt.Key_Right)
        positions.append(controller.position)
        assert scrubber.value() == len(positions)
    assert positions == stops
    QTest.keyClick(window.canvas, Qt.Key_Home)
    key = keys_for("step_into")[0][0]
    inner = []
    for _ in range(controller.total):
        QTest.keyClick(window.canvas, key.key(), key.keyboardModifiers())
        inner.append(controller.current.node)
        # inside σ the scrubber stays on the last stop passed
        assert scrubber.value() == sum(1 for k in stops if k <= controller.position)
    assert inner == [node for _, node in controller.stepper.step_nodes()]
    assert {"neg", "e", "plus_one", "f"} <= set(inner)


def test_the_schedule_counts_a_collapsed_group_once(make_window, qtbot):
    window, controller, _ = collapsed_02(make_window)
    QTest.keyClick(window.canvas, Qt.Key_Right)
    stepper = controller.stepper
    fwd, bwd = stepper.stop_count()
    QTest.keyClick(window.canvas, Qt.Key_Home)
    explanation, header, *_ = step_page(stepper)
    text = explanation.text()
    assert f"forward pass: {fwd} steps" in text and f"backward pass: {bwd} steps" in text
    assert header == f"Step 0 of {fwd + bwd}"
    while not (controller.position > controller.n_forward and stepper.gate_at()):
        QTest.keyClick(window.canvas, Qt.Key_Right)
    _, header, *_ = step_page(stepper)
    n = stepper.stop_number()
    assert header == f"Step {n} of {fwd + bwd} · backward pass, step {n - fwd} of {bwd}"
    QTest.keyClick(window.canvas, Qt.Key_End)
    _, header, hint, _ = step_page(stepper)
    assert header.startswith(f"Step {fwd + bwd} of {fwd + bwd}") and hint.startswith("Done")
