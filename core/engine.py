"""Forward and backward passes.

A :class:`Plan` is compiled once (topological order, one bound function per
node, port wiring as list indices) and updated after structural edits
(:mod:`chainrule.core.plan_update`), so a value change re-runs two flat loops.  The backward pass is one generator of steps in
reverse topological order — one step per node that reaches the output — and
running the whole pass is consuming it; the editor's stepper uses the same
generator.  A whole pass over floats first tries the float kernel
(:mod:`chainrule.core.kernel_floats`), kept only where it gives the loop's numbers.
Gradients live in the :class:`Evaluation`, never on nodes.

The fan-out rule is the line ``grads[a] = ga if s is None else s + ga``: a
node's gradient is the sum of the gradients on its outgoing wires, the first
one taken as it is (as PyTorch does) and each later one added.  The loop
takes that rule as a parameter (``accumulate``), so the misconception of
overwriting at forks (:mod:`chainrule.core.misconception`) is this same loop with
another rule, not a second one.  Nodes that do
not reach the output never receive one and stay None: no gradient, not zero.
"""
from __future__ import annotations

import contextlib
import copy
import gc
import itertools
import math
import operator
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import networkx as nx
import numpy as np

from . import ops
from .errors import EvaluationError
from .formatting import is_finite, nonfinite_word
from .gc_pause import gc_paused
from .graph import Edge, Graph
from .plan_entries import Problem, bind, unwired

_FAIL = (EvaluationError, ValueError, TypeError, IndexError)
_VALUE = operator.attrgetter("value")
_SAME = object()     # an edge-gradient row: each wire carries the node's own gradient
_CHUNK = 128    # backward steps per resumption of the generator
_RELU = ops.OPS["relu"].scalar
_NO_STATE = contextlib.nullcontext()
_IEEE = (ArithmeticError, ValueError)   # what Python raises where IEEE gives inf/nan
_MUL_VJP, _SUB_VJP = ops.OPS["mul"].scalar_vjp, ops.OPS["sub"].scalar_vjp
_RELU_VJP = ops.OPS["relu"].scalar_vjp


class ForwardEntry(NamedTuple):
    """One node of the forward pass, as the plan compiled it."""

    node: int           # index into Plan.order
    fast: Callable      # the float fast path, or ``numpy`` where an input is an array
    numpy: Callable     # the op's numpy function: the IEEE result where ``fast`` raises
    a: int              # index of the node feeding port 0
    b: int              # index of the node feeding port 1, or -1 (one input)


class BackwardEntry(NamedTuple):
    """One node of the backward pass, output first; a leaf has no vjp and a = b = -1."""

    node: int
    fast: Callable | None    # vjp of the fast path; None: the gradient passes unchanged
    numpy: Callable | None   # the op's numpy vjp (None for a leaf)
    a: int
    b: int


#: The fan-out rules the backward loop takes (``accumulate``): what a node's
#: gradient becomes when one more of its outgoing wires sends one back.
#: ``None`` is the right rule, the sum, written inline in the loop.
SUM = None


def OVERWRITE(old: Any, new: Any) -> Any:
    """The misconception ``grads[x] = g`` instead of ``grads[x] += g``: the last one wins."""
    return new


class Plan:
    """Everything about a graph that does not depend on its leaf values.

    Compiled here from scratch; after a few structural edits
    :func:`chainrule.core.plan_update.updated` derives the next plan from this
    one instead (the same attributes, as a fresh build would make them)."""

    def __init__(self, graph: Graph):
        with gc_paused():
            self._build(graph)

    def _build(self, graph: Graph) -> None:
        self.structure_version = graph.structure_version
        # Level by level: every node after its inputs, ties in the order nodes were
        # added, so stepping forward walks the circuit left to right.
        self._levels = levels = graph.generations()
        self._level_of: dict[str, int] | None = None    # node id -> level, when needed
        order = [n for level in levels for n in level]
        self.order = order
        self.index = index = {node_id: i for i, node_id in enumerate(order)}
        node = graph.node
        self.nodes = nodes = [node(n) for n in order]
        self._inputs: list[tuple[int, ...]] | None = []
        self.problems: list[Problem] = []
        blocked: set[int] = set()
        ports = graph._ports            # (dst, port) -> src: the model's own port table
        inputs = self._inputs
        for i, node in enumerate(nodes):
            spec = node.spec
            nid = node.id
            arity = spec.arity
            if arity == 0:
                inputs.append(())
                continue
            try:
                ins = tuple([index[ports[nid, p]] for p in range(arity)])
            except KeyError:            # an unconnected port
                srcs = [ports.get((nid, p)) for p in range(arity)]
                self.problems.append(unwired(node, srcs))
                ins = tuple(index[s] if s is not None else -1 for s in srcs)
                blocked.add(i)
            if blocked and any(j in blocked for j in ins):
                blocked.add(i)
            inputs.append(ins)
        self.blocked = blocked
        self._blocked_inputs = {i: inputs[i] for i in blocked}
        self._set_leaves([(i, node) for i, node in enumerate(nodes) if node.spec.is_leaf])
        self.output_id = graph.effective_output()
        self.output = -1 if self.output_id is None else index[self.output_id]
        self.output_error: str | None = None
        if self.output_id is None:
            sinks = graph.sinks()
            self.output_error = ("the graph is empty" if not sinks else
                                 "choose the output: the graph has several ends ("
                                 + ", ".join(sinks[:6]) + ("…" if len(sinks) > 6 else "") + ")")
        elif self.output in blocked:
            upstream = nx.ancestors(graph.nx, self.output_id) | {self.output_id}
            first = next(p for p in self.problems if p.node in upstream)
            self.output_error = f'the output "{self.output_id}" cannot be computed: ' + \
                first.message
        self._compile()

    def _set_leaves(self, leaves: list[tuple[int, Any]]) -> None:
        self.leaves = leaves
        self.leaf_scalar = tuple(not isinstance(node.value, np.ndarray) for _, node in leaves)
        # leaves usually come first in the order: their values are then copied in one go
        self.leaf_nodes = [node for _, node in leaves]
        self.leaves_first = all(i == k for k, (i, _) in enumerate(leaves))

    @property
    def inputs(self) -> list[tuple[int, ...]]:
        """Per node, the indices of the nodes feeding its ports (-1: unconnected).
        An updated plan derives them from its entries on first reading."""
        if self._inputs is None:
            inputs: list[tuple[int, ...]] = [()] * len(self.nodes)
            for i, _f, _af, a, b in self.forward_loop:
                inputs[i] = (a,) if b < 0 else (a, b)
            for i, ins in self._blocked_inputs.items():
                inputs[i] = ins
            self._inputs = inputs
        return self._inputs

    def _compile(self) -> None:
        """Bind one pair of functions per node: the float fast path where every input
        is a scalar, numpy otherwise (then both entries are the numpy function).

        The loops' plain tuples are made here directly; the named entries
        (``forward_steps``, ``backward_steps``) only when someone reads them."""
        n = len(self.nodes)
        scalar = [False] * n
        for (i, _), is_scalar in zip(self.leaves, self.leaf_scalar):
            scalar[i] = is_scalar
        forward: list[tuple] = []
        vjps: list = [None] * n
        blocked = self.blocked
        inputs = self._inputs
        append = forward.append
        for i, node in enumerate(self.nodes):
            ins = inputs[i]
            if not ins or (blocked and i in blocked):
                continue
            a = ins[0]
            b = ins[1] if len(ins) > 1 else -1
            sf, af, sv, av, scalar[i] = bind(node, scalar[a] and (b < 0 or scalar[b]))
            append((i, sf, af, a, b))
            vjps[i] = (sv, av)
        # ids of the nodes not known to hold a float (arrays, blocked), for updates
        self._arrays = set(itertools.compress(self.order, map(operator.not_, scalar)))
        # every value computed is a float (a blocked node computes none: an unwired
        # node left on the canvas keeps the rest on the float paths)
        self.all_scalar = all(scalar) or (bool(blocked) and all(
            s for i, s in enumerate(scalar) if i not in blocked))
        # backward entries, output first: only nodes that reach the output get a step
        backward: list[tuple] = []
        self.reaching: list[bool] = [False] * n      # gets a gradient (reaches the output)
        if self.output < 0 or self.output_error:
            self._install(forward, backward)
            return
        reach = self.reaching
        reach[self.output] = True
        append = backward.append
        for i in range(self.output, -1, -1):
            if not reach[i]:
                continue
            ins = inputs[i]
            if not ins:
                append((i, None, None, -1, -1))
                continue
            for j in ins:
                reach[j] = True
            sv, av = vjps[i]
            append((i, sv, av, ins[0], ins[1] if len(ins) > 1 else -1))
        self._install(forward, backward)

    def _install(self, forward: list[tuple], backward: list[tuple]) -> None:
        self.forward_loop: list[tuple] = forward
        self._named: tuple[list, list] | None = None
        self._backward_plain = backward
        self.backward_chunks: list[list[tuple]] = [backward[k:k + _CHUNK]
                                                   for k in range(0, len(backward), _CHUNK)]

    @property
    def forward_steps(self) -> list[ForwardEntry]:
        """The forward pass's entries, named (made on first reading)."""
        return self._named_entries()[0]

    @property
    def backward_steps(self) -> list[BackwardEntry]:
        """The backward pass's entries, output first, named (made on first reading)."""
        return self._named_entries()[1]

    def _named_entries(self) -> tuple[list, list]:
        if self._named is None:
            self._named = ([ForwardEntry._make(e) for e in self.forward_loop],
                           [BackwardEntry._make(e) for e in self._backward_plain])
        return self._named

    def set_steps(self, forward: list[ForwardEntry], backward: list[BackwardEntry]) -> None:
        """Install the entries of both passes.

        Readers use the named entries (``forward_steps``, ``backward_steps``).  The
        two loops read the same entries as plain tuples (``forward_loop``,
        ``backward_chunks``): Python unpacks only an exact tuple on its fast path, a
        named tuple through the iterator protocol, which made a step of the loop
        about 3× slower to unpack (measured).
        """
        self._install([tuple(e) for e in forward], [tuple(e) for e in backward])
        self._named = (list(forward), list(backward))

    def fits(self, graph: Graph) -> bool:
        """Still valid: same structure, and no leaf turned from scalar to array or back
        (the graph counts both as structural changes: write values with set_value)."""
        return graph.structure_version == self.structure_version


@dataclass(slots=True)
class BackwardStep:
    """One node of the backward pass, as the stepper shows it (slots: a step-through
    keeps one per node, and the garbage collector walks them all)."""

    node: str
    grad: Any                               # upstream: sum over the outgoing wires
    incoming: tuple[tuple[Edge, Any], ...]  # gradient sent along each incoming wire
    outgoing: tuple[tuple[Edge, Any], ...]  # the contributions that summed to ``grad``


class Evaluation:
    """Values and gradients of one pass, looked up by node id or edge."""

    def __init__(self, plan: Plan, values: list):
        self.plan = plan
        self.values = values
        self.grads: list | None = None
        # per port, per node: the gradient each incoming wire carries back (after the
        # float kernel's pass, WiresLater: made when read)
        self.edge_grads: tuple[list, list] | kernel_floats.WiresLater | None = None
        self.problems: list[Problem] = list(plan.problems)
        self.warnings: dict[str, str] = {}
        self.grad_warnings: dict[str, str] = {}
        self.output_error: str | None = plan.output_error
        # forward mode: each node's tangent in plan order (core/forward_mode.py), or None
        self.tangents: list | None = None
        # a training step's SGD update done with it: (by what, (new values, all finite))
        self.update: tuple | None = None

    @property
    def output(self) -> str | None:
        return self.plan.output_id

    @property
    def error(self) -> str | None:
        """Why there is no backward pass (None when gradients were computed)."""
        return self.output_error

    def value(self, node_id: str) -> Any:
        return self.values[self.plan.index[node_id]]

    def grad(self, node_id: str) -> Any:
        """The node's gradient, or None when it does not reach the output."""
        if self.grads is None:
            return None
        return self.grads[self.plan.index[node_id]]

    def edge_value(self, edge: Edge) -> Any:
        return self.values[self.plan.index[edge.src]]

    def edge_grad(self, edge: Edge) -> Any:
        """The gradient this wire carries back (its own contribution), or None."""
        if self.edge_grads is None:
            return None
        return self._edge_grad_at(self.plan.index[edge.dst], edge.port)

    def _edge_grad_at(self, i: int, port: int) -> Any:
        # Two lists, one per port, rather than a tuple per node: the pass keeps no
        # small containers alive, which the garbage collector would then scan.
        # _SAME (add on floats): every wire carries the node's own gradient.
        wires = self.edge_grads
        if type(wires) is kernel_floats.WiresLater and wires.lists is None \
                and wires.alone():
            return wires.one(i, port)
        first = wires[0][i]
        if first is _SAME:
            return self.grads[i]
        return first if port == 0 else wires[1][i]


# ------------------------------------------------------------------ forward

def _leaf_values(plan: Plan) -> list:
    """A values list with the leaves' current values in place, the rest None."""
    vals: list = [None] * len(plan.nodes)
    if plan.leaves_first:
        vals[:len(plan.leaf_nodes)] = map(_VALUE, plan.leaf_nodes)
    else:
        for i, node in plan.leaves:
            vals[i] = node.value
    return vals


def forward(plan: Plan, explain: bool = True) -> Evaluation:
    """The forward pass; ``explain``: say which values are inf or nan and why."""
    vals = _leaf_values(plan)
    try:
        _quietly(not plan.all_scalar, _forward_fast, plan.forward_loop, vals)
        evaluation = Evaluation(plan, vals)
    except _FAIL:
        evaluation = _forward_careful(plan)
    if explain:
        _note_nonfinite(evaluation)
    return evaluation


def _quietly(arrays: bool, loop: Callable, *args) -> Any:
    """``loop(*args)`` with the garbage collector paused, and numpy's warnings off
    where ``arrays`` (a plan of floats calls numpy only on its IEEE path, which
    turns them off itself).  Written out rather than ``gc_paused()``: entering
    that and ``np.errstate`` cost 3.6 µs a pass, a tenth of a 100-node pass."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        if arrays:
            with np.errstate(all="ignore"):
                return loop(*args)
        return loop(*args)
    finally:
        if collecting:
            gc.enable()


def _forward_fast(steps: list, vals: list) -> None:
    """The forward loop.  relu, the commonest op that is a Python function, is
    written inline (a call saved per node; its expression, so the same numbers;
    ``<= 0.0`` is its ``<= 0`` for a float, and CPython compares two floats faster).
    Writing ``+ − ×`` inline saved nothing measurable over calling the operator
    functions, and a nan would then depend on CPython's specialisation (see
    :func:`_backward_chunks`)."""
    relu = _RELU
    for i, f, af, a, b in steps:
        try:
            if b >= 0:
                vals[i] = f(vals[a], vals[b])
            elif f is relu:
                x = vals[a]
                vals[i] = 0.0 if x <= 0.0 else x
            else:
                vals[i] = f(vals[a])
        except _IEEE:
            vals[i] = _ieee(af, vals[a]) if b < 0 else _ieee(af, vals[a], vals[b])


def _ieee(fn, *args):
    with np.errstate(all="ignore"):
        return fn(*args)


def _forward_careful(plan: Plan) -> Evaluation:
    """The same loop, tolerating nodes that fail: they and their consumers get None."""
    vals = _leaf_values(plan)
    evaluation = Evaluation(plan, vals)
    for step in plan.forward_steps:
        i, a, b = step.node, step.a, step.b
        args = (vals[a],) if b < 0 else (vals[a], vals[b])
        if any(v is None for v in args):
            continue
        try:
            vals[i] = _ieee(step.numpy, *args)
        except _FAIL as exc:
            node = plan.nodes[i]
            evaluation.problems.append(Problem(node.id, f'node "{node.id}" ({node.op}): '
                                               + _reason(exc, args)))
    if plan.output >= 0 and vals[plan.output] is None and evaluation.output_error is None:
        evaluation.output_error = f'the output "{plan.output_id}" cannot be computed: ' + \
            evaluation.problems[-1].message
    return evaluation


def _reason(exc: Exception, args: tuple) -> str:
    if isinstance(exc, EvaluationError):
        return str(exc)
    shapes = " and ".join(ops.shape_text(a) for a in args)
    if "broadcast" in str(exc):
        return f"shapes {shapes} do not broadcast together"
    return f"cannot be computed for shapes {shapes} ({exc})"


def _all_finite(values: list) -> bool:
    """A quick test of floats, arrays and Nones: the sum of everything is finite only
    if every value is (a huge but finite sum overflowing to inf only costs the exact
    scan afterwards).  A plan of floats takes :func:`_floats_finite`."""
    total = 0.0
    with np.errstate(all="ignore"):
        for v in values:
            if v is None:
                continue
            total += v if type(v) is float else float(np.add.reduce(v, axis=None))
    return math.isfinite(total)


def _floats_finite(values: list, holes: Iterable[int]) -> bool:
    """Whether a plan of floats' values (or gradients) are all finite, by one sum: the
    Nones expected at ``holes`` (blocked nodes' values, the gradients of nodes that
    do not reach the output) count as 0.0, put in and taken out again — a filter
    would cost 2.5× the sum; any other None (a node that failed) takes one."""
    holes = [j for j in holes if values[j] is None]
    for j in holes:
        values[j] = 0.0
    try:
        return math.isfinite(sum(values))
    except TypeError:
        return math.isfinite(sum(v for v in values if v is not None))
    finally:
        for j in holes:
            values[j] = None


def _note_nonfinite(evaluation: Evaluation) -> None:
    vals = evaluation.values
    plan = evaluation.plan
    if _floats_finite(vals, plan.blocked) if plan.all_scalar else _all_finite(vals):
        return
    finite = [v is None or is_finite(v) for v in vals]
    if all(finite):
        return
    for i, node in enumerate(plan.nodes):
        if finite[i]:
            continue
        bad = nonfinite_word(vals[i])
        srcs = [j for j in plan.inputs[i] if j >= 0 and not finite[j]]
        if srcs:
            msg = f"{bad} comes from its input {plan.nodes[srcs[0]].id}"
        else:
            args = [vals[j] for j in plan.inputs[i]]
            with np.errstate(all="ignore"):
                msg = node.spec.explain(*args) if node.spec.explain else None
            msg = msg or (f"the result overflowed to {bad}" if bad != "nan" else
                          "the result is nan (for example inf − inf or 0 · inf)")
        evaluation.warnings[node.id] = msg


# ----------------------------------------------------------------- backward

def _backward_chunks(plan: Plan, vals: list, grads: list, sent_a: list,
                     sent_b: list, accumulate: Callable | None = SUM) -> Iterator[list]:
    """The backward pass: yields runs of consecutive steps once their gradients are final.

    ``grads`` starts all None; a node's first incoming contribution is stored,
    each later one combined with what is there by the fan-out rule
    ``accumulate``: :data:`SUM` (None, the right rule, inline: a node's
    gradient is the sum of what its outgoing wires carry back) or a function
    ``(old, new) -> gradient`` such as :func:`OVERWRITE`.  The rule is looked at
    only where a second contribution arrives, so the sum costs nothing extra.
    Storing the first one instead of adding it to 0.0 saves a new float per
    node, and keeps a -0.0 gradient as PyTorch does.  ``sent_a``/``sent_b``
    receive what each node sends into its port a / b.  Steps come in runs
    (``Plan.backward_chunks``) because resuming a generator once per node cost
    as much as a third of the whole pass; :func:`backward_steps` hands them out
    one node at a time.
    """
    floats = plan.all_scalar and accumulate is None
    acc = operator.add if accumulate is None else accumulate
    # numpy's warnings off for arrays, a run at a time (not across a yield: the
    # stepper's own code runs between them)
    arrays = not plan.all_scalar
    out = plan.output
    seed = vals[out]
    grads[out] = np.ones_like(seed) if isinstance(seed, np.ndarray) else 1.0
    for chunk, steps in _op_steps(plan):
        with np.errstate(all="ignore") if arrays else _NO_STATE:
            _steps(steps, vals, grads, sent_a, sent_b, floats, acc)
        yield chunk


def _steps(steps: Iterable[tuple], vals: list, grads: list, sent_a: list, sent_b: list,
           floats: bool, acc: Callable) -> None:
    """The loop's body over one run of steps (or one step: a wire read alone)."""
    # The vjps of sub, mul and relu are written inline (their expressions: the same
    # numbers, a call and a tuple saved per node), and leaves are skipped.  Where
    # both operands of a float + or × are nan, CPython's specialised instruction
    # keeps the first one's and the generic one (``operator.add``) the second's: a
    # nan result is computed again by the function (the sum's is operator.add), so
    # a pass's nans never depend on how warm the loop is.  Arrays and the other
    # fan-out rules take the calls; a wrong vjp rule may send an array back to a
    # float node, and the plan it patches is not all_scalar.
    mul_vjp = _MUL_VJP if floats else None
    sub_vjp, relu_vjp, same = _SUB_VJP, _RELU_VJP, _SAME
    for i, sv, av, a, b in steps:
        if b >= 0:
            g = grads[i]
            if sv is None:              # add on floats: g to both inputs
                sent_a[i] = same
                ga = gb = g
            else:
                if sv is mul_vjp:       # (g · b, g · a)
                    x = vals[a]
                    y = vals[b]
                    ga = g * y
                    gb = g * x
                    if ga != ga or gb != gb:
                        ga, gb = sv(g, vals[i], x, y)
                elif sv is sub_vjp:
                    ga = g
                    gb = -g
                else:
                    try:
                        ga, gb = sv(g, vals[i], vals[a], vals[b])
                    except _IEEE:
                        ga, gb = _ieee(av, g, vals[i], vals[a], vals[b])
                sent_a[i] = ga
                sent_b[i] = gb
            s = grads[a]
            grads[a] = ga if s is None else (
                (t if (t := s + ga) == t else acc(s, ga)) if floats else acc(s, ga))
            s = grads[b]
            grads[b] = gb if s is None else (
                (t if (t := s + gb) == t else acc(s, gb)) if floats else acc(s, gb))
        else:
            if sv is None:
                ga = grads[i]
            elif sv is relu_vjp:
                ga = 0.0 if vals[i] <= 0.0 else grads[i]
            else:
                try:
                    ga = sv(grads[i], vals[i], vals[a])
                except _IEEE:
                    ga = _ieee(av, grads[i], vals[i], vals[a])
            sent_a[i] = ga
            s = grads[a]
            grads[a] = ga if s is None else (
                (t if (t := s + ga) == t else acc(s, ga)) if floats else acc(s, ga))


def _op_steps(plan: Plan) -> list[tuple[list, list]]:
    """Each run of backward steps with the steps that compute something: the run
    without its leaves, which only receive (a third of the steps of an MLP, two
    thirds of a chain).  Made on the first pass of a plan, made again when its
    entries or its structure change."""
    return _derived(plan)[1]


def _derived(plan: Plan) -> tuple:
    """(key, op steps, the nodes that do not reach the output), made
    again when the key — the plan's backward entries and its structure — changes."""
    key = (plan.backward_chunks, plan.structure_version)
    made = plan.__dict__.get("_loop_derived")
    if made is None or made[0][0] is not key[0] or made[0][1] != key[1]:
        # Nodes without inputs are level 0, the first indices: backward steps run
        # down the indices, so only the chunks reaching below level 0 hold leaves
        # to leave out (the others are used as they are, not copied).
        levels = plan.__dict__.get("_levels")
        first_op = len(levels[0]) if levels else len(plan.nodes)
        away = _falses(plan.reaching)
        made = (key, [(chunk, chunk if chunk[-1][0] >= first_op else
                       [e for e in chunk if e[3] >= 0]) for chunk in plan.backward_chunks],
                away)
        plan._loop_derived = made
    return made


def _falses(flags: list[bool]) -> list[int]:
    """The indices of the False ones: found by ``list.index`` (in C) where they are
    few, as usual (0.02 against 0.24 ms at 10,000 nodes), else by one filter."""
    if flags.count(False) > len(flags) // 16:
        return list(itertools.compress(range(len(flags)), map(operator.not_, flags)))
    found, i = [], -1
    find = flags.index
    try:
        while True:
            i = find(False, i + 1)
            found.append(i)
    except ValueError:
        return found


def grads_finite(plan: Plan, grads: list) -> bool:
    """Whether a plan of floats' gradients are all finite, by one sum (a finite sum
    means finite terms; a huge one overflowing only costs the exact scan); the
    nodes that do not reach the output have none."""
    return _floats_finite(grads, _derived(plan)[2])


def _start_backward(evaluation: Evaluation, accumulate: Callable | None = SUM,
                    vjp_rule: Callable | None = None,
                    entries: Plan | None = None) -> Iterator[list]:
    if evaluation.error is not None:
        raise EvaluationError(evaluation.error)
    evaluation.grads = [None] * len(evaluation.plan.nodes)
    n = len(evaluation.plan.nodes)
    evaluation.edge_grads = sent_a, sent_b = [None] * n, [None] * n
    plan = entries or evaluation.plan
    plan = plan if vjp_rule is None else _with_rule(plan, vjp_rule)
    return _backward_chunks(plan, evaluation.values, evaluation.grads,
                            sent_a, sent_b, accumulate)


def _with_rule(plan: Plan, vjp_rule: Callable) -> Plan:
    """The plan with the vector-Jacobian products ``vjp_rule(node, vjp)`` returns in
    place of some nodes' own (None keeps the op's): a misconception's wrong rule."""
    patched = copy.copy(plan)
    entries = []
    for entry in plan.backward_steps:
        new = None
        if entry.a >= 0:
            new = vjp_rule(plan.nodes[entry.node], entry.numpy)
        entries.append(entry if new is None else entry._replace(fast=new, numpy=new))
    patched.set_steps(plan.forward_steps, entries)
    # a wrong rule may call numpy on floats, or send an array back to a float node:
    # the loop keeps numpy's warnings off and takes no float shortcut
    patched.all_scalar = False
    return patched


def backward_steps(evaluation: Evaluation, graph: Graph,
                   edges: tuple[Callable, Callable] | None = None) -> Iterator[BackwardStep]:
    """The backward pass one node at a time; the evaluation fills in as it goes.
    ``edges``: (in_edges, out_edges) of ``graph`` as the caller keeps them (the
    stepper's tables: its steps then share one Edge object per wire)."""
    in_edges, out_edges = edges or (graph.in_edges, graph.out_edges)
    plan = evaluation.plan
    entries = iter(plan.backward_steps)
    for chunk in _start_backward(evaluation):
        for entry in itertools.islice(entries, len(chunk)):
            i = entry.node
            node_id = plan.order[i]
            # tuples, not lists: a step-through keeps every step, and the collector
            # stops walking a tuple of edges and floats once it has seen it
            incoming = tuple([(e, evaluation._edge_grad_at(i, e.port))
                              for e in in_edges(node_id)])
            outgoing = tuple([(e, evaluation.edge_grad(e)) for e in out_edges(node_id)
                              if evaluation.grads[plan.index[e.dst]] is not None])
            yield BackwardStep(node_id, evaluation.grads[i], incoming, outgoing)


def backward(evaluation: Evaluation, accumulate: Callable | None = SUM,
             vjp_rule: Callable | None = None, explain: bool = True,
             entries: Plan | None = None) -> Evaluation:
    """The whole backward pass: consume the step generator to the end.

    ``accumulate`` is the fan-out rule (see :func:`_backward_chunks`): the sum,
    or :func:`OVERWRITE` for the misconception of :mod:`chainrule.core.misconception`.
    ``vjp_rule(node, vjp)`` may give a node another vector-Jacobian product (the
    other misconceptions there: the same loop with one rule changed).
    ``entries``: a plan of the same graph whose backward entries run instead of the
    evaluation's own (a training run's, :mod:`chainrule.core.grad_needs`).

    A plan of floats with the sum takes the float kernel first
    (:mod:`chainrule.core.kernel_floats`: node gradients only, the wires' made when
    read); it keeps the pass only where every gradient is finite, and the loop's
    numbers are then the same bit for bit."""
    plan = evaluation.plan
    if (plan.all_scalar and accumulate is None and vjp_rule is None and entries is None
            and evaluation.error is None and kernel_floats.backward(evaluation)):
        return evaluation               # every gradient finite: nothing to explain
    _quietly(False, deque, _start_backward(evaluation, accumulate, vjp_rule, entries), 0)
    if explain:
        _note_nonfinite_grads(evaluation)
    return evaluation


def _note_nonfinite_grads(evaluation: Evaluation) -> None:
    grads = evaluation.grads
    plan = evaluation.plan
    if plan.all_scalar:
        if grads_finite(plan, grads):
            return
    elif _all_finite(grads):
        return
    for i, g in enumerate(grads):
        if g is not None and not is_finite(g):
            bad = nonfinite_word(g)
            evaluation.grad_warnings[plan.order[i]] = f"the gradient is {bad}"


def __getattr__(name: str):
    """``Evaluator`` and ``evaluate`` (which plan, which kernel, which code) live in
    :mod:`chainrule.core.evaluator`, which builds on this module; they are imported
    from here too, as they always were."""
    if name in ("Evaluator", "evaluate"):
        from . import evaluator
        return getattr(evaluator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The float kernel builds on this module (the loop's entries, its body, its
# finiteness sum), and this module calls it from backward(): imported last.
from . import kernel_floats  # noqa: E402
