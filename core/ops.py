"""The op table: every operation of ``ops.md`` defined once.

Each :class:`Op` carries its ports, its forward function, the vector-Jacobian
product for its inputs, its formulas as text for people and its teaching
note.  The palette, the file reader, the program parser, the engine and the
explanations all read :data:`OPS`; nothing else hard-codes op names.

Values are Python floats (scalars) or float64 numpy arrays.  Every op has two
implementations with the same meaning (PyTorch float64 is the reference):

* ``scalar`` / ``scalar_vjp`` work on Python floats with :mod:`math`; they are
  the fast path of a live evaluation.  Where IEEE arithmetic would give inf or
  nan, Python raises instead (``1/0``, ``log(-1)``), and the engine then calls
  the array path, which gives what PyTorch gives.
* ``array`` / ``array_vjp`` use numpy and handle broadcasting: the gradient
  sent into an input is summed back to that input's shape.

A vjp takes ``(g, out, *inputs)`` and returns the gradient for a unary op,
or a tuple with one gradient per port for a binary op.  An op with settings
(:class:`Setting`, ``attrs`` in a file, keyword arguments in a program) gets
them as keyword arguments of all four functions, defaults applied (the
functions give each the default too, so that they can be called alone).

Adding an op is one entry here (and its tests): its settings are declared
with it, and the program parser, the file reader and writer, the graph's
checks, the inspector's widgets, the exported script (:class:`Template`) and
the chain-rule panel (``chain``) all read that entry.  :func:`register` adds
one at run time.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from . import ops_deep   # the kernels of the deep-learning ops (they import no table)
from .errors import EvaluationError
from .values import as_value

Value = Any  # float | np.ndarray


# ----------------------------------------------------------------- helpers

def unbroadcast(g: Value, shape: tuple[int, ...]) -> Value:
    """Sum ``g`` over the axes that broadcasting added or stretched (one axis at a
    time, ``np.add.reduce`` being what ``ndarray.sum`` calls)."""
    if type(g) is np.ndarray:
        if g.shape == shape:
            return g if g.ndim else float(g)      # as_value, without the call
    elif np.shape(g) == shape:
        return as_value(g)
    g = np.asarray(g)
    reduce = np.add.reduce
    while g.ndim > len(shape):
        g = reduce(g, 0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = reduce(g, axis, keepdims=True)
    return as_value(g)


def _ub(vjp: Callable) -> Callable:
    """Wrap an element-wise binary vjp so each gradient gets its input's shape
    (``.raw``: the vjp itself, for code that knows its operands' shapes)."""
    def wrapped(g, out, a, b):
        a, b = _np(a), _np(b)
        ga, gb = vjp(_np(g), _np(out), a, b)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)
    wrapped.raw = vjp
    return wrapped


def _ub1(vjp: Callable) -> Callable:
    def wrapped(g, out, x):
        x = _np(x)
        return unbroadcast(vjp(_np(g), _np(out), x), x.shape)
    wrapped.raw = vjp
    return wrapped


def _on_arrays(array: Callable, arity: int) -> Callable:
    """An element-wise numpy function taking and giving engine values (``.raw``: the
    function itself, what this computes when given float64 arrays)."""
    if arity == 1:
        def wrapped(x):
            return as_value(array(_np(x)))
    else:
        def wrapped(a, b):
            return as_value(array(_np(a), _np(b)))
    wrapped.raw = array
    return wrapped


_F64 = np.dtype(np.float64)


def _np(v: Value) -> np.ndarray:
    """``v`` as a float64 array: an engine value that is one already passes as it is."""
    if type(v) is np.ndarray and v.dtype is _F64:
        return v
    return np.asarray(v, dtype=np.float64)


def _np_jvp(jvp: Callable | None) -> Callable | None:
    """A numpy tangent rule taking and giving what the table's functions do."""
    if jvp is None:
        return None

    def wrapped(*args):
        return as_value(jvp(*map(_np, args)))
    return wrapped


# -------------------------------------------------------------- settings

SETTING_KINDS = ("int", "float", "bool", "choice", "ints", "index")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _bound(x: float) -> str:
    """A bound as text: 1 for 1 and 1.0, 1e-05 for 1e-05."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x)


@dataclass(frozen=True)
class Setting:
    """One setting of an op: ``attrs.NAME`` in a file, ``NAME=`` in a program.

    ``kind`` is one of :data:`SETTING_KINDS`: ``"int"``, ``"float"`` (any finite
    number), ``"bool"``, ``"choice"`` (one of ``choices``) or ``"ints"`` (a list
    of integers, ``length`` of them when given).  An absent setting, or ``null``,
    takes ``default``; a default of None is a meaning of its own, said in
    ``none`` ("all (reduce to a scalar)" for the axis of ``sum``).  ``low`` and
    ``high`` bound a number (each item of ``ints``), inclusive unless
    ``above`` (then the value must be greater than ``low``); ``check`` is a
    further rule: it returns what the value must be when it breaks it, else
    None.  Every refusal is one sentence that names the op, the setting and
    what is allowed (:meth:`refusal`).
    """

    name: str
    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    above: bool = False
    choices: tuple = ()
    length: int | None = None
    none: str = ""
    aliases: tuple[str, ...] = ()       # other keyword names a program may use
    spin: tuple[int, int] = (-8, 8)     # the inspector's range where low/high are open
    doc: str = ""                       # what the setting means, for a tooltip
    check: Callable[[Any], str | None] | None = field(default=None, repr=False,
                                                      compare=False)

    def __post_init__(self) -> None:
        if self.kind not in SETTING_KINDS:
            raise ValueError(f"setting {self.name}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"setting {self.name}: a choice needs choices")
        if self.default is not None and self.problem(self.default) is not None:
            raise ValueError(f"setting {self.name}: the default {self.default!r} is not "
                             + self.requirement())

    # ---- what is allowed, in words
    def kind_text(self) -> str:
        """What the value must be, without its range: "an integer", "a number"..."""
        if self.kind == "int":
            return "an integer"
        if self.kind == "float":
            return "a number"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(_choice_text(c) for c in self.choices)
        if self.kind == "index":
            return ("a list with one entry per leading axis, each an integer or a slice "
                    "[start, stop, step] (null for an omitted part)")
        return (f"a list of {self.length} integers" if self.length is not None
                else "a list of integers")

    def range_text(self) -> str:
        """The range as words ("at least 1", "from 1 to 8", "greater than 0"), or ""."""
        lo, hi = self.low, self.high
        if lo is not None and hi is not None:
            if self.above:
                return f"greater than {_bound(lo)} and at most {_bound(hi)}"
            return f"from {_bound(lo)} to {_bound(hi)}"
        if lo is not None:
            return f"greater than {_bound(lo)}" if self.above else f"at least {_bound(lo)}"
        if hi is not None:
            return f"at most {_bound(hi)}"
        return ""

    def requirement(self) -> str:
        """What the value must be, range included: "an integer of at least 1"."""
        rng = self.range_text()
        if not rng or self.kind not in ("int", "float", "ints"):
            return self.kind_text()
        if self.kind == "ints":
            return f"{self.kind_text()}, each {rng}"
        return f"{self.kind_text()} {rng}" if rng.startswith(("greater", "from")) \
            else f"{self.kind_text()} of {rng}"

    def refusal(self, op: str, value: Any, show: Callable[[Any], str] = repr) -> str | None:
        """None when ``value`` (not None) is allowed, else the one sentence that refuses
        it: "the stride of conv2d must be an integer of at least 1, not 0"."""
        need = self.problem(value)
        return None if need is None else f"the {self.name} of {op} must be {need}, not {show(value)}"

    # ---- checking and using a value
    def type_ok(self, value: Any) -> bool:
        """The value has the setting's kind (its range aside)."""
        if self.kind == "int":
            return _is_int(value)
        if self.kind == "float":
            return _is_number(value)
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "choice":
            return any(value == c and type(value) is type(c) for c in self.choices)
        if self.kind == "index":
            return isinstance(value, (list, tuple)) and all(_index_entry_ok(e) for e in value)
        return isinstance(value, (list, tuple)) and all(_is_int(v) for v in value) and \
            (self.length is None or len(value) == self.length)

    def _in_range(self, x: float) -> bool:
        if self.low is not None and (x <= self.low if self.above else x < self.low):
            return False
        return self.high is None or x <= self.high

    def problem(self, value: Any) -> str | None:
        """None when ``value`` (not None) is allowed, else what it must be."""
        if not self.type_ok(value):
            return self.requirement()
        if self.kind in ("int", "float") and not self._in_range(value):
            return self.requirement()
        if self.kind == "ints" and not all(self._in_range(v) for v in value):
            return self.requirement()
        if self.check is not None:
            return self.check(value)
        return None

    def resolve(self, value: Any) -> Any:
        """The value an op's functions get: the default when absent, floats as float,
        lists of integers as tuples."""
        if value is None:
            value = self.default
        if value is None:
            return None
        if self.kind == "float":
            return float(value)
        if self.kind == "ints":
            return tuple(value)
        if self.kind == "index":
            return [e if _is_int(e) else list(e) for e in value]
        return value


def _index_entry_ok(entry: Any) -> bool:
    """One entry of an ``index`` setting: an integer, or a slice of 1 to 3 parts."""
    if _is_int(entry):
        return True
    return isinstance(entry, (list, tuple)) and 1 <= len(entry) <= 3 and \
        all(part is None or _is_int(part) for part in entry)


def _choice_text(c: Any) -> str:
    return f'"{c}"' if isinstance(c, str) else repr(c)


# -------------------------------------------------------------- templates

@dataclass(frozen=True)
class Template:
    """The numpy code the exported script (:mod:`chainrule.core.export_python`) writes for an op.

    ``forward`` and each of ``grads`` (one per port) are :meth:`str.format`
    templates.  Fields: the port names (``{a}``, ``{x}``, ``{base}``...), ``{g}``
    (the node's gradient), ``{out}`` (its value), each setting by its name
    (``{axis}``, its value as a Python literal, default applied) and, for
    leaves, ``{value}``.  The code mirrors the op's ``array`` / ``array_vjp``
    expression for expression.  ``helpers`` are the functions the code may
    call (name → source, a name starting with ``_``), written into the script
    only when used; ops sharing helpers list the same ones.  ``broadcasting``:
    a gradient is summed back to its input's shape where broadcasting
    stretched it.  ``convention`` is said in the comment of each gradient line.
    ``torch`` is the same forward pass with the PyTorch function of ``ops.md``.
    """

    forward: str
    grads: tuple[str, ...] = ()
    helpers: Mapping[str, str] = field(default_factory=dict)
    broadcasting: bool = False
    convention: str = ""
    # forward mode: the output's tangent; ``{t_PORT}`` is the tangent of each port
    # (``{t_a}``, ``{t_x}``), mirroring the op's ``array_jvp``
    tangent: str = ""
    # The PyTorch script (:mod:`chainrule.core.export_torch`): the forward pass with
    # the op's reference function of ``ops.md`` (same fields; autograd does the
    # backward pass), and the helpers it calls.
    torch: str = ""
    torch_helpers: Mapping[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------ the Op

@dataclass(frozen=True)
class Op:
    """One operation: what it computes, how it sends gradients back, how to say it."""

    name: str
    ports: tuple[str, ...]
    group: str
    symbol: str
    formula: str                      # forward, in port names: "a · b"
    local: tuple[str, ...]            # ∂out/∂port for each port: ("b", "a")
    note: str                         # how it passes gradients back
    scalar: Callable | None = None
    scalar_vjp: Callable | None = None
    array: Callable | None = None
    array_vjp: Callable | None = None
    infix: str | None = None          # Python operator in programs: "*"
    settings: tuple[Setting, ...] = ()
    # With these settings the float functions apply (default: always); otherwise
    # every node of the op takes the numpy path.
    scalar_when: Callable[[dict], bool] | None = field(default=None, repr=False)
    # On floats the gradient goes unchanged to every input (add; sum and mean of a
    # number): the engine then skips calling ``scalar_vjp``, the most common call.
    identity_vjp: bool = False
    explain: Callable[..., str | None] | None = field(default=None, repr=False)
    export: Template | None = field(default=None, repr=False)
    # The chain rule with shapes for an array step, when the op says it its own way
    # (matmul: ∂L/∂a = ∂L/∂out @ bᵀ; the deep-learning ops' in ops_chain.py):
    # (port, L, n, names, up, grad, inputs, attrs) -> str, a second line after "\n".
    chain: Callable[..., str] | None = field(default=None, repr=False)
    # Forward mode: the tangent of the output (a Jacobian-vector product), taking
    # ``(*tangents, out, *inputs)`` with one tangent per port, each of its input's
    # shape, and the settings as keyword arguments; PyTorch's forward-AD formulas
    # (``torch.autograd.forward_ad``), special points included.  The float form
    # raises where IEEE gives inf/nan, as ``scalar_vjp`` does.
    scalar_jvp: Callable | None = field(default=None, repr=False)
    array_jvp: Callable | None = field(default=None, repr=False)
    # The halves of ``array_vjp``, one per port, each ``(g, out, *inputs, **settings)``
    # -> that port's gradient and the very code ``array_vjp`` runs for it: a training
    # run whose parameters need only one input's gradient calls only that half (the
    # data input of ``X @ W`` gets none).  Without them the whole vjp runs and the
    # other half is dropped.
    port_vjps: tuple[Callable, ...] | None = field(default=None, repr=False)

    @property
    def arity(self) -> int:
        return len(self.ports)

    @property
    def is_leaf(self) -> bool:
        return not self.ports

    def setting(self, name: str) -> Setting | None:
        """The setting called ``name`` (or one of its aliases), or None."""
        for s in self.settings:
            if s.name == name or name in s.aliases:
                return s
        return None

    def resolve(self, attrs: dict) -> dict:
        """Every setting's value for the op's functions: ``attrs``, defaults applied."""
        return {s.name: s.resolve(attrs.get(s.name)) for s in self.settings}

    def bind(self, attrs: dict) -> tuple[Callable | None, Callable | None, Callable, Callable]:
        """The four functions for one node, with its settings applied."""
        if not self.settings:
            return self.scalar, self.scalar_vjp, self.array, self.array_vjp
        kw = self.resolve(attrs)
        fast = self.scalar is not None and (self.scalar_when is None or self.scalar_when(kw))
        return (functools.partial(self.scalar, **kw) if fast else None,
                functools.partial(self.scalar_vjp, **kw) if fast else None,
                functools.partial(self.array, **kw), functools.partial(self.array_vjp, **kw))

    def bind_port_vjp(self, attrs: dict, port: int) -> Callable:
        """The numpy gradient of one port alone, settings applied: ``(g, out, *inputs)``."""
        kw = self.resolve(attrs) if self.settings else {}
        if self.port_vjps is not None:
            half = self.port_vjps[port]
            return functools.partial(half, **kw) if kw else half
        full = functools.partial(self.array_vjp, **kw) if kw else self.array_vjp

        def half(g, out, *xs):
            return full(g, out, *xs)[port]
        half.whole = full               # what it takes its port's gradient from
        return half

    def bind_jvp(self, attrs: dict) -> tuple[Callable | None, Callable | None]:
        """The tangent rules for one node, settings applied: (float form or None, numpy)."""
        if not self.settings:
            return self.scalar_jvp, self.array_jvp
        kw = self.resolve(attrs)
        fast = self.scalar_jvp is not None and (self.scalar_when is None or self.scalar_when(kw))
        return (functools.partial(self.scalar_jvp, **kw) if fast else None,
                None if self.array_jvp is None else functools.partial(self.array_jvp, **kw))


# ------------------------------------------------------- the definitions

def _max_vjp(g, out, a, b):
    # torch.maximum: a tie sends half to each; nan sends g to both.
    if a > b:
        return g, 0.0
    if a < b:
        return 0.0, g
    if a == b:
        return g / 2, g / 2
    return g, g


def _min_vjp(g, out, a, b):
    if a < b:
        return g, 0.0
    if a > b:
        return 0.0, g
    if a == b:
        return g / 2, g / 2
    return g, g


def _max_array_vjp(g, out, a, b, larger=True):
    a, b, g = _np(a), _np(b), _np(g)
    g = np.broadcast_to(g, np.broadcast_shapes(a.shape, b.shape, g.shape))
    tie = np.where(a == b, g / 2, g)
    ga = np.where(a < b if larger else a > b, 0.0, tie)
    gb = np.where(a > b if larger else a < b, 0.0, tie)
    return ga, gb


def _pow_scalar_vjp(g, out, base, exp_):
    gb = 0.0 if exp_ == 0 else g * (exp_ * math.pow(base, exp_ - 1))
    ge = 0.0 if (base == 0 and exp_ >= 0) else g * (out * math.log(base))
    return gb, ge


def _pow_array_vjp(g, out, base, exp_):
    base, exp_ = _np(base), _np(exp_)
    gb = np.where(exp_ == 0, 0.0, g * (exp_ * np.power(base, exp_ - 1)))
    ge = np.where((base == 0) & (exp_ >= 0), 0.0, g * (out * np.log(base)))
    return gb, ge


def _max_jvp(ta, tb, out, a, b, larger=True):
    # torch.maximum: ḃ + w·(ȧ − ḃ), w = ½ at a tie, 1 where a wins, else 0 (nan: ḃ).
    if a == b:
        w = 0.5
    else:
        w = 1.0 if (a > b if larger else a < b) else 0.0
    return tb + w * (ta - tb)


def _max_array_jvp(ta, tb, out, a, b, larger=True):
    win = (a > b) if larger else (a < b)
    return tb + np.where(a == b, 0.5, win * 1.0) * (ta - tb)


def _div_jvp(ta, tb, out, a, b):
    # PyTorch: (ȧ − ḃ · out) / b
    return (ta - tb * out) / b


def _pow_scalar_jvp(tb, te, out, base, exp_):
    return (0.0 if exp_ == 0 else tb * (exp_ * math.pow(base, exp_ - 1))) + \
        (0.0 if (base == 0 and exp_ >= 0) else te * (out * math.log(base)))


def _pow_array_jvp(tb, te, out, base, exp_):
    return np.where(exp_ == 0, 0.0, tb * (exp_ * np.power(base, exp_ - 1))) + \
        np.where((base == 0) & (exp_ >= 0), 0.0, te * (out * np.log(base)))


def _matmul_jvp(ta, tb, out, a, b):
    return as_value(np.asarray(_matmul(ta, b)) + np.asarray(_matmul(a, tb)))


def _mse_jvp(ta, tb, out, a, b):
    # PyTorch: mean(2(pred − target)·ṗred + 2(target − pred)·ṫarget)
    a, b = _np(a), _np(b)
    return as_value(np.mean((2.0 * (a - b)) * _np(ta) + (2.0 * (b - a)) * _np(tb)))


def _linear(forward: Callable) -> Callable:
    """The tangent rule of an op linear in its input: the op applied to the tangent."""
    def jvp(t, out, x, **kw):
        return forward(t, **kw)
    return jvp


def _check_matmul(a, b):
    sa = a.shape if type(a) is np.ndarray else np.shape(a)
    sb = b.shape if type(b) is np.ndarray else np.shape(b)
    if not (1 <= len(sa) <= 2 and 1 <= len(sb) <= 2):
        raise EvaluationError(
            f"a is {_shape_text(sa)} and b is {_shape_text(sb)}; matmul takes vectors or "
            "matrices")
    if sa[-1] != sb[0]:
        raise EvaluationError(
            f"a is {_shape_text(sa)} and b is {_shape_text(sb)}; the inner sizes "
            f"{sa[-1]} and {sb[0]} must match")


def _matmul(a, b):
    _check_matmul(a, b)
    return as_value(np.matmul(a, b))


def _matmul_operands(g, a, b):
    """a and b as matrices (a vector as one row / one column) and g of their product's shape."""
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    shape = (a2.shape[0], b2.shape[1])
    if type(g) is np.ndarray:
        return a2, b2, g if g.shape == shape else g.reshape(shape)
    return a2, b2, np.reshape(g, shape)


def _matmul_grad_a(a, b2, g2):
    ga = g2 @ b2.T
    return as_value(ga if ga.shape == a.shape else ga.reshape(a.shape))


def _matmul_grad_b(b, a2, g2):
    gb = a2.T @ g2
    return as_value(gb if gb.shape == b.shape else gb.reshape(b.shape))


def _matmul_vjp(g, out, a, b):
    a, b = _np(a), _np(b)
    a2, b2, g2 = _matmul_operands(g, a, b)
    return _matmul_grad_a(a, b2, g2), _matmul_grad_b(b, a2, g2)


def _matmul_vjp_a(g, out, a, b):
    a, b = _np(a), _np(b)
    _, b2, g2 = _matmul_operands(g, a, b)
    return _matmul_grad_a(a, b2, g2)


def _matmul_vjp_b(g, out, a, b):
    a, b = _np(a), _np(b)
    a2, _, g2 = _matmul_operands(g, a, b)
    return _matmul_grad_b(b, a2, g2)


def _check_axis(x, axis):
    if axis is None:
        return
    nd = max(np.ndim(x), 1)
    if not -nd <= axis < nd:
        raise EvaluationError(f"axis {axis} is out of range for shape {_shape_text(np.shape(x))}")


def _sum(x, axis=None):
    _check_axis(x, axis)
    if np.ndim(x) == 0:
        return float(x)
    return as_value(np.sum(x, axis=axis))


def _reduce_vjp(g, x, axis, scale):
    shape = np.shape(x)
    if not shape:
        return as_value(g / scale) if scale != 1 else g
    g = _np(g)
    if axis is not None:
        g = np.expand_dims(g, axis)
    g = np.broadcast_to(g, shape)
    return (g / scale) if scale != 1 else g.copy()


def _sum_vjp(g, out, x, axis=None):
    return _reduce_vjp(g, x, axis, 1)


def _count(x, axis):
    shape = np.shape(x)
    if not shape:
        return 1
    return int(np.prod(shape)) if axis is None else shape[axis]


def _mean(x, axis=None):
    _check_axis(x, axis)
    if np.ndim(x) == 0:
        return float(x)
    return as_value(np.mean(x, axis=axis))


def _mean_vjp(g, out, x, axis=None):
    return _reduce_vjp(g, x, axis, _count(x, axis))


def _mse(a, b):
    d = _np(a) - _np(b)
    dd = d * d
    return as_value(np.add.reduce(dd, axis=None) / dd.size)   # np.mean's own two steps


def _mse_vjp(g, out, a, b):
    return _mse_vjp_pred(g, out, a, b), _mse_vjp_target(g, out, a, b)


def _mse_vjp_pred(g, out, a, b):
    a, b = _np(a), _np(b)
    d = a - b
    return unbroadcast(2.0 / d.size * d * g, a.shape)


def _mse_vjp_target(g, out, a, b):
    a, b = _np(a), _np(b)
    d = a - b
    return unbroadcast(2.0 / d.size * (-d) * g, b.shape)


def _shape_text(shape) -> str:
    return "scalar" if not shape else "(" + "×".join(str(n) for n in shape) + ")"


# Explanations of inf/nan an op produced from finite inputs.

def _explain_div(a, b):
    return "division by zero" if np.any(_np(b) == 0) else None


def _explain_log(x):
    x = _np(x)
    if np.any(x < 0):
        return "log of a negative number is nan"
    return "log of zero is −inf" if np.any(x == 0) else None


def _explain_sqrt(x):
    return "square root of a negative number is nan" if np.any(_np(x) < 0) else None


def _explain_reciprocal(x):
    return "1/0: reciprocal of zero is inf" if np.any(_np(x) == 0) else None


def _explain_pow(base, exp_):
    base, exp_ = np.broadcast_arrays(_np(base), _np(exp_))
    if np.any((base < 0) & (exp_ != np.round(exp_))):
        return "a negative base to a fractional power is nan"
    if np.any((base == 0) & (exp_ < 0)):
        return "zero to a negative power is inf"
    return None


def _explain_exp(x):
    return "exp overflowed: e^x is larger than the biggest float64 (x > 709.78)"


def _relu(x):
    return 0.0 if x <= 0 else x


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _np_sigmoid(x):
    return as_value(1.0 / (1.0 + np.exp(-_np(x))))


_LEAF_NOTE = ("A leaf starts the computation. Its gradient is the sum of what flows back "
              "along every wire leaving it: how much the output changes per unit change of "
              "this value.")


def _unary(name, group, symbol, formula, local, note, scalar, scalar_vjp, array, array_vjp,
           explain=None, export=None, jvp=(None, None)):
    """An element-wise op of one input; ``jvp`` is its (float, numpy) tangent rule."""
    scalar_jvp, array_jvp = jvp
    return Op(name, ("x",), group, symbol, formula, (local,), note,
              scalar=scalar, scalar_vjp=scalar_vjp,
              array=_on_arrays(array, 1), array_vjp=_ub1(array_vjp),
              explain=explain, export=export, scalar_jvp=scalar_jvp,
              array_jvp=_np_jvp(array_jvp))


def _binary(name, group, symbol, formula, local, note, scalar, scalar_vjp, array, array_vjp,
            infix=None, ports=("a", "b"), explain=None, identity_vjp=False, export=None,
            jvp=(None, None)):
    """An element-wise op of two inputs: they broadcast, so the exported script sums
    each gradient back to its input's shape (``broadcasting``)."""
    if export is not None:
        export = dataclasses.replace(export, broadcasting=True)
    return Op(name, ports, group, symbol, formula, local, note,
              scalar=scalar, scalar_vjp=scalar_vjp,
              array=_on_arrays(array, 2), array_vjp=_ub(array_vjp),
              infix=infix, explain=explain, identity_vjp=identity_vjp, export=export,
              scalar_jvp=jvp[0], array_jvp=_np_jvp(jvp[1]))


def _matmul_chain(port, L, n, names, up, grad, inputs, attrs=None):
    """``∂L/∂W = ∂L/∂Y @ Xᵀ : (3×2) = (3×1)·(1×2)``: the shapes of the product."""
    s = names[port]
    shape = _shape_text(np.shape(grad))
    up_shape = _shape_text(np.shape(up))
    a, b = (np.atleast_2d(v) for v in inputs)
    other_name = f"{names[1 - port]}ᵀ"
    if port == 0:
        return (f"chain  ∂{L}/∂{s} = ∂{L}/∂{n} @ {other_name} : {shape} = "
                f"{up_shape}·{_shape_text(b.T.shape)}")
    return (f"chain  ∂{L}/∂{s} = {other_name} @ ∂{L}/∂{n} : {shape} = "
            f"{_shape_text(a.T.shape)}·{up_shape}")


# Helpers of the exported script (name → source), shared by the ops that use them.
_MATMUL_HELPERS = {
    "_matmul_grad_a": '''
def _matmul_grad_a(g, a, b):
    """The gradient of a in a @ b: g @ b.T (vectors treated as a row and a column)."""
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
    return (g2 @ b2.T).reshape(a.shape)
''',
    "_matmul_grad_b": '''
def _matmul_grad_b(g, a, b):
    """The gradient of b in a @ b: a.T @ g (vectors treated as a row and a column)."""
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
    return (a2.T @ g2).reshape(b.shape)
''',
}

_REDUCE_HELPERS = {
    "_sum": '''
def _sum(x, axis, keepdims=False):
    """Sum of the elements (or along axis); a scalar is its own sum."""
    return x if np.ndim(x) == 0 else np.sum(x, axis=axis, keepdims=keepdims)
''',
    "_mean": '''
def _mean(x, axis, keepdims=False):
    """Mean of the elements (or along axis); a scalar is its own mean."""
    return x if np.ndim(x) == 0 else np.mean(x, axis=axis, keepdims=keepdims)
''',
    "_sum_grad": '''
def _sum_grad(g, x, axis, keepdims=False):
    """sum copies the upstream gradient to every element it added up."""
    if np.ndim(x) == 0:
        return g
    g = np.asarray(g, dtype=np.float64)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, np.shape(x)).copy()
''',
    "_mean_grad": '''
def _mean_grad(g, x, axis, keepdims=False):
    """mean copies the upstream gradient divided by n to each of its n elements."""
    if np.ndim(x) == 0:
        return g
    n = np.size(x) if axis is None else np.shape(x)[axis]
    g = np.asarray(g, dtype=np.float64)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    g = np.broadcast_to(g, np.shape(x))
    return g / n if n != 1 else g.copy()
''',
}

_TIE = "a tie sends half to each input, as in PyTorch"

#: attrs.axis of sum and mean: an integer, or absent for all elements.
AXIS = Setting("axis", "int", none="all (reduce to a scalar)", aliases=("dim",))
#: attrs.keepdims of the reductions: keep the reduced axes with size 1.
KEEPDIMS = Setting("keepdims", "bool", False, aliases=("keepdim",))


def _deep_reduce(name: str, plain: Callable) -> Callable:
    """sum / mean: the original kernel without keepdims, the deep-learning one with it."""
    def forward(x, axis=None, keepdims=False):
        if not keepdims:
            return plain(x, axis)
        return ops_deep.get(name).forward(x, axis=axis, keepdims=True)
    return forward


def _deep_reduce_vjp(name: str, plain: Callable) -> Callable:
    def vjp(g, out, x, axis=None, keepdims=False):
        if not keepdims:
            return plain(g, out, x, axis)
        return ops_deep.get(name).vjp(g, out, x, axis=axis, keepdims=True)[0]
    return vjp


def _axis_on_floats(settings: dict) -> bool:
    # On a scalar only axis 0 / -1 exist (as in PyTorch); others go to the
    # array path, which refuses them with a message.
    return settings["axis"] in (None, 0, -1)


_DEFINITIONS = [
    Op("input", (), "leaves", "x", "value set by you", (), _LEAF_NOTE,
       export=Template("{value}", torch="{value}")),
    Op("const", (), "leaves", "c", "fixed value", (), _LEAF_NOTE,
       export=Template("{value}", torch="{value}")),

    _binary("add", "arithmetic", "+", "a + b", ("1", "1"),
            "add distributes the upstream gradient unchanged to every input: "
            "each input gets exactly the gradient of the sum.",
            operator.add, lambda g, out, a, b: (g, g),
            np.add, lambda g, out, a, b: (g, g), infix="+", identity_vjp=True,
            export=Template("{a} + {b}", ("{g}", "{g}"),
                torch="{a} + {b}", tangent="{t_a} + {t_b}"),
            jvp=(lambda ta, tb, out, a, b: ta + tb,) * 2),
    _binary("sub", "arithmetic", "−", "a − b", ("1", "−1"),
            "sub passes the upstream gradient to a unchanged and to b with its sign flipped.",
            operator.sub, lambda g, out, a, b: (g, -g),
            np.subtract, lambda g, out, a, b: (g, -g), infix="-",
            export=Template("{a} - {b}", ("{g}", "-{g}"),
                torch="{a} - {b}", tangent="{t_a} - {t_b}"),
            jvp=(lambda ta, tb, out, a, b: ta - tb,) * 2),
    _binary("mul", "arithmetic", "×", "a · b", ("b", "a"),
            "mul swaps its inputs: each input's gradient is the other input times the "
            "upstream gradient. A large input makes the other's gradient large.",
            operator.mul, lambda g, out, a, b: (g * b, g * a),
            np.multiply, lambda g, out, a, b: (g * b, g * a), infix="*",
            export=Template("{a} * {b}", ("{g} * {b}", "{g} * {a}"),
                torch="{a} * {b}", tangent="{t_a} * {b} + {a} * {t_b}"),
            jvp=(lambda ta, tb, out, a, b: ta * b + a * tb,) * 2),
    _binary("div", "arithmetic", "÷", "a / b", ("1/b", "−a/b²"),
            "div scales the gradient of a by 1/b; b gets −a/b² times upstream, so a small "
            "divisor makes both gradients large.",
            operator.truediv, lambda g, out, a, b: (g / b, -g * ((a / b) / b)),
            np.divide, lambda g, out, a, b: (g / b, -g * ((a / b) / b)),
            infix="/", explain=_explain_div,
            export=Template("{a} / {b}", ("{g} / {b}", "-{g} * (({a} / {b}) / {b})"),
                torch="{a} / {b}", tangent="({t_a} - {t_b} * {out}) / {b}"),
            jvp=(_div_jvp,) * 2),
    _binary("pow", "arithmetic", "xʸ", "base^exponent",
            ("exponent · base^(exponent−1)", "base^exponent · ln(base)"),
            "pow sends exponent · base^(exponent−1) times upstream to the base (the power "
            "rule) and base^exponent · ln(base) times upstream to the exponent.",
            math.pow, _pow_scalar_vjp, np.power, _pow_array_vjp,
            infix="**", ports=("base", "exponent"), explain=_explain_pow,
            export=Template(
                "np.power({base}, {exponent})",
                ("np.where({exponent} == 0, 0.0, "
                 "{g} * ({exponent} * np.power({base}, {exponent} - 1)))",
                 "np.where(({base} == 0) & ({exponent} >= 0), 0.0, "
                 "{g} * ({out} * np.log({base})))"),
                convention="0 where the exponent is 0 (base) or the base is 0 (exponent), "
                           "as in PyTorch",
                torch="torch.pow({base}, {exponent})", tangent=("np.where({exponent} == 0, 0.0, "
                         "{t_base} * ({exponent} * np.power({base}, {exponent} - 1))) + "
                         "np.where(({base} == 0) & ({exponent} >= 0), 0.0, "
                         "{t_exponent} * ({out} * np.log({base})))")),
            jvp=(_pow_scalar_jvp,
                 _pow_array_jvp)),
    _binary("max", "functions", "max", "max(a, b)", ("1 if a is larger", "1 if b is larger"),
            "max routes the whole upstream gradient to the larger input and nothing to the "
            "other (a tie splits it in half).",
            lambda a, b: a if a > b else (b if a <= b else math.nan), _max_vjp,
            np.maximum, lambda g, out, a, b: _max_array_vjp(g, out, a, b, True),
            export=Template(
                "np.maximum({a}, {b})",
                ("np.where({a} < {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))",
                 "np.where({a} > {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))"),
                convention=_TIE,
                torch="torch.maximum({a}, {b})", tangent=("{t_b} + np.where({a} == {b}, 0.5, ({a} > {b}) * 1.0) "
                         "* ({t_a} - {t_b})")),
            jvp=(_max_jvp,
                 _max_array_jvp)),
    _binary("min", "functions", "min", "min(a, b)", ("1 if a is smaller", "1 if b is smaller"),
            "min routes the whole upstream gradient to the smaller input (a tie splits it).",
            lambda a, b: a if a < b else (b if a >= b else math.nan), _min_vjp,
            np.minimum, lambda g, out, a, b: _max_array_vjp(g, out, a, b, False),
            export=Template(
                "np.minimum({a}, {b})",
                ("np.where({a} > {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))",
                 "np.where({a} < {b}, 0.0, np.where({a} == {b}, {g} / 2, {g}))"),
                convention=_TIE,
                torch="torch.minimum({a}, {b})", tangent=("{t_b} + np.where({a} == {b}, 0.5, ({a} < {b}) * 1.0) "
                         "* ({t_a} - {t_b})")),
            jvp=(functools.partial(_max_jvp, larger=False),
                 functools.partial(_max_array_jvp, larger=False))),
    Op("matmul", ("a", "b"), "tensors", "@", "a @ b", ("g @ bᵀ", "aᵀ @ g"),
       "matmul is mul for matrices: a's gradient is upstream @ bᵀ and b's is aᵀ @ upstream, "
       "so each gradient has the shape of its input.",
       array=_matmul, array_vjp=_matmul_vjp, infix="@", chain=_matmul_chain,
       port_vjps=(_matmul_vjp_a, _matmul_vjp_b),
       export=Template("{a} @ {b}", ("_matmul_grad_a({g}, {a}, {b})",
                                     "_matmul_grad_b({g}, {a}, {b})"), _MATMUL_HELPERS,
                torch="torch.matmul({a}, {b})", tangent="{t_a} @ {b} + {a} @ {t_b}"),
       array_jvp=_matmul_jvp),

    _unary("neg", "arithmetic", "−x", "−x", "−1",
           "neg flips the sign of the upstream gradient.",
           operator.neg, lambda g, out, x: -g, np.negative, lambda g, out, x: -g,
           export=Template("-{x}", ("-{g}",),
                torch="-{x}", tangent="-{t_x}"),
            jvp=(lambda t, out, x: -t,) * 2),
    _unary("exp", "functions", "eˣ", "eˣ", "eˣ",
           "exp multiplies the upstream gradient by its own output eˣ.",
           math.exp, lambda g, out, x: g * out, np.exp, lambda g, out, x: g * out,
           explain=_explain_exp, export=Template("np.exp({x})", ("{g} * {out}",), torch="torch.exp({x})",
                tangent="{t_x} * {out}"),
            jvp=(lambda t, out, x: t * out,) * 2),
    _unary("log", "functions", "ln", "ln x", "1/x",
           "log divides the upstream gradient by its input: small inputs get large gradients.",
           math.log, lambda g, out, x: g / x, np.log, lambda g, out, x: g / x,
           explain=_explain_log, export=Template("np.log({x})", ("{g} / {x}",), torch="torch.log({x})",
                tangent="{t_x} / {x}"),
            jvp=(lambda t, out, x: t / x,) * 2),
    _unary("sin", "functions", "sin", "sin x", "cos x",
           "sin multiplies the upstream gradient by cos x.",
           math.sin, lambda g, out, x: g * math.cos(x), np.sin,
           lambda g, out, x: g * np.cos(x),
           export=Template("np.sin({x})", ("{g} * np.cos({x})",),
                torch="torch.sin({x})", tangent="{t_x} * np.cos({x})"),
            jvp=(lambda t, out, x: t * math.cos(x),
                 lambda t, out, x: t * np.cos(x))),
    _unary("cos", "functions", "cos", "cos x", "−sin x",
           "cos multiplies the upstream gradient by −sin x.",
           math.cos, lambda g, out, x: g * -math.sin(x), np.cos,
           lambda g, out, x: g * -np.sin(x),
           export=Template("np.cos({x})", ("{g} * -np.sin({x})",),
                torch="torch.cos({x})", tangent="{t_x} * -np.sin({x})"),
            jvp=(lambda t, out, x: t * -math.sin(x),
                 lambda t, out, x: t * -np.sin(x))),
    _unary("tanh", "activations", "tanh", "tanh x", "1 − tanh²(x)",
           "tanh multiplies the upstream gradient by 1 − tanh²x: at most 1, near 0 when the "
           "unit saturates.",
           math.tanh, lambda g, out, x: g * (1 - out * out), np.tanh,
           lambda g, out, x: g * (1 - out * out),
           export=Template("np.tanh({x})", ("{g} * (1 - {out} * {out})",),
                torch="torch.tanh({x})", tangent="{t_x} * (1 - {out} * {out})"),
            jvp=(lambda t, out, x: t * (1 - out * out),) * 2),
    Op("sigmoid", ("x",), "activations", "σ", "1/(1 + e⁻ˣ)", ("σ(x)(1 − σ(x))",),
       "sigmoid multiplies the upstream gradient by σ(1 − σ), which is at most 0.25: "
       "that is why gradients vanish through deep chains of sigmoids.",
       scalar=_sigmoid, scalar_vjp=lambda g, out, x: g * (1 - out) * out,
       array=_np_sigmoid, array_vjp=_ub1(lambda g, out, x: g * (1 - out) * out),
       export=Template("1.0 / (1.0 + np.exp(-{x}))", ("{g} * (1 - {out}) * {out}",),
                torch="torch.sigmoid({x})", tangent="{t_x} * (1 - {out}) * {out}"),
       scalar_jvp=lambda t, out, x: t * (1 - out) * out,
       array_jvp=_np_jvp(lambda t, out, x: t * (1 - out) * out)),
    _unary("relu", "activations", "ReLU", "max(x, 0)", "1 if x > 0 else 0",
           "relu is a gate: it passes the upstream gradient where its input was positive "
           "and blocks it (0) elsewhere.",
           _relu, lambda g, out, x: 0.0 if out <= 0 else g,
           ops_deep.relu_array, lambda g, out, x: ops_deep.zero_where_not_positive(out, g),
           export=Template("np.where({x} <= 0, 0.0, {x})", ("np.where({out} <= 0, 0.0, {g})",),
                           convention="0 where the input is ≤ 0, as in PyTorch",
                torch="torch.relu({x})", tangent="np.where({out} <= 0, 0.0, {t_x})"),
            jvp=(lambda t, out, x: 0.0 if out <= 0 else t,
                 lambda t, out, x: np.where(out <= 0, 0.0, t))),
    _unary("abs", "functions", "|x|", "|x|", "sign(x)",
           "abs passes the upstream gradient with the sign of its input (0 at 0).",
           abs, lambda g, out, x: g * ((x > 0) - (x < 0)), np.abs,
           lambda g, out, x: g * ((x > 0) * 1.0 - (x < 0)),   # sign, 0 at nan as in PyTorch
           export=Template("np.abs({x})", ("{g} * (({x} > 0) * 1.0 - ({x} < 0))",),
                           convention="0 at 0, as in PyTorch",
                torch="torch.abs({x})", tangent="{t_x} * (({x} > 0) * 1.0 - ({x} < 0))"),
            jvp=(lambda t, out, x: t * ((x > 0) - (x < 0)),
                 lambda t, out, x: t * ((x > 0) * 1.0 - (x < 0)))),
    _unary("sqrt", "arithmetic", "√", "√x", "1/(2√x)",
           "sqrt divides the upstream gradient by twice its output: infinite at 0.",
           math.sqrt, lambda g, out, x: g / (2 * out), np.sqrt,
           lambda g, out, x: g / (2 * out), explain=_explain_sqrt,
           export=Template("np.sqrt({x})", ("{g} / (2 * {out})",),
                torch="torch.sqrt({x})", tangent="{t_x} / (2 * {out})"),
            jvp=(lambda t, out, x: t / (2 * out),) * 2),
    _unary("square", "arithmetic", "x²", "x²", "2·x",
           "square multiplies the upstream gradient by 2x.",
           lambda x: x * x, lambda g, out, x: g * (2 * x), np.square,
           lambda g, out, x: g * (2 * x),
           export=Template("np.square({x})", ("{g} * (2 * {x})",),
                torch="torch.square({x})", tangent="{t_x} * (2 * {x})"),
            jvp=(lambda t, out, x: t * (2 * x),) * 2),
    _unary("reciprocal", "arithmetic", "1/x", "1/x", "−1/x²",
           "reciprocal multiplies the upstream gradient by −1/x².",
           lambda x: 1 / x, lambda g, out, x: -g * (out * out), np.reciprocal,
           lambda g, out, x: -g * (out * out), explain=_explain_reciprocal,
           export=Template("np.reciprocal({x})", ("-{g} * ({out} * {out})",),
                torch="torch.reciprocal({x})", tangent="-{t_x} * ({out} * {out})"),
            jvp=(lambda t, out, x: -t * (out * out),) * 2),

    Op("sum", ("x",), "tensors", "Σ", "Σ x", ("1",),
       "sum copies the upstream gradient to every element it added up.",
       scalar=lambda x, axis=None, keepdims=False: x,
       scalar_vjp=lambda g, out, x, axis=None, keepdims=False: g,
       array=_deep_reduce("sum", _sum), array_vjp=_deep_reduce_vjp("sum", _sum_vjp),
       settings=(AXIS, KEEPDIMS), scalar_when=_axis_on_floats, identity_vjp=True,
       export=Template("_sum({x}, {axis}, {keepdims})", ("_sum_grad({g}, {x}, {axis}, {keepdims})",),
                       _REDUCE_HELPERS,
                torch="torch.sum({x}, dim={axis}, keepdim={keepdims})", tangent="_sum({t_x}, {axis}, {keepdims})"),
       scalar_jvp=lambda t, out, x, axis=None, keepdims=False: t,
       array_jvp=_linear(_deep_reduce("sum", _sum))),
    Op("mean", ("x",), "tensors", "μ", "mean(x)", ("1/n",),
       "mean copies the upstream gradient divided by n to each of its n elements.",
       scalar=lambda x, axis=None, keepdims=False: x,
       scalar_vjp=lambda g, out, x, axis=None, keepdims=False: g,
       array=_deep_reduce("mean", _mean), array_vjp=_deep_reduce_vjp("mean", _mean_vjp),
       settings=(AXIS, KEEPDIMS), scalar_when=_axis_on_floats, identity_vjp=True,
       export=Template("_mean({x}, {axis}, {keepdims})",
                       ("_mean_grad({g}, {x}, {axis}, {keepdims})",), _REDUCE_HELPERS,
                torch="torch.mean({x}, dim={axis}, keepdim={keepdims})", tangent="_mean({t_x}, {axis}, {keepdims})"),
       scalar_jvp=lambda t, out, x, axis=None, keepdims=False: t,
       array_jvp=_linear(_deep_reduce("mean", _mean))),
    Op("mse", ("pred", "target"), "losses", "MSE", "mean((pred − target)²)",
       ("2(pred − target)/n", "−2(pred − target)/n"),
       "mse sends 2(pred − target)/n to the prediction: each prediction is pushed toward "
       "its target in proportion to its error.",
       scalar=lambda a, b: (a - b) * (a - b),
       scalar_vjp=lambda g, out, a, b: ((2.0 * (a - b)) * g, (2.0 * (b - a)) * g),
       array=_mse, array_vjp=_mse_vjp, port_vjps=(_mse_vjp_pred, _mse_vjp_target),
       export=Template("np.mean(({pred} - {target}) * ({pred} - {target}))",
                       ("2.0 / np.size({pred} - {target}) * ({pred} - {target}) * {g}",
                        "2.0 / np.size({pred} - {target}) * (-({pred} - {target})) * {g}"),
                       broadcasting=True,
                torch="F.mse_loss({pred}, {target})", tangent=("np.mean((2.0 * ({pred} - {target})) * {t_pred} "
                         "+ (2.0 * ({target} - {pred})) * {t_target})")),
       scalar_jvp=lambda ta, tb, out, a, b: (2.0 * (a - b)) * ta + (2.0 * (b - a)) * tb,
       array_jvp=_mse_jvp),
]

OPS: dict[str, Op] = {op.name: op for op in _DEFINITIONS}
#: The palette's groups, in its order: the inputs, + − × ÷ and powers, the
#: functions of a calculus course, the activations of a neural net (relu, sigmoid,
#: tanh and their deep-learning relatives, softmax), matrices and reductions,
#: shapes and indexing, the losses, normalisation, convolution and pooling.
GROUPS: tuple[str, ...] = ("leaves", "arithmetic", "functions", "activations", "tensors",
                           "shapes", "losses", "normalisation", "convolution")
LEAVES = frozenset(name for name, op in OPS.items() if op.is_leaf)
INFIX: dict[str, str] = {op.infix: op.name for op in _DEFINITIONS if op.infix}


def register(op: Op) -> Op:
    """Add ``op`` to the table at run time (a plug-in, or a test's throwaway op).

    Everything reads the table when it needs it, so the op is then a function
    of programs, a node of files, a palette entry and a part of exported
    scripts; :func:`unregister` takes it out again."""
    global LEAVES
    if op.name in OPS:
        raise ValueError(f"there is already an op called {op.name}")
    if op.group not in GROUPS:
        raise ValueError(f"op {op.name}: unknown group {op.group!r}; the groups are "
                         + ", ".join(GROUPS))
    if len(op.local) != op.arity or (op.export is not None and
                                     len(op.export.grads) != op.arity):
        raise ValueError(f"op {op.name}: one local derivative and one gradient template "
                         f"per port ({ports_text(op)})")
    if op.infix is not None and op.infix in INFIX:
        raise ValueError(f"op {op.name}: the operator {op.infix} is {INFIX[op.infix]}")
    OPS[op.name] = op
    if op.infix is not None:
        INFIX[op.infix] = op.name
    LEAVES = frozenset(name for name, o in OPS.items() if o.is_leaf)
    return op


def unregister(name: str) -> None:
    """Take the op ``name`` out of the table again (KeyError when there is none)."""
    global LEAVES
    op = OPS.pop(name)
    if op.infix is not None and INFIX.get(op.infix) == name:
        del INFIX[op.infix]
    LEAVES = frozenset(n for n, o in OPS.items() if o.is_leaf)


def get(name: str) -> Op:
    """The op called ``name``; KeyError when there is none."""
    return OPS[name]


def ports_text(op: Op) -> str:
    """"a, b" — for messages such as "mul takes a, b"."""
    return ", ".join(op.ports) if op.ports else "no inputs"


def shape_text(value: Value) -> str:
    return _shape_text(np.shape(value))


# ---------------------------------------------------------- deep-learning ops
# Their kernels and texts are in ops_deep.py (imported above; it needs no table); each
# becomes one entry of this table here, settings declared like every other's.

def _one_minus_one(value) -> str | None:
    """reshape's shape: at most one size is left for the op to work out (−1)."""
    if sum(1 for v in value if v == -1) > 1:
        return "a list of integers of at least −1, at most one of them −1"
    return None


def _setting_from_deep(d) -> Setting:
    kind = {"shape": "ints"}.get(d.kind, d.kind)
    check = _one_minus_one if d.kind == "shape" else None
    aliases = {"axis": ("dim",), "keepdims": ("keepdim",), "slope": ("negative_slope",),
               "size": ("kernel_size",)}.get(d.name, ())
    low = d.minimum
    if d.kind == "shape":
        low = -1
    none = ""
    if d.default is None:
        none = {"axis": "all (reduce to a scalar)",
                "stride": "the window size"}.get(d.name, "none")
    return Setting(d.name, kind, default=d.default, low=low, above=d.exclusive, none=none,
                   aliases=aliases, check=check, doc=d.doc)


def _op_from_deep(d) -> Op:
    def array(*xs, **kw):
        return d.forward(*xs, **d.check_settings(kw))

    if d.arity == 1:
        def array_vjp(g, out, x, **kw):
            return d.vjp(g, out, x, **d.check_settings(kw))[0]
    else:
        def array_vjp(g, out, *xs, **kw):
            return d.vjp(g, out, *xs, **d.check_settings(kw))

    def half(vjp):
        return lambda g, out, *xs, **kw: vjp(g, out, *xs, **d.check_settings(kw))

    settings = tuple(_setting_from_deep(s) for s in d.settings)
    call = ", ".join([f"{{{p}}}" for p in d.ports] + [f"{s.name}={{{s.name}}}" for s in settings])
    grads = tuple(f"_deep({d.name!r}).vjp({{g}}, {{out}}, {call})[{k}]" for k in range(d.arity))
    dots = ", ".join(f"{{t_{p}}}" for p in d.ports)
    tangent = f"_deep({d.name!r}).jvp({dots}, {{out}}, {call})"
    from .ops_chain import CHAINS
    def array_jvp(*args, **kw):
        return d.jvp(*args, **d.check_settings(kw))

    scalar, scalar_vjp, scalar_jvp = d.floats or (None, None, None)
    return Op(d.name, d.ports, d.group, d.symbol, d.formula, d.local, d.note,
              scalar=scalar, scalar_vjp=scalar_vjp, scalar_jvp=scalar_jvp,
              array=array, array_vjp=array_vjp, settings=settings, explain=d.explain,
              array_jvp=array_jvp if d.jvp is not None else None,
              port_vjps=tuple(map(half, d.port_vjps)) or None, chain=CHAINS.get(d.name),
              export=Template(f"_deep({d.name!r}).forward({call})", grads,
                              {"_deep": _deep_helper_source()}, torch_helpers=d.torch_helpers, torch=d.torch_code, tangent=tangent))


@functools.lru_cache(maxsize=1)
def _deep_helper_source() -> str:
    """The exported script's copy of the deep-learning kernels (ops_deep.py, run as a
    module of its own inside the script), so the script needs only numpy."""
    import inspect

    source = inspect.getsource(ops_deep)
    source = source.replace("from .errors import EvaluationError\n",
                            "class EvaluationError(ValueError):\n"
                            "    \"\"\"A shape or setting that does not fit the op.\"\"\"\n")
    # Scalars are np.float64 in the script (as its leaves), so that 0/0 of what a
    # kernel returned is nan with a warning, as in the app, not a ZeroDivisionError.
    source = source.replace("from .values import as_value\n",
                            "def as_value(v):\n"
                            "    if isinstance(v, np.ndarray):\n"
                            "        return np.float64(v) if v.ndim == 0 else v\n"
                            "    return np.float64(v)\n")
    return (
        "\n\n_DEEP_SOURCE = " + repr(source) + "\n\n\n"
        "def _deep(name):\n"
        "    \"\"\"The kernels of a deep-learning op (chainrule's own code, in _DEEP_SOURCE).\"\"\"\n"
        "    import sys\n"
        "    import types\n"
        "    module = sys.modules.get(\"chainrule_ops_deep\")\n"
        "    if module is None:\n"
        "        module = types.ModuleType(\"chainrule_ops_deep\")\n"
        "        sys.modules[module.__name__] = module\n"
        "        exec(compile(_DEEP_SOURCE, \"chainrule_ops_deep\", \"exec\"), module.__dict__)\n"
        "    return module.DEEP_OPS[name]\n")


def _register_deep_ops() -> None:
    for d in ops_deep.DEEP_OPS.values():
        register(_op_from_deep(d))


_register_deep_ops()
