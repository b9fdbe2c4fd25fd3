"""A canvas on a demo, shown and exposed, for tests that look at its pixels."""
from __future__ import annotations

from chainrule.core import fileformat
from chainrule.gui.canvas.view import CanvasView
from chainrule.gui.document import Document
from chainrule.resources import DEMOS


def shown_canvas(qtbot, demo: str = "03-add-mul.cgraph") -> CanvasView:
    view = CanvasView(Document(fileformat.load(DEMOS / demo)))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view
