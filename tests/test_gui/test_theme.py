"""Themes: one table, readable label text, value and gradient told apart without colour.

For every theme (light, dark) and label pair the test computes the WCAG contrast of
the value and gradient text on the label's background (painted over the canvas, and
the step-through's highlight), and the CIE ΔE between the two label colours as people
with protanopia or deuteranopia see them (Machado 2009).  Thresholds: contrast ≥ 4.5,
ΔE ≥ 20 (tests/support/colour_vision.py says why).
"""
from __future__ import annotations

import re

import pytest
from colour_vision import (MIN_CONTRAST, MIN_DELTA_E, contrast, delta_e, over, rgba,
                           simulate)

from chainrule import resources
from chainrule.gui import theme
from chainrule.gui.canvas import style

THEMES = ("light", "dark")


@pytest.fixture(autouse=True)
def _back_to_light(qapp):
    yield
    theme.apply("light", theme.DEFAULT_PAIR)


@pytest.mark.parametrize("name", THEMES)
@pytest.mark.parametrize("pair", theme.PAIR_NAMES)
@pytest.mark.parametrize("back", ["label_back", "emphasis_back"])
def test_label_text_contrast_is_at_least_4_5(name, pair, back):
    t = theme.table(name, pair)
    background = over(t[back], t["background"])
    for role in ("value", "grad", "tangent"):
        ratio = contrast(rgba(t[role])[0], background)
        assert ratio >= MIN_CONTRAST, (name, pair, back, role, round(ratio, 2))


@pytest.mark.parametrize("name", THEMES)
@pytest.mark.parametrize("kind", ["protanopia", "deuteranopia"])
def test_the_default_pair_stays_two_colours_under_colour_blindness(name, kind):
    t = theme.table(name, theme.DEFAULT_PAIR)
    value, grad = (simulate(rgba(t[r])[0], kind) for r in ("value", "grad"))
    assert delta_e(value, grad) >= MIN_DELTA_E, (name, kind, delta_e(value, grad))


@pytest.mark.parametrize("name", THEMES)
def test_the_classic_green_red_pair_is_the_one_that_merges(name):
    """What the measure is for: green and red collapse under deuteranopia."""
    t = theme.table(name, "green-red")
    value, grad = (simulate(rgba(t[r])[0], "deuteranopia") for r in ("value", "grad"))
    assert delta_e(value, grad) < MIN_DELTA_E
    assert theme.DEFAULT_PAIR != "green-red"


def test_both_themes_name_the_same_roles_and_the_stylesheet_uses_only_roles():
    assert set(theme.LIGHT) == set(theme.DARK)
    assert set(theme.GROUPS["light"]) == set(theme.GROUPS["dark"])
    qss = resources.path("style.qss").read_text(encoding="utf-8")
    rules = qss.split("*/", 1)[1]                  # after the header comment
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b", rules)
    for role in re.findall(r"@(\w+)", rules):
        assert role in theme.LIGHT, role
    assert "@" not in theme.stylesheet(theme.table("dark")).split("*/", 1)[1]


@pytest.mark.parametrize("name", THEMES)
def test_text_on_cards_and_canvas_is_readable(name):
    t = theme.table(name)
    for fg, bg in (("text", "card"), ("text", "background"), ("text_muted", "card"),
                   ("text", "panel"), ("chain_text", "chain_background"),
                   ("plot_text", "plot_background")):
        assert contrast(rgba(t[fg])[0], over(t[bg], t["background"])) >= MIN_CONTRAST, (fg, bg)


def test_switching_is_live_for_the_canvas_and_the_window(make_window, qtbot):
    window = make_window()
    theme.apply("dark", "blue-orange")
    assert style.BACKGROUND.name() == theme.DARK["background"]
    assert style.VALUE.name() == theme.PAIRS["blue-orange"]["dark"][0]
    scene = window.canvas.graph_scene
    wire = next(iter(scene.wires.values()))
    placed = wire._placed_labels(scene)
    assert any(c == style.VALUE for *_rest, c in placed[2:])
    from PySide6.QtWidgets import QApplication
    assert QApplication.palette().window().color().name() == theme.DARK["window"][:7]
    image = window.canvas.grab().toImage()
    corner = image.pixelColor(3, 3).name()
    assert corner in (theme.DARK["background"], theme.DARK["grid_minor"],
                      theme.DARK["grid_major"])
    theme.apply("light", "green-red")
    assert style.GRAD.name() == theme.PAIRS["green-red"]["light"][1]


def test_gradient_labels_carry_a_mark_that_is_not_colour(make_window):
    window = make_window()
    scene = window.canvas.graph_scene
    wire = next(w for w in scene.wires.values() if w.grad_text())
    value, grad, _tangent = wire._current_labels(scene)
    assert grad.mark is not None and grad.mark.text().startswith("∇") and value.mark is None
    assert grad.static.text() == grad.text
    assert grad.text == wire.grad_text()          # the text itself is the number


def test_follow_the_system_switches_with_the_desktop(make_window, qapp):
    """The offscreen platform has no desktop scheme: the test announces one, as Qt does."""
    from PySide6.QtCore import Qt
    hints = qapp.styleHints()
    window = make_window()
    theme.follow_system()
    try:
        theme.apply("system")
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)     # the desktop goes dark
        assert theme.current.resolved == "dark"
        assert style.BACKGROUND.name() == theme.DARK["background"]
        assert window.canvas.grab().toImage().pixelColor(3, 3).name() in (
            theme.DARK["background"], theme.DARK["grid_minor"], theme.DARK["grid_major"])
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert theme.current.resolved == "light"
        theme.apply("dark")                                    # a fixed choice stays
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert theme.current.resolved == "dark"
    finally:
        theme.current.system_scheme = None


def test_toolbar_ink_icons_take_the_text_colour(make_window):
    """Fusion's play and arrow pictures are black: on dark they must turn light."""
    from PySide6.QtGui import QAction, QColor
    from chainrule.gui.icons import INK, PROPERTY
    window = make_window()
    theme.apply("dark")
    ink = {int(s.value) for s in INK}
    actions = [a for a in window.findChildren(QAction) if a.property(PROPERTY) in ink]
    assert {a.objectName() for a in actions} >= {"action_undo", "action_redo"}
    for action in actions:
        image = action.icon().pixmap(16, 16).toImage()
        inked = [QColor(image.pixelColor(x, y)) for x in range(16) for y in range(16)
                 if image.pixelColor(x, y).alpha() > 200]
        assert inked and all(c.lightness() > 150 for c in inked), action.objectName()


def test_the_headless_palette_is_the_light_theme():
    """TikZ (core, no Qt) names the colours of the light theme with the default pair."""
    from chainrule.core import palette
    light = theme.table("light", theme.DEFAULT_PAIR)
    for name in ("value", "grad", "wire", "card", "card_border", "text", "text_muted",
                 "output_border", "state_done", "state_current", "state_ready"):
        assert getattr(palette, name.upper()).lower() == light[name].lower(), name
