"""A small search-and-choose popup, the keyboard's way to point at things.

Like the quick-add popup: a text box over a list; typing filters (every word
typed must occur in the row, case ignored), ↑ ↓ move, Enter or a click
chooses, Escape or a click outside closes.  The port picker (wire, unwire)
and Find Node fill it with their own rows; it only reports the choice.
"""
from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout


def matches(query: str, text: str) -> bool:
    words = query.lower().split()
    low = text.lower()
    return all(w in low for w in words)


class FilterPopup(QFrame):
    """What the popups over the canvas share: ↑ ↓ in the text box move through the
    list, Enter chooses the current row, Escape closes (``closed`` on hiding).
    Subclasses make ``edit`` and ``list`` and choose in ``_choose_item``."""

    closed = Signal()
    edit: QLineEdit
    list: QListWidget

    def _wire_up(self) -> None:
        """Connect the text box and the list (call once both exist)."""
        self.edit.textChanged.connect(self._refilter)
        self.edit.returnPressed.connect(self._choose_current)
        self.list.itemClicked.connect(self._choose_item)
        self.edit.installEventFilter(self)

    def _show_at(self, global_pos: QPoint) -> None:
        """Show at ``global_pos`` with the text cleared and the focus in the text box."""
        self.edit.blockSignals(True)
        self.edit.clear()
        self.edit.blockSignals(False)
        self._refilter("")
        self.move(global_pos)
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus(Qt.PopupFocusReason)

    def _refilter(self, text: str) -> None:
        raise NotImplementedError

    def _choose_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._choose_item(item)

    def _choose_item(self, item: QListWidgetItem) -> None:
        raise NotImplementedError

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.ShortcutOverride and \
                event.key() in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape):
            event.accept()      # the popup lives inside the canvas: its keys are not shortcuts
            return True
        if watched is self.edit and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Down, Qt.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key_Down else -1)
                if 0 <= row < self.list.count():
                    self.list.setCurrentRow(row)
                return True
            if key == Qt.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.closed.emit()


class PickerPopup(FilterPopup):
    chosen = Signal(object)       # the data of the chosen row

    def __init__(self, parent=None, name: str = "picker"):
        super().__init__(parent, Qt.Popup | Qt.FramelessWindowHint)
        self.setObjectName(name)
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet(
            f"#{name} {{ background: white; border: 1px solid #8e99a8; border-radius: 6px; }}"
            "QLineEdit { font-size: 14px; padding: 4px 6px; border: 1px solid #c9d1d9;"
            " border-radius: 4px; }"
            "QListWidget { font-size: 13px; border: none; }")
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.edit = QLineEdit(self)
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.NoFocus)
        self.empty = QLabel(self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        for widget in (self.title, self.edit, self.list, self.empty):
            layout.addWidget(widget)
        self.resize(360, 300)
        self._rows: list[tuple[str, Any]] = []
        self._wire_up()

    def open_at(self, global_pos: QPoint, title: str, rows: Sequence[tuple[str, Any]],
                placeholder: str = "Type to filter…", empty: str = "Nothing to choose.") -> None:
        self.title.setText(title)
        self.edit.setPlaceholderText(placeholder)
        self.empty.setText(empty)
        self._rows = list(rows)
        self._show_at(global_pos)

    def row_texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _refilter(self, text: str) -> None:
        self.list.clear()
        for label, data in self._rows:
            if matches(text, label):
                item = QListWidgetItem(label)
                item.setData(Qt.UserRole, data)
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.empty.setVisible(self.list.count() == 0)
        self.list.setVisible(self.list.count() > 0)
        self.adjustSize() if not self.list.count() else self.resize(360, 300)

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.UserRole))
        self.hide()
