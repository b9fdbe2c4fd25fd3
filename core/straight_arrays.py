"""Straight-line code for the training steps of plans with arrays.

A small tensor net (demo 09: a dozen nodes on 4×3 matrices) spends about as
long in the loop's bookkeeping — unpacking each entry, indexing the lists,
choosing between one and two inputs, entering numpy's error state per run of
steps — as in numpy.  A training run evaluates one unchanged plan thousands
of times, so its pass is written out once as code: ``v7 = F7(v3, v5)`` … then
the backward entries of its training-run copy (:mod:`chainrule.core.grad_needs`)
as ``a9, b9 = V9(g9, v9, v7, v8)``.

It calls the very functions the loop calls, in the loop's order, with the
loop's fan-out rule (the first contribution as it came, each later one
added by ``operator.add``, which is what the loop's sum is on a plan with
arrays) and the loop's inline forms (``-g`` for sub, the gradient passed on
where the vjp is None): the same numpy calls on the same operands, so the
same bits, nan included.  :class:`chainrule.core.engine.Evaluator` still
checks that on the first use (:func:`identical`) and keeps the loop for good
if anything differs; any exception (a shape that changed, a float node's
ZeroDivisionError) sends that one evaluation through the loop.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from . import ops, straight_line, straight_shapes

#: Plans with more nodes keep the loop (their arrays are large: the loop's
#: overhead is small beside the numpy work, and writing code takes time).
MAX_NODES = 400


def eligible(plan) -> bool:
    return (not plan.all_scalar and not plan.problems and plan.output_error is None
            and plan.output >= 0 and len(plan.nodes) <= MAX_NODES)


#: Parameters with more numbers than this in all are updated by the optimizer itself.
UPDATE_AT_MOST = 4096
#: Plans whose values hold more numbers than this keep the general code: numpy's work
#: dwarfs the wrappers' (a 64-256-256-10 MLP on a batch of 128 measured no faster).
SHAPED_AT_MOST = 1 << 16


def compile_training(plan, same: Any, need: list[bool], leaves: list | None = None,
                     params: tuple[int, ...] = ()) -> Callable:
    """``run(vals, s=None) -> (values, grads, sent_a, sent_b, update)`` for ``plan`` (a
    training-run copy: its backward entries are those of :func:`grad_needs.needed_plan`);
    ``need[i]``: node i's gradient is computed (an entry's port into a node not
    needed receives None, as the loop's lists then hold).

    ``leaves`` (the leaves' values now, as the loop's list holds them): the code is
    also written for their shapes (:mod:`chainrule.core.straight_shapes`), guarded by
    a test of every leaf's type, dtype and shape that hands any other leaves to the
    general code; kept only if it gives the general code's numbers on them.  That code
    also does plain SGD's update of the nodes ``params`` when given its factor ``s``
    (−α): ``update`` is then (the new values ``p + s · g`` in the order of ``params``,
    whether all their numbers are finite), else None."""
    general = _write(plan, same, need)
    if leaves is None:
        return general
    try:
        with np.errstate(all="ignore"):
            sample = general(leaves)
            if sum(np.size(v) for v in sample[0]) > SHAPED_AT_MOST:
                return general
            forms = straight_shapes.Forms(plan, sample[0], sample[1])
            shaped = _write(plan, same, need, forms, general, _updated(params, *sample[:2]))
            again = shaped(leaves)
    except Exception:           # the general code raises on these leaves: the loop's case
        return general
    if not all(identical(x, y) for x, y in zip(again[:4], sample[:4])):
        return general
    return shaped


def _updated(params: tuple[int, ...], values: list, grads: list) -> tuple[int, ...]:
    """``params`` if SGD's update of each is two numpy operations on float64 arrays of
    its shape (its gradient's too) and they are small, else () (no update written)."""
    ok = params and all(straight_shapes.is_array(values[i])
                        and straight_shapes.is_array(grads[i])
                        and values[i].shape == grads[i].shape for i in params)
    return tuple(params) if ok and sum(values[i].size for i in params) <= UPDATE_AT_MOST \
        else ()


def _update_lines(params: tuple[int, ...]) -> list[str]:
    """SGD's step (``p + s·g``, :meth:`chainrule.core.optimizers.SGD.step_arrays`) and
    the trainer's test of the new values (all finite), written out: ``c · c`` of all of
    them is finite only if each is (a huge finite one squared to inf only sends the
    step to the optimizer, which finds it finite)."""
    if not params:
        return [" U = None"]
    new = [f"n{i}" for i in params]
    return ([" if S is None:", "  U = None", " else:"]
            + [f"  n{i} = v{i} + S * g{i}" for i in params]
            + ["  C = CONCAT((" + "".join(f"{n}.ravel(), " for n in new) + "))",
               "  U = [" + ", ".join(new) + "], ISFINITE(DOT(C, C))"])


def _guard(plan, values: list) -> str:
    """The test that every leaf is what it was in the sample: a float, or a float64
    array of that shape (in three chained tests: the types, the dtypes, the shapes)."""
    arrays = [i for i, _node in plan.leaves if type(values[i]) is np.ndarray]
    tests = [f"type(v{i}) is {type(values[i]).__name__}" for i, _node in plan.leaves
             if type(values[i]) is not np.ndarray]
    if arrays:
        tests.append(" is ".join(f"type(v{i})" for i in arrays) + " is NDARRAY")
        tests.append(" is ".join(f"v{i}.dtype" for i in arrays) + " is F64")
        tests.append("(" + "".join(f"v{i}.shape, " for i in arrays) + ") == "
                     + repr(tuple(values[i].shape for i in arrays)))
    return " and ".join(tests) or "True"


def _write(plan, same: Any, need: list[bool], forms: Any = None,
           general: Callable | None = None, params: tuple[int, ...] = ()) -> Callable:
    """The code of :func:`compile_training`: with ``forms``, each node they cover
    written out for its shapes, and the leaves guarded (else ``general(L)``); the
    update of ``params``."""
    n = len(plan.nodes)
    consts: dict[str, Any] = {"SAME": same, "ADD": operator.add, "ONES": np.ones_like,
                              "NDARRAY": np.ndarray, "F64": np.dtype(np.float64),
                              "GENERAL": general, "ISFINITE": math.isfinite,
                              "CONCAT": np.concatenate, "DOT": np.dot}
    relu = ops.OPS["relu"].scalar
    relu_vjp = ops.OPS["relu"].scalar_vjp
    sub_vjp = ops.OPS["sub"].scalar_vjp
    lines = ["def run(L, S=None):"]
    emit = lines.append
    for i, _node in plan.leaves:
        emit(f" v{i} = L[{i}]")
    if forms is not None:
        emit(f" if not ({_guard(plan, forms.values)}):")
        emit("  return GENERAL(L)")
    for i, f, _af, a, b in plan.forward_loop:
        written_out = forms.forward(i, f, a, b) if forms is not None else None
        if written_out is not None:
            lines.extend(written_out)
            continue
        consts[f"F{i}"] = f
        if b >= 0:
            emit(f" v{i} = F{i}(v{a}, v{b})")
        elif f is relu:                           # the loop's inline relu
            emit(f" x = v{a}")
            emit(f" v{i} = 0.0 if x <= 0 else x")
        else:
            emit(f" v{i} = F{i}(v{a})")
    has_grad = [False] * n
    sent_a = ["None"] * n
    sent_b = ["None"] * n

    add = straight_line.sender(emit, has_grad, "ADD({old}, {new})")

    def send(j: int, expr: str, needed: bool) -> None:
        # None into a node nobody needs: its slot stays None (after a gradient the
        # loop would add None and raise: so does the code)
        if needed or has_grad[j]:
            add(j, expr if needed else "None")

    out = plan.output
    if forms is not None and forms.float_output:
        emit(f" g{out} = 1.0")                  # the seed of a float output, as below
    else:
        emit(f" g{out} = ONES(v{out}) if isinstance(v{out}, NDARRAY) else 1.0")
    has_grad[out] = True
    for i, sv, _av, a, b in plan._backward_plain:
        if a < 0:
            continue
        g = f"g{i}" if has_grad[i] else "None"
        written_out = forms.backward(i, sv, a, b) if forms is not None and has_grad[i] \
            else None
        if b >= 0:
            if sv is None:                      # add on floats: g to both inputs
                sent_a[i] = "SAME"
                send(a, g, True)
                send(b, g, True)
                continue
            if written_out is not None:
                lines.extend(written_out)
            elif sv is sub_vjp:
                emit(f" a{i} = {g}")
                emit(f" b{i} = -{g}")
            else:
                consts[f"V{i}"] = sv
                emit(f" a{i}, b{i} = V{i}({g}, v{i}, v{a}, v{b})")
            sent_a[i], sent_b[i] = f"a{i}", f"b{i}"
            send(a, f"a{i}", need[a])
            send(b, f"b{i}", need[b])
            continue
        if written_out is not None:
            lines.extend(written_out)
        elif sv is None:
            emit(f" a{i} = {g}")
        elif sv is relu_vjp:
            emit(f" a{i} = 0.0 if v{i} <= 0 else {g}")
        else:
            consts[f"V{i}"] = sv
            emit(f" a{i} = V{i}({g}, v{i}, v{a})")
        sent_a[i] = f"a{i}"
        send(a, f"a{i}", True)
    if forms is not None:
        consts.update(forms.consts)
    lines.extend(_update_lines(params))
    return straight_line.written(lines, has_grad, sent_a, sent_b, consts,
                                 "<chainrule straight-line training plan>", extra="U")


def identical(x: list, y: list) -> bool:
    """Bit for bit, arrays too: the same shapes, dtypes and bytes; floats, Nones and
    markers as :func:`chainrule.core.straight_line.identical` compares them."""
    if len(x) != len(y):
        return False
    for p, q in zip(x, y):
        if isinstance(p, np.ndarray) or isinstance(q, np.ndarray):
            if not (type(p) is type(q) and p.dtype == q.dtype and p.shape == q.shape
                    and p.tobytes() == q.tobytes()):
                return False
        elif not straight_line.identical([p], [q]):
            return False
    return True
