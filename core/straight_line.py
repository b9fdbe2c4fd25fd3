"""Straight-line code for runs of many evaluations on one unchanged structure.

Training, a slider drag or a gradient check evaluate the same plan again and
again.  The loop kernel pays for being general on every node (unpacking its
entry, indexing the values list, choosing between one and two inputs); code
written out for this one plan — ``v7 = v3 * v5`` … then the backward pass in
the same style — does the same arithmetic without that.  It is made from the
plan's own entries: the op table's bound functions are called as they are,
and only ``+ - * neg`` (the operator functions themselves, and the vjps of
``sub``, ``mul`` and ``neg`` from the op table) are written inline as the
same expressions, so every number is computed by the same IEEE operations in
the same order.  The fan-out rule is the loop's: a node's first contribution
as it came, each later one added, in the order of the backward steps.

Only plans of floats, without problems, with an output and at most
:data:`MAX_WRITTEN` nodes are written out; past :data:`MAX_NODES` as many small
functions (:mod:`chainrule.core.straight_segments`).  Anything Python raises (a division
by zero, an overflow: where the loop takes its IEEE path) makes that one
evaluation go through the loop instead.  :class:`chainrule.core.engine.Evaluator`
has it written on a background thread after :data:`WARMUP` evaluations of one
plan, and uses it only once its first result has been found bit-identical to
the loop's (values, gradients and the gradient of every wire).
"""
from __future__ import annotations

import operator
import struct
import threading
from typing import Any, Callable

from . import ops, straight_segments

#: Evaluations of one unchanged plan before its straight-line code is written.
WARMUP = 32
#: Larger plans are written in pieces: Python's compiler holds the interpreter for
#: the whole of one function (about 0.06–0.1 s per 1,000 nodes on this 2-core machine).
MAX_NODES = 5_000
#: Larger plans keep the loop (writing 200,000 nodes' code takes about 12 s of a core).
MAX_WRITTEN = 200_000

_INLINE = {operator.add: "{a} + {b}", operator.sub: "{a} - {b}",
           operator.mul: "{a} * {b}", operator.neg: "-{a}"}


def _inline_vjps() -> dict:
    return {id(ops.OPS["sub"].scalar_vjp): ("{g}", "-{g}"),
            id(ops.OPS["mul"].scalar_vjp): ("{g} * {b}", "{g} * {a}"),
            id(ops.OPS["neg"].scalar_vjp): ("-{g}",)}


def eligible(plan) -> bool:
    return (plan.all_scalar and not plan.problems and plan.output_error is None
            and plan.output >= 0 and len(plan.nodes) <= MAX_WRITTEN)


def compile_plan(plan, same: Any, stop: threading.Event | None = None) -> Callable | None:
    """A function ``run(vals) -> (values, grads, sent_a, sent_b)`` for ``plan``:
    ``vals`` holds the leaves' values (as the loop's list does); ``same`` is the
    engine's marker for "each wire carries the node's own gradient".  ``stop``
    set: a big plan's writing gives up between two pieces (None)."""
    n = len(plan.nodes)
    consts: dict[str, Any] = {"SAME": same}
    inline_vjp = _inline_vjps()
    lines = ["def run(L):"]
    emit = lines.append
    for i, _node in plan.leaves:
        emit(f" v{i} = L[{i}]")
    for i, f, _af, a, b in plan.forward_loop:
        form = _INLINE.get(f)
        if form is not None and (b >= 0) == (f is not operator.neg):
            emit(f" v{i} = " + form.format(a=f"v{a}", b=f"v{b}"))
        else:
            consts[f"F{i}"] = f
            emit(f" v{i} = F{i}(v{a})" if b < 0 else f" v{i} = F{i}(v{a}, v{b})")
    has_grad = [False] * n
    sent_a = ["None"] * n
    sent_b = ["None"] * n

    send = sender(emit, has_grad, "{old} + {new}")

    out = plan.output
    emit(f" g{out} = 1.0")
    has_grad[out] = True
    for chunk in plan.backward_chunks:
        for i, sv, _av, a, b in chunk:
            if a < 0:
                continue
            g = f"g{i}"
            if b >= 0 and sv is None:          # add: the node's own gradient to both
                sent_a[i] = "SAME"
                send(a, g)
                send(b, g)
                continue
            if b < 0 and sv is None:
                sent_a[i] = g
                send(a, g)
                continue
            forms = inline_vjp.get(id(sv))
            if forms is not None and len(forms) == (2 if b >= 0 else 1):
                exprs = [form.format(g=g, a=f"v{a}", b=f"v{b}") for form in forms]
                emit(f" a{i} = {exprs[0]}")
                if b >= 0:
                    emit(f" b{i} = {exprs[1]}")
            else:
                consts[f"V{i}"] = sv
                if b >= 0:
                    emit(f" a{i}, b{i} = V{i}({g}, v{i}, v{a}, v{b})")
                else:
                    emit(f" a{i} = V{i}({g}, v{i}, v{a})")
            sent_a[i] = f"a{i}"
            send(a, f"a{i}")
            if b >= 0:
                sent_b[i] = f"b{i}"
                send(b, f"b{i}")
    if n > MAX_NODES:
        return straight_segments.written_in_pieces(lines, has_grad, sent_a, sent_b, consts,
                                                   "<chainrule straight-line plan>", stop)
    return written(lines, has_grad, sent_a, sent_b, consts, "<chainrule straight-line plan>")


def sender(emit: Callable, has_grad: list[bool], add: str) -> Callable:
    """``send(j, expr)``: the loop's fan-out rule written out — node j's first
    contribution as it came, each later one combined by ``add`` (``{old}``, ``{new}``)."""
    def send(j: int, expr: str) -> None:
        if has_grad[j]:
            emit(f" g{j} = " + add.format(old=f"g{j}", new=expr))
        else:
            has_grad[j] = True
            emit(f" g{j} = {expr}")
    return send


def written(lines: list[str], has_grad: list[bool], sent_a: list[str], sent_b: list[str],
            consts: dict, filename: str, extra: str | None = None) -> Callable:
    """The function ``run`` whose body is ``lines``, returning (values, grads, sent_a,
    sent_b) as the engine's lists (``v{i}``, ``g{i}`` where ``has_grad``), compiled;
    ``extra``: an expression returned fifth."""
    n = len(has_grad)
    lines = lines + [
        " return ([" + ", ".join(f"v{i}" for i in range(n)) + "],",
        "  [" + ", ".join(f"g{i}" if has_grad[i] else "None" for i in range(n)) + "],",
        "  [" + ", ".join(sent_a) + "], [" + ", ".join(sent_b) + "]"
        + ("" if extra is None else f", {extra}") + ")"]
    namespace = dict(consts)
    exec(compile("\n".join(lines), filename, "exec"), namespace)
    return namespace["run"]


class Job:
    """:func:`compile_plan` (or ``write``, given the same arguments) on a thread of its
    own: the evaluations go on through the loop meanwhile.  ``result()`` is the function, or None if writing it failed."""

    def __init__(self, plan, same: Any, *more: Any, write: Callable | None = None):
        self._result: Callable | None = None
        self._stop = threading.Event()
        kw = {} if write is not None else {"stop": self._stop}
        self._thread = threading.Thread(target=self._run, args=(write or compile_plan, plan,
                                                                same, *more), kwargs=kw,
                                        daemon=True, name="chainrule straight-line code")
        self._thread.start()

    def _run(self, write: Callable, *args, **kw) -> None:
        try:
            self._result = write(*args, **kw)
        except (RecursionError, MemoryError, SyntaxError):
            self._result = None

    def cancel(self) -> None:
        """Nobody will use the code (its plan was replaced): a big plan's writing stops
        at the next piece instead of taking a core for seconds more."""
        self._stop.set()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> Callable | None:
        return self._result


def same_as_loop(result: tuple, reference, same: Callable | None = None) -> bool:
    """A fast path's (values, grads, sent_a, sent_b) are those of the loop's
    Evaluation ``reference``, bit for bit (``same``: how two lists compare,
    :func:`identical` unless arrays need their own)."""
    same = same or identical
    vals, grads, sent_a, sent_b = result
    return reference.grads is not None and all(same(x, y) for x, y in (
        (vals, reference.values), (grads, reference.grads),
        (sent_a, reference.edge_grads[0]), (sent_b, reference.edge_grads[1])))


def identical(x: list, y: list) -> bool:
    """Bit for bit: the same floats (−0.0 is not 0.0, a nan only its own bits), the
    same Nones and markers."""
    if len(x) != len(y):
        return False
    for p, q in zip(x, y):
        if type(p) is float and type(q) is float:
            if _bits(p) != _bits(q):
                return False
        elif p is not q and not (type(p) is type(q) and p == q):
            return False
    return True


_bits = struct.Struct("<d").pack
