"""The Your Backward Pass panel: write the backward pass by hand, Check it.

The learner writes ``grad_ID = ...`` lines for the open graph (the answer
language of ``chainrule grade``); Check (Ctrl+Enter in the editor) grades
them with :func:`chainrule.core.grading.grade` — the panel computes no
gradient — and then

* marks each line ✓ or ✗ in the gutter, its verdict's sentence under it;
* rings each claimed node on the canvas, green when right, red when wrong,
  the expected and the given number on hover (:class:`AnswerMarks`);
* lists the required gradients still missing;
* "Show me" steps the step-through to where the gradient of the line the
  cursor is on (or the first wrong one) is made, so the Chain Rule card
  beside the panel explains the right version.

The text is the graph's ``answer`` (saved in the file): each edit is an
undo step (:class:`~chainrule.gui.commands.SetAnswer`, typing merged).
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from chainrule.core.errors import ChainruleError, ProgramError
from chainrule.core.formatting import format_value
from chainrule.core.grading import GradeError, Report, Verdict, grade
from chainrule.gui.code_editor import CodeEditor
from chainrule.gui.commands import SetAnswer
from chainrule.gui.shortcuts import key_text, keys_for

OK, BAD = QColor("#1a7f37"), QColor("#cf222e")
MARK = "answer"
PLACEHOLDER = ("# Your backward pass, for example:\n"
               "# grad_product = (1 - activation) * activation\n"
               "# grad_x0 = w0 * grad_product\n"
               "# A node's id is its value; grad_ID (or d_ID, dID) is your gradient of ID.")


class AnswerPanel(QWidget):
    """Editor, Check and Show me, the missing gradients; grading is the core's."""

    checked = Signal(object)            # the Report (None when the answer was refused)
    show_me_requested = Signal(str)     # the node whose gradient to step to

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("answerPanel")
        self.document = document
        self.digits = 4
        self.report: Report | None = None
        self._last_text = ""
        self.editor = CodeEditor()
        self.editor.setObjectName("answerEditor")
        self.editor.setPlaceholderText(PLACEHOLDER)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("checkAnswerButton")
        self.check_button.setToolTip(f"Grade each line against the true gradients "
                                     f"({key_text('check_answer')} in the editor)")
        self.show_button = QPushButton("Show me")
        self.show_button.setObjectName("showMeButton")
        self.show_button.setToolTip("Step the backward pass to where the gradient of this "
                                    "line is made; the Chain Rule card explains it")
        self.show_button.setEnabled(False)
        self.summary = QLabel()
        self.summary.setObjectName("answerSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.missing = QLabel()
        self.missing.setObjectName("answerMissing")
        self.missing.setWordWrap(True)
        self.missing.setTextFormat(Qt.TextFormat.PlainText)
        self.missing.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.missing)

        self.check_button.clicked.connect(self.check)
        self.show_button.clicked.connect(lambda: self.show_me())
        for key in keys_for("check_answer"):
            shortcut = QShortcut(key, self.editor)
            shortcut.setObjectName("checkAnswerShortcut")
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.check)
        self.editor.textChanged.connect(self._text_changed)
        self.editor.cursorPositionChanged.connect(self._update_show_button)
        document.graph_replaced.connect(self.load)
        document.undo_stack.indexChanged.connect(self._sync_from_graph)
        for signal in (document.node_added, document.node_removed, document.edge_added,
                       document.edge_removed, document.output_changed, document.node_renamed):
            signal.connect(self.clear_marks)
        document.node_changed.connect(self._node_changed)
        self.load()

    def sizeHint(self) -> QSize:                  # noqa: N802 (Qt's name)
        """Wide enough for a line of code and its sentence beside the Chain Rule card."""
        return QSize(560, 220)

    # ------------------------------------------------------------ the text

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the answer (an undo step, as typing is)."""
        self.editor.setPlainText(text)

    def load(self) -> None:
        """Show the open graph's answer (a file opened, a new graph)."""
        self.clear_marks()
        self._show_text(self.document.graph.answer)

    def _show_text(self, text: str) -> None:
        self._last_text = text
        if self.editor.toPlainText() != text:
            self.editor.setPlainText(text)

    def _text_changed(self) -> None:
        text = self.editor.toPlainText()
        if text == self._last_text:
            return                      # only the layout changed (room for a sentence)
        self._last_text = text
        if self.editor.marks:
            self.clear_marks()
        if text != self.document.graph.answer:
            self.document.push(SetAnswer(self.document, text))

    def _sync_from_graph(self, *_args) -> None:
        if self.document.graph.answer != self.editor.toPlainText():
            self.clear_marks()
            self._show_text(self.document.graph.answer)

    def _node_changed(self, _node_id: str, field: str) -> None:
        if field not in ("pos", "label"):
            self.clear_marks()

    # ------------------------------------------------------------ checking

    def check(self) -> Report | None:
        """Grade the answer now; marks, missing list and summary follow."""
        text = self.text()
        try:
            report = grade(self.document.graph, text)
        except ProgramError as exc:
            self._refused(str(exc), exc.line)
            return None
        except (GradeError, ChainruleError) as exc:
            self._refused(f"The graph cannot be graded: {exc}", None)
            return None
        self.report = report
        self._show_report(report)
        self.checked.emit(report)
        return report

    def _refused(self, message: str, line: int | None) -> None:
        self.report = None
        self.editor.set_marks({line: ("✗", BAD, message)} if line else {})
        self.summary.setText(message)
        self.summary.setStyleSheet(f"color: {BAD.name()}")
        self.missing.hide()
        self.show_button.setEnabled(False)
        self.checked.emit(None)

    def _show_report(self, report: Report) -> None:
        by_line: dict[int, list[Verdict]] = {}
        for v in report.claims:
            if v.line is not None:
                by_line.setdefault(v.line, []).append(v)
        marks = {}
        for line, verdicts in by_line.items():
            good = all(v.ok for v in verdicts)
            text = "  ".join(("✓ " if v.ok else f"{v.code}: ") + v.message for v in verdicts)
            marks[line] = ("✓" if good else "✗", OK if good else BAD, text)
        self.editor.set_marks(marks)
        missing = [v for v in report.claims if v.code == "missing"]
        if missing:
            self.missing.setText("Still missing: " + ", ".join(v.name for v in missing)
                                 + " (required: write a line for each)")
            self.missing.setStyleSheet(f"color: {BAD.name()}")
            self.missing.show()
        else:
            self.missing.hide()
        self.summary.setText(("✓ " if report.ok else "") + _summary(report))
        self.summary.setStyleSheet(f"color: {(OK if report.ok else BAD).name()}")
        self._update_show_button()

    def clear_marks(self, *_args) -> None:
        if self.report is None and not self.editor.marks:
            return
        self.report = None
        self.editor.set_marks({})
        self.summary.setText("")
        self.missing.hide()
        self.show_button.setEnabled(False)
        self.checked.emit(None)

    # ------------------------------------------------------------ show me

    def verdict_for_show_me(self) -> Verdict | None:
        """The wrong verdict of the cursor's line, else the first wrong one."""
        if self.report is None:
            return None
        wrong = [v for v in self.report.claims if not v.ok]
        line = self.editor.current_line()
        return next((v for v in wrong if v.line == line), wrong[0] if wrong else None)

    def show_me(self) -> str | None:
        verdict = self.verdict_for_show_me()
        if verdict is None:
            return None
        self.show_me_requested.emit(verdict.node)
        return verdict.node

    def _update_show_button(self) -> None:
        self.show_button.setEnabled(self.verdict_for_show_me() is not None)


def _summary(report: Report) -> str:
    from chainrule.core.grading.report import summary
    return summary(report)


def tooltip(verdict: Verdict, digits: int = 4) -> str:
    """What a ring says on hover: the claim, expected and given, the sentence."""
    expected = format_value(verdict.expected, digits)
    given = format_value(verdict.got, digits) if verdict.got is not None else "—"
    mark = "✓" if verdict.ok else "✗"
    return (f"{mark} {verdict.name} (line {verdict.line}): expected {expected}, given "
            f"{given} — {verdict.code}: {verdict.message}")
