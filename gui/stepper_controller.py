"""The step-through of the open document: one :class:`chainrule.core.stepper.Stepper`, shown on the canvas.

There are two situations, and the controller is always in exactly one:

* **live** (``stepper is None``) — the views show the document's full
  evaluation and follow every edit, as the editor always does;
* **stepping** — the document's current evaluation is ``stepper.shown()``:
  only what the first ``position`` steps computed (position 0 is a cleared
  canvas: Reset), and the canvas wears the step's highlight (node states, the
  wires the step works on).

Every view follows the document's ``current_evaluation_changed``, so this
controller publishes one object per move and needs to know no view; only the
highlight, which is no number, is set on the scene directly.

Any move (next, back, jump, play) enters stepping, creating the stepper
from the graph as it is.  A stepper is only valid for the graph it was made
from, so any edit that changes the mathematics (a value, a wire, a node, the
output, undo/redo of those, another file) drops it: the canvas goes back to
live labels and the status bar says so.  Moving a card or relabelling it
changes no number, so the step-through survives those.

The backward steps are the engine's own generator, pulled lazily by the
stepper; nothing here computes a value or a gradient.
"""
from __future__ import annotations

import itertools
import operator

from typing import Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from chainrule.core import groups as gm
from chainrule.core.stepper import Stepper, step_nodes, stops_of, update_params
from chainrule.gui.step_canvas import show_live, show_step

#: Play speeds: (menu text, milliseconds per step).  The default is the second.
SPEEDS: tuple[tuple[str, int], ...] = (
    ("0.5 steps/s", 2000), ("1 step/s", 1000), ("2 steps/s", 500), ("4 steps/s", 250))
DEFAULT_SPEED = 1

RESTARTED = ("The graph changed, so the step-through ended and the live values are shown; "
             "→ starts a new one from step 0.")
#: Fields of node_changed that change no number: the step-through survives them.
HARMLESS_FIELDS = ("pos", "label")


def planned_total(evaluation, graph=None) -> int:
    """How many steps a step-through of ``evaluation``'s graph has, without making one
    (``graph`` given: its Update step counts too)."""
    if evaluation is None:
        return 0
    values = evaluation.values         # (not list.count(None): an array's == is no bool)
    forward = sum(map(operator.is_not, values, itertools.repeat(None)))
    backward = 0 if evaluation.error else len(evaluation.plan.backward_steps)
    update = 1 if graph is not None and update_params(graph, evaluation) else 0
    return forward + backward + update


class StepperController(QObject):
    """Owns the step-through of ``document`` and draws it on ``scene``."""

    #: After every move, reset, restart or end: views re-read the state.
    changed = Signal()
    #: Play started (True) or stopped (False).
    playing_changed = Signal(bool)

    def __init__(self, document, scene, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.scene = scene
        # (evaluation, graph version, total): the controls ask for the total several
        # times per edit, and counting it walks every node (10,000: about 1 ms each)
        self._planned: tuple | None = None
        self.stepper: Stepper | None = None
        self.speed = DEFAULT_SPEED
        #: Optional ``f(stepper, k) -> k'``: where a move to position k may go (Quiz mode
        #: holds a move just before a backward step it asks about; gui.quiz_panel).
        self.move_filter = None
        self.timer = QTimer(self)
        self.timer.setInterval(SPEEDS[self.speed][1])
        self.timer.timeout.connect(self._tick)
        doc = document
        # Bound methods: Qt drops them with this object.
        for signal in (doc.node_added, doc.node_removed, doc.node_renamed, doc.edge_added,
                       doc.edge_removed, doc.output_changed, doc.graph_replaced):
            signal.connect(self._graph_edited)
        doc.node_changed.connect(self._node_changed)
        doc.groups_changed.connect(self._groups_changed)
        doc.evaluated.connect(self._evaluated)
        doc.forward_mode_changed.connect(self._forward_mode_changed)

    # ------------------------------------------------------------ state

    @property
    def active(self) -> bool:
        return self.stepper is not None

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    @property
    def position(self) -> int:
        return self.stepper.position if self.stepper else 0

    @property
    def total(self) -> int:
        if self.stepper is not None:
            return self.stepper.total
        evaluation, graph = self.document.evaluation, self.document.graph
        known = self._planned
        if known is not None and known[0] is evaluation and known[1] == graph.version:
            return known[2]
        total = planned_total(evaluation, graph)
        self._planned = (evaluation, graph.version, total)
        return total

    def stops(self) -> Sequence[int]:
        """Where → stops: every position, except inside collapsed groups (a ``range``
        when that is all of them: the controls ask after every evaluation)."""
        if self.stepper is not None:
            return self.stepper.stops()
        graph = self.document.graph
        if not graph.groups:
            return range(1, self.total + 1)
        ev = self.document.evaluation
        if ev is None:
            return []
        return stops_of(step_nodes(ev, update_params(graph, ev)), gm.hidden_by(graph))

    @property
    def n_forward(self) -> int:
        if self.stepper is not None:
            return len(self.stepper.forward)
        ev = self.document.evaluation
        return sum(1 for v in ev.values if v is not None) if ev is not None else 0

    @property
    def phase(self) -> str:
        """"live", or the stepper's "start", "forward", "backward", "update", "done"."""
        return self.stepper.phase if self.stepper else "live"

    @property
    def current(self):
        return self.stepper.current if self.stepper else None

    def problem(self) -> str | None:
        """Why the step-through cannot run (in full), as one sentence; None when it can."""
        ev = self.document.evaluation
        if not self.document.graph.node_ids():
            return "Nothing to step through: the graph is empty."
        if ev.error:
            return f"The backward pass cannot run: {ev.error}."
        return None

    # ------------------------------------------------------------ moving

    def _ensure(self) -> Stepper | None:
        if self.stepper is None:
            if not self.document.graph.node_ids():
                self.document.message.emit("Nothing to step through: the graph is empty.")
                return None
            doc = self.document
            self.stepper = Stepper(doc.graph,
                                   seeds=doc.forward_seeds() if doc.forward_mode else None,
                                   update=True)
            if self.stepper.error:
                self.document.message.emit(
                    f"Only the forward pass can be stepped: {self.stepper.error}.")
        return self.stepper

    def _move(self, target) -> bool:
        """Move with ``target(stepper)`` (returns the new position or None), then redraw."""
        stepper = self._ensure()
        if stepper is None:
            return False
        before = stepper.position
        k = target(stepper)
        if k is not None and self.move_filter is not None:
            k = self.move_filter(stepper, k)
        if k is not None:
            stepper.jump(k)
        self._show()
        return stepper.position != before

    def step(self) -> bool:
        """The next step, whichever pass it belongs to (→); a collapsed group's steps
        are one ("step over")."""
        return self._move(lambda s: s.next_stop())

    def step_into(self) -> bool:
        """The next step of one node, inside collapsed groups too."""
        return self._move(lambda s: s.position + 1)

    def back(self) -> bool:
        """Undo the last step (←), a collapsed group's as one."""
        if self.stepper is None:
            return False
        return self._move(lambda s: s.previous_stop())

    def reset(self) -> None:
        """Nothing computed: every label cleared (Home)."""
        self.pause()
        self._move(lambda s: 0)

    def step_forward(self) -> bool:
        """One node of the forward pass; nothing once the forward pass is complete."""
        return self._move(lambda s: s.position + 1 if s.position < len(s.forward) else None)

    def forward_all(self) -> bool:
        return self._move(lambda s: max(s.position, len(s.forward)))

    def step_backward(self) -> bool:
        """One node of the backward pass (finishing the forward pass first if needed)."""
        if self._ensure() is None:
            return False
        if self.stepper.n_backward == 0:
            self._say_no_backward()
            return False
        return self._move(lambda s: max(s.position, len(s.forward)) + 1)

    def backward_all(self) -> bool:
        """Everything (End)."""
        if self._ensure() is not None and self.stepper.n_backward == 0:
            self._say_no_backward()
        return self._move(lambda s: s.total)

    run_all = backward_all

    def jump(self, k: int) -> bool:
        """Show the first ``k`` steps (the scrubber)."""
        return self._move(lambda s: k)

    def jump_to_stop(self, number: int) -> bool:
        """Show the steps up to stop ``number`` (the scrubber: a collapsed group's
        steps are one stop, as → takes them)."""
        return self._move(lambda s: s.stop_position(number))

    def _groups_changed(self) -> None:
        if self.stepper is not None:
            self.stepper.set_gates(gm.hidden_by(self.document.graph))
        self.changed.emit()              # live too: the scrubber counts the stops

    def leave(self) -> None:
        """End the step-through: live labels again."""
        self.pause()
        if self.stepper is not None:
            self.stepper = None
            show_live(self.scene)
            self.document.show_steps(None)
        self.changed.emit()

    def _say_no_backward(self) -> None:
        self.document.message.emit(self.problem() or "This graph has no backward pass.")

    # ------------------------------------------------------------ play

    def play(self) -> None:
        if self.playing:
            return
        if self._ensure() is None:
            return
        if self.stepper.position >= self.stepper.total:
            self.stepper.reset()           # play at the end starts over
            self._show()
        self.timer.start()
        self.playing_changed.emit(True)
        self.changed.emit()

    def pause(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.playing_changed.emit(False)
            self.changed.emit()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, index: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, index))
        self.timer.setInterval(SPEEDS[self.speed][1])

    def _tick(self) -> None:
        if not self.step() or self.position >= self.total:
            self.pause()

    # ------------------------------------------------------------ drawing

    def _show(self) -> None:
        show_step(self.scene, self.stepper)
        self.document.show_steps(self.stepper.shown())
        self.changed.emit()

    def refresh(self) -> None:
        """Redraw the highlight (a label changed: the tooltips name the cards)."""
        if self.stepper is not None:
            show_step(self.scene, self.stepper, full=True)
        self.changed.emit()

    # ------------------------------------------------------------ edits

    def _graph_edited(self, *_args) -> None:
        self._restart()

    def _node_changed(self, _node_id: str, field: str) -> None:
        if field in HARMLESS_FIELDS:
            if field == "label" and self.stepper is not None:
                self.refresh()       # names in the tooltips and the chain-rule panel
            return
        self._restart()

    def _forward_mode_changed(self) -> None:
        """Forward mode on/off or new seeds: the same walk, with (or without) tangents."""
        if self.stepper is None:
            return
        k = self.stepper.position
        self.stepper = None
        if self._ensure() is not None:
            self.stepper.jump(k)
            self._show()

    def _restart(self) -> None:
        if self.stepper is None:
            return
        self.timer.stop()
        self.stepper = None
        # The document re-evaluates on the next turn of the event loop and announces
        # that evaluation; until then the views show the last live one.
        show_live(self.scene)
        self.document.show_steps(None)
        self.document.message.emit(RESTARTED)
        self.playing_changed.emit(False)
        self.changed.emit()

    def _evaluated(self, _evaluation) -> None:
        if self.stepper is None:
            self.changed.emit()      # the scrubber's "of n" follows the graph
