"""Zoomed out, the numbers stay readable: wire labels are drawn enlarged down to
LOD_WIRE_TEXT, and vanish only below it.  Checked on the pixels the view paints."""
from __future__ import annotations


from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from chainrule.core import fileformat
from chainrule.gui.canvas import style
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.document import Document

from chainrule.resources import DEMOS
import pytest

from chainrule.gui import theme


@pytest.fixture(autouse=True)
def _classic_pair(qapp):
    """These tests find labels by colour: the classic green/red pair on light."""
    theme.apply("light", "green-red")
    yield
    theme.apply("light", theme.DEFAULT_PAIR)


def green_and_red_pixels(view: CanvasView) -> tuple[int, int]:
    image = view.viewport().grab().toImage()
    green = red = 0
    for y in range(image.height()):
        for x in range(image.width()):
            c = QColor(image.pixel(x, y))
            r, g, b = c.red(), c.green(), c.blue()
            if g > r + 40 and g > b + 20:           # the values' green, antialiased
                green += 1
            elif r > g + 60 and r > b + 60:         # the gradients' red
                red += 1
    return green, red


def make_view(qtbot) -> CanvasView:
    view = CanvasView(Document(fileformat.load(DEMOS / "03-add-mul.cgraph")))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_labels_stay_on_screen_when_zoomed_out_to_a_readable_size(qtbot):
    view = make_view(qtbot)
    view.set_zoom((style.LOD_WIRE_TEXT + style.LOD_TEXT) / 2)
    view.centerOn(view.graph_scene.items_rect().center())
    green, red = green_and_red_pixels(view)
    assert green > 30 and red > 30          # values above, gradients below


def test_labels_vanish_only_below_the_smallest_readable_zoom(qtbot):
    view = make_view(qtbot)
    view.set_zoom(style.LOD_WIRE_TEXT * 0.8)
    view.centerOn(view.graph_scene.items_rect().center())
    green, _ = green_and_red_pixels(view)
    assert green == 0                       # (ports keep a little red)


def test_opening_a_wide_demo_shows_it_whole_with_numbers(qtbot):
    """Demo 05 in a small window: fitted, and still above the zoom where labels go."""
    view = CanvasView(Document(fileformat.load(DEMOS / "05-two-layer.cgraph")))
    qtbot.addWidget(view)
    view.resize(1000, 560)
    view.show()
    qtbot.waitExposed(view)
    view.fit_all(readable=True)
    rect = view.mapFromScene(view.graph_scene.items_rect()).boundingRect()
    assert view.viewport().rect().adjusted(-2, -2, 2, 2).contains(rect)
    assert view.zoom() >= style.LOD_WIRE_TEXT


def test_opening_any_demo_in_any_window_shows_every_card_whole(qtbot):
    """Never a card cut by the edge on opening (a cut input card read "000208")."""
    for size in ((1000, 560), (1180, 760), (760, 520), (1400, 820)):
        for path in sorted(DEMOS.glob("*.cgraph")):
            view = CanvasView(Document(fileformat.load(path)))
            qtbot.addWidget(view)
            view.resize(*size)
            view.show()
            qtbot.waitExposed(view)
            view.fit_all(readable=True)
            screen = view.viewport().rect()
            for node_id, item in view.graph_scene.nodes.items():
                card = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
                assert screen.contains(card), (path.name, size, node_id)
            view.close()


def test_learning_marks_still_show_when_cards_show_only_their_names(qtbot):
    """Between LOD_WIRE_TEXT and LOD_TEXT the pills are unreadable: their ✓ or ✗ is drawn."""
    view = make_view(qtbot)
    view.set_zoom((style.LOD_WIRE_TEXT + style.LOD_TEXT) / 2)
    card = view.graph_scene.nodes["x"]
    view.centerOn(card.sceneBoundingRect().center())
    below = view.mapFromScene(card.mapRectToScene(
        QRectF(0, style.NODE_H, style.NODE_W, 20))).boundingRect()

    def red_below() -> int:
        image = view.viewport().grab(below).toImage()
        return sum(1 for y in range(image.height()) for x in range(image.width())
                   if (c := QColor(image.pixel(x, y))).red() > c.green() + 80
                   and c.red() > c.blue() + 80)
    assert red_below() == 0
    view.graph_scene.set_node_marks("check", {"x": ("✗ 3e-01", QColor("#c62828"), "")})
    assert red_below() > 10


def test_at_exactly_the_smallest_readable_zoom_cards_keep_their_names(qtbot):
    view = make_view(qtbot)
    card = view.graph_scene.nodes["x"]

    def dark_pixels(zoom: float) -> int:
        view.set_zoom(zoom)
        view.centerOn(card.sceneBoundingRect().center())
        rect = view.mapFromScene(card.sceneBoundingRect()).boundingRect()
        image = view.viewport().grab(rect).toImage()
        return sum(1 for y in range(image.height()) for x in range(image.width())
                   if QColor(image.pixel(x, y)).lightness() < 180)
    assert dark_pixels(style.LOD_WIRE_TEXT) > dark_pixels(style.LOD_WIRE_TEXT * 0.97) + 15
