"""What a person reads in a label, whatever markup it is written with."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6 import QtGui
from PySide6.QtGui import QTextDocument


def plain(label) -> str:
    """The text a QLabel shows: rich text rendered to plain, plain text as it is."""
    text = label.text()
    if label.textFormat() == Qt.TextFormat.PlainText:
        return text
    if label.textFormat() == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(text):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()
