"""Quiz mode: predict the gradient on a wire before the backward step shows it.

Why: reading a finished backward pass teaches less than predicting it.
Before a step reveals its numbers the learner types the gradient they expect
on one highlighted wire (for a leaf: the leaf's own gradient, the sum over
its wires); the answer is graded with a tolerance, the chain-rule line that
gives the number is shown (the same text as the chain-rule panel, from
:mod:`chainrule.core.explain`), and a score is kept for the session.

Answers are parsed, never evaluated: a number (``-0.4``, ``−0.4`` with the
Unicode minus, ``4e-2``), a fraction of two numbers (``-3/2``), or ``inf``,
``-inf``, ``nan`` for the gradients that are.  Only scalar gradients are
asked; on a step whose wires all carry arrays :meth:`Quiz.ask` returns None
and the step is simply shown.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import BackwardStep, Evaluation
from .explain import _name, card_names, incoming_lines, upstream_lines
from .graph import Edge, Graph

_MINUSES = "\u2212\u2013\ufe63\uff0d"        # − – ﹣ －  all read as "-"
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_SIGNED = rf"[+-]?\s*{_NUMBER}"
_PLAIN = re.compile(rf"({_SIGNED})")
_FRACTION = re.compile(rf"({_SIGNED})\s*/\s*({_SIGNED})")
_SPECIAL = re.compile(r"([+-]?)\s*(inf|infinity|∞|nan)", re.IGNORECASE)


def parse_answer(text: str) -> float:
    """The number a learner typed; ValueError with one sentence when it is not one."""
    if not isinstance(text, str):
        raise ValueError("the answer must be text, such as -0.4 or -3/2")
    raw = text.strip()
    s = raw.translate({ord(c): "-" for c in _MINUSES})
    if not s:
        raise ValueError("type a number first, such as -0.4 or -3/2")
    m = _PLAIN.fullmatch(s)
    if m:
        return _float(m.group(1))
    m = _FRACTION.fullmatch(s)
    if m:
        num, den = _float(m.group(1)), _float(m.group(2))
        if den == 0:
            raise ValueError(f"“{raw}” divides by zero")
        return num / den
    m = _SPECIAL.fullmatch(s)
    if m:
        word = m.group(2).lower()
        if word == "nan":
            return math.nan
        return -math.inf if m.group(1) == "-" else math.inf
    if re.fullmatch(r"[+-]?\s*\d+,\d+", s):
        raise ValueError(f"“{raw}” uses a comma: write the decimal point as a dot, "
                         f"as in {s.replace(',', '.').replace(' ', '')}")
    raise ValueError(f"“{raw}” is not a number: write something like -0.4, 2e-3 or -3/2")


def _float(token: str) -> float:
    value = float(token.replace(" ", "").replace("\t", ""))
    if math.isinf(value):
        raise ValueError(f"“{token.strip()}” is too large for a float64")
    return value


def grade(expected: float, answer: float, rel: float = 0.01, abs_tol: float = 1e-3) -> bool:
    """Right when ``|answer − expected| ≤ max(rel·|expected|, abs_tol)``;
    inf and nan are right only when they are exactly what was expected."""
    expected, answer = float(expected), float(answer)
    if not (math.isfinite(expected) and math.isfinite(answer)):
        return (math.isnan(expected) and math.isnan(answer)) or expected == answer
    return abs(answer - expected) <= max(rel * abs(expected), abs_tol)


@dataclass(frozen=True)
class Question:
    """What is asked: the gradient on ``edge`` (or of ``node`` itself when ``edge`` is None)."""

    node: str                 # the node whose backward step is about to be shown
    edge: Edge | None
    expected: float
    prompt: str
    rule_text: str            # the chain-rule line(s) that give the number


@dataclass(frozen=True)
class QuizResult:
    correct: bool
    expected: float
    rule_text: str
    answer: float
    question: Question


class Quiz:
    """One session's questions and score.  ``ask`` one question, then ``answer`` it."""

    def __init__(self, rel: float = 0.01, abs_tol: float = 1e-3, seed: Any = None,
                 digits: int = 4):
        self.rel, self.abs_tol, self.digits = rel, abs_tol, digits
        self.right = 0
        self.asked = 0
        self.question: Question | None = None     # the open question, if any
        self._rng = random.Random(seed)

    @property
    def score(self) -> tuple[int, int]:
        """(right answers, questions answered)."""
        return self.right, self.asked

    def reset_score(self) -> None:
        self.right = self.asked = 0
        self.question = None

    def ask(self, step: BackwardStep, graph: Graph, evaluation: Evaluation,
            edge: Edge | None = None) -> Question | None:
        """Open a question about ``step``: one of its incoming wires (``edge``, or one
        chosen at random among those carrying a finite scalar), or for a leaf its own
        gradient.  None when nothing scalar can be asked (arrays, inf, nan)."""
        output = evaluation.output
        L = _name(graph, output)
        if edge is not None:
            grads = dict(step.incoming)
            if edge not in grads:
                raise ValueError(f"{edge} is not an input wire of {step.node}")
            candidates = [(edge, grads[edge])] if _askable(grads[edge]) else []
        elif step.incoming:
            candidates = [(e, g) for e, g in step.incoming if _askable(g)]
        else:
            candidates = [(None, step.grad)] if _askable(step.grad) else []
        if not candidates:
            self.question = None
            return None
        chosen, expected = self._rng.choice(candidates)
        if chosen is None:
            n = _name(graph, step.node)
            wires = len(step.outgoing)
            extra = f" ({n} feeds {wires} wires)" if wires > 1 else ""
            prompt = f"What is ∂{L}/∂{n}, the gradient of {n}?{extra}"
            legend = card_names(graph, [output, step.node])
            rule = upstream_lines(step, graph, output, self.digits)
        else:
            src, dst = _name(graph, chosen.src), _name(graph, chosen.dst)
            port = graph.node(chosen.dst).spec.ports[chosen.port]
            twice = sum(1 for e, _ in step.incoming if e.src == chosen.src) > 1
            where = f" (port {port})" if twice else ""
            prompt = f"What is ∂{L}/∂{src} on the wire {src} → {dst}{where}?"
            legend = card_names(graph, [output, chosen.src, chosen.dst])
            rule = incoming_lines(step, graph, evaluation, self.digits)[chosen]
        if legend:
            prompt += f" ({legend})"
        self.question = Question(step.node, chosen, float(expected), prompt, "\n".join(rule))
        return self.question

    def answer(self, text: str) -> QuizResult:
        """Grade ``text`` against the open question and close it.  A text that is not a
        number raises ValueError and leaves the question open and the score alone."""
        question = self.question
        if question is None:
            raise RuntimeError("there is no open question: call ask() first")
        value = parse_answer(text)
        correct = grade(question.expected, value, self.rel, self.abs_tol)
        self.asked += 1
        self.right += correct
        self.question = None
        return QuizResult(correct, question.expected, question.rule_text, value, question)

    def skip(self) -> None:
        """Close the open question without scoring it."""
        self.question = None


def _askable(grad: Any) -> bool:
    if grad is None or isinstance(grad, np.ndarray):
        return False
    return math.isfinite(grad)
