"""The numpy calls an op's array functions make, once the operands' shapes are known.

A training step of a small tensor net spends more time in the op table's
wrappers than in numpy: each call turns its operands into float64 arrays
(``_np``), checks shapes (matmul's inner sizes), sums each gradient back to
its input's shape (``unbroadcast``) and normalises the result (``as_value``).
With the shapes and dtypes of every value fixed, all of that is decided once:
``unbroadcast`` from (4×8) to (8,) is one ``np.add.reduce(g, 0)``, from
(4×8) to (4×8) nothing, and matmul's check always passes.  The forms here
write those decisions out for straight-line code
(:mod:`chainrule.core.straight_arrays`): the numpy calls the functions would
make, with the same operands in the same order, so the same bits — never a
different formula.

They are read off the op table's own functions: an element-wise op's raw
numpy function and vjp (``.raw`` of its wrappers), matmul's and mse's
functions by identity.  A node whose functions are anything else (settings
bound, another op, a shape these forms do not cover) gets ``None``: the code
calls its function as the loop does.  Shapes come from one sample evaluation,
and the code that uses these forms guards every leaf's type, dtype and shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import ops

_F64 = np.dtype(np.float64)

#: Names the forms use, for the written code's namespace.
CONSTS = {"REDUCE": np.add.reduce, "FLOAT": float}


def is_array(v: Any) -> bool:
    """A float64 array with at least one axis: what every form here takes and gives."""
    return type(v) is np.ndarray and v.dtype == _F64 and v.ndim >= 1


def unbroadcast_form(expr: str, g: Any, shape: tuple[int, ...]) -> str | None:
    """``ops.unbroadcast(g, shape)`` as an expression in ``expr`` (whose sample value is
    ``g``): the reductions it makes at these shapes; None where it would give a float."""
    if not (is_array(g) and len(shape) >= 1):
        return None
    now = list(g.shape)
    if tuple(now) == shape:
        return expr
    while len(now) > len(shape):
        expr = f"REDUCE({expr}, 0)"
        now.pop(0)
    for axis, n in enumerate(shape):
        if n == 1 and now[axis] != 1:
            expr = f"REDUCE({expr}, {axis}, keepdims=True)"
            now[axis] = 1
    return expr


class Forms:
    """The forms of one plan's nodes at the shapes of one sample evaluation
    (``values``, ``grads``: the loop's lists of it)."""

    def __init__(self, plan: Any, values: list, grads: list):
        self.plan, self.values, self.grads = plan, values, grads
        self.consts: dict[str, Any] = dict(CONSTS)
        self._diff: set[int] = set()    # mse nodes whose ``t{i} = a - b`` is written
        # a float output: the code seeds it with the literal 1.0 (straight_arrays)
        self.float_output = type(values[plan.output]) is float

    def forward(self, i: int, f: Any, a: int, b: int) -> list[str] | None:
        """Lines computing ``v{i}``, or None."""
        spec, vals = self.plan.nodes[i].spec, self.values
        ins = [vals[a]] if b < 0 else [vals[a], vals[b]]
        if not all(is_array(x) for x in ins):
            return None
        raw = getattr(f, "raw", None)
        if f is spec.array and raw is not None and is_array(vals[i]):
            self.consts[f"R{i}"] = raw
            args = f"v{a}" if b < 0 else f"v{a}, v{b}"
            return [f" v{i} = R{i}({args})"]
        if f is ops._matmul and ins[0].ndim == 2 and ins[1].ndim == 2:
            return [f" v{i} = v{a} @ v{b}"]
        if f is ops._mse and type(vals[i]) is float:
            self._diff.add(i)
            n = int(np.prod(np.broadcast_shapes(ins[0].shape, ins[1].shape)))
            return [f" t{i} = v{a} - v{b}", f" v{i} = FLOAT(REDUCE(t{i} * t{i}, None) / {n})"]
        return None

    def backward(self, i: int, sv: Any, a: int, b: int) -> list[str] | None:
        """Lines computing ``a{i}`` (and ``b{i}`` for two inputs, None where the entry
        computes one port only) from ``g{i}``, or None."""
        spec, vals, g = self.plan.nodes[i].spec, self.values, self.grads[i]
        ins = [vals[a]] if b < 0 else [vals[a], vals[b]]
        ports = self._ports(spec, sv, b >= 0)
        if ports is None or not all(is_array(x) for x in ins):
            return None
        names = [f"v{a}"] if b < 0 else [f"v{a}", f"v{b}"]
        raw = getattr(spec.array_vjp, "raw", None)
        if raw is not None:
            exprs = self._elementwise(i, raw, g, ins, names, ports)
        elif spec.array is ops._matmul:
            exprs = self._matmul(i, g, ins, names, ports)
        elif spec.array is ops._mse:
            exprs = self._mse(i, g, ins, names, ports)
        else:
            return None
        if exprs is None:
            return None
        lines, outs = exprs
        targets = ["a", "b"][:len(ins)]
        return lines + [f" {t}{i} = {outs.get(p, 'None')}" for p, t in enumerate(targets)]

    @staticmethod
    def _ports(spec: Any, sv: Any, binary: bool) -> tuple[int, ...] | None:
        """Which ports' gradients the entry's vjp gives: all of them for the op's own
        vjp, one for a training run's half (:func:`grad_needs._one_port`)."""
        if sv is spec.array_vjp:
            return (0, 1) if binary else (0,)
        half, port = getattr(sv, "half", None), getattr(sv, "port", None)
        if half is None:
            return None
        if spec.port_vjps is not None and half is spec.port_vjps[port]:
            return (port,)
        if getattr(half, "whole", None) is spec.array_vjp:
            return (port,)
        return None

    def _elementwise(self, i, raw, g, ins, names, ports):
        out = self.values[i]
        if not (is_array(g) and is_array(out)):
            return None
        with np.errstate(all="ignore"):
            sample = raw(g, out, *ins)
        if len(ins) == 1:
            sample = (sample,)
        # add's vjp gives g itself to both inputs (the table says so, the sample shows it)
        same = self.plan.nodes[i].spec.identity_vjp and all(x is g for x in sample)
        self.consts[f"RV{i}"] = raw
        call = f"RV{i}(g{i}, v{i}, {', '.join(names)})"
        outs = {}
        for p in ports:
            got = f"g{i}" if same else f"t{i}" if len(ins) == 1 else f"t{i}[{p}]"
            form = unbroadcast_form(got, sample[p], ins[p].shape)
            if form is None:
                return None
            outs[p] = form
        return ([] if same else [f" t{i} = {call}"]), outs

    @staticmethod
    def _matmul(i, g, ins, names, ports):
        a, b = ins
        if not (a.ndim == 2 and b.ndim == 2 and is_array(g)
                and g.shape == (a.shape[0], b.shape[1])):
            return None
        forms = {0: f"g{i} @ {names[1]}.T", 1: f"{names[0]}.T @ g{i}"}
        return [], {p: forms[p] for p in ports}

    def _mse(self, i, g, ins, names, ports):
        if not (is_array(g) or type(g) is float):
            return None
        with np.errstate(all="ignore"):
            d = ins[0] - ins[1]
            k = 2.0 / d.size
            samples = {0: k * d * g, 1: k * (-d) * g}
        lines = [] if i in self._diff else [f" t{i} = {names[0]} - {names[1]}"]
        self.consts[f"K{i}"] = k
        # the output's seed is the literal 1.0: × 1.0 is exact, left out
        by = "" if i == self.plan.output and self.float_output else f" * g{i}"
        exprs = {0: f"K{i} * t{i}{by}", 1: f"K{i} * (-t{i}){by}"}
        outs = {}
        for p in ports:
            form = unbroadcast_form(f"({exprs[p]})", samples[p], ins[p].shape)
            if form is None:
                return None
            outs[p] = form
        return lines, outs
