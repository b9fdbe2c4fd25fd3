"""The code editor's gutter follows the theme (it was a white block in the dark one)."""
from __future__ import annotations

import pytest

from chainrule.gui import theme
from chainrule.gui.code_editor import CodeEditor


@pytest.mark.parametrize("name", ["dark", "light"])
def test_the_gutter_is_painted_in_the_themes_colours(qtbot, name):
    before = theme.current.name, theme.current.pair
    theme.apply(name)
    try:
        editor = CodeEditor()
        qtbot.addWidget(editor)
        editor.setPlainText("dz = g * w\ndw = g * z\n")
        editor.resize(300, 120)
        editor.show()
        qtbot.waitExposed(editor)
        image = editor.gutter.grab().toImage()
        assert image.pixelColor(2, image.height() - 3).name() == theme.color("window").name()
        inks = {image.pixelColor(x, y).name() for x in range(image.width())
                for y in range(min(image.height(), 40))}
        assert theme.color("window").name() in inks and len(inks) > 2   # the numbers drawn
    finally:
        theme.apply(*before)
