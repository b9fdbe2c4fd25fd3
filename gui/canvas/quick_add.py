"""The quick-add popup: type a few letters, press Enter, the op is on the canvas.

Opened by Tab or a double-click on empty canvas, and when a wire is dropped
on empty canvas.  It lists the ops of ``chainrule.core.ops.OPS`` matching the typed
text by name, symbol, group or formula (name prefixes first) and shows each
op's symbol and formula.  Enter or a click chooses; Escape or a click
outside closes.  The popup only reports the choice (``chosen``); the view
decides what to add and where.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QFrame, QLineEdit, QListWidget, QListWidgetItem, QStyle,
                               QStyledItemDelegate, QVBoxLayout)

from chainrule.core.ops import OPS, Op
from chainrule.gui import theme
from chainrule.gui.canvas import style
from chainrule.gui.canvas.picker import FilterPopup


def matching_ops(text: str, with_inputs_only: bool = False) -> list[Op]:
    """The ops that match ``text``, best first (name prefix, then any other match)."""
    query = text.strip().lower()
    ranked = []
    for index, op in enumerate(OPS.values()):
        if with_inputs_only and op.is_leaf:
            continue
        name = op.name.lower()
        if not query or name.startswith(query) or op.symbol.lower() == query:
            rank = 0
        elif query in name or query in op.symbol.lower():
            rank = 1
        elif query in op.group.lower() or query in op.formula.lower():
            rank = 2
        else:
            continue
        ranked.append((rank, index, op))
    return [op for _, _, op in sorted(ranked, key=lambda r: r[:2])]


class _OpDelegate(QStyledItemDelegate):
    """One row: the op's symbol in its group colour, its name, its formula in grey."""

    def paint(self, painter, option, index) -> None:
        op = OPS.get(index.data(Qt.UserRole))
        if op is None:
            return super().paint(painter, option, index)
        painter.save()
        selected = bool(option.state & QStyle.State_Selected)
        if selected:
            painter.fillRect(option.rect, style.SELECTION)
        r = option.rect.adjusted(8, 0, -8, 0)
        painter.setFont(style.font(15))
        painter.setPen(option.palette.color(QPalette.HighlightedText) if selected
                       else style.group_dark(op.group))
        painter.drawText(QRect(r.left(), r.top(), 46, r.height()), Qt.AlignVCenter, op.symbol)
        painter.setFont(style.font(13, bold=True))
        painter.setPen(option.palette.color(QPalette.HighlightedText) if selected else style.TEXT)
        painter.drawText(QRect(r.left() + 50, r.top(), 90, r.height()), Qt.AlignVCenter, op.name)
        painter.setFont(style.font(12))
        painter.setPen(option.palette.color(QPalette.HighlightedText) if selected
                       else style.TEXT_MUTED)
        rest = QRect(r.left() + 144, r.top(), r.width() - 144, r.height())
        painter.drawText(rest, Qt.AlignVCenter | Qt.AlignLeft,
                         painter.fontMetrics().elidedText(op.formula, Qt.ElideRight, rest.width()))
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        return QSize(300, 26)


class QuickAddPopup(FilterPopup):
    """A small frameless search box with the matching ops under it."""

    chosen = Signal(str)        # op name

    def __init__(self, parent=None):
        super().__init__(parent, Qt.Popup | Qt.FramelessWindowHint)
        self.setObjectName("quickAdd")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet(
            f"#quickAdd {{ background: {theme.hex_of('panel')}; border: 1px solid "
            f"{theme.hex_of('card_border')}; border-radius: 6px; }}"
            "QLineEdit { font-size: 14px; padding: 4px 6px; border: 1px solid "
            f"{theme.hex_of('input_border')}; border-radius: 4px; }}"
            "QListWidget { font-size: 13px; border: none; }"
            )
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Add an op…")
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.NoFocus)
        self.list.setUniformItemSizes(True)
        self.list.setItemDelegate(_OpDelegate(self.list))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.resize(340, 330)
        self._inputs_only = False
        self._wire_up()

    def open_at(self, global_pos: QPoint, with_inputs_only: bool = False) -> None:
        """Show the popup with its top-left corner at ``global_pos``, text cleared."""
        self._inputs_only = with_inputs_only
        self._show_at(global_pos)

    def _refilter(self, text: str) -> None:
        self.list.clear()
        for op in matching_ops(text, self._inputs_only):
            item = QListWidgetItem(f"{op.symbol}  {op.name} — {op.formula}")
            item.setData(Qt.UserRole, op.name)
            item.setToolTip(op.note)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _choose_item(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.UserRole)
        self.chosen.emit(name)     # before hiding: closing clears what the view was doing
        self.hide()
