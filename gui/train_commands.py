"""The undo command of training: the parameters before and after, nothing else.

A training Step or a whole Run changes many leaf values at once; undoing it
must put every one of them back in one go, and redoing it must re-apply the
trained values exactly.  :class:`SetParameters` keeps two dicts of values
(copies) and calls ``graph.set_values`` with one or the other — one undo
step per Step, one per Run.

The Train panel has already written the new values when it pushes the
command (the Trainer updates the graph itself), so the first ``redo`` —
the one ``QUndoStack.push`` makes — is skipped when ``applied`` is true.
A Run updates ``new_values`` as it goes (:meth:`SetParameters.update`), so
the command on the stack always describes what the run has done so far.

The loss history (the Train panel's plot) follows undo and redo too: given
the trainer's ``history`` list, the command keeps its first ``keep`` losses
and puts back the tail it had before (undo) or after (redo) — a step's one
loss, a run's losses, or, for Reset, the whole history it cleared.  Given the
``trainer`` and its :meth:`~chainrule.core.training.Trainer.state` before and
after, the optimizer's state (momentum buffers, Adam's m and v and step
count), the data set's batch position and the epoch losses follow as well.
"""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand


class SetParameters(QUndoCommand):
    """Set several leaf values at once; undo puts the old ones back."""

    def __init__(self, doc, old_values: dict[str, Any], new_values: dict[str, Any],
                 text: str = "Training step", applied: bool = False,
                 history: list | None = None, keep: int = 0,
                 before_tail: list | tuple = (), after_tail: list | tuple = (),
                 trainer=None, state_before: dict | None = None,
                 state_after: dict | None = None):
        super().__init__(text)
        self.doc = doc
        self.old_values = copy.deepcopy(old_values)
        self.new_values = copy.deepcopy(new_values)
        self._skip_redo = applied
        self.history, self.keep = history, keep
        self.before_tail, self.after_tail = list(before_tail), list(after_tail)
        self.trainer, self.state_before, self.state_after = trainer, state_before, state_after

    def update(self, new_values: dict[str, Any], text: str | None = None,
               after_tail: list | None = None, state_after: dict | None = None) -> None:
        """The values the command stands for now (a run that went on); no graph change."""
        self.new_values = copy.deepcopy(new_values)
        if text is not None:
            self.setText(text)
        if after_tail is not None:
            self.after_tail = list(after_tail)
        if state_after is not None:
            self.state_after = state_after

    def _set_history(self, tail: list) -> None:
        if self.history is not None:
            self.history[self.keep:] = tail

    def _apply(self, values: dict[str, Any]) -> None:
        graph = self.doc.graph
        present = {k: copy.deepcopy(v) for k, v in values.items() if k in graph}
        if present:
            graph.set_values(present)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._set_history(self.after_tail)
        self._set_state(self.state_after)
        self._apply(self.new_values)

    def undo(self) -> None:
        self._set_history(self.before_tail)
        self._set_state(self.state_before)
        self._apply(self.old_values)

    def _set_state(self, state: dict | None) -> None:
        if self.trainer is not None and state is not None:
            self.trainer.restore_state(state)


class SetData(QUndoCommand):
    """Replace the graph's data set (generate, import, a clicked point, a setting) — one
    undo step; the bound inputs get the new training rows, and undo puts both back."""

    def __init__(self, doc, old, new, text: str, on_change=None):
        super().__init__(text)
        self.doc = doc
        self.old = old.copy() if old is not None else None
        self.new = new.copy() if new is not None else None
        self.on_change = on_change
        graph = doc.graph
        bound = set(self.old.bind if self.old else ()) | set(self.new.bind if self.new else ())
        self.old_values = {n: copy.deepcopy(graph.node(n).value) for n in bound if n in graph}

    def _use(self, data, restore: dict | None) -> None:
        graph = self.doc.graph
        graph.data = data.copy() if data is not None else None
        values = dict(restore or {})
        if data is not None and restore is None:
            train, _ = data.split()
            values.update({k: v for k, v in data.feed(train).items() if k in graph})
        if values:
            graph.set_values(values)
        if self.on_change is not None:
            self.on_change()

    def redo(self) -> None:
        self._use(self.new, None)

    def undo(self) -> None:
        self._use(self.old, self.old_values)
