"""The deep-learning ops of ``ops.md``: kernels and metadata, ready for the op table.

Every op here has

* ``forward(*inputs, **settings)``: the value, a Python float when 0-d, else a
  float64 numpy array;
* ``vjp(g, out, *inputs, **settings)``: a tuple with one gradient per port,
  each of its input's shape (a float for a scalar input);
* a :class:`DeepOp` record in :data:`DEEP_OPS` with its ports, group, symbol,
  formula, local derivative per port, teaching note and :class:`Setting` s.

PyTorch float64 is the reference for every value and gradient, special points
included (ties, margins of exactly 0, inf and nan). Each kernel follows the
formula PyTorch's CPU kernel or autograd formula uses, so that inf/nan land
where PyTorch puts them.

Shapes that do not fit raise :class:`EvaluationError` with a sentence naming
the shapes; the engine prefixes the node (``node "h" (conv2d): ``). Settings
are checked by the kernels themselves with the same :class:`Setting` records
the metadata lists, so a bad attribute is an :class:`EvaluationError` too.

``sum`` and ``mean`` with ``keepdims`` are in :data:`KEEPDIMS_OPS` (they
replace the table's versions; ``axis`` and ``keepdims`` as in PyTorch).

Nothing here imports Qt, and no numpy warning or exception escapes: the
kernels compute under ``np.errstate(all="ignore")`` and check shapes first.

Registering one in the op table takes its record as it is: ``ports``,
``group``, ``symbol``, ``formula``, ``local``, ``note`` and ``explain`` map
one to one onto :class:`chainrule.core.ops.Op`; ``bind(node.attrs)`` gives
the node's ``(forward, vjp)`` with its settings checked and applied (the
array path; there is no float fast path). The vjp always returns a tuple,
also for one port, where the table's unary vjps return the gradient itself.
None of these ops broadcasts (PyTorch refuses different shapes for the
losses too), so no gradient needs ``unbroadcast``.
"""
from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .errors import EvaluationError
from .values import as_value

__all__ = ["Setting", "DeepOp", "DEEP_OPS", "KEEPDIMS_OPS", "GROUPS", "get",
           "check_settings", "defaults"]

Value = Any  # float | np.ndarray


# ------------------------------------------------------------------ helpers

def _quiet(fn: Callable) -> Callable:
    """Run a kernel with IEEE results (inf/nan) and no numpy warnings."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return wrapped


def _arr(v: Value) -> np.ndarray:
    try:
        return np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EvaluationError(f"expected a number or an array of numbers, got {v!r}") from exc


def shape_words(shape: tuple[int, ...]) -> str:
    """"(2×3)", "(4)" or "scalar" — as the rest of the app writes shapes."""
    return "scalar" if not shape else "(" + "×".join(str(n) for n in shape) + ")"


def _sw(v: Value) -> str:
    return shape_words(np.shape(v))


def _out(v: np.ndarray) -> Value:
    """A fresh result: 0-d becomes a float, arrays are never views of an input."""
    v = np.asarray(v, dtype=np.float64)
    if v.ndim == 0:
        return as_value(v)
    return np.array(v, dtype=np.float64, copy=True) if not v.flags.owndata else v


def _mean(a: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """np.mean without its warning on an empty slice (the result is nan, as in PyTorch)."""
    axes = range(a.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    n = int(np.prod([a.shape[k] for k in axes], dtype=np.int64))
    return np.sum(a, axis=axis, keepdims=keepdims) / n if n else \
        np.sum(a, axis=axis, keepdims=keepdims) * np.nan


def _zero_like(x: Value) -> Value:
    return 0.0 if np.ndim(x) == 0 else np.zeros(np.shape(x))


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


# ----------------------------------------------------------------- settings

@dataclass(frozen=True)
class Setting:
    """One attribute of a node: its name, type, default and allowed range.

    ``kind`` is one of ``"int"``, ``"float"``, ``"bool"``, ``"shape"`` (a list of
    integers, at most one −1) or ``"index"`` (a list, one entry per leading
    axis: an integer or ``[start, stop, step]`` with ``None`` for an omitted
    part). ``minimum`` bounds numbers (``exclusive`` makes it strict);
    ``optional`` admits ``None`` (``axis`` absent = all elements; ``stride``
    absent = ``size``). ``range_text`` says the allowed values in words.
    """

    name: str
    kind: str
    default: Any
    doc: str
    minimum: float | None = None
    exclusive: bool = False
    optional: bool = False

    @property
    def range_text(self) -> str:
        if self.kind == "int":
            text = "an integer" if self.minimum is None else f"an integer ≥ {int(self.minimum)}"
        elif self.kind == "float":
            if self.minimum is None:
                text = "a finite number"
            else:
                text = f"a number {'>' if self.exclusive else '≥'} {self.minimum:g}"
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "shape":
            text = "a list of integers ≥ 0, at most one of them −1"
        else:
            text = "a list with one entry per leading axis: an integer or [start, stop, step]"
        return text + (" or absent" if self.optional else "")

    def check(self, value: Any) -> Any:
        """The value, normalised (numpy integers to int); EvaluationError if not allowed."""
        if value is None:
            if self.optional:
                return None
            if self.default is not None:
                return self.check(self.default)
        bad = EvaluationError(f'setting "{self.name}" is {value!r}; it must be {self.range_text}')
        if self.kind == "int":
            if not _is_int(value):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise bad
            value = int(value)
            if self.minimum is not None and value < self.minimum:
                raise bad
            return value
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise bad
            value = float(value)
            if not math.isfinite(value):
                raise bad
            if self.minimum is not None and (value <= self.minimum if self.exclusive
                                             else value < self.minimum):
                raise bad
            return value
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise bad
        if self.kind == "shape":
            if not isinstance(value, (list, tuple)):
                raise bad
            out = []
            for n in value:
                if isinstance(n, float) and n.is_integer():
                    n = int(n)
                if not _is_int(n) or n < -1:
                    raise bad
                out.append(int(n))
            if out.count(-1) > 1:
                raise EvaluationError(f'setting "shape" is {value!r}: only one size may be −1 '
                                      "(the one worked out from the others)")
            return out
        if self.kind == "index":
            if not isinstance(value, (list, tuple)):
                raise bad
            out = []
            for entry in value:
                if _is_int(entry):
                    out.append(int(entry))
                elif isinstance(entry, (list, tuple)) and 1 <= len(entry) <= 3 and all(
                        p is None or _is_int(p) for p in entry):
                    parts = [None if p is None else int(p) for p in entry]
                    out.append(parts + [None] * (3 - len(entry)))
                else:
                    raise EvaluationError(
                        f'setting "index" is {value!r}: each entry must be an integer or a '
                        "slice [start, stop, step] (null for an omitted part); "
                        f"{entry!r} is neither")
            return out
        raise AssertionError(self.kind)


_AXIS_OPT = Setting("axis", "int", None, "the axis to reduce; absent: all elements",
                    optional=True)
_KEEPDIMS = Setting("keepdims", "bool", False,
                    "keep the reduced axis with size 1, so the result broadcasts against x")
_AXIS_SOFTMAX = Setting("axis", "int", -1, "the axis the probabilities are taken along")
_AXIS_CONCAT = Setting("axis", "int", 0, "the axis along which a and b are joined")
_SLOPE = Setting("slope", "float", 0.01, "the gradient for negative inputs")
_EPS = Setting("eps", "float", 1e-5, "added to the variance inside the square root",
               minimum=0.0, exclusive=True)
_STRIDE = Setting("stride", "int", 1, "the step between two positions of the kernel",
                  minimum=1)
_PADDING = Setting("padding", "int", 0, "rows and columns of zeros added on every side",
                   minimum=0)
_SIZE = Setting("size", "int", 2, "the height and width of each window", minimum=1)
_POOL_STRIDE = Setting("stride", "int", None,
                       "the step between two windows; absent: the window size", minimum=1,
                       optional=True)
_SHAPE = Setting("shape", "shape", [-1], "the new shape; one size may be −1")
_INDEX = Setting("index", "index", [],
                 "one entry per leading axis: an integer or [start, stop, step]")


def _axis(axis, ndim: int, shape: tuple) -> int | None:
    """A valid non-negative axis of an array of ``ndim`` axes (None stays None).

    As in PyTorch, a scalar accepts axis 0 and −1 (and the result is the scalar)."""
    if axis is None:
        return None
    nd = max(ndim, 1)
    if not -nd <= axis < nd:
        if ndim == 0:
            raise EvaluationError(f"axis {axis} is out of range for a scalar: use 0, −1 or "
                                  "leave the axis absent")
        raise EvaluationError(
            f"axis {axis} is out of range for x of shape {shape_words(shape)}: it has {ndim} "
            f"ax{'i' if ndim == 1 else 'e'}s, so the axis must be between {-nd} and {nd - 1}")
    return axis % nd if ndim else None


# ===================================================== shapes and indexing

@_quiet
def transpose_forward(x):
    a = _arr(x)
    if a.ndim < 2:
        return _out(a.copy())
    return _out(np.swapaxes(a, -1, -2).copy())


@_quiet
def transpose_vjp(g, out, x):
    if np.ndim(x) < 2:
        return (_out(_arr(g).copy()),)
    return (_out(np.swapaxes(_arr(g), -1, -2).copy()),)


def _target_shape(x_shape: tuple, shape: list[int]) -> tuple[int, ...]:
    size = int(np.prod(x_shape, dtype=np.int64))
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    asked = "[" + ", ".join(str(n) for n in shape) + "]"
    if -1 in shape:
        if known == 0:
            raise EvaluationError(
                f"x is {shape_words(x_shape)} and cannot be reshaped to {asked}: next to a "
                "size 0, −1 could be any size; give every size")
        if size % known:
            raise EvaluationError(
                f"x is {shape_words(x_shape)} with {size} elements and cannot be reshaped to "
                f"{asked}: {size} is not a multiple of {known}, so −1 has no size that fits")
        return tuple(size // known if n == -1 else n for n in shape)
    if known != size:
        raise EvaluationError(
            f"x is {shape_words(x_shape)} with {size} elements and cannot be reshaped to "
            f"{asked}, which holds {known}; the number of elements must stay the same")
    return tuple(shape)


@_quiet
def reshape_forward(x, shape=None):
    shape = _SHAPE.check(shape)
    a = _arr(x)
    return _out(a.reshape(_target_shape(a.shape, shape)).copy())


@_quiet
def reshape_vjp(g, out, x, shape=None):
    return (_out(_arr(g).reshape(np.shape(x)).copy()),)


def _slice_words(entry) -> str:
    return "[" + ", ".join("null" if p is None else str(p) for p in entry) + "]"


def _index_key(shape: tuple, index: list) -> tuple:
    if len(index) > len(shape):
        raise EvaluationError(
            f"the index has {len(index)} entr{'y' if len(index) == 1 else 'ies'} but x is "
            f"{shape_words(shape)} with {len(shape)} ax{'i' if len(shape) == 1 else 'e'}s; "
            "give at most one entry per axis")
    key = []
    for axis, (entry, n) in enumerate(zip(index, shape)):
        if isinstance(entry, int):
            if not -n <= entry < n:
                raise EvaluationError(
                    f"index {entry} is out of range for axis {axis} of size {n} "
                    f"(x is {shape_words(shape)}): use {-n}…{n - 1}")
            key.append(entry)
        else:
            start, stop, step = entry
            if step is not None and step <= 0:
                raise EvaluationError(
                    f"the slice {_slice_words(entry)} on axis {axis} has step {step}; the step "
                    "must be positive (PyTorch has no reversed slices)")
            key.append(slice(start, stop, step))
    return tuple(key)


@_quiet
def index_forward(x, index=None):
    index = _INDEX.check(index)
    a = _arr(x)
    return _out(np.array(a[_index_key(a.shape, index)]))


@_quiet
def index_vjp(g, out, x, index=None):
    index = _INDEX.check(index)
    shape = np.shape(x)
    grad = np.zeros(shape)
    grad[_index_key(shape, index)] = _arr(g)
    return (_out(grad),)


def _concat_check(a: np.ndarray, b: np.ndarray, axis: int) -> int | None:
    """The normalised axis, or None when one side is the legacy empty 1-D tensor."""
    for name, v in (("a", a), ("b", b)):
        if v.ndim == 0:
            raise EvaluationError(
                f"{name} is a scalar; concat joins arrays along an axis, so make it an "
                "array first (reshape with shape [1])")
    # PyTorch skips a 1-D empty tensor in torch.cat whatever the other's shape.
    if (a.ndim == 1 and a.size == 0) or (b.ndim == 1 and b.size == 0):
        return None
    if a.ndim != b.ndim:
        raise EvaluationError(
            f"a is {_sw(a)} and b is {_sw(b)}; concat needs the same number of axes "
            f"({a.ndim} and {b.ndim})")
    ax = _axis(axis, a.ndim, a.shape)
    for k in range(a.ndim):
        if k != ax and a.shape[k] != b.shape[k]:
            raise EvaluationError(
                f"a is {_sw(a)} and b is {_sw(b)}; joined along axis {axis} they must have "
                f"the same size on every other axis, but axis {k} has sizes "
                f"{a.shape[k]} and {b.shape[k]}")
    return ax


@_quiet
def concat_forward(a, b, axis=0):
    axis = _AXIS_CONCAT.check(axis)
    a, b = _arr(a), _arr(b)
    ax = _concat_check(a, b, axis)
    if ax is None:
        return _out((b if a.size == 0 and a.ndim == 1 else a).copy())
    return _out(np.concatenate([a, b], axis=ax))


@_quiet
def concat_vjp(g, out, a, b, axis=0):
    axis = _AXIS_CONCAT.check(axis)
    a, b, g = _arr(a), _arr(b), _arr(g)
    ax = _concat_check(a, b, axis)
    if ax is None:
        if a.ndim == 1 and a.size == 0:
            return np.zeros(a.shape), _out(g.copy())
        return _out(g.copy()), np.zeros(b.shape)
    n = a.shape[ax]
    ga = np.take(g, np.arange(n), axis=ax)
    gb = np.take(g, np.arange(n, g.shape[ax]), axis=ax)
    return _out(ga), _out(gb)


def _integer_ids(v: np.ndarray, high: int, what: str, meaning: str) -> np.ndarray:
    """``v`` as int64 indices in 0…high−1; EvaluationError naming the first bad one."""
    ok = np.isfinite(v) & (v == np.round(v)) & (v >= 0) & (v < high)
    if not ok.all():
        pos = tuple(int(i) for i in np.argwhere(~ok)[0])
        bad = v[pos] if v.ndim else v[()]
        where = f" at position {pos}" if v.ndim else ""
        value = repr(float(bad)) if not float(bad).is_integer() else str(int(bad))
        raise EvaluationError(
            f"{what} holds {value}{where}; {meaning} must be integers 0…{high - 1}")
    return v.astype(np.int64)


def _embedding_check(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    if table.ndim != 2:
        raise EvaluationError(
            f"table is {_sw(table)} but an embedding table is a matrix (V×D): one row "
            f"of D numbers per id; ids is {_sw(ids)}")
    return _integer_ids(ids, table.shape[0], "ids",
                        f"ids pick rows of the table {_sw(table)}, so they")


@_quiet
def embedding_forward(table, ids):
    table, ids = _arr(table), _arr(ids)
    idx = _embedding_check(table, ids)
    return _out(table[idx])


@_quiet
def embedding_vjp(g, out, table, ids):
    table, ids = _arr(table), _arr(ids)
    idx = _embedding_check(table, ids)
    grad = np.zeros(table.shape)
    np.add.at(grad, idx.reshape(-1), _arr(g).reshape(idx.size, table.shape[1]))
    return grad, _zero_like(ids)


# ============================================================== element-wise

# ReLU's two kernels (its table entry is in ops.py), written without ``np.where``:
# where the signs of the input are mixed, np.where's branch per element cost
# 8–10× a ufunc on a 128×256 batch (measured: 210–260 µs against 20–30 µs), most
# of a big MLP's forward pass.  Both give np.where's bits exactly: +0.0 for
# −0.0 and below, the input's own nan.

def relu_array(x: np.ndarray) -> np.ndarray:
    """``np.where(x <= 0, 0.0, x)``: the maximum, plus 0.0 to turn −0.0 into +0.0."""
    out = np.maximum(x, 0.0)
    if isinstance(out, np.ndarray):
        out += 0.0
        return out
    return out + 0.0


def zero_where_not_positive(out: np.ndarray, g: Value) -> np.ndarray:
    """``np.where(out <= 0, 0.0, g)`` as a bit mask: all ones where ``out`` is positive
    or nan, zeros (+0.0) elsewhere, and-ed with the bits of ``g``."""
    g = np.asarray(g, dtype=np.float64)
    mask = np.less_equal(out, 0.0).view(np.uint8).astype(np.int64)
    mask -= 1
    bits = g.view(np.int64) if g.ndim else g.reshape(1).view(np.int64)
    if bits.shape == mask.shape:
        return np.bitwise_and(bits, mask, out=mask).view(np.float64)
    return np.bitwise_and(bits, mask).view(np.float64).reshape(np.broadcast_shapes(
        np.shape(out), g.shape))


@_quiet
def leaky_relu_forward(x, slope=0.01):
    slope = _SLOPE.check(slope)
    a = _arr(x)
    return _out(np.where(a > 0, a, a * slope))


@_quiet
def leaky_relu_vjp(g, out, x, slope=0.01):
    slope = _SLOPE.check(slope)
    a, g = _arr(x), _arr(g)
    return (_out(np.where(a > 0, g, g * slope)),)


_erf = np.frompyfunc(math.erf, 1, 1)   # numpy has no erf; math.erf is correctly rounded


def _erf_array(a: np.ndarray) -> np.ndarray:
    return np.asarray(_erf(a), dtype=np.float64)


_SQRT1_2 = 0.70710678118654752440      # M_SQRT1_2
_GELU_BETA = 0.39894228040143267794    # M_2_SQRTPI · M_SQRT1_2 · 0.5 = 1/√(2π)


@_quiet
def gelu_forward(x):
    a = _arr(x)
    return _out(a * 0.5 * (1.0 + _erf_array(a * _SQRT1_2)))


@_quiet
def gelu_vjp(g, out, x):
    # PyTorch: dy · (Φ(x) + x · φ(x)), φ(x) = e^(−x²/2)/√(2π).
    a, g = _arr(x), _arr(g)
    cdf = 0.5 * (1.0 + _erf_array(a * _SQRT1_2))
    pdf = np.exp(-0.5 * a * a) * _GELU_BETA
    return (_out(g * (cdf + a * pdf)),)


# ================================================================ reductions

def _expand(v: np.ndarray, ax: int | None, ndim: int, keepdims: bool) -> np.ndarray:
    """A reduced result (or its gradient) with the reduced axes back, of size 1."""
    if ndim == 0 or keepdims:
        return v
    if ax is None:
        return v.reshape((1,) * ndim)
    return np.expand_dims(v, ax)


@_quiet
def sum_forward(x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    if a.ndim == 0:
        return float(a)
    return _out(np.sum(a, axis=ax, keepdims=keepdims))


@_quiet
def sum_vjp(g, out, x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    g = _expand(_arr(g), ax, a.ndim, keepdims)
    return (_out(np.broadcast_to(g, a.shape).copy()),)


@_quiet
def mean_forward(x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    if a.ndim == 0:
        return float(a)
    return _out(_mean(a, axis=ax, keepdims=keepdims))


@_quiet
def mean_vjp(g, out, x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    n = 1 if a.ndim == 0 else (a.size if ax is None else a.shape[ax])
    g = _expand(_arr(g), ax, a.ndim, keepdims)
    return (_out(np.broadcast_to(g, a.shape) / n),)


def _reduce_axes(a: np.ndarray, ax: int | None):
    return None if a.ndim == 0 or ax is None else ax


@_quiet
def amax_forward(x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    if a.ndim == 0:
        return float(a)
    if (a.size == 0) if ax is None else (a.shape[ax] == 0):
        raise EvaluationError(f"x is {_sw(a)}: the largest element of an empty array "
                              "does not exist")
    return _out(np.max(a, axis=ax, keepdims=keepdims))


@_quiet
def amax_vjp(g, out, x, axis=None, keepdims=False):
    # PyTorch: (g / count) · mask, mask = (x == amax); a tie splits g evenly, and a
    # nan maximum (mask empty) gives nan to the whole reduced slice.
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    o = _expand(_arr(out), ax, a.ndim, keepdims)
    g = _expand(_arr(g), ax, a.ndim, keepdims)
    mask = a == o
    count = np.sum(mask, axis=_reduce_axes(a, ax), keepdims=True)
    return (_out((g / count) * mask),)


def _lse_keep(a: np.ndarray, ax: int | None) -> np.ndarray:
    """logsumexp with the reduced axes kept, as PyTorch computes it (an infinite
    maximum is replaced by 0 before it is subtracted)."""
    axes = _reduce_axes(a, ax)
    m = np.max(a, axis=axes, keepdims=True, initial=-np.inf)
    m = np.where(np.isinf(m), 0.0, m)
    return np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m


@_quiet
def logsumexp_forward(x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    r = _lse_keep(a, ax)
    if a.ndim and not keepdims:
        r = r.reshape(()) if ax is None else np.squeeze(r, axis=ax)
    return _out(r)


@_quiet
def logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    # PyTorch: g · exp(x − logsumexp(x)).
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    o = _expand(_arr(out), ax, a.ndim, keepdims)
    g = _expand(_arr(g), ax, a.ndim, keepdims)
    return (_out(g * np.exp(a - o)),)


def _softmax(a: np.ndarray, ax: int | None) -> np.ndarray:
    if a.size == 0:
        return a.copy()
    m = np.max(a, axis=ax, keepdims=True)
    e = np.exp(a - m)
    return e / np.sum(e, axis=ax, keepdims=True)


def _log_softmax(a: np.ndarray, ax: int | None) -> np.ndarray:
    if a.size == 0:
        return a.copy()
    m = np.max(a, axis=ax, keepdims=True)
    shifted = a - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=ax, keepdims=True))


@_quiet
def softmax_forward(x, axis=-1):
    axis = _AXIS_SOFTMAX.check(axis)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    return _out(_softmax(a, ax))


@_quiet
def softmax_vjp(g, out, x, axis=-1):
    # PyTorch: y · (g − Σ g·y) along the axis.
    axis = _AXIS_SOFTMAX.check(axis)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    y, g = _arr(out), _arr(g)
    return (_out(y * (g - np.sum(g * y, axis=ax, keepdims=True))),)


@_quiet
def log_softmax_forward(x, axis=-1):
    axis = _AXIS_SOFTMAX.check(axis)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    return _out(_log_softmax(a, ax))


@_quiet
def log_softmax_vjp(g, out, x, axis=-1):
    # PyTorch: g − exp(y) · Σ g along the axis.
    axis = _AXIS_SOFTMAX.check(axis)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    y, g = _arr(out), _arr(g)
    return (_out(g - np.exp(y) * np.sum(g, axis=ax, keepdims=True)),)


# ==================================================================== losses

def _class_scores(z: np.ndarray, op: str, port: str) -> None:
    if z.ndim not in (1, 2):
        raise EvaluationError(
            f"{port} is {_sw(z)} but {op} takes one row of class {port} (C) or a batch "
            f"of rows (N×C)")
    if 0 in z.shape:
        raise EvaluationError(f"{port} is {_sw(z)}: {op} needs at least one row and one class")


def _class_indices(z: np.ndarray, t: np.ndarray, op: str, port: str,
                   allow_probs: bool) -> np.ndarray | None:
    """Index targets as int64 (per row), None for probabilities; else EvaluationError."""
    _class_scores(z, op, port)
    C = z.shape[-1]
    if t.shape == z.shape[:-1]:
        return _integer_ids(t, C, "target", f"class indices for {C} classes")
    if allow_probs and t.shape == z.shape:
        return None
    rows = shape_words(z.shape[:-1])
    if allow_probs:
        raise EvaluationError(
            f"{port} is {_sw(z)} and target is {_sw(t)}; the target must be class indices "
            f"of shape {rows} (one per row) or probabilities of shape {_sw(z)}")
    raise EvaluationError(
        f"{port} is {_sw(z)} and target is {_sw(t)}; the target must be class indices of "
        f"shape {rows} (one per row)")


def _rows(z: np.ndarray, idx: np.ndarray):
    return (np.arange(z.shape[0]), idx) if z.ndim == 2 else (idx[()],)


def _batch(z: np.ndarray) -> int:
    return z.shape[0] if z.ndim == 2 else 1


@_quiet
def cross_entropy_forward(logits, target):
    z, t = _arr(logits), _arr(target)
    idx = _class_indices(z, t, "cross_entropy", "logits", allow_probs=True)
    lsm = _log_softmax(z, -1)
    if idx is not None:
        return float(-np.sum(lsm[_rows(z, idx)]) / _batch(z))
    return float(-np.sum(lsm * t) / _batch(z))


@_quiet
def cross_entropy_vjp(g, out, logits, target):
    # PyTorch: log_softmax then nll (or −Σ lsm·t / N); the log_softmax backward
    # turns −t/N into (softmax − t)/N.
    z, t = _arr(logits), _arr(target)
    idx = _class_indices(z, t, "cross_entropy", "logits", allow_probs=True)
    lsm = _log_softmax(z, -1)
    scale = -float(g) / _batch(z)
    if idx is not None:
        gl = np.zeros(z.shape)
        gl[_rows(z, idx)] = scale
        gt = _zero_like(t)
    else:
        gl = scale * t
        gt = _out(scale * lsm)
    gz = gl - np.exp(lsm) * np.sum(gl, axis=-1, keepdims=True)
    return _out(gz), gt


def _same_shape(p: np.ndarray, t: np.ndarray, op: str, port: str) -> None:
    if p.shape != t.shape:
        raise EvaluationError(
            f"{port} is {_sw(p)} and target is {_sw(t)}; {op} needs one target per "
            f"{'prediction' if port == 'pred' else 'logit'}, so the shapes must be the same")


# PyTorch's EPSILON of the bce backward is the float32 number nearest 1e-12
# (9.9999999600e-13): at pred = 0 or 1 the gradient is (p − t)/that.
_BCE_EPSILON = float(np.float32(1e-12))


def _bce_outside(p: np.ndarray) -> np.ndarray:
    return ~((p >= 0) & (p <= 1))


@_quiet
def bce_forward(pred, target):
    p, t = _arr(pred), _arr(target)
    _same_shape(p, t, "bce", "pred")
    loss = (t - 1) * np.maximum(np.log1p(-p), -100.0) - t * np.maximum(np.log(p), -100.0)
    # PyTorch also refuses a target outside [0, 1]; the loss is linear in the target,
    # so it is computed there (finite differences on a target of exactly 1 agree).
    loss = np.where(_bce_outside(p), np.nan, loss)
    return float(_mean(loss)) if loss.size else math.nan


@_quiet
def bce_vjp(g, out, pred, target):
    # PyTorch: g·(p − t)/max((1 − p)·p, ε)/n with ε = float32(1e-12) for pred,
    # −g·logit(p)/n for target.
    p, t = _arr(pred), _arr(target)
    _same_shape(p, t, "bce", "pred")
    g, n = float(g), max(p.size, 1)
    gp = g * (p - t) / np.maximum((1.0 - p) * p, _BCE_EPSILON) / n
    gt = -np.log(p / (1.0 - p)) * g / n
    bad = _bce_outside(p)
    return _out(np.where(bad, np.nan, gp)), _out(np.where(bad, np.nan, gt))


def _bce_explain(pred, target):
    p = _arr(pred)
    bad = _bce_outside(p)
    if not bad.any():
        return None
    x = float(p[tuple(np.argwhere(bad)[0])] if p.ndim else p)
    return (f"bce takes probabilities in [0, 1] and pred holds {x:g}: the loss is nan "
            "(PyTorch refuses it); apply sigmoid first, or use bce_logits")


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x)))


@_quiet
def bce_logits_forward(logits, target):
    x, t = _arr(logits), _arr(target)
    _same_shape(x, t, "bce_logits", "logits")
    loss = (1.0 - t) * x - _log_sigmoid(x)
    return float(_mean(loss)) if loss.size else math.nan


@_quiet
def bce_logits_vjp(g, out, logits, target):
    # PyTorch: autograd through (1 − t)·x − log_sigmoid(x), mean.
    x, t = _arr(logits), _arr(target)
    _same_shape(x, t, "bce_logits", "logits")
    gl = float(g) / max(x.size, 1)
    neg = x < 0
    z = np.exp(-np.abs(x))
    dlogsig = np.where(neg, 1.0, 0.0) - np.where(neg, 1.0, -1.0) * (z / (1.0 + z))
    gx = gl * (1.0 - t) + (-gl) * dlogsig
    gt = -(gl * x)
    return _out(gx), _out(gt)


def _hinge_parts(s: np.ndarray, t: np.ndarray):
    idx = _class_indices(s, t, "hinge", "scores", allow_probs=False)
    s2 = s if s.ndim == 2 else s[None, :]
    y = idx.reshape(-1)
    rows = np.arange(s2.shape[0])
    z = 1.0 - s2[rows, y][:, None] + s2          # margin − s_y + s_j
    active = z > 0                               # exactly 0: no gradient (PyTorch)
    active[rows, y] = False
    return s2, y, rows, z, active


@_quiet
def hinge_forward(scores, target):
    s, t = _arr(scores), _arr(target)
    s2, y, rows, z, active = _hinge_parts(s, t)
    N, C = s2.shape
    per_row = np.sum(np.where(active, z, 0.0), axis=1) / C
    return float(C * (np.sum(per_row) / N))


@_quiet
def hinge_vjp(g, out, scores, target):
    s, t = _arr(scores), _arr(target)
    s2, y, rows, z, active = _hinge_parts(s, t)
    N, C = s2.shape
    h = np.where(active, 1.0 / (N * C), 0.0)
    h[rows, y] = -np.sum(h, axis=1)
    grad = h * (float(g) * C)
    return _out(grad.reshape(s.shape)), _zero_like(t)


# ============================================================ normalisation

@_quiet
def layernorm_forward(x, eps=1e-5):
    eps = _EPS.check(eps)
    a = _arr(x)
    if a.ndim == 0:
        raise EvaluationError("x is a scalar; layernorm normalises each row (the last axis) "
                              "of a vector or matrix")
    mu = _mean(a, axis=-1, keepdims=True)
    var = _mean(np.square(a - mu), axis=-1, keepdims=True)
    return _out((a - mu) / np.sqrt(var + eps))


@_quiet
def layernorm_vjp(g, out, x, eps=1e-5):
    eps = _EPS.check(eps)
    a, g = _arr(x), _arr(g)
    if a.ndim == 0:
        raise EvaluationError("x is a scalar; layernorm normalises each row (the last axis) "
                              "of a vector or matrix")
    mu = _mean(a, axis=-1, keepdims=True)
    xc = a - mu
    rstd = 1.0 / np.sqrt(_mean(np.square(xc), axis=-1, keepdims=True) + eps)
    xhat = xc * rstd
    gx = rstd * (g - _mean(g, axis=-1, keepdims=True)
                 - xhat * _mean(g * xhat, axis=-1, keepdims=True))
    return (_out(gx),)


def _bn_axes(a: np.ndarray) -> tuple[int, ...]:
    if a.ndim < 2:
        raise EvaluationError(
            f"x is {_sw(a)} but batchnorm takes a batch: (N×D) rows of features, or "
            "(N×C×H×W) images")
    axes = (0,) + tuple(range(2, a.ndim))
    n = int(np.prod([a.shape[k] for k in axes]))
    if n <= 1:
        raise EvaluationError(
            f"x is {_sw(a)}: batchnorm needs more than one value per "
            f"{'feature' if a.ndim == 2 else 'channel'} to compute a batch variance "
            "(PyTorch refuses it too)")
    return axes


@_quiet
def batchnorm_forward(x, eps=1e-5):
    eps = _EPS.check(eps)
    a = _arr(x)
    axes = _bn_axes(a)
    mu = _mean(a, axis=axes, keepdims=True)
    var = _mean(np.square(a - mu), axis=axes, keepdims=True)
    return _out((a - mu) * (1.0 / np.sqrt(var + eps)))


@_quiet
def batchnorm_vjp(g, out, x, eps=1e-5):
    # PyTorch's training backward: (g − mean g − (x − μ)·Σ(x − μ)g·invstd²/n)·invstd.
    eps = _EPS.check(eps)
    a, g = _arr(x), _arr(g)
    axes = _bn_axes(a)
    n = int(np.prod([a.shape[k] for k in axes]))
    xc = a - _mean(a, axis=axes, keepdims=True)
    invstd = 1.0 / np.sqrt(_mean(np.square(xc), axis=axes, keepdims=True) + eps)
    dot = np.sum(xc * g, axis=axes, keepdims=True)
    mean_g = np.sum(g, axis=axes, keepdims=True) / n
    proj = dot * invstd * invstd / n
    return (_out((g - mean_g - xc * proj) * invstd),)


# ================================================== convolution and pooling

def _images(x: np.ndarray, op: str, port: str) -> tuple[np.ndarray, bool]:
    """(N, C, H, W) and whether the input was a single (C, H, W) image."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x[None], True
    raise EvaluationError(
        f"{port} is {_sw(x)} but {op} takes images (N×C×H×W) or one image (C×H×W)")


def _windows(x4: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """A read-only (N, C, OH, OW, KH, KW) view of every window (no copy)."""
    N, C, H, W = x4.shape
    oh, ow = (H - kh) // stride + 1, (W - kw) // stride + 1
    sn, sc, sh, sw = x4.strides
    return as_strided(x4, (N, C, oh, ow, kh, kw),
                      (sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def _conv_check(x: np.ndarray, w: np.ndarray, stride: int, padding: int):
    x4, single = _images(x, "conv2d", "input")
    if w.ndim != 4:
        raise EvaluationError(
            f"weight is {_sw(w)} but conv2d takes kernels (F×C×KH×KW): F filters of C "
            "channels each")
    if x4.shape[1] != w.shape[1]:
        raise EvaluationError(
            f"input is {_sw(x)} with {x4.shape[1]} channel{'s' * (x4.shape[1] != 1)} and "
            f"weight is {_sw(w)}, kernels of {w.shape[1]} channel{'s' * (w.shape[1] != 1)}; "
            f"the channel sizes "
            f"{x4.shape[1]} and {w.shape[1]} must match")
    H, W = x4.shape[2] + 2 * padding, x4.shape[3] + 2 * padding
    if w.shape[2] > H or w.shape[3] > W or 0 in w.shape or 0 in x4.shape:
        raise EvaluationError(
            f"input is {_sw(x)} and weight is {_sw(w)}: the kernel {w.shape[2]}×{w.shape[3]} "
            f"does not fit in the image {H}×{W} (padding {padding} included); use a smaller "
            "kernel or more padding")
    return x4, single


def _pad(x4: np.ndarray, padding: int) -> np.ndarray:
    if not padding:
        return np.ascontiguousarray(x4)
    return np.pad(x4, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


@_quiet
def conv2d_forward(input, weight, stride=1, padding=0):
    stride, padding = _STRIDE.check(stride), _PADDING.check(padding)
    x, w = _arr(input), _arr(weight)
    x4, single = _conv_check(x, w, stride, padding)
    cols = _windows(_pad(x4, padding), w.shape[2], w.shape[3], stride)
    # (N, C, OH, OW, KH, KW) · (F, C, KH, KW) → (N, OH, OW, F) → (N, F, OH, OW)
    y = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    y = np.ascontiguousarray(y)
    return _out(y[0] if single else y)


def _conv_grad_parts(g, input, weight, stride, padding):
    """What both halves of conv2d's backward start from: the checked settings, the
    images, the padded images, the kernels and the upstream gradient as (N, F, OH, OW)."""
    stride, padding = _STRIDE.check(stride), _PADDING.check(padding)
    x, w = _arr(input), _arr(weight)
    x4, single = _conv_check(x, w, stride, padding)
    g4 = _arr(g)
    return stride, padding, x4, single, _pad(x4, padding), w, g4[None] if single else g4


def _conv_grad_weight(g4, xp, w, stride) -> Value:
    # dW[f, c, i, j] = Σ_{n, y, x} g[n, f, y, x] · window[n, c, y, x, i, j]
    cols = _windows(xp, w.shape[2], w.shape[3], stride)
    return _out(np.tensordot(g4, cols, axes=([0, 2, 3], [0, 2, 3])))


def _conv_grad_input(g4, x4, single, xp, w, stride, padding) -> Value:
    # dX: each kernel offset (i, j) scatters g · W back onto its strided positions.
    _, _, KH, KW = w.shape
    _, _, OH, OW = g4.shape
    dcols = np.tensordot(g4, w, axes=([1], [0]))          # (N, OH, OW, C, KH, KW)
    gxp = np.zeros(xp.shape)
    for i in range(KH):
        for j in range(KW):
            gxp[:, :, i:i + stride * (OH - 1) + 1:stride, j:j + stride * (OW - 1) + 1:stride] \
                += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    gx = gxp[:, :, padding:padding + x4.shape[2], padding:padding + x4.shape[3]]
    return _out(np.ascontiguousarray(gx[0] if single else gx))


@_quiet
def conv2d_vjp(g, out, input, weight, stride=1, padding=0):
    stride, padding, x4, single, xp, w, g4 = _conv_grad_parts(g, input, weight, stride, padding)
    return (_conv_grad_input(g4, x4, single, xp, w, stride, padding),
            _conv_grad_weight(g4, xp, w, stride))


@_quiet
def conv2d_vjp_input(g, out, input, weight, stride=1, padding=0):
    """conv2d's gradient into its images alone (the first half of :func:`conv2d_vjp`)."""
    stride, padding, x4, single, xp, w, g4 = _conv_grad_parts(g, input, weight, stride, padding)
    return _conv_grad_input(g4, x4, single, xp, w, stride, padding)


@_quiet
def conv2d_vjp_weight(g, out, input, weight, stride=1, padding=0):
    """conv2d's gradient into its kernels alone (the second half of :func:`conv2d_vjp`)."""
    stride, padding, x4, single, xp, w, g4 = _conv_grad_parts(g, input, weight, stride, padding)
    return _conv_grad_weight(g4, xp, w, stride)


def _pool_check(x: np.ndarray, op: str, size: int, stride: int):
    x4, single = _images(x, op, "x")
    H, W = x4.shape[2:]
    if size > H or size > W or 0 in x4.shape:
        raise EvaluationError(
            f"x is {_sw(x)}: a {size}×{size} window does not fit in an image of {H}×{W}; "
            "use a smaller size")
    return np.ascontiguousarray(x4), single


def _pool_settings(size, stride):
    size = _SIZE.check(size)
    stride = _POOL_STRIDE.check(stride)
    return size, size if stride is None else stride


def _maxpool_argmax(win: np.ndarray) -> np.ndarray:
    """Position in each flattened window of the value PyTorch picks: the first
    maximum in row-major order, or the last nan when the window holds one."""
    k = win.shape[-1]
    first = np.argmax(win, axis=-1)
    isnan = np.isnan(win)
    last_nan = k - 1 - np.argmax(isnan[..., ::-1], axis=-1)
    return np.where(isnan.any(axis=-1), last_nan, first)


@_quiet
def maxpool2d_forward(x, size=2, stride=None):
    size, stride = _pool_settings(size, stride)
    a = _arr(x)
    x4, single = _pool_check(a, "maxpool2d", size, stride)
    win = _windows(x4, size, size, stride)
    win = win.reshape(win.shape[:4] + (size * size,))
    pick = _maxpool_argmax(win)
    y = np.take_along_axis(win, pick[..., None], axis=-1)[..., 0]
    return _out(y[0] if single else y)


@_quiet
def maxpool2d_vjp(g, out, x, size=2, stride=None):
    size, stride = _pool_settings(size, stride)
    a = _arr(x)
    x4, single = _pool_check(a, "maxpool2d", size, stride)
    N, C, H, W = x4.shape
    win = _windows(x4, size, size, stride)
    OH, OW = win.shape[2:4]
    pick = _maxpool_argmax(win.reshape(win.shape[:4] + (size * size,)))
    rows = np.arange(OH)[:, None] * stride + pick // size          # (N, C, OH, OW)
    cols = np.arange(OW)[None, :] * stride + pick % size
    flat = (np.arange(N * C).reshape(N, C, 1, 1) * (H * W) + rows * W + cols).reshape(-1)
    g4 = _arr(g)
    g4 = g4[None] if single else g4
    gx = np.bincount(flat, weights=g4.reshape(-1), minlength=N * C * H * W).reshape(x4.shape)
    return (_out(gx[0] if single else gx),)


@_quiet
def avgpool2d_forward(x, size=2, stride=None):
    size, stride = _pool_settings(size, stride)
    a = _arr(x)
    x4, single = _pool_check(a, "avgpool2d", size, stride)
    win = _windows(x4, size, size, stride)
    y = np.sum(win, axis=(4, 5)) / (size * size)
    return _out(y[0] if single else y)


@_quiet
def avgpool2d_vjp(g, out, x, size=2, stride=None):
    size, stride = _pool_settings(size, stride)
    a = _arr(x)
    x4, single = _pool_check(a, "avgpool2d", size, stride)
    g4 = _arr(g)
    g4 = (g4[None] if single else g4) / (size * size)
    OH, OW = g4.shape[2:]
    gx = np.zeros(x4.shape)
    for i in range(size):
        for j in range(size):
            gx[:, :, i:i + stride * (OH - 1) + 1:stride, j:j + stride * (OW - 1) + 1:stride] += g4
    return (_out(gx[0] if single else gx),)


# ============================================= tangents (forward mode, JVPs)
# ``jvp(*tangents, out, *inputs, **settings)``: the directional derivative of the
# output along the inputs' tangents (one per port, each of its input's shape), as
# torch.autograd.forward_ad computes it: the same formulas, special points included.
# An op that is linear in its input applies itself to the tangent.

def _linear_jvp(forward: Callable) -> Callable:
    """The tangent of an op linear in its one input: the op applied to the tangent."""
    def jvp(t, out, x, **kw):
        return forward(t, **kw)
    return jvp


@_quiet
def concat_jvp(ta, tb, out, a, b, axis=0):
    return concat_forward(ta, tb, axis=axis)


@_quiet
def embedding_jvp(tt, ti, out, table, ids):
    # ids are not differentiable (PyTorch takes them as integers): their tangent is dropped.
    return embedding_forward(tt, ids)


@_quiet
def leaky_relu_jvp(t, out, x, slope=0.01):
    return leaky_relu_vjp(t, out, x, slope=slope)[0]


@_quiet
def gelu_jvp(t, out, x):
    return gelu_vjp(t, out, x)[0]


@_quiet
def amax_jvp(t, out, x, axis=None, keepdims=False):
    # PyTorch (amaxamin_jvp): the mean of the tangents at the maxima.
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a, t = _arr(x), _arr(t)
    ax = _axis(axis, a.ndim, a.shape)
    if a.ndim == 0:
        return float(t)
    mask = a == _expand(_arr(out), ax, a.ndim, keepdims)
    axes = _reduce_axes(a, ax)
    return _out(np.sum(np.where(mask, t, 0.0), axis=axes, keepdims=keepdims)
                / np.sum(mask, axis=axes, keepdims=keepdims))


def _lse_jvp(a: np.ndarray, t: np.ndarray, ax: int | None, keepdims: bool) -> np.ndarray:
    """PyTorch's logsumexp_jvp: Σ exp(x − max)·ẋ / Σ exp(x − max) (also softmax's)."""
    axes = _reduce_axes(a, ax)
    e = np.exp(a - np.amax(a, axis=axes, keepdims=True)) if a.size else np.exp(a)
    return np.sum(e * t, axis=axes, keepdims=keepdims) / np.sum(e, axis=axes, keepdims=keepdims)


@_quiet
def logsumexp_jvp(t, out, x, axis=None, keepdims=False):
    axis, keepdims = _AXIS_OPT.check(axis), _KEEPDIMS.check(keepdims)
    a = _arr(x)
    ax = _axis(axis, a.ndim, a.shape)
    return _out(_lse_jvp(a, _arr(t), ax, keepdims or a.ndim == 0))


@_quiet
def softmax_jvp(t, out, x, axis=-1):
    # PyTorch: y · (ẋ − logsumexp_jvp).
    axis = _AXIS_SOFTMAX.check(axis)
    a, t = _arr(x), _arr(t)
    ax = _axis(axis, a.ndim, a.shape)
    return _out(_arr(out) * (t - _lse_jvp(a, t, ax, True)))


@_quiet
def log_softmax_jvp(t, out, x, axis=-1):
    axis = _AXIS_SOFTMAX.check(axis)
    a, t = _arr(x), _arr(t)
    ax = _axis(axis, a.ndim, a.shape)
    return _out(t - _lse_jvp(a, t, ax, True))


@_quiet
def cross_entropy_jvp(tz, tt, out, logits, target):
    # PyTorch: log_softmax then nll_loss (indices) or −Σ lsm·t / N (probabilities).
    z, t = _arr(logits), _arr(target)
    idx = _class_indices(z, t, "cross_entropy", "logits", allow_probs=True)
    tz = _arr(tz)
    lsm_t = tz - _lse_jvp(z, tz, z.ndim - 1, True)
    if idx is not None:
        return float(-np.sum(lsm_t[_rows(z, idx)]) / _batch(z))
    lsm = _log_softmax(z, -1)
    return float(-np.sum(lsm_t * t + lsm * _arr(tt)) / _batch(z))


@_quiet
def bce_jvp(tp, tt, out, pred, target):
    # PyTorch: mean of bce_backward(ṗ) + bce_target_backward(ṫ), reduction None.
    p, t = _arr(pred), _arr(target)
    _same_shape(p, t, "bce", "pred")
    dp = _arr(tp) * (p - t) / np.maximum((1.0 - p) * p, _BCE_EPSILON)
    dt = -np.log(p / (1.0 - p)) * _arr(tt)
    d = np.where(_bce_outside(p), np.nan, dp + dt)
    return float(_mean(d)) if d.size else math.nan


@_quiet
def bce_logits_jvp(tx, tt, out, logits, target):
    # PyTorch: forward AD through (1 − t)·x − log_sigmoid(x), mean.
    x, t = _arr(logits), _arr(target)
    _same_shape(x, t, "bce_logits", "logits")
    tx, tt = _arr(tx), _arr(tt)
    neg = x < 0
    z = np.exp(-np.abs(x))
    dlogsig = np.where(neg, 1.0, 0.0) - np.where(neg, 1.0, -1.0) * (z / (1.0 + z))
    d = tx * (1.0 - t) + (-tt) * x - tx * dlogsig
    return float(_mean(d)) if d.size else math.nan


@_quiet
def hinge_jvp(ts, tt, out, scores, target):
    # PyTorch has no forward-mode rule for multi_margin_loss; this is the JVP of the
    # same subgradient the backward pass uses (0 at a margin of exactly 0).
    grad = hinge_vjp(1.0, out, scores, target)[0]
    return float(np.sum(_arr(grad) * _arr(ts)))


def _norm_jvp(a: np.ndarray, t: np.ndarray, axes, eps: float) -> np.ndarray:
    """PyTorch's layer_norm_jvp / batch_norm_jvp (training): over ``axes``."""
    n = int(np.prod([a.shape[k] for k in axes]))
    xc = a - _mean(a, axis=axes, keepdims=True)
    invstd = 1.0 / np.sqrt(_mean(np.square(xc), axis=axes, keepdims=True) + eps)
    tc = t - _mean(t, axis=axes, keepdims=True)
    invstd_t = -(invstd ** 3) * np.sum(tc * xc, axis=axes, keepdims=True) / n
    return tc * invstd + xc * invstd_t


@_quiet
def layernorm_jvp(t, out, x, eps=1e-5):
    eps = _EPS.check(eps)
    a = _arr(x)
    if a.ndim == 0:
        raise EvaluationError("x is a scalar; layernorm normalises each row (the last axis) "
                              "of a vector or matrix")
    return _out(_norm_jvp(a, _arr(t), (a.ndim - 1,), eps))


@_quiet
def batchnorm_jvp(t, out, x, eps=1e-5):
    eps = _EPS.check(eps)
    a = _arr(x)
    return _out(_norm_jvp(a, _arr(t), _bn_axes(a), eps))


@_quiet
def conv2d_jvp(tx, tw, out, input, weight, stride=1, padding=0):
    # bilinear: conv(ẋ, w) + conv(x, ẇ)
    return _out(_arr(conv2d_forward(tx, weight, stride, padding))
                + _arr(conv2d_forward(input, tw, stride, padding)))


@_quiet
def maxpool2d_jvp(t, out, x, size=2, stride=None):
    # PyTorch: the tangent at the element each window picked (gather by the indices).
    size, stride = _pool_settings(size, stride)
    a = _arr(x)
    x4, single = _pool_check(a, "maxpool2d", size, stride)
    t4 = np.ascontiguousarray(_arr(t)[None] if single else _arr(t))
    win = _windows(x4, size, size, stride)
    pick = _maxpool_argmax(win.reshape(win.shape[:4] + (size * size,)))
    twin = _windows(t4, size, size, stride)
    twin = twin.reshape(twin.shape[:4] + (size * size,))
    y = np.take_along_axis(twin, pick[..., None], axis=-1)[..., 0]
    return _out(y[0] if single else y)


transpose_jvp = _linear_jvp(transpose_forward)
reshape_jvp = _linear_jvp(reshape_forward)
index_jvp = _linear_jvp(index_forward)
sum_jvp = _linear_jvp(sum_forward)
mean_jvp = _linear_jvp(mean_forward)
avgpool2d_jvp = _linear_jvp(avgpool2d_forward)


# ================================================================= metadata

@dataclass(frozen=True)
class DeepOp:
    """What the op table needs to register one op."""

    name: str
    ports: tuple[str, ...]
    group: str
    symbol: str
    formula: str                      # forward, in port names
    local: tuple[str, ...]            # the local derivative a course writes, per port
    note: str                         # how it passes gradients back (CS231n spirit)
    forward: Callable = field(repr=False)
    vjp: Callable = field(repr=False)
    settings: tuple[Setting, ...] = ()
    torch: str = ""                   # the PyTorch reference, as ops.md writes it
    # The same as code of the exported PyTorch script (``Template.torch``: port and
    # setting fields) and the helpers that code calls (name → source).
    torch_code: str = ""
    torch_helpers: Mapping[str, str] = field(default_factory=dict, repr=False)
    explain: Callable[..., str | None] | None = field(default=None, repr=False)
    # the tangent: jvp(*tangents, out, *inputs, **settings) (see "tangents" above)
    jvp: Callable | None = field(default=None, repr=False)
    # the halves of vjp, one per port (each that port's gradient alone), or ()
    port_vjps: tuple[Callable, ...] = field(default=(), repr=False)
    # a float path (forward, vjp, jvp on Python floats, settings as keywords), the
    # same IEEE operations as the numpy functions on a 0-d input: plans of floats
    # stay plans of floats through this op (the engine's fast paths)
    floats: tuple[Callable, Callable, Callable] | None = field(default=None, repr=False)

    @property
    def arity(self) -> int:
        return len(self.ports)

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.settings}

    def check_settings(self, attrs: dict | None) -> dict[str, Any]:
        """The settings of one node: ``attrs`` checked, absent ones at their default.

        Keys that are not settings of this op are ignored (the file format keeps them)."""
        attrs = attrs or {}
        return {s.name: s.check(attrs.get(s.name, s.default)) for s in self.settings}

    def bind(self, attrs: dict | None) -> tuple[Callable, Callable]:
        """``forward(*inputs)`` and ``vjp(g, out, *inputs)`` with the node's settings."""
        kw = self.check_settings(attrs)
        fwd, vjp = self.forward, self.vjp
        if not kw:
            return fwd, vjp
        return (lambda *xs: fwd(*xs, **kw)), (lambda g, out, *xs: vjp(g, out, *xs, **kw))


# ---- the exported PyTorch script's helpers (source text; nothing here imports torch)

_TORCH_TRANSPOSE = {"_transpose": '''
def _transpose(x):
    """x.transpose(-2, -1); a scalar or vector passes unchanged (a copy, so it is a node)."""
    return x.transpose(-2, -1) if x.dim() >= 2 else x.clone()
'''}
_TORCH_INDEX = {"_index": '''
def _index(index):
    """Chainrule's index setting as a subscript: an integer, or [start, stop, step]."""
    return tuple(i if isinstance(i, int) else slice(*i) for i in index)
'''}
_TORCH_DIMS = {"_dims": '''
def _dims(axis):
    """torch.amax's dim: () reduces over every element."""
    return () if axis is None else axis
'''}
_TORCH_LSE = {"_logsumexp": '''
def _logsumexp(x, axis, keepdims):
    """torch.logsumexp along axis; without one, over x.flatten()."""
    if axis is not None:
        return torch.logsumexp(x, dim=axis, keepdim=keepdims)
    return torch.logsumexp(x.flatten(), 0).reshape((1,) * x.dim() if keepdims else ())
'''}
_TORCH_CLASSES = {"_classes": '''
def _classes(target, logits):
    """F.cross_entropy's target: class indices as integers, or probabilities as they are."""
    return target if target.shape == logits.shape else target.long()
'''}

_TORCH_HINGE = {"_hinge": '''
def _hinge(scores, target):
    """CS231n's multiclass SVM loss: F.multi_margin_loss times the number of classes."""
    return scores.shape[-1] * F.multi_margin_loss(scores, target.long())
'''}

_SHAPE_OPS = [
    DeepOp("transpose", ("x",), "shapes", "xᵀ", "xᵀ (the last two axes swapped)",
           ("dX = (dY)ᵀ",),
           "transpose sends the upstream gradient back transposed: each element's gradient "
           "returns to the place it came from. A scalar or vector passes unchanged.",
           transpose_forward, transpose_vjp, jvp=transpose_jvp, torch="x.transpose(-2, -1)",
           torch_code="_transpose({x})", torch_helpers=_TORCH_TRANSPOSE),
    DeepOp("reshape", ("x",), "shapes", "⇄", "x with a new shape, same elements",
           ("dX = reshape(dY, shape of x)",),
           "reshape only relabels positions, so the upstream gradient is reshaped back to "
           "x's shape, element for element.",
           reshape_forward, reshape_vjp, (_SHAPE,), jvp=reshape_jvp, torch="torch.reshape(x, shape)",
           torch_code="torch.reshape({x}, {shape})"),
    DeepOp("index", ("x",), "shapes", "x[i]", "x[index]",
           ("dX = dY at the selected elements, 0 elsewhere",),
           "index routes the upstream gradient to the elements it selected; every element "
           "it left out gets gradient 0.",
           index_forward, index_vjp, (_INDEX,), jvp=index_jvp, torch="x[index]",
           torch_code="{x}[_index({index})]", torch_helpers=_TORCH_INDEX),
    DeepOp("concat", ("a", "b"), "shapes", "⧺", "[a, b] joined along axis",
           ("dA = dY's part for a", "dB = dY's part for b"),
           "concat splits the upstream gradient where it joined its inputs: each input "
           "gets back the slice of the gradient that lines up with it.",
           concat_forward, concat_vjp, (_AXIS_CONCAT,), jvp=concat_jvp, torch="torch.cat([a, b], dim=axis)",
           torch_code="torch.cat([{a}, {b}], dim={axis})"),
    DeepOp("embedding", ("table", "ids"), "shapes", "E[i]", "table[ids]",
           ("dTable[i] = Σ dY over the positions where ids = i", "0 (ids are not differentiable)"),
           "embedding is a lookup: each row's gradient is the sum of the upstream gradients "
           "of every place that picked it (fan-out inside one op); rows never picked get 0, "
           "and the integer ids get no gradient.",
           embedding_forward, embedding_vjp, jvp=embedding_jvp, torch="F.embedding(ids.long(), table)",
           torch_code="F.embedding({ids}.long(), {table})"),
]

_ELEMENTWISE_OPS = [
    DeepOp("leaky_relu", ("x",), "activations", "LReLU", "x if x > 0 else slope · x",
           ("1 if x > 0 else slope",),
           "leaky_relu passes the upstream gradient where x > 0 and lets a small fraction "
           "(slope) through elsewhere, so a negative unit still learns — unlike relu, it "
           "never blocks the gradient completely.",
           leaky_relu_forward, leaky_relu_vjp, (_SLOPE,), jvp=leaky_relu_jvp, torch="F.leaky_relu(x, slope)",
           torch_code="F.leaky_relu({x}, {slope})",
           floats=(lambda x, slope=0.01: x if x > 0 else x * slope,
                   lambda g, out, x, slope=0.01: g if x > 0 else g * slope,
                   lambda t, out, x, slope=0.01: t if x > 0 else t * slope)),
    DeepOp("gelu", ("x",), "activations", "GELU", "x · Φ(x)",
           ("Φ(x) + x · φ(x)",),
           "gelu multiplies the upstream gradient by Φ(x) + x·φ(x): about 1 for large x, "
           "about 0 for very negative x, and smooth in between (a soft relu gate).",
           gelu_forward, gelu_vjp, jvp=gelu_jvp, torch="F.gelu(x)", torch_code="F.gelu({x})"),
]

_REDUCTION_OPS = [
    DeepOp("amax", ("x",), "tensors", "max", "max of x (along axis)",
           ("1 at the maximum, 0 elsewhere (ties share it)",),
           "amax routes the whole upstream gradient to the largest element; when several "
           "elements tie for the maximum they share it evenly.",
           amax_forward, amax_vjp, (_AXIS_OPT, _KEEPDIMS), jvp=amax_jvp, torch="torch.amax(x, dim)",
           torch_code="torch.amax({x}, dim=_dims({axis}), keepdim={keepdims})",
           torch_helpers=_TORCH_DIMS),
    DeepOp("logsumexp", ("x",), "tensors", "LSE", "log Σ exp x",
           ("softmax(x)",),
           "logsumexp is a soft maximum: it shares the upstream gradient among the elements "
           "in proportion to softmax(x), so the largest get the most.",
           logsumexp_forward, logsumexp_vjp, (_AXIS_OPT, _KEEPDIMS),
           jvp=logsumexp_jvp, torch="torch.logsumexp(x, dim)",
           torch_code="_logsumexp({x}, {axis}, {keepdims})", torch_helpers=_TORCH_LSE),
    DeepOp("softmax", ("x",), "activations", "softmax", "exp x / Σ exp x",
           ("∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ − yⱼ), so dX = y · (dY − Σ dY·y)",),
           "softmax couples its outputs: raising one probability lowers the others, so the "
           "gradient of each input is y·(upstream − the probability-weighted mean of "
           "upstream). Adding a constant to every input changes nothing, and its gradient "
           "sums to 0.",
           softmax_forward, softmax_vjp, (_AXIS_SOFTMAX,), jvp=softmax_jvp, torch="torch.softmax(x, dim=axis)",
           torch_code="torch.softmax({x}, dim={axis})"),
    DeepOp("log_softmax", ("x",), "activations", "log softmax", "x − logsumexp x",
           ("dX = dY − softmax(x) · Σ dY",),
           "log_softmax passes the upstream gradient through minus softmax(x) times its "
           "sum: stable where log(softmax) would underflow, and the heart of cross-entropy.",
           log_softmax_forward, log_softmax_vjp, (_AXIS_SOFTMAX,),
           jvp=log_softmax_jvp, torch="torch.log_softmax(x, dim=axis)",
           torch_code="torch.log_softmax({x}, dim={axis})"),
]

_LOSS_OPS = [
    DeepOp("cross_entropy", ("logits", "target"), "losses", "CE",
           "mean over rows of −log softmax(logits)[target]",
           ("∂L/∂z = softmax(z) − y",
            "0 for class indices; −log softmax(z) for probabilities"),
           "cross_entropy sends softmax(z) − y (divided by the batch size) to the logits: "
           "the right class is pushed up by how much probability it lacks, every wrong "
           "class down by the probability it took.",
           cross_entropy_forward, cross_entropy_vjp, jvp=cross_entropy_jvp, torch="F.cross_entropy(logits, target)",
           torch_code="F.cross_entropy({logits}, _classes({target}, {logits}))",
           torch_helpers=_TORCH_CLASSES),
    DeepOp("bce", ("pred", "target"), "losses", "BCE",
           "mean of −(t · log p + (1 − t) · log(1 − p))",
           ("∂L/∂p = (p − t) / (p(1 − p))", "∂L/∂t = −log(p / (1 − p))"),
           "bce sends (p − t)/(p(1 − p)) to each probability, divided by n: huge near 0 or 1 "
           "when the prediction is confidently wrong. After a sigmoid this collapses to "
           "p − t, which is why bce_logits is the stable choice.",
           bce_forward, bce_vjp, jvp=bce_jvp, torch="F.binary_cross_entropy(pred, target)",
           torch_code="F.binary_cross_entropy({pred}, {target})",
           explain=_bce_explain),
    DeepOp("bce_logits", ("logits", "target"), "losses", "BCE σ",
           "mean of −(t · log σ(z) + (1 − t) · log(1 − σ(z)))",
           ("∂L/∂z = σ(z) − t", "∂L/∂t = −z"),
           "bce_logits fuses the sigmoid into the loss: each logit gets σ(z) − t over n, "
           "bounded and never nan, however large the logit.",
           bce_logits_forward, bce_logits_vjp,
           jvp=bce_logits_jvp, torch="F.binary_cross_entropy_with_logits(logits, target)",
           torch_code="F.binary_cross_entropy_with_logits({logits}, {target})"),
    DeepOp("hinge", ("scores", "target"), "losses", "SVM",
           "mean over rows of Σ_{j≠y} max(0, s_j − s_y + 1)",
           ("∂L/∂s_j = 1 if s_j − s_y + 1 > 0 (j ≠ y); ∂L/∂s_y = −(number of such j)",
            "0 (class indices)"),
           "hinge only looks at the classes that violate the margin: each of them gets "
           "+1 (over the batch size), the correct class gets −1 per violator, and a row "
           "already separated by the margin sends no gradient at all.",
           hinge_forward, hinge_vjp, jvp=hinge_jvp, torch="C · F.multi_margin_loss(scores, target.long())",
           torch_code="_hinge({scores}, {target})", torch_helpers=_TORCH_HINGE),
]

_NORM_OPS = [
    DeepOp("layernorm", ("x",), "normalisation", "LN",
           "(x − μ) / √(σ² + eps) over the last axis",
           ("dX = (dY − mean dY − x̂ · mean(dY · x̂)) / √(σ² + eps)",),
           "layernorm removes from the upstream gradient its mean and its component along x̂ "
           "(each row), then divides by the standard deviation: shifting or scaling a row "
           "changes nothing, so those directions get no gradient.",
           layernorm_forward, layernorm_vjp, (_EPS,),
           jvp=layernorm_jvp, torch="F.layer_norm(x, x.shape[-1:], eps=eps)",
           torch_code="F.layer_norm({x}, {x}.shape[-1:], eps={eps})"),
    DeepOp("batchnorm", ("x",), "normalisation", "BN",
           "(x − μ) / √(σ² + eps) per feature over the batch",
           ("dX = (dY − mean dY − x̂ · mean(dY · x̂)) / √(σ² + eps), "
            "means over the batch",),
           "batchnorm couples the examples of a batch: every example's gradient loses the "
           "batch mean of the upstream gradient and its part along x̂, then is divided by "
           "the feature's standard deviation.",
           batchnorm_forward, batchnorm_vjp, (_EPS,),
           jvp=batchnorm_jvp, torch="F.batch_norm(x, None, None, training=True, eps=eps)",
           torch_code="F.batch_norm({x}, None, None, training=True, eps={eps})"),
]

_CONV_OPS = [
    DeepOp("conv2d", ("input", "weight"), "convolution", "conv",
           "y[f, i, j] = Σ_{c, u, v} input[c, i·s + u, j·s + v] · weight[f, c, u, v]",
           ("dX = full convolution of dY with the flipped kernels",
            "dW = correlation of the input with dY"),
           "conv2d is a matmul that slides: the weight gradient sums, over every position, "
           "the input patch times the upstream gradient there; each input pixel gets back "
           "the kernel weights times the upstream gradient of every window it was in.",
           conv2d_forward, conv2d_vjp, (_STRIDE, _PADDING),
           port_vjps=(conv2d_vjp_input, conv2d_vjp_weight), jvp=conv2d_jvp, torch="F.conv2d(input, weight, stride=stride, padding=padding)",
           torch_code="F.conv2d({input}, {weight}, stride={stride}, padding={padding})"),
    DeepOp("maxpool2d", ("x",), "convolution", "maxpool", "largest value of each window",
           ("1 at each window's (first) maximum, 0 elsewhere",),
           "maxpool2d is max for windows: the whole upstream gradient of a window goes to "
           "the element that was largest (the first one on a tie), every other element "
           "gets 0.",
           maxpool2d_forward, maxpool2d_vjp, (_SIZE, _POOL_STRIDE),
           jvp=maxpool2d_jvp, torch="F.max_pool2d(x, size, stride)",
           torch_code="F.max_pool2d({x}, {size}, {stride})"),
    DeepOp("avgpool2d", ("x",), "convolution", "avgpool", "mean of each window",
           ("1/size² for every element of the window",),
           "avgpool2d spreads each window's upstream gradient evenly: every element of the "
           "window gets 1/size² of it (summed where windows overlap).",
           avgpool2d_forward, avgpool2d_vjp, (_SIZE, _POOL_STRIDE),
           jvp=avgpool2d_jvp, torch="F.avg_pool2d(x, size, stride)",
           torch_code="F.avg_pool2d({x}, {size}, {stride})"),
]

DEEP_OPS: dict[str, DeepOp] = {op.name: op for op in
                               _SHAPE_OPS + _ELEMENTWISE_OPS + _REDUCTION_OPS + _LOSS_OPS
                               + _NORM_OPS + _CONV_OPS}

# The table's sum and mean with keepdims (they replace the existing kernels).
KEEPDIMS_OPS: dict[str, DeepOp] = {op.name: op for op in [
    DeepOp("sum", ("x",), "tensors", "Σ", "Σ x", ("1",),
           "sum copies the upstream gradient to every element it added up.",
           sum_forward, sum_vjp, (_AXIS_OPT, _KEEPDIMS), jvp=sum_jvp, torch="x.sum(axis, keepdim=keepdims)",
           torch_code="torch.sum({x}, dim={axis}, keepdim={keepdims})"),
    DeepOp("mean", ("x",), "tensors", "μ", "mean(x)", ("1/n",),
           "mean copies the upstream gradient divided by n to each of its n elements.",
           mean_forward, mean_vjp, (_AXIS_OPT, _KEEPDIMS),
           torch="x.mean(axis, keepdim=keepdims)",
           torch_code="torch.mean({x}, dim={axis}, keepdim={keepdims})"),
]}

# The palette groups the new ops use, in palette order (the table adds leaves,
# arithmetic and functions): shapes and indexing, activations (relu's family and
# softmax), reductions, losses, normalisation, convolution and pooling.
GROUPS: tuple[str, ...] = ("activations", "tensors", "shapes", "losses", "normalisation",
                           "convolution")


def get(name: str) -> DeepOp:
    """The op called ``name`` (KEEPDIMS_OPS included); KeyError when there is none."""
    return DEEP_OPS[name] if name in DEEP_OPS else KEEPDIMS_OPS[name]


def defaults(name: str) -> dict[str, Any]:
    return get(name).defaults()


def check_settings(name: str, attrs: dict | None) -> dict[str, Any]:
    return get(name).check_settings(attrs)
