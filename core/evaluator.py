"""Evaluating one graph again and again: which plan, which kernel, which code.

Why apart from :mod:`chainrule.core.engine` (the plan and the one loop): the
loop is the reference; this file only chooses, per evaluation, what gives the
loop's numbers faster — an updated plan after a structural edit
(:mod:`~chainrule.core.plan_update`), the level-batched kernel on wide graphs
(:mod:`~chainrule.core.kernel_batched`), or straight-line code written once in
the background for runs of evaluations on an unchanged structure
(:mod:`~chainrule.core.straight_line`, :mod:`~chainrule.core.straight_arrays`),
each used only after it matched the loop bit for bit."""
from __future__ import annotations

import gc
import math
from functools import partial
import time
from typing import Callable, Iterator

import numpy as np

from . import grad_needs, kernel_batched, straight_arrays, straight_line
from .engine import (_SAME, BackwardStep, Evaluation, Plan, _forward_fast, _leaf_values,
                     _note_nonfinite, _note_nonfinite_grads, backward, backward_steps,
                     forward, grads_finite)
from .gc_pause import gc_paused
from .kernel_floats import WiresLater
from .graph import Graph
from .plan_update import entry_at, next_plan

#: Evaluations by straight-line code timed before it is compared with the loop.
TRIALS = 12


class Evaluator:
    """Evaluates one graph again and again, recompiling only when its structure changes.

    After :data:`~chainrule.core.straight_line.WARMUP` evaluations of one
    unchanged plan of floats, its straight-line code is written
    (:mod:`chainrule.core.straight_line`) and checked once against the loop; if
    bit-identical it does the following evaluations (the loop remains the
    reference, and takes any evaluation where Python raises)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self._plan: Plan | None = None
        self._runs = 0                  # evaluations of this plan so far
        self._loop_best = math.inf      # its fastest evaluation through the loop (s)
        self._code = _Code()            # the plan's straight-line code (plans of floats)
        # ((plan, its version, wanted ids), its training-run copy): evaluate(wanted=...)
        self._needed: tuple | None = None
        # the last evaluation of a plan of floats, for the first evaluation of the plan
        # updated from it (_evaluate_edited)
        self._last: tuple | None = None

    @property
    def plan(self) -> Plan:
        if self._plan is None or not self._plan.fits(self.graph):
            # after a few structural edits the last plan is updated, else compiled afresh
            kept = None if self._plan is None else kernel_batched.loop_kept(self._plan)
            self._plan = next_plan(self._plan, self.graph, self)
            kernel_batched.keep_loop(self._plan, kept)
            self._runs = 0
            self._loop_best = math.inf
            self._code.cancel()
            self._code = _Code()
        return self._plan

    def forward(self) -> Evaluation:
        return forward(self.plan)

    def evaluate(self, explain: bool = True, wanted: tuple[str, ...] | None = None,
                 sgd: float | None = None) -> Evaluation:
        """Forward, then backward when there is an output to seed.

        ``explain=False`` leaves out the inf/nan explanations (``warnings``,
        ``grad_warnings`` stay empty): a training step reads only the loss and the
        parameters' gradients, and checks those itself.  ``wanted``: the only
        gradients read (a training run's parameters); on a plan with arrays the
        backward pass then skips what leads to none of them, and those nodes'
        gradients stay None (:mod:`chainrule.core.grad_needs`).  ``sgd``: the factor
        −α of a plain SGD step of ``wanted`` that the training-run code may do as well
        (``Evaluation.update``; the caller checks its first one)."""
        start = time.perf_counter()
        plan = self.plan
        self._runs += 1
        if self._runs > 1 and plan.all_scalar:     # wide levels of floats: the batched
            evaluation = kernel_batched.evaluate(plan, explain)     # kernel (first: the loop)
            if evaluation is not None:
                return evaluation
        if self._code.state != "off" and self._runs > straight_line.WARMUP:
            using = self._code.state == "use"
            evaluation = self._evaluate_straight(plan, explain)
            if evaluation is not None:
                if using:
                    self._code.timed(time.perf_counter() - start, self._loop_best)
                return self._remember(plan, evaluation)
        entries = None
        if wanted is not None and not plan.all_scalar:
            entries = self._needed_plan(plan, wanted)
            evaluation = self._evaluate_training(plan, wanted, entries, explain, sgd)
            if evaluation is not None:
                return evaluation
        evaluation = self._evaluate_edited(plan, explain) if self._runs == 1 else None
        if evaluation is None:
            evaluation = forward(plan, explain)
            if evaluation.error is None:
                backward(evaluation, explain=explain, entries=entries)
            if entries is None:
                self._loop_best = min(self._loop_best, time.perf_counter() - start)
        return self._remember(plan, evaluation)

    def _remember(self, plan: Plan, evaluation: Evaluation) -> Evaluation:
        """Keep a plan of floats' values and gradients for the first evaluation of the
        plan updated from it: the lists and the plan's structure version, not the
        evaluation (it holds the old plan, whose entries must be freed while the
        collector is paused: plan_update.next_plan)."""
        # (not after a node failed: its problem is the evaluation's, not the plan's)
        self._last = (plan.structure_version, evaluation.values, evaluation.grads) \
            if plan.all_scalar and evaluation.error is None \
            and len(evaluation.problems) == len(plan.problems) else None
        return evaluation

    def _evaluate_edited(self, plan: Plan, explain: bool) -> Evaluation | None:
        """The first evaluation of a plan updated after a structural edit, edited from
        the last evaluation instead of computed again; None: both passes run.

        Only on plans of floats, and only where no leaf's value changed since.  Every
        value but the affected nodes' (those bound again and what they feed) is the
        one before, moved to its new index: the same op on the same floats.  The
        affected nodes go through the loop's forward function, in order.  Where none
        of them reaches the output and no node started or stopped reaching it, every
        gradient is the one before too: each node's sum has the same contributions in
        the same order (an affected node sends none; an edit that changes who reaches
        the output always leaves an affected node reaching it, so the second test is
        a guard).  Otherwise the backward pass runs.  The wires' gradients are the
        loop's, made when read."""
        last, edit = self._last, plan.__dict__.get("_edit")
        if last is None or edit is None or edit.source != last[0] or last[2] is None \
                or not plan.all_scalar or plan.output_error:
            return None
        vals = _moved(last[1], edit.moves)
        for i, node in plan.leaves:         # (the affected nodes were put in as None)
            if vals[i] is not node.value:
                if vals[i] is not None:     # a value edit since: both passes
                    return None
                vals[i] = node.value        # a leaf added
        affected = edit.affected
        steps = plan.forward_loop
        mine = [steps[k] for k in map(partial(entry_at, steps), affected) if k is not None]
        try:
            _forward_fast(mine, vals)
        except Exception:       # where the loop takes its careful path: both passes
            return None
        evaluation = Evaluation(plan, vals)
        if explain:
            _note_nonfinite(evaluation)
        reaching = plan.reaching
        if edit.reach_changed or any(reaching[i] for i in affected):
            backward(evaluation, explain=explain)
            return evaluation
        evaluation.grads = grads = _moved(last[2], edit.moves)
        evaluation.edge_grads = WiresLater(plan, vals, grads)
        if explain:
            _note_nonfinite_grads(evaluation)
        return evaluation

    def _needed_plan(self, plan: Plan, wanted: tuple[str, ...]) -> Plan:
        key = (plan, plan.structure_version, tuple(wanted))
        cached = self._needed
        if cached is None or cached[0] != key:
            # with the training-run copy, its straight-line code (and its runs)
            cached = self._needed = (key, grad_needs.needed_plan(plan, wanted), _Code())
        return cached[1]

    def _evaluate_training(self, plan: Plan, wanted: tuple[str, ...], entries: Plan,
                           explain: bool, sgd: float | None = None) -> Evaluation | None:
        """A training run's evaluation by its straight-line code
        (:mod:`chainrule.core.straight_arrays`), or None: the loop does it."""
        code = self._needed[2]
        code.runs += 1
        if code.state != "use" and (
                code.state == "off" or code.runs <= straight_line.WARMUP or not code.ready(
                    lambda: straight_arrays.eligible(entries), lambda: straight_line.Job(
                        entries, _SAME, grad_needs.needs(plan, wanted), _leaf_values(plan),
                        tuple(plan.index[p] for p in wanted),
                        write=straight_arrays.compile_training))):
            return None
        collecting = gc.isenabled()
        gc.disable()
        try:
            with np.errstate(all="ignore"):
                result = code.run(_leaf_values(plan), sgd)
        except Exception:       # a shape that changed, a float's ZeroDivisionError: the loop
            return None
        finally:
            if collecting:
                gc.enable()
        if code.state == "check":
            reference = forward(plan, explain)
            if reference.error is None:
                backward(reference, explain=explain, entries=entries)
            code.state = "use" if straight_line.same_as_loop(
                result[:4], reference, straight_arrays.identical) else "off"
            return reference
        evaluation = _code_evaluation(plan, result, explain)
        if result[4] is not None:
            evaluation.update = (code.run, result[4])
        return evaluation

    def _evaluate_straight(self, plan: Plan, explain: bool = True) -> Evaluation | None:
        code = self._code
        if not code.ready(lambda: straight_line.eligible(plan),
                          lambda: straight_line.Job(plan, _SAME)):
            return None
        try:
            with gc_paused():
                result = code.run(_leaf_values(plan))
        except Exception:       # where the loop takes its IEEE path: this once, the loop
            return None
        if code.state == "check":
            reference = forward(plan)
            if reference.error is None:
                backward(reference)
            code.state = "use" if straight_line.same_as_loop(result, reference) \
                else "off"
            return reference
        if not _all_finite(plan, result[0], result[1]):
            # inf and nan: the loop is the reference (a nan's sign bit may differ between
            # the loop's op functions and the generated expressions)
            return None
        return _code_evaluation(plan, result, False)    # all finite: nothing to explain

    def settle(self) -> None:
        """Wait until straight-line code being written in the background is ready
        (tests and benchmarks: the editor never waits), and the kernel's choice."""
        kernel_batched.settle(self._plan)
        self._code.wait()
        if self._needed is not None:
            self._needed[2].wait()

    def steps(self, evaluation: Evaluation | None = None) -> Iterator[BackwardStep]:
        return backward_steps(evaluation or self.forward(), self.graph)


def _moved(values: list, moves: tuple[list[int], list[int]]) -> list:
    """A copy of the old plan's ``values`` in the new plan's order: the indices taken
    out (descending) deleted, None put in at the new ones (ascending), as
    :func:`chainrule.core.plan_update._spliced` edits the order."""
    values = list(values)
    for i in moves[0]:
        del values[i]
    for i in moves[1]:
        values.insert(i, None)
    return values


def _all_finite(plan: Plan, vals: list, grads: list) -> bool:
    """Whether straight-line code's values and gradients are all finite floats (a sum
    of each: one overflowing only sends this evaluation to the loop)."""
    try:
        return math.isfinite(sum(vals)) and grads_finite(plan, grads)
    except TypeError:
        return False


def _code_evaluation(plan: Plan, result: tuple, explain: bool) -> Evaluation:
    """The :class:`Evaluation` of straight-line code's (values, grads, sent_a, sent_b)."""
    evaluation = Evaluation(plan, result[0])
    evaluation.grads = result[1]
    evaluation.edge_grads = (result[2], result[3])
    if explain:
        _note_nonfinite(evaluation)
        _note_nonfinite_grads(evaluation)
    return evaluation


class _Code:
    """A plan's straight-line code (or a training-run copy's), and where it stands:
    "wait", "writing" (in the background), "check" (first use), "use", "off"."""

    def __init__(self):
        self.runs = 0
        self.state = "wait"
        self.job: straight_line.Job | None = None
        self.run: Callable | None = None
        self._best = math.inf           # its fastest evaluation so far (s)
        self._timed = 0

    def timed(self, seconds: float, loop_best: float) -> None:
        """One evaluation by the code took ``seconds``.  After :data:`TRIALS` of them
        (CPython specialises a function from its eighth call on), code no faster than
        the loop's fastest evaluation of the plan is dropped: on a long chain the
        loop is as fast (its float kernel stores no wire's gradient; the code
        returns every one), and a run should never be slower than its first
        evaluations."""
        self._best = min(self._best, seconds)
        self._timed += 1
        if self._timed == TRIALS and self._best >= loop_best:
            self.state = "off"

    def ready(self, eligible: Callable[[], bool], start: Callable[[], straight_line.Job]
              ) -> bool:
        """Move on one stage: start writing the code (if ``eligible()``), take it once
        written; True when ``run`` is there to call (to check or to use)."""
        if self.state == "wait":
            self.state = "writing" if eligible() else "off"
            if self.state == "writing":
                self.job = start()
            return False
        if self.state == "writing":
            if not self.job.done():
                return False
            self.run = self.job.result()
            self.state = "check" if self.run is not None else "off"
        return self.state in ("check", "use")

    def cancel(self) -> None:
        """Its plan was replaced: code still being written is not wanted."""
        if self.state == "writing":
            self.job.cancel()

    def wait(self) -> None:
        """Until code being written in the background is ready."""
        if self.state == "writing":
            self.job.wait()


def evaluate(graph: Graph) -> Evaluation:
    """One forward and backward pass (compiles a fresh plan)."""
    return Evaluator(graph).evaluate()
