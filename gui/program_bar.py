"""The program bar: type a few lines of the program language, get a graph.

``f = (x + y) * z`` → "Replace graph" swaps the canvas content for the
program's graph, "Add beside" inserts it to the right of what is there;
both are single undo steps.  A program the parser refuses leaves the graph
as it is and shows the parser's message, which starts with the line and
column, in red under the editor.  Names the program uses without giving
them a value become inputs holding 0, and the message says which.  The
parser's lint warnings (``1 / 1 + exp(-z)``, ``-x ** 2``, an input that does
not reach the output) are shown under the bar, one per line with its line
and column, as are the pasted import and print lines that were skipped.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QShortcut, QTextCursor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from chainrule.core.errors import ChainruleError, ProgramError
from chainrule.core.graph import Graph
from chainrule.gui.commands import ReplaceContent, SetOutput, insert_graph
from chainrule.gui.shortcuts import key_text, keys_for

GAP_X = 260.0      # space between the existing graph and one added beside it

EXAMPLE = "f = (x + y) * z"


class ProgramEditor(QPlainTextEdit):
    """A few lines of program text; grows to at most four lines."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        line = self.fontMetrics().lineSpacing()
        self.setFixedHeight(int(line * 3.2 + 2 * self.frameWidth() + 8))


class ProgramBar(QWidget):
    """Program text, two buttons, and a line for errors and notes."""

    applied = Signal(str)          # "replace" or "beside", after a successful insert

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.editor = ProgramEditor()
        self.editor.setObjectName("programEditor")
        self.editor.setPlaceholderText(
            f"{EXAMPLE}     — one statement per line or separated by ;  "
            f"({key_text('run_program')} replaces the graph)")
        self.replace_button = QPushButton("Replace graph")
        self.replace_button.setObjectName("replaceButton")
        self.replace_button.setToolTip(f"Build the program's graph in place of the current one "
                                       f"({key_text('run_program')}); undo brings it back")
        self.beside_button = QPushButton("Add beside")
        self.beside_button.setObjectName("besideButton")
        self.beside_button.setToolTip("Add the program's graph to the right of the current one")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setObjectName("programStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()

        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.replace_button)
        buttons.addWidget(self.beside_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addWidget(self.status)

        self.replace_button.clicked.connect(self.replace)
        self.beside_button.clicked.connect(self.add_beside)
        for key in keys_for("run_program"):
            shortcut = QShortcut(key, self.editor)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.replace)

    # ------------------------------------------------------------ actions

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def replace(self) -> bool:
        """Replace the whole graph by the program's (one undo step)."""
        parsed = self._parse()
        if parsed is None:
            return False
        self.document.push(ReplaceContent(self.document, parsed.graph, "Replace by program"))
        self._done(parsed, "replaced the graph")
        self.applied.emit("replace")
        return True

    def add_beside(self) -> bool:
        """Add the program's graph to the right of the existing one (one undo step)."""
        parsed = self._parse()
        if parsed is None:
            return False
        graph = self.document.graph
        stack = self.document.undo_stack
        was_empty = len(graph) == 0
        stack.beginMacro("Add program beside")
        mapping = insert_graph(self.document, parsed.graph, _offset_beside(graph, parsed.graph),
                               text="Add program")
        if was_empty and mapping.get(parsed.output) in graph:
            # On an empty canvas the program's output is the only sensible output.
            stack.push(SetOutput(self.document, mapping[parsed.output]))
        stack.endMacro()
        renamed = {k: v for k, v in mapping.items() if k != v}
        note = ""
        if renamed:
            note = " Ids already in use were renamed: " + ", ".join(
                f"{k} → {v}" for k, v in list(renamed.items())[:6]) + \
                ("…" if len(renamed) > 6 else "") + "."
        self._done(parsed, "placed beside the graph", note)
        self.applied.emit("beside")
        return True

    # ----------------------------------------------------------- helpers

    def _parse(self):
        from chainrule.core.program import parse_program    # the parser is only needed on demand
        text = self.text()
        try:
            parsed = parse_program(text)
        except ProgramError as exc:
            self._show_error(str(exc), exc.line, exc.col)
            return None
        except ChainruleError as exc:
            self._show_error(str(exc), None, None)
            return None
        from chainrule.gui import files
        if len(parsed.graph) > files.MAX_CARDS:
            self._show_error(f"the program makes {len(parsed.graph):,} nodes; the editor draws "
                             f"at most {files.MAX_CARDS:,} cards (chainrule eval --expr-file "
                             f"reads it without a window)", None, None)
            return None
        return parsed

    def _show_error(self, message: str, line: int | None, col: int | None) -> None:
        self.status.setProperty("kind", "error")
        self._restyle()
        self.status.setText(message)
        self.status.show()
        self.document.message.emit(f"The program was not used: {message}")
        if line is not None:
            self.editor.setTextCursor(self._cursor_at(line, col or 1))
        self.editor.setFocus()

    def _cursor_at(self, line: int, col: int) -> QTextCursor:
        """The caret at the parser's line and column.  Counted in the plain text, not
        in text blocks: Shift+Return breaks a line inside a block (U+2028), which the
        plain text, and so the parser, counts as a new line."""
        lines = self.text().split("\n")
        line = max(1, min(line, len(lines)))
        start = sum(len(text) + 1 for text in lines[:line - 1])
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(start + max(0, min(col - 1, len(lines[line - 1]))))
        return cursor

    def _done(self, parsed, what: str, note: str = "") -> None:
        lines = [f"Warning: {w}" for w in getattr(parsed, "warnings", ())]
        if parsed.unset:
            names = ", ".join(parsed.unset)
            verb = "has" if len(parsed.unset) == 1 else "have"
            lines.append(f"{names} {verb} no value in the program and start"
                         f"{'s' * (len(parsed.unset) == 1)} at 0: select "
                         f"{'it' if len(parsed.unset) == 1 else 'them'} to set a value.")
        skipped = sorted({n.line for n in getattr(parsed, "notes", ())})
        if skipped:
            lines.append(_skipped_text(skipped))
        if note:
            lines.append(note.strip())
        if lines:
            text = "\n".join(lines)
            self.status.setProperty("kind", "warning" if parsed.warnings else "note")
            self._restyle()
            self.status.setText(text)
            self.status.show()
            self.document.message.emit(f"Program {what}. " + " ".join(lines))
        else:
            self.status.hide()
            self.document.message.emit(f"Program {what}.")

    def _restyle(self) -> None:
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)


def _skipped_text(lines: list[int]) -> str:
    """"Skipped line 1 and 15 (import and print lines are not run)." for the status line."""
    shown = [str(n) for n in lines[:8]] + (["…"] if len(lines) > 8 else [])
    listing = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return (f"Skipped line{'s' * (len(lines) > 1)} {listing}: import and print lines "
            f"are not run.")


def _offset_beside(existing: Graph, new: Graph) -> tuple[float, float]:
    """Shift that puts ``new``'s left edge GAP_X right of ``existing``'s right edge, tops aligned."""
    old = [n.pos for n in existing.nodes() if n.pos is not None]
    fresh = [n.pos for n in new.nodes() if n.pos is not None]
    if not old or not fresh:
        return (0.0, 0.0)
    dx = max(p[0] for p in old) + GAP_X - min(p[0] for p in fresh)
    dy = min(p[1] for p in old) - min(p[1] for p in fresh)
    return (dx, dy)
