"""The inspector's settings of an op, generated from the op table's declaration.

Every :class:`~chainrule.core.ops.Setting` of the selected node's op gets one row: a
spin box for an integer, a text field for a number or a list of integers, a
check box for true/false, a drop-down for a choice, and a text field of JSON for
a list of integers (``[2, -1]``) or an index (``[0, [null, 2]]``: one entry per
leading axis, an integer or a slice).  A setting whose default
is None (the axis of ``sum``: all elements) has a check box for that meaning
(``Setting.none``); while it is ticked the setting is absent from ``attrs``.
The widgets only report what the user chose (:attr:`SettingsEditor.edited`,
the node's new ``attrs``); the inspector pushes it as an undo command, and a
value the declaration refuses is reported (:attr:`SettingsEditor.refused`)
with the op table's own sentence.
"""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox,
                               QVBoxLayout, QWidget)

from chainrule.core import ops
from chainrule.gui.value_editor import blocked


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class SettingRow:
    """The widgets of one setting: ``box`` (the row), ``editor``, and ``none`` (the check
    box for an absent value, or None when the setting always has one)."""

    def __init__(self, setting: ops.Setting, on_change) -> None:
        self.setting = setting

        def changed(*_args) -> None:
            on_change(self)

        self.box = QWidget()
        self.box.setObjectName(f"{_camel(setting.name)}Setting")
        row = QHBoxLayout(self.box)
        row.setContentsMargins(0, 0, 0, 0)
        kind = setting.kind
        if kind != "bool":
            row.addWidget(QLabel(setting.name.replace("_", " ").capitalize()))
        if kind == "int":
            self.editor = QSpinBox()
            lo = setting.spin[0] if setting.low is None else int(setting.low) + setting.above
            hi = setting.spin[1] if setting.high is None else int(setting.high)
            if hi < lo:                         # only a lower bound, above the usual range
                hi = lo + setting.spin[1] - setting.spin[0]
            self.editor.setRange(lo, hi)
            self.editor.valueChanged.connect(changed)
        elif kind == "bool":
            self.editor = QCheckBox(setting.name.replace("_", " ").capitalize())
            self.editor.toggled.connect(changed)
        elif kind == "choice":
            self.editor = QComboBox()
            for choice in setting.choices:
                self.editor.addItem(str(choice), choice)
            self.editor.currentIndexChanged.connect(changed)
        else:                                   # float, ints, index: typed, checked on Enter
            self.editor = QLineEdit()
            if kind in ("ints", "index"):
                self.editor.setPlaceholderText("[0, [null, 2]]" if kind == "index" else "[2, -1]")
            self.editor.editingFinished.connect(changed)
        self.editor.setObjectName(f"{_camel(setting.name)}Edit")
        row.addWidget(self.editor)
        self.none: QCheckBox | None = None
        if setting.default is None:
            self.none = QCheckBox(setting.none or "none")
            self.none.setObjectName(f"{_camel(setting.name)}None")
            self.none.toggled.connect(changed)
            row.addWidget(self.none)
        row.addStretch(1)
        tip = setting.doc + ("; " if setting.doc else "") + "must be " + setting.requirement()
        self.box.setToolTip(tip[0].upper() + tip[1:])

    def widgets(self) -> list[QWidget]:
        return [self.editor] + ([self.none] if self.none is not None else [])

    def show(self, value: Any) -> None:
        """Show the node's value (None: absent) without reporting an edit."""
        s = self.setting
        with blocked(*self.widgets()):
            if self.none is not None:
                self.none.setChecked(value is None)
            shown = s.default if value is None else value
            if shown is not None:
                if s.kind == "int":
                    self.editor.setValue(int(shown))
                elif s.kind == "bool":
                    self.editor.setChecked(bool(shown))
                elif s.kind == "choice":
                    self.editor.setCurrentIndex(list(s.choices).index(shown))
                elif s.kind == "float":
                    self.editor.setText(repr(float(shown)))
                else:
                    self.editor.setText(json.dumps(list(shown)))
        self.editor.setEnabled(self.none is None or value is not None)

    def value(self) -> Any:
        """What the widgets say: None for absent; raises ValueError for text that is
        not a value of the setting's kind at all."""
        if self.none is not None and self.none.isChecked():
            return None
        s = self.setting
        if s.kind == "int":
            return self.editor.value()
        if s.kind == "bool":
            return self.editor.isChecked()
        if s.kind == "choice":
            return self.editor.currentData()
        text = self.editor.text().strip()
        if s.kind == "float":
            return float(text)
        value = json.loads(text if text.startswith("[") else f"[{text}]")
        if not isinstance(value, list):
            raise ValueError(text)
        return value


class SettingsEditor(QWidget):
    """One row per setting of an op; rebuilt when the op changes."""

    edited = Signal(dict)       # the node's new attrs
    refused = Signal(str)       # why a typed value cannot be taken

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.op: ops.Op | None = None
        self.attrs: dict = {}
        self.rows: dict[str, SettingRow] = {}

    def show_node(self, op: ops.Op, attrs: dict) -> None:
        """Show ``op``'s settings with the node's ``attrs``; hidden when it has none."""
        if op is not self.op:
            self._rebuild(op)
        self.attrs = dict(attrs)
        for name, row in self.rows.items():
            row.show(attrs.get(name))
        self.setVisible(bool(op.settings))

    def _rebuild(self, op: ops.Op) -> None:
        for row in self.rows.values():
            # A text field being typed into reports editingFinished when it loses the
            # focus, after the inspector moved on to another node: it must not edit that.
            for widget in row.widgets():
                widget.blockSignals(True)
            self._layout.removeWidget(row.box)
            row.box.deleteLater()
        self.op = op
        self.rows = {s.name: SettingRow(s, self._changed) for s in op.settings}
        for row in self.rows.values():
            self._layout.addWidget(row.box)
            row.box.show()          # a child added to a shown widget is not shown by itself

    def _changed(self, row: SettingRow) -> None:
        """One row was edited: the node's attrs with that setting changed (or absent)."""
        name = row.setting.name
        if self.rows.get(name) is not row:      # a row of the op shown before
            return
        try:
            value = row.value()
        except ValueError:
            if not row.editor.text().strip():       # "none" unticked: wait for a value
                row.editor.setEnabled(True)
                return
            self.refused.emit(f"the {name} of {self.op.name} must be "
                              f"{row.setting.requirement()}, not {row.editor.text()!r}")
            row.show(self.attrs.get(name))
            return
        attrs = dict(self.attrs)
        if value is None:
            attrs.pop(name, None)
        else:
            # Lists are shown as they were typed, in JSON (null, not None).
            show = json.dumps if row.setting.kind in ("ints", "index") else repr
            refusal = row.setting.refusal(self.op.name, value, show)
            if refusal is not None:
                self.refused.emit(refusal)
                row.show(self.attrs.get(name))
                return
            attrs[name] = value
        row.editor.setEnabled(row.none is None or value is not None)
        if attrs != self.attrs:
            self.attrs = attrs
            self.edited.emit(attrs)
