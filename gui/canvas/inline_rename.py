"""Renaming a card where it stands: F2, or a double-click on its name.

A text field opens over the card's title with the name the card shows: its
label when it has one (then the label changes), else its id (then the id
changes, and the wires follow).  Enter or leaving the field renames (one undo
step), Escape leaves it as it was.  A name the model refuses — an id longer
than 64 characters, one already taken, an empty id — keeps the field open and
says why, instead of cutting or dropping what was typed.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtWidgets import QLineEdit

from chainrule.core.errors import ChainruleError
from chainrule.core.graph import check_id
from chainrule.gui.canvas import style
from chainrule.gui.commands import Rename, SetNodeField


def refusal(graph, old: str, new: str) -> str | None:
    """Why ``new`` cannot be the id of ``old`` (None: it can)."""
    if new == old:
        return None
    try:
        check_id(new)
    except ChainruleError as exc:
        return str(exc)
    if new in graph:
        return f'a node "{new}" exists already; the id stays "{old}"'
    return None


class InlineRename(QObject):
    def __init__(self, canvas):
        super().__init__(canvas)
        self._edit: QLineEdit | None = None       # made when first used
        self.node_id: str | None = None
        self.field = "id"

    @property
    def canvas(self):
        return self.parent()

    @property
    def edit(self) -> QLineEdit:
        if self._edit is None:
            edit = self._edit = QLineEdit(self.canvas.viewport())
            edit.setObjectName("inlineRename")
            edit.hide()
            edit.installEventFilter(self)
            edit.returnPressed.connect(self.commit)
        return self._edit

    def start(self, node_id: str | None = None) -> bool:
        canvas = self.canvas
        if node_id is None:
            nodes = canvas.selected_nodes()
            if len(nodes) != 1:
                canvas.document.message.emit("Select one node to rename it.")
                return False
            node_id = nodes[0]
        item = canvas.graph_scene.node_item(node_id)
        if item is None:
            return False
        node = canvas.document.graph.node(node_id)
        self.node_id = node_id
        self.field = "label" if node.label and node.label != node.id else "id"
        header = item.mapRectToScene(QRectF(0, 0, item.boundingRect().width(), style.HEADER_H))
        rect = canvas.mapFromScene(header).boundingRect()
        self.edit.setGeometry(rect.x(), rect.y(), max(rect.width(), 140), max(rect.height(), 26))
        self.edit.setText(node.label if self.field == "label" else node.id)
        self.edit.setToolTip(f"Rename the {self.field} of {node_id}: Enter renames, "
                             "Escape leaves it")
        self.edit.setStyleSheet("")
        self.edit.selectAll()
        self.edit.show()
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def active(self) -> bool:
        return self._edit is not None and self._edit.isVisible()

    def commit(self) -> bool:
        doc = self.canvas.document
        node_id, self_text = self.node_id, self.edit.text().strip()
        if node_id is None or node_id not in doc.graph:
            self.cancel()
            return False
        if self.field == "label":
            label = self_text or None
            if label != doc.graph.node(node_id).label:
                doc.push(SetNodeField(doc, node_id, "label", label))
        else:
            why = refusal(doc.graph, node_id, self_text)
            if why is not None:
                self.edit.setStyleSheet("QLineEdit { border: 2px solid #c62828; }")
                self.edit.setToolTip(why)
                doc.message.emit(f"Cannot rename {node_id}: {why}.")
                return False
            if self_text != node_id:
                doc.push(Rename(doc, node_id, self_text))
        self._close()
        return True

    def cancel(self) -> None:
        self._close()

    def _close(self) -> None:
        self.node_id = None
        self.edit.hide()
        self.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._edit and watched is not None:
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.cancel()
                return True
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()             # typed letters (W, F, [) are text here
                return False
            if event.type() == QEvent.Type.FocusOut and self.edit.isVisible() and \
                    event.reason() != Qt.FocusReason.PopupFocusReason:
                if not self.commit():
                    self.cancel()          # focus went away from a refused name: keep the old
                return False
        return super().eventFilter(watched, event)
