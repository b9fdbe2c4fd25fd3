"""File ▸ Export Steps…: ask where the step frames go, in which format, with or without captions."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton,
                               QWidget)


class ExportStepsDialog(QDialog):
    """Folder, PNG or SVG, captions; ``choice()`` gives them after ``exec()``."""

    def __init__(self, folder: Path, total: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export Steps")
        self.folder = QLineEdit(str(folder))
        self.folder.setMinimumWidth(380)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.png = QRadioButton("PNG (pictures for slides)")
        self.svg = QRadioButton("SVG (text stays text)")
        self.png.setChecked(True)
        kinds = QHBoxLayout()
        kinds.addWidget(self.png)
        kinds.addWidget(self.svg)
        kinds.addStretch(1)
        self.caption = QCheckBox("Write the step and its chain rule under the graph")
        self.caption.setChecked(True)
        form = QFormLayout(self)
        form.addRow(QLabel(f"One picture per step: step 0 (nothing computed) to step {total}, "
                           f"{total + 1} files named step-000, step-001, …"))
        form.addRow("Folder:", row)
        form.addRow("Format:", kinds)
        form.addRow("", self.caption)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the step pictures",
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)

    def choice(self) -> tuple[Path, str, bool]:
        return (Path(self.folder.text()).expanduser(), ".svg" if self.svg.isChecked() else ".png",
                self.caption.isChecked())
