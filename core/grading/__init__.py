"""Checking a learner's own backward pass (``chainrule grade``, the Your Backward
Pass panel): :mod:`.answer` reads it, :mod:`.draws` moves the inputs,
:mod:`.mistakes` knows the usual mistakes, :mod:`.grade` gives the verdicts,
:mod:`.report` writes them."""
from .answer import Answer, AnswerError, Claim, gradient_target
from .grade import CODES, PRECEDENCE, GradeError, Report, Verdict, grade, required_nodes

__all__ = ["Answer", "AnswerError", "CODES", "Claim", "GradeError", "PRECEDENCE", "Report",
           "Verdict", "grade", "gradient_target", "required_nodes"]
