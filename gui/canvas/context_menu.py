"""The canvas's right-click menu: what can be done to the thing under the pointer.

It holds no behaviour of its own: every entry is an action the window
already has (the Edit menu's Cut, Delete…, Set as Output, Fit All), found by
name, so the keys, the enabled state and the status tips are the same in
every place.  Right-clicking a card or a wire that is not selected selects
it first, as desktop programs do; the empty canvas offers to add a node
there (the quick-add popup), to paste, to select all and to fit the view.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from chainrule.gui.canvas.node_item import NodeItem
from chainrule.gui.canvas.wire_item import WireItem

if TYPE_CHECKING:
    from chainrule.gui.canvas.view import CanvasView

#: Entries by what is under the pointer; None is a separator.
ON_NODE = ("inspect", "set_output", None, "cut", "copy", "duplicate", None, "delete")
ON_WIRE = ("delete",)
ON_EMPTY = ("add_here", "paste", None, "select_all", "fit_all")


def build_menu(view: "CanvasView", scene_pos: QPointF, item) -> QMenu:
    """The menu for a right-click at ``scene_pos`` on ``item`` (a card, a wire or None)."""
    menu = QMenu(view)
    menu.setObjectName("canvasContextMenu")
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if isinstance(item, NodeItem):
        if not item.isSelected():
            view.select_nodes([item.node_id])
        names = ON_NODE
        menu.setTitle(item.node_id)
    elif isinstance(item, WireItem):
        if not item.isSelected():
            view.graph_scene.clearSelection()
            item.setSelected(True)
        names = ON_WIRE
    else:
        names = ON_EMPTY
    for name in names:
        if name is None:
            menu.addSeparator()
            continue
        action = _local_action(view, menu, name, scene_pos, item) or view.context_actions.get(name)
        if action is not None:
            menu.addAction(action)
    return menu


def _local_action(view: "CanvasView", menu: QMenu, name: str, scene_pos: QPointF,
                  item) -> QAction | None:
    """Entries that only make sense at the click: they need the point or the card."""
    if name == "add_here":
        action = QAction("&Add Node Here…", menu)
        action.setStatusTip("Search the ops and add one where you clicked")
        action.triggered.connect(lambda: view.open_quick_add(QPointF(scene_pos)))
        return action
    if name == "inspect" and isinstance(item, NodeItem):
        action = QAction("&Inspect", menu)
        action.setStatusTip("Show this node in the inspector")
        action.triggered.connect(lambda: view.node_activated.emit(item.node_id))
        return action
    return None
