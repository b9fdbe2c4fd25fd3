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
:func:`number_table` and :func:`fill_table` with the editable one.
"""
from __future__ import annotations

import json
import math
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
from PySide6.QtCore import QLocale, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDoubleSpinBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QSizePolicy, QSlider, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from chainrule.core.errors import ChainruleError
from chainrule.core.formatting import format_number, format_shape
from chainrule.core.graph import Node, normalize_value

SLIDER_STEPS = 1000
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


def number_table(read_only: bool) -> QTableWidget:
    table = QTableWidget()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setMinimumSectionSize(48)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
    if read_only:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def fill_table(table: QTableWidget, arr: np.ndarray, digits: int | None) -> None:
    """Vectors as one row, matrices as rows × columns; ``digits=None`` shows full precision."""
    grid = arr.reshape(1, -1) if arr.ndim == 1 else arr
    rows, cols = grid.shape
    table.setRowCount(rows)
    table.setColumnCount(cols)
    for r in range(rows):
        for c in range(cols):
            x = float(grid[r, c])
            text = repr(x).removesuffix(".0") if digits is None else format_number(x, digits)
            item = table.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
            item.setText(text)
    table.setHorizontalHeaderLabels([str(c) for c in range(cols)])
    table.setVerticalHeaderLabels([str(r) for r in range(rows)])
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    for r in range(min(rows, 8)):
        height += table.verticalHeader().sectionSize(r) or 24
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
        self.value_table.cellChanged.connect(self._commit_cell)
        vbox.addWidget(self.shape_label)
        vbox.addWidget(self.value_table)
        list_row = QHBoxLayout()
        list_row.addWidget(QLabel("As list"))
        self.list_edit = QLineEdit()
        self.list_edit.setObjectName("listEdit")
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

    def _commit_cell(self, row: int, col: int) -> None:
        node = self._current()
        if node is None:
            return
        old = node.value
        if not isinstance(old, np.ndarray):
            return
        text = self.value_table.item(row, col).text().strip()
        try:
            x = float(text)
            if not math.isfinite(x):
                raise ValueError
        except ValueError:
            self.refused.emit(f"“{text}” is not a finite number; the cell keeps its value")
            self.show_value(old)
            return
        new = np.array(old, dtype=np.float64)
        if new.ndim == 1:
            new[col] = x
        else:
            new[row, col] = x
        self.accepted.emit()
        self.edited.emit(new)

    def _commit_list(self) -> None:
        node = self._current()
        if node is None:
            return
        text = self.list_edit.text().strip()
        if text == as_list_text(node.value):
            return
        try:
            raw = json.loads(text)
            value = normalize_value(raw)
        except (ValueError, ChainruleError) as exc:
            reason = str(exc) if isinstance(exc, ChainruleError) else "that is not a number " \
                "or a JSON list of numbers"
            self.refused.emit(f"{reason}; the value stays as it was")
            self.list_edit.setText(as_list_text(node.value))
            return
        self.accepted.emit()
        self.edited.emit(value)
        self.recentre_slider()
