"""A plain-text code editor with line numbers and a mark per line.

The gutter shows each line's number and, once an answer has been checked,
✓ or ✗ in the line's colour; the verdict's sentence is written in a muted
colour under the marked line's text (the editor leaves room for it), and
on hover over the mark.  It knows nothing of grading: :meth:`set_marks` is
given line → (symbol, colour, sentence).
"""
from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QTextBlockFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QToolTip, QWidget

from chainrule.gui import theme


class _Gutter(QWidget):
    def __init__(self, editor: "CodeEditor"):
        super().__init__(editor)
        self.editor = editor
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event) -> None:
        self.editor.paint_gutter(event)

    def mouseMoveEvent(self, event) -> None:
        line = self.editor.line_at(event.position().y())
        mark = self.editor.marks.get(line)
        if mark:
            QToolTip.showText(event.globalPosition().toPoint(), mark[2], self)
        else:
            QToolTip.hideText()


class CodeEditor(QTextEdit):
    """Monospaced plain text, numbered lines, marks and their sentences.

    A QTextEdit rather than a QPlainTextEdit: only its layout gives a line the
    bottom margin that makes room for the sentence under it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptRichText(False)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.document().setDefaultFont(self.font())
        self.setLineWrapMode(QTextEdit.LineWrapMode.NoWrap)
        self.setTabChangesFocus(True)
        self.marks: dict[int, tuple[str, QColor, str]] = {}
        self.gutter = _Gutter(self)
        self.document().blockCountChanged.connect(self._update_margins)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self.gutter.update())
        self.textChanged.connect(self.gutter.update)
        self._update_margins()

    def setPlainText(self, text: str) -> None:     # noqa: N802 (Qt's name)
        super().setPlainText(text)
        self.document().setDefaultFont(self.font())
        self._make_room()

    def blockCount(self) -> int:                  # noqa: N802 (as QPlainTextEdit says it)
        return self.document().blockCount()

    def _blocks(self):
        """(block, its rectangle in viewport coordinates) of the visible lines."""
        layout = self.document().documentLayout()
        dy = self.verticalScrollBar().value()
        block = self.document().begin()
        while block.isValid():
            rect = layout.blockBoundingRect(block).translated(0, -dy)
            if rect.bottom() + block.blockFormat().bottomMargin() >= 0:
                if rect.top() > self.viewport().height():
                    return
                yield block, rect
            block = block.next()

    # ------------------------------------------------------------ marks

    def set_marks(self, marks: dict[int, tuple[str, QColor, str]]) -> None:
        """Line (1-based) → (symbol, colour, sentence); {} clears them."""
        self.marks = dict(marks)
        self._make_room()
        self.gutter.update()
        self.viewport().update()

    def mark_of(self, line: int) -> tuple[str, QColor, str] | None:
        return self.marks.get(line)

    def current_line(self) -> int:
        """The 1-based line the text cursor is on."""
        return self.textCursor().blockNumber() + 1

    def _make_room(self) -> None:
        """A marked line gets a bottom margin one sentence high; others none."""
        spacing = self.fontMetrics().lineSpacing()
        doc = self.document()
        cursor = QTextCursor(doc)
        cursor.beginEditBlock()
        block = doc.begin()
        undo = doc.isUndoRedoEnabled()
        doc.setUndoRedoEnabled(False)     # the room is layout, not an edit to undo
        while block.isValid():
            fmt = block.blockFormat()
            want = float(spacing) if block.blockNumber() + 1 in self.marks else 0.0
            if fmt.bottomMargin() != want:
                fmt = QTextBlockFormat(fmt)
                fmt.setBottomMargin(want)
                c = QTextCursor(block)
                c.setBlockFormat(fmt)
            block = block.next()
        cursor.endEditBlock()
        doc.setUndoRedoEnabled(undo)

    # ------------------------------------------------------------ gutter

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * (digits + 3)

    def _update_margins(self, *_args) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)
        self.gutter.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        r = self.contentsRect()
        self.gutter.setGeometry(QRect(r.left(), r.top(), self.gutter_width(), r.height()))

    def line_at(self, y: float) -> int | None:
        top = self.viewport().geometry().top() - self.contentsRect().top()
        for block, rect in self._blocks():
            if rect.top() <= y - top < rect.bottom():
                return block.blockNumber() + 1
        return None

    def paint_gutter(self, event) -> None:
        painter = QPainter(self.gutter)
        painter.fillRect(event.rect(), theme.color("window"))     # the theme's, read now
        muted = theme.color("text_muted")
        metrics = self.fontMetrics()
        height = metrics.height()
        width = self.gutter.width()
        top = self.viewport().geometry().top() - self.contentsRect().top()
        for block, geo in self._blocks():
            geo = geo.translated(0, top)
            line = block.blockNumber() + 1
            painter.setPen(muted)
            painter.drawText(QRectF(0, geo.top(), width - metrics.horizontalAdvance("9") * 2 - 6,
                                    height), Qt.AlignRight | Qt.AlignVCenter, str(line))
            mark = self.marks.get(line)
            if mark:
                painter.setPen(mark[1])
                painter.drawText(QRectF(width - metrics.horizontalAdvance("9") * 2 - 4,
                                        geo.top(), metrics.horizontalAdvance("9") * 2, height),
                                 Qt.AlignCenter, mark[0])
        painter.end()

    # ------------------------------------------------------------ sentences

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.marks:
            return
        painter = QPainter(self.viewport())
        metrics = self.fontMetrics()
        dx = self.horizontalScrollBar().value()
        for block, geo in self._blocks():
            geo = geo.translated(-dx, 0)
            mark = self.marks.get(block.blockNumber() + 1)
            if mark:
                color = QColor(mark[1])
                color.setAlpha(200)
                painter.setPen(color)
                top = geo.bottom()
                painter.drawText(QRectF(geo.left() + 4, top, 4000, metrics.height()),
                                 Qt.AlignLeft | Qt.AlignVCenter, "↳ " + mark[2])
        painter.end()
