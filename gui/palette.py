"""The palette: every op of the op table, grouped, filterable, draggable.

Entries come from :data:`core.ops.OPS` in the order of :data:`core.ops.GROUPS`,
so an op added to the table appears here without touching this file.
Dragging an entry starts a drag whose only payload is the op name under
:data:`gui.mime.OP_MIME`; the canvas decides what a drop means.
Double-click or Enter asks the window to add the op at the canvas centre
(:attr:`Palette.op_activated`).
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from chainrule.core import ops
from chainrule.gui.mime import OP_MIME

OP_ROLE = Qt.ItemDataRole.UserRole

#: A group's header; a group not listed is shown as its name with a capital.
GROUP_TITLES = {g: g.title() for g in ops.GROUPS}


def op_tooltip(op: ops.Op) -> str:
    """Formula, local derivatives and teaching note, as rich text."""
    lines = [f"<b>{escape(op.name)}</b> &nbsp; <code>{escape(op.formula)}</code>"]
    if op.ports:
        lines.append("Local derivatives:")
        lines += [f"&nbsp;&nbsp;∂out/∂{escape(port)} = <code>{escape(local)}</code>"
                  for port, local in zip(op.ports, op.local)]
    lines.append(f"<i>{escape(op.note)}</i>")
    return "<p style='white-space:pre-wrap'>" + "<br>".join(lines) + "</p>"


def make_mime(op_name: str) -> QMimeData:
    """The payload of a palette drag: the op name under OP_MIME, nothing else."""
    mime = QMimeData()
    mime.setData(OP_MIME, op_name.encode("utf-8"))
    return mime


class OpTree(QTreeWidget):
    """The tree of groups and ops; builds the drag payload itself."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(False)
        self.setIndentation(8)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)

    def mimeTypes(self) -> list[str]:
        return [OP_MIME]

    def mimeData(self, items) -> QMimeData:
        names = [item.data(0, OP_ROLE) for item in items if item.data(0, OP_ROLE)]
        return make_mime(names[0]) if names else QMimeData()

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class Palette(QWidget):
    """Filter box above the tree of ops."""

    op_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setObjectName("paletteFilter")
        self.filter.setPlaceholderText("Filter: name, symbol or group")
        self.filter.setClearButtonEnabled(True)
        self.tree = OpTree()
        self.tree.setObjectName("paletteTree")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        self.groups: dict[str, QTreeWidgetItem] = {}
        self.items: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.filter.textChanged.connect(self.apply_filter)
        self.filter.returnPressed.connect(self._activate_first_visible)
        self.tree.itemActivated.connect(self._activated)

    def _fill(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        by_group: dict[str, list[ops.Op]] = {g: [] for g in ops.GROUPS}
        for op in ops.OPS.values():
            by_group.setdefault(op.group, []).append(op)
        for group, members in by_group.items():
            if not members:
                continue
            header = QTreeWidgetItem([GROUP_TITLES.get(group, group.title())])
            header.setFont(0, bold)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)          # not selectable, not draggable
            self.tree.addTopLevelItem(header)
            header.setFirstColumnSpanned(True)
            self.groups[group] = header
            for op in members:
                symbol = "" if op.symbol == op.name else op.symbol
                item = QTreeWidgetItem([symbol, op.name])
                item.setTextAlignment(0, Qt.AlignmentFlag.AlignCenter)
                item.setData(0, OP_ROLE, op.name)
                item.setToolTip(0, op_tooltip(op))
                item.setToolTip(1, op_tooltip(op))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                header.addChild(item)
                self.items[op.name] = item
            header.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, max(36, self.tree.columnWidth(0) + 6))

    def apply_filter(self, text: str) -> None:
        """Show the ops whose name or group (any case) or symbol (as typed) contains ``text``."""
        needle = text.strip().lower()
        for group, header in self.groups.items():
            shown = 0
            for i in range(header.childCount()):
                item = header.child(i)
                op = ops.OPS[item.data(0, OP_ROLE)]
                # Symbols match as typed: σ (sigmoid) and Σ (sum) are different ops.
                match = (not needle or needle in op.name.lower() or needle in op.group.lower()
                         or text.strip() in op.symbol)
                item.setHidden(not match)
                shown += match
            header.setHidden(shown == 0)

    def visible_ops(self) -> list[str]:
        return [name for name, item in self.items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _activated(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, OP_ROLE)
        if name:
            self.op_activated.emit(name)

    def _activate_first_visible(self) -> None:
        visible = self.visible_ops()
        if len(visible) == 1 or (visible and self.filter.text().strip() in visible):
            name = self.filter.text().strip() if self.filter.text().strip() in visible \
                else visible[0]
            self.op_activated.emit(name)
