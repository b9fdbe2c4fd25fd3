"""File ▸ Export Steps…: where the steps go and as what: pictures (PNG, SVG) into a folder,
or one file, a PDF deck or an animated GIF."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QSpinBox, QWidget)

# One file instead of a folder of pictures.
FILE_KINDS = (".pdf", ".gif")


class ExportStepsDialog(QDialog):
    """Folder (or file), PNG, SVG, PDF or GIF, captions, page size and frame time;
    ``choice()`` and ``options()`` give them after ``exec()``."""

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
        self.pdf = QRadioButton("PDF deck (title page, a page per step)")
        self.gif = QRadioButton("Animated GIF")
        self.png.setChecked(True)
        kinds = QHBoxLayout()
        for button in (self.png, self.svg, self.pdf, self.gif):
            kinds.addWidget(button)
            button.toggled.connect(self._kind_changed)
        kinds.addStretch(1)
        self.page = QComboBox()
        self.page.addItems(["16:9", "A4"])
        self.frame_ms = QSpinBox()
        self.frame_ms.setRange(50, 10000)
        self.frame_ms.setSingleStep(100)
        self.frame_ms.setValue(800)
        self.frame_ms.setSuffix(" ms")
        self.caption = QCheckBox("Write the step and its chain rule under the graph")
        self.caption.setChecked(True)
        form = QFormLayout(self)
        self.total = total
        self.intro = QLabel()
        self.where = QLabel("Folder:")
        form.addRow(self.intro)
        form.addRow(self.where, row)
        form.addRow("Format:", kinds)
        form.addRow("", self.caption)
        form.addRow("PDF page:", self.page)
        form.addRow("GIF frame time:", self.frame_ms)
        self._kind_changed()
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

    def suffix(self) -> str:
        return next(suffix for button, suffix in ((self.svg, ".svg"), (self.pdf, ".pdf"),
                                                  (self.gif, ".gif"), (self.png, ".png"))
                    if button.isChecked())

    def _kind_changed(self) -> None:
        """A PDF or GIF is one file: the path gets its suffix; pictures go to a folder."""
        suffix = self.suffix()
        path = Path(self.folder.text())
        if suffix in FILE_KINDS:
            path = path.with_suffix(suffix)
        elif path.suffix.lower() in FILE_KINDS:
            path = path.with_suffix("")
        self.folder.setText(str(path))
        total = self.total
        self.where.setText("File:" if suffix in FILE_KINDS else "Folder:")
        self.intro.setText(
            f"One PDF: a title page, then a page per step, step 0 (nothing computed) to "
            f"step {total}." if suffix == ".pdf" else
            f"One animated GIF of {total + 1} frames, step 0 (nothing computed) to step "
            f"{total}, the last one held." if suffix == ".gif" else
            f"One picture per step: step 0 (nothing computed) to step {total}, "
            f"{total + 1} files named step-000, step-001, …")
        self.page.setEnabled(suffix == ".pdf")
        self.frame_ms.setEnabled(suffix == ".gif")
        self.caption.setEnabled(suffix != ".pdf")

    def choice(self) -> tuple[Path, str, bool]:
        return Path(self.folder.text()).expanduser(), self.suffix(), self.caption.isChecked()

    def options(self) -> dict:
        """The deck's page size and the animation's frame time."""
        return {"page": self.page.currentText().lower(), "frame_ms": self.frame_ms.value()}
