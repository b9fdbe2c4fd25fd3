"""The bar above the canvas that says the open file changed on disk.

Shown when :class:`chainrule.gui.disk_watch.DiskWatch` sees other bytes in the
file (another editor, ``git checkout``, a second window): Reload reads the file
again (asking first when that discards unsaved changes), Keep mine hides the
bar and keeps the window's graph — the next Save still asks before it replaces
the other version.  A file that was deleted or moved away offers Keep mine only.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from chainrule.gui.disk_watch import MISSING


class ChangeBar(QFrame):
    def __init__(self, files, parent=None):
        super().__init__(parent)
        self.files = files
        self.setObjectName("changeBar")
        self.setStyleSheet("#changeBar { background: #fff4ce; border-bottom: 1px solid #d8b34a; }")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setObjectName("reloadButton")
        self.keep_button = QPushButton("Keep Mine")
        self.keep_button.setObjectName("keepMineButton")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.reload_button)
        row.addWidget(self.keep_button)
        self.reload_button.clicked.connect(self._reload)
        self.keep_button.clicked.connect(self._keep)
        files.disk_changed.connect(self.announce)
        files.origin_changed.connect(lambda *_a: self.hide())
        self.hide()

    def announce(self, state: str) -> None:
        name = self.files.display_name()
        if state == MISSING:
            self.label.setText(f"{name} was deleted or moved on disk. Save writes it again.")
        else:
            unsaved = " You have unsaved changes." if self.files.document.modified else ""
            self.label.setText(f"{name} was changed on disk by another program.{unsaved}")
        self.reload_button.setVisible(state != MISSING)
        self.show()

    def _reload(self) -> None:
        if self.files.reload():
            self.hide()

    def _keep(self) -> None:
        self.hide()
        self.files.keep_mine()
