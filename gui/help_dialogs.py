"""Help ▸ Keyboard Shortcuts (made from the one shortcut table) and the welcome.

The shortcut list is generated from :data:`chainrule.gui.shortcuts.SHORTCUTS`
(with the texts of ``HELP``) and the canvas's own keys (``CANVAS_KEYS``), so it
can never disagree with the keys the window binds.

The welcome says in a few lines what Chainrule is, offers the neuron demo and
the three keys that matter (→ step, ← back, F11 present).  It opens at the
first start until "Don't show this again" is ticked; Help ▸ Getting Started
always brings it back.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout)

from chainrule.gui.shortcuts import CANVAS_KEYS, EDITOR_SHORTCUTS, HELP, SHORTCUTS

SECTIONS = ("Files", "Editing", "Building from the keyboard", "View", "Stepping through",
            "Learn", "Help")


def key_list(name: str) -> str:
    """The keys of one action as listed: a platform's standard key by its main
    binding only (not Qt's extra Copy or F16 keys), the table's own keys all."""
    shown = []
    for key in {**EDITOR_SHORTCUTS, **SHORTCUTS}[name]:
        found = [QKeySequence(key)] if isinstance(key, str) else \
            QKeySequence.keyBindings(key)[:1]
        shown += [k.toString(QKeySequence.SequenceFormat.NativeText) for k in found
                  if not k.isEmpty()]
    return ", ".join(shown)


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(section, keys as the user reads them, what they do), in section order."""
    rows = []
    for name in [*SHORTCUTS, *EDITOR_SHORTCUTS]:
        keys = key_list(name)
        section, text = HELP.get(name, ("Other", name.replace("_", " ")))
        if keys:
            rows.append((section, keys, text))
    rows += list(CANVAS_KEYS)
    order = {s: i for i, s in enumerate(SECTIONS)}
    return sorted(rows, key=lambda r: order.get(r[0], len(order)))


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.setObjectName("shortcutsDialog")
        rows = shortcut_rows()
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        section = None
        for sec, keys, text in rows:
            if sec != section:
                section = sec
                self._add(f"{sec}", "", bold=True)
            self._add(keys, text)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.
                                                           ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 640)

    def _add(self, keys: str, text: str, bold: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, value in enumerate((keys, text)):
            item = QTableWidgetItem(value)
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.table.setItem(row, column, item)

    def texts(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text())
                for r in range(self.table.rowCount())]


WELCOME = (
    "<h2>Welcome to Chainrule</h2>"
    "<p>A lab for backpropagation: build a computational graph, see each wire's value "
    "above it and its gradient below it, and step through the chain rule node by "
    "node.</p>"
    "<p>Start with the neuron demo, then press:</p>"
    "<table cellpadding='4'>"
    "<tr><td><b>→</b></td><td>the next step</td></tr>"
    "<tr><td><b>←</b></td><td>one step back</td></tr>"
    "<tr><td><b>F11</b></td><td>present (full screen, large type)</td></tr>"
    "</table>"
    "<p>Help ▸ Keyboard Shortcuts lists every key; Help ▸ Getting Started shows this "
    "again.</p>")


class WelcomeDialog(QDialog):
    """The first-start welcome; ``open_demo`` asks the window for the neuron demo."""

    open_demo = Signal()

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Getting Started")
        text = QLabel(WELCOME)
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        self.demo_button = QPushButton("Open the Neuron Demo")
        self.demo_button.setObjectName("welcomeDemo")
        self.demo_button.setDefault(True)
        self.dont_show = QCheckBox("Don't show this again")
        self.dont_show.setObjectName("welcomeDontShow")
        self.dont_show.setChecked(settings.welcome_dismissed())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.demo_button.clicked.connect(self._demo)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.dont_show)
        layout.addWidget(buttons)
        self.finished.connect(self._remember)
        self.resize(460, 360)

    def _demo(self) -> None:
        self.open_demo.emit()
        self.accept()

    def _remember(self, _result: int) -> None:
        self.settings.set_welcome_dismissed(self.dont_show.isChecked())
        self.settings.sync()
