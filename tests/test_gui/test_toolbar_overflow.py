"""Small windows: what a toolbar cannot show is behind its » button, never gone."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolBar

from chainrule.gui.toolbar_overflow import MARK, extension_button, hidden_actions

pytestmark = pytest.mark.shown_window

MUST_STAY = ("&Check Gradients", "Gradient &Flow View")


@pytest.mark.parametrize("width", [800, 1024])
def test_toolbars_overflow_into_a_visible_more_button(make_window, qtbot, width):
    window = make_window()
    window.resize(width, 640)
    qtbot.wait(50)
    hidden_anything = False
    for bar in window.findChildren(QToolBar):
        if not bar.isVisible():
            continue
        hidden = hidden_actions(bar)
        button = extension_button(bar)
        if hidden:
            hidden_anything = True
            assert button is not None and button.isVisible(), bar.objectName()
            assert button.text() == MARK
            assert button.width() >= 12
        assert bar.geometry().right() <= window.width()
    assert hidden_anything          # at these widths the toolbars do not fit


def test_at_full_width_nothing_overflows(make_window, qtbot):
    window = make_window()
    window.resize(1900, 900)
    qtbot.wait(50)
    for bar in window.findChildren(QToolBar):
        if bar.isVisible():
            assert hidden_actions(bar) == [], bar.objectName()


def test_the_more_button_holds_check_and_flow_at_800px(make_window, qtbot):
    window = make_window()
    window.resize(800, 640)
    qtbot.wait(50)
    texts = [a.text() for bar in window.findChildren(QToolBar) for a in hidden_actions(bar)]
    shown = [a.text() for bar in window.findChildren(QToolBar) for a in bar.actions()
             if a not in hidden_actions(bar)]
    for name in MUST_STAY:
        assert name in texts or name in shown       # in the bar, or behind »


def test_clicking_more_shows_the_step_counter_and_the_scrubber(make_window, qtbot):
    from PySide6.QtCore import Qt
    window = make_window()
    window.resize(800, 640)
    qtbot.wait(50)
    bar = next(b for b in window.findChildren(QToolBar) if b.objectName() == "stepToolbar")
    hidden = hidden_actions(bar)
    assert hidden
    qtbot.mouseClick(extension_button(bar), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: all(bar.widgetForAction(a) is not None and
                                bar.widgetForAction(a).isVisible() for a in hidden))
