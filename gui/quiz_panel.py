"""Quiz mode: predict a gradient before the backward step shows it.

With Quiz mode on, stepping through the graph stops just before each
backward step would reveal its numbers.  One wire of that step is
highlighted (the scene's asked wire: its gradient label shows "?"; the numbers
around it are the document's current evaluation, as for every view), the panel
asks for the gradient on it — or, for a leaf, the leaf's own gradient — and the
learner types a number (``-4``, ``−0.5``, ``3/2``).  The answer is graded by
:class:`chainrule.core.quiz.Quiz` (within 1 %), the panel says right or wrong and shows
the chain-rule line that gives the number, the session score goes up, and
the step is revealed.  "Reveal" shows the step without scoring it.

How it stops the step-through: the stepper controller asks its
``move_filter`` where a move may go; this panel's filter cuts every forward
move just before the first backward step not yet answered, and opens the
question for it.  Steps already answered (stepping back and forward again)
are not asked twice; steps on arrays (nothing scalar to ask) are shown, and so
are the steps of leaves with one outgoing wire (their gradient is the one
already under that wire).  A leaf that feeds several wires is asked: its
gradient is the sum.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from chainrule.core.engine import BackwardStep
from chainrule.core.quiz import Question, Quiz, QuizResult
from chainrule.gui import theme
from chainrule.gui.canvas import style

TOLERANCE = 0.01           # 1 % of the expected gradient (and 1e-3 absolute)
IDLE_HINT = ("Step through the graph (→). Before each backward step shows its numbers, "
             "you will be asked for one of its gradients.")
WAITING = ("Quiz: type your answer for the highlighted gradient and press Return "
           "(or Reveal) — the next step waits for it.")
OFF_HINT = "Turn Quiz mode on, then step through the graph (→)."
MARK = "quiz"


class QuizPanel(QWidget):
    """The question, the answer field, the verdict with its rule, the session score."""

    #: Quiz mode turned on or off.
    mode_changed = Signal(bool)

    def __init__(self, document, controller, canvas=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.canvas = canvas
        self.quiz = Quiz(rel=TOLERANCE)
        self.enabled = False
        self.question: Question | None = None
        self.last_result: QuizResult | None = None
        self._pending: int | None = None     # the position that reveals the asked step
        self._answered: set[int] = set()     # positions already asked (this stepper)
        self._stepper = None
        self._revealing = False

        self.mode_check = QCheckBox("Quiz mode")
        self.mode_check.setObjectName("quizMode")
        self.mode_check.toggled.connect(self.set_enabled)
        self.score_label = QLabel()
        self.score_label.setTextFormat(Qt.TextFormat.PlainText)
        self.score_label.setObjectName("quizScore")
        self.prompt = QLabel(OFF_HINT)
        self.prompt.setObjectName("quizPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)       # escaped where set
        self.answer_edit = QLineEdit()
        self.answer_edit.setObjectName("quizAnswer")
        self.answer_edit.setPlaceholderText("your gradient, e.g. -4 or 3/2")
        self.answer_edit.returnPressed.connect(self.submit)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("quizCheck")
        self.check_button.clicked.connect(self.submit)
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.setObjectName("quizReveal")
        self.reveal_button.setToolTip("Show the step without answering (not scored)")
        self.reveal_button.clicked.connect(self.reveal)
        self.result = QLabel()
        self.result.setObjectName("quizResult")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(self.mode_check)
        top.addStretch(1)
        top.addWidget(self.score_label)
        row = QHBoxLayout()
        row.addWidget(self.answer_edit, 1)
        row.addWidget(self.check_button)
        row.addWidget(self.reveal_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.prompt)
        layout.addLayout(row)
        layout.addWidget(self.result)
        layout.addStretch(1)

        controller.move_filter = self._filter
        # Every move, restart and end of the step-through changes what is shown.
        document.current_evaluation_changed.connect(self._shown_changed)
        self._show_score()
        self._set_question(None)

    # ------------------------------------------------------------ mode

    def set_enabled(self, on: bool) -> None:
        on = bool(on)
        if on == self.enabled:
            return
        self.enabled = on
        if self.mode_check.isChecked() != on:
            self.mode_check.setChecked(on)
        if not on and self.question is not None:
            self.quiz.skip()
            pending = self._pending
            self._set_question(None)
            if pending is not None:
                self.controller.jump(pending)
        self.prompt.setText(IDLE_HINT if on else OFF_HINT)
        self.result.clear()
        if on:
            if not self.controller.active:
                # Step 0 at once: the live gradients on the canvas would give the answers away.
                self.controller.reset()
            self.document.message.emit("Quiz mode: " + IDLE_HINT)
        self.mode_changed.emit(on)

    # ------------------------------------------------------------ the filter

    def _filter(self, stepper, k: int) -> int:
        """Where a move from ``stepper.position`` to ``k`` may go (see the module docstring)."""
        if stepper is not self._stepper:
            self._stepper = stepper
            self._answered = set()
            if self.question is not None:
                self.quiz.skip()
                self._set_question(None)
        if not self.enabled or self._revealing or k <= stepper.position:
            return k
        if self.question is not None:               # still waiting for the answer: say so
            self.document.message.emit(WAITING)
            self._focus_answer()
            return min(k, self._pending - 1)
        start = stepper.position
        k = min(k, stepper.total)
        for q in range(start + 1, k + 1):
            if q <= len(stepper.forward) or q in self._answered:
                continue
            step = _step_at(stepper, q)
            if not isinstance(step, BackwardStep):
                continue
            if not step.incoming and len(step.outgoing) <= 1:
                # A leaf fed back along one wire: its gradient is that wire's, already shown.
                self._answered.add(q)
                continue
            question = self.quiz.ask(step, stepper.graph, stepper.evaluation)
            if question is None:                    # arrays: nothing scalar to ask
                self._answered.add(q)
                continue
            self._pending = q
            self._set_question(question)
            return q - 1
        return k

    # ------------------------------------------------------------ answering

    def submit(self) -> QuizResult | None:
        """Grade the typed answer; on a number, show the verdict and reveal the step."""
        if self.question is None:
            return None
        try:
            result = self.quiz.answer(self.answer_edit.text())
        except ValueError as exc:
            self.result.setText(f"<span style='color:{theme.hex_of('warning_text')}'>{escape(str(exc))}</span>")
            return None
        self.last_result = result
        fmt = self._fmt
        if result.correct:
            verdict = (f"<b style='color:{theme.hex_of('check_ok')}'>✓ Right</b>: the gradient is "
                       f"{escape(fmt(result.expected))}.")
        else:
            verdict = (f"<b style='color:{theme.hex_of('check_bad')}'>✗ Not quite</b>: you said "
                       f"{escape(fmt(result.answer))}, the gradient is "
                       f"{escape(fmt(result.expected))}.")
        rule = "<br>".join(escape(line) for line in result.rule_text.splitlines())
        self.result.setText(f"{verdict}<br><span style='font-family:monospace'>{rule}</span>")
        self.document.message.emit(("Right: " if result.correct else "Not quite: ")
                                   + f"the gradient is {fmt(result.expected)}.")
        self._show_score()
        self._release()
        return result

    def reveal(self) -> None:
        """Show the asked step without scoring it."""
        if self.question is None:
            return
        expected = self.question.expected
        rule = "<br>".join(escape(line) for line in self.question.rule_text.splitlines())
        self.quiz.skip()
        self.result.setText(f"Revealed (not scored): the gradient is {escape(self._fmt(expected))}."
                            f"<br><span style='font-family:monospace'>{rule}</span>")
        self._release()

    def _release(self) -> None:
        pending = self._pending
        self._answered.add(pending)
        self._set_question(None)
        self.prompt.setText(IDLE_HINT)
        self._revealing = True
        try:
            self.controller.jump(pending)
        finally:
            self._revealing = False
        if self.canvas is not None:
            self.canvas.setFocus()          # → goes on stepping, not into the answer field

    # ------------------------------------------------------------ showing

    def _set_question(self, question: Question | None) -> None:
        self.question = question
        self._highlight()
        if question is None:
            self._pending = None
        else:
            self.prompt.setText(f"<b>Question {self.quiz.asked + 1}.</b> "
                                f"{escape(question.prompt)}")
            self.result.clear()
            self.answer_edit.clear()
        for w in (self.answer_edit, self.check_button, self.reveal_button):
            w.setEnabled(question is not None)
        if question is not None:
            self._focus_answer()           # enabled first: a disabled field takes no focus

    def _focus_answer(self) -> None:
        """Bring the quiz dock forward and put the caret in the answer field."""
        dock = self.parentWidget()
        while dock is not None and not hasattr(dock, "setFloating"):
            dock = dock.parentWidget()
        if dock is not None:
            dock.show()
            dock.raise_()
        self.answer_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _shown_changed(self, _evaluation) -> None:
        if self.question is not None and self.controller.stepper is not self._stepper:
            # The step-through restarted (an edit) or ended: the question no longer applies.
            self.quiz.skip()
            self._set_question(None)
            self.prompt.setText(IDLE_HINT if self.enabled else OFF_HINT)

    def _highlight(self) -> None:
        """The asked wire (emphasised, "?" for its gradient) or node (a "gradient = ?" pill)."""
        scene = self.controller.scene
        question = self.question
        scene.set_asked(question.edge if question is not None else None)
        marks = {}
        if question is not None and question.edge is None:
            marks[question.node] = ("gradient = ?", style.STATE_CURRENT,
                                    "Quiz: what is the gradient of this node?")
        scene.set_node_marks(MARK, marks)

    def _show_score(self) -> None:
        q = self.quiz
        self.score_label.setText(f"Score: {q.right} / {q.asked}")

    def _fmt(self, value: float) -> str:
        return self.controller.scene.format(value)


def _step_at(stepper, q: int):
    """The step that position ``q`` reveals (``stepper.steps[q - 1]``), pulled if needed
    without moving the stepper."""
    if len(stepper.steps) < q:
        position = stepper.position
        stepper.jump(q)
        stepper.position = position
    return stepper.steps[q - 1] if len(stepper.steps) >= q else None
