"""Tensors you can see: heatmaps on the wires and in the inspector (pixel tests)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from chainrule.core.graph import Edge
from chainrule.gui import heatmap
from chainrule.gui.canvas import style

pytestmark = pytest.mark.shown_window

PROGRAM = """\
A = [[-2, 0, 2], [1, -1, 0]]
B = [[1, 0], [0, 1], [1, 1]]
h = A @ B
L = sum(h * h)
"""


def near(c: QColor, rgb, tol=12) -> bool:
    return all(abs(a - b) <= tol for a, b in zip((c.red(), c.green(), c.blue()), rgb))


def test_the_colour_scale_is_diverging_and_symmetric():
    img, scale = heatmap.image(np.array([[-2.0, 0.0, 2.0], [1.0, -1.0, np.nan]]))
    assert (img.width(), img.height()) == (3, 2) and scale == 2.0
    assert near(img.pixelColor(0, 0), heatmap.NEGATIVE, 1)      # −2: the bluest
    assert near(img.pixelColor(1, 0), heatmap.ZERO, 1)          # 0: white
    assert near(img.pixelColor(2, 0), heatmap.POSITIVE, 1)      # +2: the reddest
    half_red = img.pixelColor(0, 1)                             # +1: half way to red
    assert half_red.red() > half_red.blue() and not near(half_red, heatmap.POSITIVE)
    assert near(img.pixelColor(2, 1), heatmap.NAN, 1)
    assert heatmap.scale_text(2.0) == "colour scale: blue −2 … white 0 … red +2"


def test_an_image_batch_is_a_grid_of_tiles():
    a = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5) - 60
    values, gap = heatmap.tiles(a)
    assert values.shape == (2 * 5 - 1, 3 * 6 - 1)        # one row of channels per image
    assert values[5 + 1, 6 * 2 + 3] == a[1, 2, 1, 3]
    assert gap[4, 0] and gap[0, 5] and not gap[0, 0]


def test_the_cache_draws_again_only_when_the_numbers_change():
    cache = heatmap.HeatmapCache()
    a = np.eye(3)
    first = cache.get(a)
    assert cache.get(a.copy()) is first and cache.renders == 1
    b = a.copy()
    b[0, 1] = -1
    assert cache.get(b) is not first and cache.renders == 2
    big = np.random.default_rng(0).normal(size=(256, 256))
    assert cache.get(big).width() == 256 and cache.renders == 3


def scene_picture(window, rect: QRectF) -> QImage:
    scene = window.canvas.graph_scene
    img = QImage(int(rect.width() * 2), int(rect.height() * 2), QImage.Format_ARGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    scene.render(painter, QRectF(img.rect()), rect)
    painter.end()
    return img


def coloured(img: QImage, want) -> int:
    return sum(1 for y in range(0, img.height(), 2) for x in range(0, img.width(), 2)
               if near(img.pixelColor(x, y), want, 30))


def test_a_matrix_on_a_wire_is_drawn_as_a_heatmap_when_zoomed_in(window, qtbot):
    window.program_bar.set_text(PROGRAM)
    window.program_bar.replace()
    window.document.evaluate_now()
    scene = window.canvas.graph_scene
    edge = Edge("A", "h", 0)
    wire = scene.wire_item(edge)
    window.canvas.set_zoom(2.0)
    window.canvas.centerOn(wire.label_anchor())
    qtbot.waitUntil(lambda: wire.heat is not None and wire.heat_rects[0] is not None)
    value_rect, grad_rect = wire.heat_rects
    assert value_rect.bottom() < wire.label_anchor().y() < grad_rect.top()
    # the picture on the canvas: A's −2 in blue, its +2 in red, the zero white
    img = scene_picture(window, value_rect)
    assert coloured(img, heatmap.NEGATIVE) > 10 and coloured(img, heatmap.POSITIVE) > 10
    # repainting with the same numbers draws no new heatmap; new numbers do
    renders = wire.heat[0].renders
    window.canvas.viewport().repaint()
    assert wire.heat[0].renders == renders
    window.program_bar.set_text(PROGRAM.replace("[[-2, 0, 2]", "[[-2, 0, 3]"))
    window.program_bar.replace()
    window.document.evaluate_now()
    wire = scene.wire_item(edge)
    window.canvas.set_zoom(2.0)
    window.canvas.centerOn(wire.label_anchor())
    qtbot.waitUntil(lambda: wire.heat is not None and wire.heat_rects[0] is not None)
    # the colour scale is in the tooltip
    tip = scene.wire_tooltip(edge)
    assert "value heatmap, colour scale: blue −3 … white 0 … red +3" in tip
    assert "gradient heatmap, colour scale" in tip


def test_no_heatmap_when_zoomed_out_or_for_a_scalar(window, qtbot):
    window.program_bar.set_text(PROGRAM)
    window.program_bar.replace()
    window.document.evaluate_now()
    scene = window.canvas.graph_scene
    wire = scene.wire_item(Edge("A", "h", 0))
    window.canvas.set_zoom(0.6)
    window.canvas.viewport().repaint()
    assert wire.heat_rects == (None, None)
    assert scene.wire_arrays(Edge("mul1", "L", 0))[0] is not None
    window.files.new()
    window.program_bar.set_text("x = 2\ny = x * x")
    window.program_bar.replace()
    window.document.evaluate_now()
    assert window.canvas.graph_scene.wire_arrays(Edge("x", "y", 0)) == (None, None)


def test_the_inspector_shows_a_matrix_as_a_heatmap_with_numbers_on_hover(window, qtbot):
    window.program_bar.set_text(PROGRAM)
    window.program_bar.replace()
    window.canvas.select_nodes(["A"])
    ins = window.inspector
    heat = ins.node_value_heat
    assert heat.isVisibleTo(ins)
    heat.resize(300, heat.sizeHint().height())
    ins.scroll.ensureWidgetVisible(heat)          # as the user scrolls the inspector to it
    rect = heat.picture_rect()
    cell_w, cell_h = rect.width() / 3, rect.height() / 2
    top_left = QPoint(int(rect.left() + cell_w / 2), int(rect.top() + cell_h / 2))
    top_right = QPoint(int(rect.left() + 2.5 * cell_w), int(rect.top() + cell_h / 2))
    assert heat.text_at(top_left) == "value[0, 0] = −2"
    assert heat.text_at(top_right) == "value[0, 2] = 2"
    picture = heat.grab().toImage()
    assert near(picture.pixelColor(top_left), heatmap.NEGATIVE)
    assert near(picture.pixelColor(top_right), heatmap.POSITIVE)
    qtbot.mouseMove(heat, top_right)
    qtbot.waitUntil(lambda: heat.toolTip() == "value[0, 2] = 2")
    window.canvas.select_nodes(["h"])
    assert ins.node_value_heat.isVisibleTo(ins) and ins.node_grad_heat.isVisibleTo(ins)
    assert ins.node_grad_heat.text_at(QPoint(-5, -5)).startswith("colour scale")
    window.canvas.select_nodes(["L"])                   # a scalar: no heatmap
    assert not ins.node_value_heat.isVisibleTo(ins)


def test_the_inspector_shows_a_vector_as_a_strip(window):
    window.program_bar.set_text("v = [-1, 0, 3]\ny = sum(v * v)")
    window.program_bar.replace()
    window.canvas.select_nodes(["v"])
    heat = window.inspector.node_value_heat
    assert heat.isVisibleTo(window.inspector)
    heat.resize(300, heat.sizeHint().height())
    rect = heat.picture_rect()
    assert rect.width() >= 3 * rect.height() - 3                # one row: a strip
    cell = rect.width() / 3
    right = QPoint(int(rect.left() + 2.5 * cell), rect.center().y())
    assert heat.text_at(right) == "value[2] = 3"
    assert near(heat.grab().toImage().pixelColor(right), heatmap.POSITIVE)
