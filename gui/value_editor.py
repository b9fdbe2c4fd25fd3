"""The value of an input or constant, as the inspector edits it.

A scalar has a spin box and a slider; a vector or matrix has a table; any
value can also be typed as a number or a JSON list ("As list"), which is how
its shape changes.  The editor never touches the graph: it reads the edited
node through a callable and announces what the user entered —
:attr:`ValueEditor.edited` with the new value, :attr:`ValueEditor.refused`
with the reason when an entry is not a value — and the inspector pushes the
undo command.  Each slider step is one ``edited``; consecutive value edits
of one node merge into one undo step, so dragging stays smooth.

The read-only tables of computed values and gradients share
:func:`number_table` and :func:`fill_table` with the editable one: a
``QTableView`` over a model of the array, so a value of any size opens at once.
"""
from __future__ import annotations

import json
import math
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
from PySide6.QtCore import (QAbstractTableModel, QLocale, QModelIndex, QSignalBlocker, Qt,
                            Signal)
from PySide6.QtWidgets import (QAbstractItemView, QDoubleSpinBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QSizePolicy, QSlider, QTableView,
                               QVBoxLayout, QWidget)

from chainrule.core.errors import ChainruleError
from chainrule.core.formatting import format_number, format_shape
from chainrule.core.graph import Node
from chainrule.core.values import value_from_text

SLIDER_STEPS = 1000
#: The longest text the label and list fields hold (QLineEdit's default is
#: 32,767 characters, which cut longer text silently); longer text is shown
#: read-only with a message, never cut.
MAX_TEXT_FIELD = 16 * 1024 * 1024
#: The most numbers the list field shows as text; a larger value is edited in its table.
MAX_LIST_FIELD_ELEMENTS = 100_000
SPIN_LIMIT = 1e9


@contextmanager
def blocked(*widgets) -> Iterator[None]:
    blockers = [QSignalBlocker(w) for w in widgets]
    try:
        yield
    finally:
        for b in blockers:
            b.unblock()


def slider_span(value: float) -> float:
    """Half-width of the slider's range: 10 for small values, else a power of ten above 2|v|."""
    if abs(value) <= 5:
        return 10.0
    return float(10 ** math.ceil(math.log10(2 * abs(value))))


class ValueSpinBox(QDoubleSpinBox):
    """A spin box that shows 2 rather than 2.000000, with '.' as the decimal point."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLocale(QLocale.c())
        self.setDecimals(6)
        self.setRange(-SPIN_LIMIT, SPIN_LIMIT)
        self.setSingleStep(0.1)
        self.setKeyboardTracking(False)      # commit on Enter / focus out, not per keystroke
        self.setAccelerated(True)

    def textFromValue(self, value: float) -> str:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text


class NumberModel(QAbstractTableModel):
    """A vector (one row) or a matrix as a table model: cells and headers are made
    only when the view asks for them, so a value of any size shows at once."""

    #: An edit typed into a cell: row, column and the text (not yet checked).
    cell_edited = Signal(int, int, str)

    def __init__(self, read_only: bool, parent=None):
        super().__init__(parent)
        self.read_only = read_only
        self._grid = np.zeros((0, 0))
        self._digits: int | None = None

    def set_array(self, arr: np.ndarray, digits: int | None) -> None:
        grid = arr.reshape(1, -1) if arr.ndim == 1 else arr
        if grid.shape == self._grid.shape and digits == self._digits:
            self._grid = np.array(grid, dtype=np.float64)
            if grid.size:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(grid.shape[0] - 1, grid.shape[1] - 1))
            return
        self.beginResetModel()
        self._grid = np.array(grid, dtype=np.float64)
        self._digits = digits
        self.endResetModel()

    def array(self) -> np.ndarray:
        return self._grid

    def rowCount(self, parent=QModelIndex()) -> int:          # noqa: N802 (Qt's names)
        return 0 if parent.isValid() else self._grid.shape[0]

    def columnCount(self, parent=QModelIndex()) -> int:       # noqa: N802
        return 0 if parent.isValid() else self._grid.shape[1]

    def text(self, row: int, col: int) -> str:
        x = float(self._grid[row, col])
        return repr(x).removesuffix(".0") if self._digits is None else \
            format_number(x, self._digits)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if self.read_only else base | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if self.read_only or role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.cell_edited.emit(index.row(), index.column(), str(value))
        return True


class NumberTable(QTableView):
    """The table of a vector or matrix: a view over a :class:`NumberModel`.

    Sections have a fixed size (measuring every column would take time in
    proportion to the value), so a 10,000-element vector opens as fast as a
    3-element one.
    """

    def __init__(self, read_only: bool, parent=None):
        super().__init__(parent)
        self.number_model = NumberModel(read_only, self)
        self.setModel(self.number_model)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setDefaultSectionSize(CELL_WIDTH)
        self.horizontalHeader().setMinimumSectionSize(48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        if read_only:
            self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def rowCount(self) -> int:                                  # noqa: N802
        return self.number_model.rowCount()

    def columnCount(self) -> int:                               # noqa: N802
        return self.number_model.columnCount()

    def text(self, row: int, col: int) -> str:
        """What the cell shows."""
        return self.number_model.text(row, col)

    def edit_cell(self, row: int, col: int, text: str) -> bool:
        """Enter ``text`` into a cell, as typing it and pressing Enter does."""
        return self.number_model.setData(self.number_model.index(row, col), text)


#: The width of a table column, in pixels.
CELL_WIDTH = 84


def number_table(read_only: bool) -> NumberTable:
    return NumberTable(read_only)


def fill_table(table: NumberTable, arr: np.ndarray, digits: int | None) -> None:
    """Vectors as one row, matrices as rows × columns; ``digits=None`` shows full precision."""
    table.number_model.set_array(arr, digits)
    rows = table.rowCount()
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += min(rows, 8) * (table.verticalHeader().defaultSectionSize() or 24)
    if table.columnCount() * CELL_WIDTH > table.viewport().width():
        height += table.horizontalScrollBar().sizeHint().height()
    table.setMaximumHeight(height + 4)
    table.setMinimumHeight(min(height + 4, 120))


def as_list_text(value: Any) -> str:
    """The value as the "As list" field shows it: a number, or JSON nested lists."""
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist())
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class ValueEditor(QWidget):
    """Spin box + slider (scalar), table (vector, matrix) and "As list" for one leaf's value.

    ``current`` returns the edited node as the model has it, or None when no
    node is being edited.
    """

    #: The user entered a new value (a float or an array).
    edited = Signal(object)
    #: An entry was not a value: the reason; the field shows the model's value again.
    refused = Signal(str)
    #: A typed entry (a cell or the list) was a value, just before ``edited``.
    accepted = Signal()

    def __init__(self, current: Callable[[], Node | None], parent: QWidget | None = None):
        super().__init__(parent)
        self._current = current
        self._slider_lo, self._slider_hi = -10.0, 10.0
        vbox = QVBoxLayout(self)
        vbox.setContentsMargins(0, 0, 0, 0)
        self.scalar_row = QWidget()
        row = QHBoxLayout(self.scalar_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.spin = ValueSpinBox()
        self.spin.setObjectName("valueSpin")
        self.spin.valueChanged.connect(self._commit_spin)
        self.spin.editingFinished.connect(self.recentre_slider)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("valueSlider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.valueChanged.connect(self._commit_slider)
        self.slider.sliderReleased.connect(self.recentre_slider)
        self.slider_range = QLabel()
        self.slider_range.setObjectName("hint")
        row.addWidget(self.spin, 2)
        row.addWidget(self.slider, 3)
        vbox.addWidget(self.scalar_row)
        vbox.addWidget(self.slider_range)
        self.shape_label = QLabel()
        self.shape_label.setTextFormat(Qt.TextFormat.PlainText)
        self.shape_label.setObjectName("hint")
        self.value_table = number_table(read_only=False)
        self.value_table.setObjectName("valueTable")
        self.value_table.number_model.cell_edited.connect(self._commit_cell)
        vbox.addWidget(self.shape_label)
        vbox.addWidget(self.value_table)
        list_row = QHBoxLayout()
        list_row.addWidget(QLabel("As list"))
        self.list_edit = QLineEdit()
        self.list_edit.setObjectName("listEdit")
        self.list_edit.setMaxLength(MAX_TEXT_FIELD)
        self.list_edit.setToolTip("The value as a number or a JSON list, e.g. [[1, 2], [3, 4]]; "
                                  "edit it to change the shape.")
        self.list_edit.editingFinished.connect(self._commit_list)
        list_row.addWidget(self.list_edit)
        vbox.addLayout(list_row)

    # ------------------------------------------------------------ showing

    def show_value(self, value: Any) -> None:
        """Show the model's value (signals blocked: this is not an edit)."""
        scalar = not isinstance(value, np.ndarray)
        self.scalar_row.setVisible(scalar)
        self.slider_range.setVisible(scalar)
        self.shape_label.setVisible(not scalar)
        self.value_table.setVisible(not scalar and value.ndim <= 2)
        if scalar:
            with blocked(self.spin, self.slider):
                self.spin.setValue(float(value))
                if not self.slider.isSliderDown():
                    self.slider.setValue(self._slider_position(float(value)))
        else:
            kind = "vector" if value.ndim == 1 else "matrix" if value.ndim == 2 else "array"
            self.shape_label.setText(f"{kind} {format_shape(value.shape)}"
                                     + ("" if value.ndim <= 2 else ": edit it as a list below"))
            if value.ndim <= 2 and self.value_table.state() != \
                    QAbstractItemView.State.EditingState:
                with blocked(self.value_table):
                    fill_table(self.value_table, value, None)
        if not self.list_edit.hasFocus():
            big = isinstance(value, np.ndarray) and value.size > MAX_LIST_FIELD_ELEMENTS
            self.list_edit.setReadOnly(big)
            if big:
                self.list_edit.setText("")
                self.list_edit.setPlaceholderText(
                    f"{value.size:,} numbers: too many to edit as text (at most "
                    f"{MAX_LIST_FIELD_ELEMENTS:,}); edit the cells in the table")
            else:
                self.list_edit.setPlaceholderText("")
                self.list_edit.setText(as_list_text(value))
                self.list_edit.setCursorPosition(0)

    def recentre_slider(self) -> None:
        """Pick the slider's range around the current value (never while it is dragged)."""
        node = self._current()
        if node is None:
            return
        value = node.value
        if value is None or isinstance(value, np.ndarray) or self.slider.isSliderDown():
            return
        span = slider_span(float(value))
        self._slider_lo, self._slider_hi = -span, span
        self.slider_range.setText(f"slider: {format_number(-span)} … {format_number(span)}")
        with blocked(self.slider):
            self.slider.setValue(self._slider_position(float(value)))

    def _slider_position(self, value: float) -> int:
        lo, hi = self._slider_lo, self._slider_hi
        t = (min(max(value, lo), hi) - lo) / (hi - lo)
        return int(round(t * SLIDER_STEPS))

    # -------------------------------------------------------------- edits

    def _commit_spin(self, value: float) -> None:
        self.edited.emit(float(value))

    def _commit_slider(self, position: int) -> None:
        lo, hi = self._slider_lo, self._slider_hi
        value = lo + (hi - lo) * position / SLIDER_STEPS
        step = (hi - lo) / SLIDER_STEPS
        value = round(round(value / step) * step, 10)
        self.edited.emit(0.0 if value == 0 else value)

    def _commit_cell(self, row: int, col: int, text: str) -> None:
        node = self._current()
        if node is None:
            return
        old = node.value
        if not isinstance(old, np.ndarray):
            return
        text = text.strip()
        try:
            x = float(text)
            if not math.isfinite(x):
                raise ValueError
        except ValueError:
            self.refused.emit(f"“{text}” is not a finite number; the cell keeps its value")
            self.show_value(old)
            return
        if (old[col] if old.ndim == 1 else old[row, col]) == x:
            return                                       # nothing changed: no undo step
        new = np.array(old, dtype=np.float64)
        if new.ndim == 1:
            new[col] = x
        else:
            new[row, col] = x
        self.accepted.emit()
        self.edited.emit(new)
        node = self._current()                # the cell shows what the model now holds
        if node is not None and isinstance(node.value, np.ndarray) and node.value.ndim <= 2:
            fill_table(self.value_table, node.value, None)

    def _commit_list(self) -> None:
        node = self._current()
        if node is None:
            return
        text = self.list_edit.text().strip()
        if text == as_list_text(node.value):
            return
        if self.list_edit.isReadOnly():
            return
        try:
            value = value_from_text(text)
        except ChainruleError as exc:
            self.refused.emit(f"{exc}; the value stays as it was")
            self.list_edit.setText(as_list_text(node.value))
            return
        self.accepted.emit()
        self.edited.emit(value)
        self.recentre_slider()
