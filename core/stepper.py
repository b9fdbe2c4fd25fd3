"""Step-through: the forward pass one node at a time, then the backward pass.

The backward steps come from the engine's own generator
(:func:`chainrule.core.engine.backward_steps`) — the one the full pass consumes — pulled
lazily as the learner steps.  Stepping back only moves the position: what is
shown is always derived from ``steps[:position]``, so going back and forth
shows exactly the same labels and states each time.

With ``update=True`` (the window's step-through) a graph with trainable inputs
gets one more step after the backward pass, the **Update** step
(:class:`UpdateStep`): what one optimizer step would do to every parameter.  It
shows the rule with numbers and highlights the parameters; it changes nothing.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import groups as gm
from .engine import BackwardStep, Evaluation, Evaluator, backward_steps
from .formatting import is_finite, nonfinite_word
from .gc_pause import gc_paused
from .graph import Edge, Graph

# Node states the canvas draws differently.
DONE, CURRENT, READY, WAITING, IDLE = "done", "current", "ready", "waiting", "normal"


class NotYet:
    """A number the step-through will show but has not reached yet (not None: None
    means there is no such number at all, such as the gradient of a node that does
    not reach the output)."""

    def __repr__(self) -> str:
        return "NOT_YET"


NOT_YET = NotYet()


@dataclass(frozen=True, slots=True)
class ForwardStep:
    """One node computed: its value from the values on its incoming wires (slots: a
    step-through keeps one per node)."""

    node: str
    value: Any
    inputs: tuple[tuple[Edge, Any], ...]    # a tuple: the collector soon stops walking it
    # forward mode (None when it is off): the node's tangent, and those of its inputs
    tangent: Any = None
    input_tangents: list[Any] | None = None
    seeded: bool = False


@dataclass(frozen=True)
class UpdateStep:
    """After the backward pass: the optimizer's rule for every parameter, with this
    step's numbers.  It only shows what a training step would do (``node`` is None:
    no one node is computed)."""

    params: tuple[str, ...]
    node: None = None


def update_params(graph: Graph, evaluation: Evaluation | None) -> tuple[str, ...]:
    """The parameters an Update step shows: the trainable inputs, once the backward
    pass can run and has steps; () means the step-through has no Update step."""
    if evaluation is None or evaluation.error is not None or \
            not evaluation.plan.backward_steps:
        return ()
    from .training import parameters
    return tuple(parameters(graph))


@dataclass
class View:
    """What the canvas shows after some steps: labels, states, emphasis."""

    node_values: dict[str, Any] = field(default_factory=dict)
    edge_values: dict[Edge, Any] = field(default_factory=dict)
    node_grads: dict[str, Any] = field(default_factory=dict)
    edge_grads: dict[Edge, Any] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    waiting_for: dict[str, list[str]] = field(default_factory=dict)
    emphasized: list[Edge] = field(default_factory=list)
    current: str | None = None
    #: the Update step: the parameters it moves (drawn as current)
    updating: tuple[str, ...] = ()
    #: the evaluation's value warnings (inf, nan) of the nodes computed so far
    warnings: dict[str, str] = field(default_factory=dict)
    #: the non-finite gradients the backward steps shown so far have made
    grad_warnings: dict[str, str] = field(default_factory=dict)


class Stepper:
    """A walk through one evaluation of ``graph``; the graph must not change meanwhile
    (an editor makes a new Stepper after every edit)."""

    def __init__(self, graph: Graph, evaluator: Evaluator | None = None,
                 seeds: dict | None = None, update: bool = False):
        """``seeds`` (leaf id → tangent): forward mode too, each forward step then
        also carries its tangent (:mod:`chainrule.core.forward_mode`).  ``update``:
        an Update step after the backward pass when there are trainable inputs."""
        with gc_paused():           # a step per node: many small objects, no cyclic garbage
            self._setup(graph, evaluator, seeds, update)

    def _setup(self, graph: Graph, evaluator: Evaluator | None, seeds: dict | None,
               update: bool) -> None:
        self.graph = graph
        evaluator = evaluator or Evaluator(graph)
        self.evaluation: Evaluation = evaluator.forward()
        plan = self.evaluation.plan
        tangents = None
        if seeds is not None:
            from .forward_mode import tangents as run_forward_mode
            tangents = run_forward_mode(self.evaluation, seeds)
        # one Edge object per wire, shared by every step and the live view (the
        # collector walks each Edge: a tuple subclass, never untracked)
        self.in_edges: dict[str, list[Edge]] = {n: graph.in_edges(n) for n in graph.node_ids()}
        same = {e: e for edges in self.in_edges.values() for e in edges}
        self.out_edges: dict[str, list[Edge]] = {
            n: [same[e] for e in graph.out_edges(n)] for n in graph.node_ids()}
        self.forward: list[ForwardStep] = []
        for i, node_id in enumerate(plan.order):
            value = self.evaluation.values[i]
            if value is None:
                continue
            ins = tuple([(e, self.evaluation.edge_value(e)) for e in self.in_edges[node_id]])
            if tangents is None:
                self.forward.append(ForwardStep(node_id, value, ins))
            else:
                self.forward.append(ForwardStep(
                    node_id, value, ins, tangents[i],
                    [tangents[plan.index[e.src]] for e, _ in ins], node_id in seeds))
        self.error = self.evaluation.error
        self._backward: Iterator[BackwardStep] | None = None
        self.n_backward = 0
        if self.error is None:
            self._backward = backward_steps(self.evaluation, graph, (
                self.in_edges.__getitem__, self.out_edges.__getitem__))
            self.n_backward = len(plan.backward_steps)
        #: the Update step's parameters (() : no Update step)
        self.update_params = update_params(graph, self.evaluation) if update else ()
        self.n_update = 1 if self.update_params else 0
        self.steps: list[ForwardStep | BackwardStep] = list(self.forward)
        self.position = 0
        self._view_at: tuple[int, View] | None = None
        self._shown_at: tuple[int, ShownSoFar] | None = None
        # consumers that reach the output, for the "waiting for" tooltips
        #: node → the collapsed group hiding it: those steps are stepped over as one
        self.gates: dict[str, str] = gm.hidden_by(graph)
        self._stops: list[int] | None = None
        self._consumers = {n: [] for n in graph.node_ids()}
        for e in graph.edges():
            if e.dst not in self._consumers[e.src]:
                self._consumers[e.src].append(e.dst)
        self._live = _LiveView(self)

    # ------------------------------------------------------------ moving

    @property
    def total(self) -> int:
        return len(self.forward) + self.n_backward + self.n_update

    def _pull(self, k: int) -> None:
        while len(self.steps) < k and self._backward is not None:
            try:
                self.steps.append(next(self._backward))
            except StopIteration:
                self._backward = None
                if self.n_update:
                    self.steps.append(UpdateStep(self.update_params))

    def jump(self, k: int) -> None:
        """Show the first ``k`` steps (0 = reset, ``total`` = everything)."""
        k = max(0, min(k, self.total))
        self._pull(k)
        self.position = min(k, len(self.steps))

    def step(self) -> bool:
        """One step on; False at the end."""
        if self.position >= self.total:
            return False
        self.jump(self.position + 1)
        return True

    # ------------------------------------------- collapsed groups: step over

    def step_nodes(self) -> list[tuple[str, str]]:
        """(phase, node) of every step, in the engine's order, without running it."""
        return step_nodes(self.evaluation, self.update_params)

    def set_gates(self, gates: dict[str, str]) -> None:
        """The collapsed groups changed (the position stays)."""
        self.gates = dict(gates)
        self._stops = None

    def stops(self) -> list[int]:
        """The positions where stepping over stops: after every step of a node that
        shows, and after the last step of each collapsed group in each pass (a
        collapsed group is one forward step and one backward step)."""
        if getattr(self, "_stops", None) is not None:
            return self._stops
        self._stops = self._make_stops()
        return self._stops

    def gate_at(self, position: int | None = None) -> str | None:
        """The collapsed group whose one step ends at ``position`` (default: here)."""
        k = self.position if position is None else position
        if k == 0:
            return None
        return self.gates.get(self.step_nodes()[k - 1][1])

    def next_stop(self) -> int:
        stops = self.stops()                   # ascending: a search, not a scan per step
        k = bisect_right(stops, self.position)
        return stops[k] if k < len(stops) else self.position

    def previous_stop(self) -> int:
        stops = self.stops()
        k = bisect_left(stops, self.position)
        return stops[k - 1] if k else 0

    def _make_stops(self) -> list[int]:
        return stops_of(self.step_nodes(), self.gates)

    def stop_count(self) -> tuple[int, int]:
        """How many forward and backward steps stepping over takes (the scrubber's)."""
        stops = self.stops()
        n = len(self.forward)
        return sum(k <= n for k in stops), sum(k > n for k in stops)

    def stop_number(self, position: int | None = None) -> int:
        """How many stops lie at or before ``position`` (default: here): the scrubber's
        value, a collapsed group counting once."""
        k = self.position if position is None else position
        return bisect_right(self.stops(), k)

    def stop_position(self, number: int) -> int:
        """The position of stop ``number`` (0: the start): where the scrubber's value goes."""
        stops = self.stops()
        number = max(0, min(number, len(stops)))
        return stops[number - 1] if number else 0

    def step_over(self) -> bool:
        """On to the next stop: a collapsed group's steps all at once; False at the end."""
        if self.position >= self.total:
            return False
        self.jump(self.next_stop())
        return True

    def back_over(self) -> bool:
        """Back to the previous stop (or the start)."""
        if self.position == 0:
            return False
        self.jump(self.previous_stop())
        return True

    def step_into(self) -> bool:
        """One step of one inner node, collapsed or not (the engine's own order)."""
        return self.step()

    def back(self) -> bool:
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def reset(self) -> None:
        self.position = 0

    def run_forward(self) -> None:
        self.jump(max(self.position, len(self.forward)))

    def run_all(self) -> None:
        self.jump(self.total)

    def backward_position(self, node_id: str) -> int | None:
        """How many steps show ``node_id``'s gradient being made (its backward step is
        the last of them); None when it gets no gradient."""
        plan = self.evaluation.plan
        i = plan.index.get(node_id)
        for k, entry in enumerate(plan.backward_steps if self.error is None else ()):
            if entry.node == i:
                return len(self.forward) + k + 1
        return None

    @property
    def current(self) -> ForwardStep | BackwardStep | None:
        return self.steps[self.position - 1] if self.position else None

    @property
    def phase(self) -> str:
        if self.position == 0:
            return "start"
        if self.position >= self.total:
            return "done"
        if self.position <= len(self.forward):
            return "forward"
        return "backward" if self.position <= len(self.forward) + self.n_backward else "update"

    # ------------------------------------------------------------- views

    def view(self) -> View:
        """Labels and node states after ``position`` steps.  The canvas's highlight, the
        chain-rule panel and :meth:`shown` all ask after each move: one view object per
        position, shared (read it, never change it).

        The view is kept up to date step by step (:class:`_LiveView`): a move costs
        what that step touched — its node and its neighbours — not the whole graph, so
        walking every step is linear.  Its dicts describe the current position: a view
        kept from an earlier position has its own ``current`` and ``emphasized`` but
        the stepper's dicts, which have moved on."""
        if self._view_at is not None and self._view_at[0] == self.position:
            return self._view_at[1]
        view = self._live.move_to(self.position)
        self._view_at = (self.position, view)
        return view

    def changed_since(self, token: int | None) -> tuple[set[str] | None, int]:
        """Nodes whose state or tooltip may differ from what was shown at ``token``
        (None: every node, as after a jump across the passes), and the token for now."""
        self.view()
        return self._live.changed_since(token)

    def warnings_changed_since(self, token) -> tuple[set[str] | None, Any]:
        """Nodes whose warning (value or gradient) may differ from what was shown at
        ``token`` (None: every node), and the token for now: the canvas re-badges only
        those, so a step costs what it changed however many warnings there are."""
        self.view()
        return self._live.warnings_changed_since(token)

    def grad_warnings(self) -> dict[str, str]:
        """The non-finite gradients the first ``position`` steps have shown."""
        return dict(self.view().grad_warnings)

    def shown(self) -> ShownSoFar:
        """What the first ``position`` steps have revealed, looked up like an evaluation
        (made once per position and shared, like :meth:`view`)."""
        if self._shown_at is not None and self._shown_at[0] == self.position:
            return self._shown_at[1]
        shown = ShownSoFar(self)
        self._shown_at = (self.position, shown)
        return shown

    def view_from_scratch(self) -> View:
        """The view at ``position`` computed from the steps alone: the reference the
        incremental :meth:`view` is tested against (costs O(position + nodes))."""
        view = View()
        shown = self.steps[:self.position]
        computed = set()
        processed = set()
        value_warnings = self.evaluation.warnings
        for step in shown:
            if isinstance(step, ForwardStep):
                computed.add(step.node)
                view.node_values[step.node] = step.value
                if step.node in value_warnings:
                    view.warnings[step.node] = value_warnings[step.node]
                for edge in self.graph.out_edges(step.node):
                    view.edge_values[edge] = step.value
            elif isinstance(step, BackwardStep):
                processed.add(step.node)
                view.node_grads[step.node] = step.grad
                for edge, grad in step.incoming:
                    view.edge_grads[edge] = grad
                if not is_finite(step.grad):
                    view.grad_warnings[step.node] = \
                        f"the gradient is {nonfinite_word(step.grad)}"
        current = self.current
        view.current = current.node if current else None
        view.emphasized = _emphasis(current)
        view.updating = current.params if isinstance(current, UpdateStep) else ()
        backward = self.position > len(self.forward)
        plan = self.evaluation.plan
        reaching = {n for n, r in zip(plan.order, plan.reaching) if r}
        for node_id in self.graph.node_ids():
            if node_id == view.current or node_id in view.updating:
                state = CURRENT
            elif not backward:
                if node_id in computed:
                    state = DONE
                else:
                    missing = [e.src for e in self.graph.in_edges(node_id) if e.src not in computed]
                    state = WAITING if missing else READY
                    if missing:
                        view.waiting_for[node_id] = missing
            elif node_id in processed:
                state = DONE
            elif node_id in reaching:
                pending = [c for c in self._consumers[node_id]
                           if c in reaching and c not in processed]
                state = WAITING if pending else READY
                if pending:
                    view.waiting_for[node_id] = pending
            else:
                state = IDLE
            view.states[node_id] = state
        return view


def _emphasis(step) -> list[Edge]:
    if isinstance(step, ForwardStep):
        return [e for e, _ in step.inputs]
    if isinstance(step, BackwardStep):
        return [e for e, _ in step.incoming]
    return []


class _LiveView:
    """The view of a stepper, moved one step at a time.

    Applying a step adds its numbers and re-derives the state of the nodes it can
    change (its node, and the neighbours waiting on it); undoing one removes them
    again.  Crossing between the passes re-derives every state once.  Every node
    whose state may have changed is logged, so the canvas repaints only those
    (:meth:`changed_since`); so is every node whose warning a step adds or removes
    (:meth:`warnings_changed_since`)."""

    def __init__(self, stepper: Stepper):
        self.stepper = stepper
        graph = stepper.graph
        self.position = 0
        self.n_forward = len(stepper.forward)
        self.in_edges = stepper.in_edges
        self.out_edges = stepper.out_edges
        plan = stepper.evaluation.plan
        self.reaching = {n for n, r in zip(plan.order, plan.reaching) if r}
        self.computed: set[str] = set()
        self.processed: set[str] = set()
        self.value_warnings = stepper.evaluation.warnings
        self.data = View()
        self.current: str | None = None
        self.updating: tuple[str, ...] = ()
        self.log: list[str] = []            # nodes whose state changed, in order
        self.epoch = 0                      # bumps when every state changed
        self.warn_log: list[str] = []       # nodes whose warning changed, in order
        self.warn_epoch = 0
        self._refresh_all()

    # the state of one node, as view_from_scratch derives it
    def _refresh(self, node_id: str) -> None:
        view = self.data
        waiting = None
        if node_id == self.current or node_id in self.updating:
            state = CURRENT
        elif self.position <= self.n_forward:
            if node_id in self.computed:
                state = DONE
            else:
                computed = self.computed
                waiting = [e.src for e in self.in_edges[node_id] if e.src not in computed]
                state = WAITING if waiting else READY
        elif node_id in self.processed:
            state = DONE
        elif node_id in self.reaching:
            reaching, processed = self.reaching, self.processed
            waiting = [c for c in self.stepper._consumers[node_id]
                       if c in reaching and c not in processed]
            state = WAITING if waiting else READY
        else:
            state = IDLE
        view.states[node_id] = state
        if waiting:
            view.waiting_for[node_id] = waiting
        else:
            view.waiting_for.pop(node_id, None)
        self.log.append(node_id)

    def _refresh_all(self) -> None:
        self.epoch += 1
        self.log.clear()
        for node_id in self.stepper.graph.node_ids():
            self._refresh(node_id)
        self.log.clear()

    def changed_since(self, token: int | None) -> tuple[set[str] | None, int]:
        end = self.epoch, len(self.log)
        if token is None or token[0] != self.epoch:
            return None, end
        return set(self.log[token[1]:]), end

    def warnings_changed_since(self, token) -> tuple[set[str] | None, Any]:
        end = self, self.warn_epoch, len(self.warn_log)
        if token is None or token[:2] != end[:2]:
            return None, end
        return set(self.warn_log[token[2]:]), end

    def _apply(self, step, forward: bool) -> list[str]:
        """Add (``forward``) or remove one step's numbers; the nodes to re-derive."""
        view = self.data
        node_id = step.node
        if isinstance(step, UpdateStep):
            return list(step.params)          # no number: only their highlight changes
        if isinstance(step, ForwardStep):
            outs = self.out_edges[node_id]
            if forward:
                self.computed.add(node_id)
                view.node_values[node_id] = step.value
                for edge in outs:
                    view.edge_values[edge] = step.value
            else:
                self.computed.discard(node_id)
                view.node_values.pop(node_id, None)
                for edge in outs:
                    view.edge_values.pop(edge, None)
            if node_id in self.value_warnings:
                if forward:
                    view.warnings[node_id] = self.value_warnings[node_id]
                else:
                    view.warnings.pop(node_id, None)
                self.warn_log.append(node_id)
            return [node_id] + [e.dst for e in outs]
        if forward:
            self.processed.add(node_id)
            view.node_grads[node_id] = step.grad
            for edge, grad in step.incoming:
                view.edge_grads[edge] = grad
            if not is_finite(step.grad):
                view.grad_warnings[node_id] = f"the gradient is {nonfinite_word(step.grad)}"
                self.warn_log.append(node_id)
        else:
            self.processed.discard(node_id)
            view.node_grads.pop(node_id, None)
            for edge, _ in step.incoming:
                view.edge_grads.pop(edge, None)
            if view.grad_warnings.pop(node_id, None) is not None:
                self.warn_log.append(node_id)
        return [node_id] + [e.src for e in self.in_edges[node_id]]

    def move_to(self, k: int) -> View:
        steps = self.stepper.steps
        touched: list[str] = []
        was_backward = self.position > self.n_forward
        old_current = self.current
        while self.position < k:
            touched += self._apply(steps[self.position], True)
            self.position += 1
        while self.position > k:
            self.position -= 1
            touched += self._apply(steps[self.position], False)
        current = steps[k - 1] if k else None
        self.current = current.node if current else None
        self.updating = current.params if isinstance(current, UpdateStep) else ()
        if (self.position > self.n_forward) != was_backward:
            self._refresh_all()
        else:
            for node_id in {*touched, old_current, self.current} - {None}:
                self._refresh(node_id)
            if len(self.log) > 4 * len(self.data.states) + 1024:
                self.epoch += 1         # a long walk: readers of the log start afresh
                self.log.clear()
        if len(self.warn_log) > 4 * len(self.data.states) + 1024:
            self.warn_epoch += 1
            self.warn_log.clear()
        # A new View per position: its own current and emphasis, the shared dicts.
        data = self.data
        return View(data.node_values, data.edge_values, data.node_grads, data.edge_grads,
                    data.states, data.waiting_for, _emphasis(current), self.current,
                    self.updating, data.warnings, data.grad_warnings)
def step_nodes(evaluation: Evaluation,
               update: tuple[str, ...] = ()) -> list[tuple[str, str | None]]:
    """(phase, node) of every step a step-through of ``evaluation`` takes, in order
    (``update``: the Update step's parameters; its node is None, as the step's)."""
    plan = evaluation.plan
    nodes = [("forward", n) for n, v in zip(plan.order, evaluation.values) if v is not None]
    if evaluation.error is None:
        nodes += [("backward", plan.order[e.node]) for e in plan.backward_steps]
        if update:
            nodes.append(("update", None))
    return nodes


def stops_of(nodes: list[tuple[str, str]], gates: dict[str, str]) -> list[int]:
    """Positions after each step of a node that shows, and after the last step of each
    collapsed group (``gates``: node → group) in each pass."""
    last: dict[tuple[str, str], int] = {}
    for k, (phase, node) in enumerate(nodes):
        gate = gates.get(node)
        if gate is not None:
            last[(phase, gate)] = k
    return [k + 1 for k, (phase, node) in enumerate(nodes)
            if gates.get(node) is None or last[(phase, gates[node])] == k]


class ShownSoFar:
    """The numbers the first ``position`` steps have shown, looked up the way an
    :class:`~chainrule.core.engine.Evaluation` is (``value``, ``grad``, ``edge_value``,
    ``edge_grad``), so a panel can show a step-through without telling a number
    the class has not reached: those come back as :data:`NOT_YET`.

    Like an evaluation's, ``grads`` and ``edge_grads`` are None while there are no
    gradients to show — here until the backward pass has begun — so a view draws
    "no gradient" marks only once gradients are being shown at all.
    """

    def __init__(self, stepper: Stepper):
        self._evaluation = evaluation = stepper.evaluation
        self._view = view = stepper.view()
        self._index = evaluation.plan.index
        self._reaching = evaluation.plan.reaching
        #: The graph of the step-through: the numbers belong to it as it was then.
        self.graph = stepper.graph
        self.position = stepper.position
        self.output = evaluation.output
        self.error = evaluation.error
        self.problems = evaluation.problems
        backward = self.error is None and stepper.position > len(stepper.forward)
        self.grads = view.node_grads if backward else None
        self.edge_grads = view.edge_grads if backward else None
        # warnings speak of values (inf, nan): only those of nodes already computed,
        # and of gradients only those already reached (the view's dicts, not copies)
        self.warnings = view.warnings
        self.grad_warnings = view.grad_warnings
        self._stepper = stepper

    def warnings_changed_since(self, token) -> tuple[set[str] | None, Any]:
        """The nodes whose warning may have changed since ``token`` (None: all of
        them), and the token for now (:meth:`Stepper.warnings_changed_since`)."""
        if self._stepper.position != self.position:
            return None, None               # the stepper moved on: start afresh
        return self._stepper.warnings_changed_since(token)

    def fits(self, graph: Graph) -> bool:
        """Whether these numbers still describe ``graph`` (the same graph, unchanged in
        structure); an edit announced before the step-through is dropped breaks this."""
        return graph is self.graph and self._evaluation.plan.fits(graph)

    def value(self, node_id: str):
        if self._evaluation.value(node_id) is None:
            return None
        return self._view.node_values.get(node_id, NOT_YET)

    def grad(self, node_id: str):
        if self.error is not None or not self._reaching[self._index[node_id]]:
            return None
        return self._view.node_grads.get(node_id, NOT_YET)

    def edge_value(self, edge: Edge):
        if self._evaluation.edge_value(edge) is None:
            return None
        return self._view.edge_values.get(edge, NOT_YET)

    def tangent_of(self, node_id: str):
        """The node's tangent once its forward step is shown (None: no forward mode)."""
        tangents = self._evaluation.tangents
        if tangents is None:
            return None
        i = self._index[node_id]
        if tangents[i] is None:
            return None
        return tangents[i] if node_id in self._view.node_values else NOT_YET

    def edge_grad(self, edge: Edge):
        if self.error is not None or not self._reaching[self._index[edge.dst]]:
            return None
        return self._view.edge_grads.get(edge, NOT_YET)
