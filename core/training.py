"""Gradient descent on the graph's parameters: Step, Run N steps, Reset.

Training is the reason backpropagation exists, so the lab must be able to do
it on any graph the learner builds: the ``trainable`` inputs are the
parameters, the output is the loss (the sum of its elements when it is an
array, which is what seeding it with ones means), and one step is
``w := w − α · ∂L/∂w`` for every parameter at once, with the gradients of one
backward pass.  Nothing here computes a gradient: each step is one
``Evaluator.evaluate()`` of the engine, on a plan compiled once.

Notifications.  The graph announces every value change (``node_changed``)
and an editor follows those events; at a thousand steps per second and a
dozen parameters, one event per parameter per step would cost the editor far
more than the training.  So a step can update the values *quietly* (written
straight into the leaf nodes, already normalised floats / float64 arrays of
unchanged shape, so the compiled plan stays valid) and :meth:`Trainer.publish`
announces the current values later through ``Graph.announce_values``, one
``node_changed`` per parameter.  :meth:`Trainer.step` publishes by default;
:meth:`Trainer.run` publishes before every callback and once at the end (and
before raising), so whoever looks at the graph from a callback or after the
run sees announced values.  Between two publications the graph holds values
nobody was told about: the price is that ``graph.version`` lags during a run,
which is harmless because a run is synchronous and nothing else looks at the
graph until it publishes.

The update rule is an :mod:`chainrule.core.optimizers` optimizer (plain SGD
unless another is given), whose state per parameter lives as long as the
Trainer and is forgotten by :meth:`Trainer.reset`.  When the graph has a data
set bound to its inputs (``graph.data``), every step first feeds the next
minibatch to those inputs (and feeds the next one after it, so the graph
shows what the next step will see); at the end of each epoch the loss of the whole
training part and of the held-out part are computed by forward passes alone
(nothing is updated) and appended to :attr:`Trainer.epochs`.

A non-finite loss, gradient or updated value stops training with a
:class:`TrainingError` that says which and when; the parameters keep the last
finite values (published), and :attr:`Trainer.history` keeps every loss
recorded so far.
"""
from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import straight_arrays
from .engine import Evaluator
from .errors import ChainruleError
from .formatting import format_number, nonfinite_word
from .graph import Graph
from .optimizers import SGD, Optimizer


#: ``lr`` left out of :meth:`Trainer.step` / :meth:`Trainer.run`: the optimizer's own.
_OWN = object()


class TrainingError(ChainruleError):
    """Training cannot go on (non-finite numbers, no parameters, no loss).

    ``step`` is the index in :attr:`Trainer.history` of the step that failed
    (None when no step could start), ``node`` the parameter concerned, if any,
    and ``losses`` the losses this run recorded before stopping.
    """

    def __init__(self, message: str, step: int | None = None, node: str | None = None,
                 losses: list[float] | None = None):
        super().__init__(message)
        self.step = step
        self.node = node
        self.losses = list(losses or [])


@dataclass(frozen=True)
class Progress:
    """What a :meth:`Trainer.run` callback receives."""

    done: int                 # steps done in this run so far
    total: int                # steps asked for
    loss: float               # the latest loss
    losses: list[float]       # the losses recorded since the previous callback (for a plot)


def parameters(graph: Graph) -> list[str]:
    """Ids of the trainable inputs, in the graph's node order (a file's order when loaded)."""
    return [n.id for n in graph._nodes.values() if n.trainable and n.op == "input"]


def total_loss(value: Any) -> float:
    """The loss a value stands for: itself, or the sum of its elements."""
    if isinstance(value, np.ndarray):
        return float(np.sum(value))
    return float(value)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _finite(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return bool(np.all(np.isfinite(value)))
    return math.isfinite(value)


def _all_finite(values) -> bool:
    """True only if every number of ``values`` is finite.  Small arrays are looked at
    in one ``isfinite`` over them all (one call, no warnings to silence); large ones
    by one sum each (no copy: their sum is finite only if each number is), so False
    may also be a finite sum too large for a float64: the caller then asks
    :func:`_finite` of each value."""
    arrays = []
    size = 0
    for v in values:
        if isinstance(v, np.ndarray):
            arrays.append(v)
            size += v.size
        elif not math.isfinite(v):
            return False
    if not arrays:
        return True
    if size <= _CONCAT_AT_MOST:
        return bool(_ISFINITE(_CONCAT([a.ravel() for a in arrays])).all())
    total = 0.0
    with np.errstate(all="ignore"):
        for v in arrays:
            total += float(np.add.reduce(v, axis=None))
    return math.isfinite(total)


_ISFINITE, _CONCAT = np.isfinite, np.concatenate
#: Up to this many numbers in all, copying them into one array costs less than a call
#: per array (measured on demo 09's four parameters: 3.2 µs against 5.6 µs).
_CONCAT_AT_MOST = 4096


class Trainer:
    """Gradient descent on one graph.  Keeps the values to reset to and the loss history.

    The parameters are looked up again at the start of every :meth:`step` and
    :meth:`run`, so marking an input trainable (or removing one) between runs
    needs no new Trainer; a parameter seen for the first time is remembered
    with its value then, for :meth:`reset`.
    """

    def __init__(self, graph: Graph, evaluator: Evaluator | None = None,
                 optimizer: Optimizer | None = None):
        self.graph = graph
        self.evaluator = evaluator if evaluator is not None else Evaluator(graph)
        self.optimizer = optimizer if optimizer is not None else SGD(0.1)
        self.history: list[float] = []
        #: One entry per finished epoch: (steps so far, training loss, held-out loss or None).
        self.epochs: list[tuple[int, float, float | None]] = []
        self._cursor: tuple[int, int] = (0, 0)      # (epoch, next batch in it)
        self._batches: list | None = None           # the current epoch's batches
        self._batches_of = None                     # ... of this data set
        self._fed = None                            # (data set, cursor) of the rows fed now
        #: Called after every step with the parameters' new values (a path to draw), or None.
        self.on_step: Callable[[dict], Any] | None = None
        self._start: dict[str, Any] = {}
        self._placed: tuple | None = None           # (plan, version, params), places
        # training-run code whose SGD updates were found the optimizer's (or not)
        self._checked: Any = None
        self._refused: weakref.WeakSet = weakref.WeakSet()
        self._params = self._refresh()

    # ------------------------------------------------------------ queries

    @property
    def params(self) -> list[str]:
        """The parameters as of the last step, run or construction."""
        return list(self._params)

    def snapshot(self) -> dict[str, Any]:
        """The parameter values :meth:`reset` restores (copies): those before training."""
        return {node_id: _copy(v) for node_id, v in self._start.items()}

    def values(self) -> dict[str, Any]:
        """The parameters' current values (copies)."""
        return {p: _copy(self.graph.node(p).value) for p in self._params}

    def loss(self) -> float:
        """The loss at the current values, without a step (for the end of a plot)."""
        evaluation = self.evaluator.forward()
        if evaluation.error is not None:
            raise TrainingError(f"there is no loss to lower: {evaluation.error}")
        return total_loss(evaluation.value(evaluation.output))

    # ------------------------------------------------------------ actions

    def set_optimizer(self, optimizer: Optimizer) -> None:
        """Another update rule (or the same with new settings): its state starts empty."""
        self.optimizer = optimizer

    def state(self) -> dict:
        """What undo must put back besides the values: optimizer state, batch cursor, epochs."""
        import copy
        return {"optimizer": self.optimizer, "opt_state": copy.deepcopy(self.optimizer.state),
                "cursor": self._cursor, "epochs": list(self.epochs)}

    def restore_state(self, state: dict) -> None:
        """Put back a :meth:`state`.  Its optimizer state only if it belongs to the current
        optimizer: after a switch to another rule, that one starts afresh instead."""
        import copy
        if state["optimizer"] is self.optimizer:
            self.optimizer.state = copy.deepcopy(state["opt_state"])
        else:
            self.optimizer.reset()
        self._cursor, self._batches, self._fed = state["cursor"], None, None
        self.epochs[:] = state["epochs"]

    def step(self, lr: Any = _OWN, notify: bool = True) -> float:
        """One update of every parameter; returns the loss before it (also appended to
        :attr:`history`).  With ``notify=False`` call :meth:`publish` later."""
        lr = self._lr(lr)
        self._params = self._refresh()
        try:
            return self._step(lr, self._params)
        finally:
            if notify:
                self.publish()

    def run(self, n: int, lr: Any = _OWN, callback: Callable[[Progress], Any] | None = None,
            should_stop: Callable[[], bool] | None = None, every: int = 1,
            interval: float | None = None, publish: bool = True) -> list[float]:
        """Up to ``n`` steps; returns the losses of the steps done.

        ``callback(progress)`` is called after a step when at least ``every``
        steps and (if given) ``interval`` seconds have passed since the previous
        call, and always after the last step; the values are published just
        before each call.  ``should_stop()`` is asked before every step: True
        ends the run early (no error).  ``publish=False`` (no callback) leaves the
        announcing to the caller (:meth:`publish`), who knows when the screen wants it.
        """
        lr = self._lr(lr)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError("the number of steps must be a whole number ≥ 0")
        every = max(1, int(every))
        params = self._params = self._refresh()
        losses: list[float] = []
        since = 0                     # losses[since:] not yet given to a callback
        last_call = time.perf_counter()
        try:
            for done in range(1, n + 1):
                if should_stop is not None and should_stop():
                    break
                losses.append(self._step(lr, params))
                if callback is None or done == n:
                    continue
                if done - since >= every and (
                        interval is None or time.perf_counter() - last_call >= interval):
                    self.publish()
                    callback(Progress(done, n, losses[-1], losses[since:]))
                    since, last_call = done, time.perf_counter()
        except TrainingError as exc:
            exc.losses = losses
            if publish:
                self.publish()
            raise
        if publish:
            self.publish()
        if callback is not None and len(losses) > since:
            callback(Progress(len(losses), n, losses[-1], losses[since:]))
        return losses

    def publish(self) -> None:
        """Announce the parameters' and fed inputs' values (one ``node_changed`` each)."""
        graph = self.graph
        fed = self.fed_nodes() if graph.data is not None else ()
        graph.announce_values(dict.fromkeys((*self._params, *fed)))   # each once

    def reset(self) -> None:
        """Put every parameter back to its value before training; clear the history."""
        restore = {p: v for p, v in self._start.items()
                   if p in self.graph and self.graph.node(p).spec.is_leaf}
        if restore:
            self.graph.set_values(restore)
        self.history.clear()
        self.optimizer.reset()
        self.epochs.clear()
        self._cursor, self._batches, self._fed = (0, 0), None, None

    def rebase(self) -> None:
        """Make the current values the ones :meth:`reset` restores; clear the history
        (after the learner edits a parameter by hand, say)."""
        self._start = {}
        self._params = self._refresh()
        self.history.clear()
        self.optimizer.reset()
        self.epochs.clear()
        self._cursor, self._batches, self._fed = (0, 0), None, None

    # ----------------------------------------------------------- internal

    def _refresh(self) -> list[str]:
        params = parameters(self.graph)
        for p in params:
            if p not in self._start:
                self._start[p] = _copy(self.graph.node(p).value)
        return params

    def _lr(self, lr: Any) -> float:
        """``lr`` checked and given to the optimizer; left out: the optimizer's own."""
        if lr is not _OWN:
            _check_lr(lr)
            self.optimizer.lr = float(lr)
        return self.optimizer.lr

    # ------------------------------------------------------------ data

    def fed_nodes(self) -> list[str]:
        """The inputs the graph's data set feeds (those still in the graph)."""
        data = self.graph.data
        return [n for n in data.bind if n in self.graph] if data is not None else []

    def _feed(self, rows) -> None:
        for node_id, value in self.graph.data.feed(rows).items():
            if node_id in self.graph:
                self.graph.node(node_id).value = value     # quiet, as the parameters

    def _batch_rows(self):
        """The rows of the batch at the cursor (the next step's), or None without data."""
        data = self.graph.data
        if data is None or not self.fed_nodes():
            return None
        epoch, i = self._cursor
        if self._batches is None or self._batches_of is not data:
            self._batches, self._batches_of = data.batches(epoch), data   # a new set: re-cut
            if i >= len(self._batches):
                i = 0
                self._cursor = (epoch, 0)
        return self._batches[i]

    def _feed_next(self) -> None:
        """Feed the batch the next step trains on (again, if it is fed already)."""
        rows = self._batch_rows()
        fed = self._fed
        if rows is not None and not (fed is not None and fed[0] is self._batches_of
                                     and fed[1] == self._cursor):
            self._feed(rows)
            self._fed = (self._batches_of, self._cursor)

    def _advance(self) -> bool:
        """Move the cursor past the batch just trained on; True when it ended an epoch."""
        epoch, i = self._cursor
        last = i + 1 >= len(self._batches)
        self._cursor = (epoch + 1, 0) if last else (epoch, i + 1)
        if last:
            self._batches = None
        return last

    def split_losses(self) -> tuple[float, float | None]:
        """(training loss, held-out loss or None) at the current parameters, by forward
        passes only; the training rows stay fed.  Nothing is updated."""
        data = self.graph.data
        train, held = data.split()
        self._fed = None
        held_loss = None
        if held.size:
            self._feed(held)
            held_loss = self._forward_loss()
        self._feed(train)
        return self._forward_loss(), held_loss

    def _forward_loss(self) -> float:
        evaluation = self.evaluator.forward()
        if evaluation.error is not None:
            raise TrainingError(f"there is no loss to lower: {evaluation.error}",
                                len(self.history))
        return total_loss(evaluation.value(evaluation.output))

    # ------------------------------------------------------------ the step

    def _step(self, lr: float, params: list[str]) -> float:
        if not params:
            raise TrainingError("there is nothing to train: mark an input as trainable")
        data_bound = self._batch_rows() is not None
        if data_bound:
            self._feed_next()
        # it checks what it reads, and reads only the parameters' gradients
        evaluation = self.evaluator.evaluate(explain=False, wanted=params,
                                             sgd=self.optimizer.sgd_factor())
        k = len(self.history)
        if evaluation.error is not None:
            raise TrainingError(f"there is no loss to lower: {evaluation.error}", k)
        plan = evaluation.plan
        loss = evaluation.values[plan.output]
        loss = float(np.sum(loss)) if isinstance(loss, np.ndarray) else float(loss)
        if not math.isfinite(loss):
            when = f"after {k:,} step{'s' * (k != 1)}" if k else "before the first step"
            raise TrainingError(f"the loss is {format_number(loss)} {when}; the parameters "
                                f"keep their last values (try a smaller α than "
                                f"{format_number(lr)})", k)
        places = self._places(plan, params)
        new = self._done_update(evaluation.update, places, evaluation.grads) \
            if evaluation.update is not None else None
        if new is None:
            new = self._update(evaluation.grads, places, k, lr)
        self.history.append(loss)
        if self.on_step is not None:
            self.on_step(new if isinstance(new, dict) else
                         {p: v for (p, _i, _node), v in zip(places, new)})
        if data_bound:
            if self._advance():
                train, held = self.split_losses()
                self.epochs.append((len(self.history), train, held))
            # The next step's batch is fed now, so the graph (and a step-through of it)
            # shows what that step will train on: its Update step says what Step will do.
            self._fed = None
            self._feed_next()
        return loss

    def _done_update(self, update: tuple, places: list, grads: list) -> list | None:
        """The new values of an SGD step the evaluation's code did, written into the
        nodes; None if some is not finite (the optimizer then does the step, and says
        which) or if that code's first update was not the optimizer's, bit for bit."""
        by, (new, finite) = update
        if not finite or by in self._refused:
            return None
        opt = self.optimizer
        if by is not self._checked:         # its first update: the optimizer's own?
            mine = opt.step_arrays([p for p, _i, _node in places],
                                   [node.value for _p, _i, node in places],
                                   [grads[i] for _p, i, _node in places])
            if mine is None or not straight_arrays.identical(mine, new):
                self._refused.add(by)
                return None
            self._checked = by
        states = opt.state
        for (p, _i, node), v in zip(places, new):
            if p not in states:
                states[p] = {}              # what SGD.step keeps
            node.value = v                  # quiet: publish() announces (module docstring)
        return new

    def _update(self, grads: list, places: list, k: int, lr: float) -> dict | list:
        """Write every parameter's new value into its node (quietly); returns them (a
        list in the order of ``places`` when the optimizer's array path did it, else a
        dict).  A non-finite new value refuses the whole step: nothing written, the
        optimizer's state as it was."""
        opt = self.optimizer
        states = opt.state
        given = [grads[i] for _p, i, _node in places]
        ids = [p for p, _i, _node in places]
        known = [p in states for p in ids]
        new = opt.step_arrays(ids, [node.value for _p, _i, node in places], given)
        if new is not None:         # the rule's own path for arrays did it
            if not _all_finite(new):
                bad = next((p for p, v in zip(ids, new) if not _finite(v)), None)
                if bad is not None:
                    for p, was in zip(ids, known):  # a refused step adds no state
                        if not was:
                            states.pop(p, None)
                    raise TrainingError(self._why(bad, given[ids.index(bad)], k, lr),
                                        k, bad)
            for (_p, _i, node), v in zip(places, new):
                node.value = v          # quiet: publish() announces (module docstring)
            return new
        # in one loop: the parameters the gradient reaches, their nodes, values,
        # gradients, and their optimizer states as they were (a refused step puts them back)
        reached, at, values, given, saved = [], [], {}, {}, {}
        for p, i, node in places:
            g = grads[i]
            if g is not None:
                reached.append(p)
                at.append(node)
                values[p] = node.value
                given[p] = g
                st = states.get(p)
                saved[p] = None if st is None else dict(st)
        new = opt.step(values, given)
        bad = None if _all_finite(new.values()) else \
            next((p for p in reached if not _finite(new[p])), None)
        if bad is not None:
            for q, st in saved.items():            # a refused step leaves the state alone
                if st is None:
                    opt.state.pop(q, None)
                else:
                    opt.state[q] = st
            raise TrainingError(self._why(bad, given[bad], k, lr), k, bad)
        for p, node in zip(reached, at):
            node.value = new[p]     # quiet: publish() announces (module docstring)
        return new

    def _places(self, plan, params: list[str]) -> list[tuple[str, int, Any]]:
        """(parameter, its index in the plan, its node), kept while the plan and the
        parameters stay the same (a step looks them up once per run, not per step)."""
        key = (plan, plan.structure_version, params)
        if self._placed is None or self._placed[0] != key:
            self._placed = (key, [(p, plan.index[p], plan.nodes[plan.index[p]])
                                  for p in params])
        return self._placed[1]

    def _why(self, p: str, g: Any, k: int, lr: float) -> str:
        if not _finite(g):
            bad = nonfinite_word(g)
            return (f"the gradient of {p} is {bad} at step {k + 1}; the parameters keep "
                    f"their last values")
        return (f"{p} would overflow to inf at step {k + 1}: its gradient is too large for "
                f"α = {format_number(lr)}; try a smaller α")


def _check_lr(lr: Any) -> None:
    if type(lr) is float and 0.0 <= lr < math.inf:      # the common case, every step
        return
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)):
        raise ValueError("the learning rate α must be a number")
    if not math.isfinite(lr) or lr < 0:
        raise ValueError("the learning rate α must be a finite number ≥ 0")
