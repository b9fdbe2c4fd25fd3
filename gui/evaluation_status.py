"""The status bar's line about the evaluation the views show.

It follows :meth:`Document.current_evaluation`, like every other view: during a
step-through it speaks of what the steps have revealed — the output "not reached
yet" until its forward step, and only the warnings of the values and gradients
shown so far — not of the whole evaluation the inspector and canvas are not
showing yet.  It is remade after every step, so it costs the same however many
warnings there are: the first one and how many, never a list of them all.
"""
from __future__ import annotations

from chainrule.core.formatting import format_value
from chainrule.core.stepper import NOT_YET

#: The label's "kind" property (the stylesheet colours it).
OK, WARNING, ERROR = "ok", "warning", "error"


def status_text(evaluation, digits: int) -> tuple[str, str]:
    """(text, kind) for ``evaluation`` (an Evaluation or a step-through's ShownSoFar)."""
    if evaluation.error:
        return evaluation.error, ERROR
    if evaluation.output is None:
        return "", OK
    value = evaluation.value(evaluation.output)
    shown = "not reached yet" if value is NOT_YET else format_value(value, digits, width=40)
    text = f"{evaluation.output} = {shown}"
    tables = ([p.message for p in evaluation.problems],
              evaluation.warnings.values(), evaluation.grad_warnings.values())
    count = sum(len(t) for t in tables)
    if not count:
        return text, OK
    first = next(t for table in tables for t in table)
    return text + f"   ⚠ {first}" + (f" (+{count - 1} more)" if count > 1 else ""), WARNING
