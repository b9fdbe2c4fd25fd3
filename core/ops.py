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
or a tuple with one gradient per port for a binary op.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import EvaluationError

Value = Any  # float | np.ndarray


# ----------------------------------------------------------------- helpers

def as_value(v: Value) -> Value:
    """Normalise a numpy result: 0-d arrays and numpy scalars become floats."""
    if isinstance(v, np.ndarray):
        return float(v) if v.ndim == 0 else v
    return float(v)


def unbroadcast(g: Value, shape: tuple[int, ...]) -> Value:
    """Sum ``g`` over the axes that broadcasting added or stretched."""
    gshape = np.shape(g)
    if gshape == shape:
        return as_value(g)
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return as_value(g)


def _ub(vjp: Callable) -> Callable:
    """Wrap an element-wise binary vjp so each gradient gets its input's shape."""
    def wrapped(g, out, a, b):
        ga, gb = vjp(_np(g), _np(out), _np(a), _np(b))
        return unbroadcast(ga, np.shape(a)), unbroadcast(gb, np.shape(b))
    return wrapped


def _ub1(vjp: Callable) -> Callable:
    def wrapped(g, out, x):
        return unbroadcast(vjp(_np(g), _np(out), _np(x)), np.shape(x))
    return wrapped


def _np(v: Value) -> np.ndarray:
    return np.asarray(v, dtype=np.float64)


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
    takes_axis: bool = False          # attrs.axis (sum, mean)
    # On floats the gradient goes unchanged to every input (add; sum and mean of a
    # number): the engine then skips calling ``scalar_vjp``, the most common call.
    identity_vjp: bool = False
    explain: Callable[..., str | None] | None = field(default=None, repr=False)

    @property
    def arity(self) -> int:
        return len(self.ports)

    @property
    def is_leaf(self) -> bool:
        return not self.ports

    def bind(self, attrs: dict) -> tuple[Callable | None, Callable | None, Callable, Callable]:
        """The four functions for one node, with its ``attrs`` applied."""
        if not self.takes_axis:
            return self.scalar, self.scalar_vjp, self.array, self.array_vjp
        axis = attrs.get("axis")
        array, array_vjp = self.array, self.array_vjp
        # On a scalar only axis 0 / -1 exist (as in PyTorch); others go to the
        # array path, which refuses them with a message.
        fast = axis in (None, 0, -1)
        return (self.scalar if fast else None, self.scalar_vjp if fast else None,
                lambda x: array(x, axis), lambda g, out, x: array_vjp(g, out, x, axis))


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


def _check_matmul(a, b):
    sa, sb = np.shape(a), np.shape(b)
    if not (1 <= len(sa) <= 2 and 1 <= len(sb) <= 2):
        raise EvaluationError(
            f"matmul needs vectors or matrices, got shapes {_shape_text(sa)} and {_shape_text(sb)}")
    if sa[-1] != sb[0]:
        raise EvaluationError(
            f"matmul shapes {_shape_text(sa)} and {_shape_text(sb)} do not fit "
            f"({sa[-1]} ≠ {sb[0]})")


def _matmul(a, b):
    _check_matmul(a, b)
    return as_value(np.matmul(a, b))


def _matmul_vjp(g, out, a, b):
    a, b = _np(a), _np(b)
    a2 = a if a.ndim == 2 else a[None, :]
    b2 = b if b.ndim == 2 else b[:, None]
    g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
    return as_value((g2 @ b2.T).reshape(a.shape)), as_value((a2.T @ g2).reshape(b.shape))


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
    return as_value(np.mean(d * d))


def _mse_vjp(g, out, a, b):
    d = _np(a) - _np(b)
    norm = 2.0 / d.size
    return unbroadcast(norm * d * g, np.shape(a)), unbroadcast(norm * (-d) * g, np.shape(b))


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
           explain=None):
    return Op(name, ("x",), group, symbol, formula, (local,), note,
              scalar=scalar, scalar_vjp=scalar_vjp,
              array=lambda x: as_value(array(_np(x))), array_vjp=_ub1(array_vjp),
              explain=explain)


def _binary(name, group, symbol, formula, local, note, scalar, scalar_vjp, array, array_vjp,
            infix=None, ports=("a", "b"), explain=None, identity_vjp=False):
    return Op(name, ports, group, symbol, formula, local, note,
              scalar=scalar, scalar_vjp=scalar_vjp,
              array=lambda a, b: as_value(array(_np(a), _np(b))), array_vjp=_ub(array_vjp),
              infix=infix, explain=explain, identity_vjp=identity_vjp)


_DEFINITIONS = [
    Op("input", (), "leaves", "x", "value set by you", (), _LEAF_NOTE),
    Op("const", (), "leaves", "c", "fixed value", (), _LEAF_NOTE),

    _binary("add", "arithmetic", "+", "a + b", ("1", "1"),
            "add distributes the upstream gradient unchanged to every input: "
            "each input gets exactly the gradient of the sum.",
            operator.add, lambda g, out, a, b: (g, g),
            np.add, lambda g, out, a, b: (g, g), infix="+", identity_vjp=True),
    _binary("sub", "arithmetic", "−", "a − b", ("1", "−1"),
            "sub passes the upstream gradient to a unchanged and to b with its sign flipped.",
            operator.sub, lambda g, out, a, b: (g, -g),
            np.subtract, lambda g, out, a, b: (g, -g), infix="-"),
    _binary("mul", "arithmetic", "×", "a · b", ("b", "a"),
            "mul swaps its inputs: each input's gradient is the other input times the "
            "upstream gradient. A large input makes the other's gradient large.",
            operator.mul, lambda g, out, a, b: (g * b, g * a),
            np.multiply, lambda g, out, a, b: (g * b, g * a), infix="*"),
    _binary("div", "arithmetic", "÷", "a / b", ("1/b", "−a/b²"),
            "div scales the gradient of a by 1/b; b gets −a/b² times upstream, so a small "
            "divisor makes both gradients large.",
            operator.truediv, lambda g, out, a, b: (g / b, -g * ((a / b) / b)),
            np.divide, lambda g, out, a, b: (g / b, -g * ((a / b) / b)),
            infix="/", explain=_explain_div),
    _binary("pow", "arithmetic", "xʸ", "base^exponent",
            ("exponent · base^(exponent−1)", "base^exponent · ln(base)"),
            "pow sends exponent · base^(exponent−1) times upstream to the base (the power "
            "rule) and base^exponent · ln(base) times upstream to the exponent.",
            math.pow, _pow_scalar_vjp, np.power, _pow_array_vjp,
            infix="**", ports=("base", "exponent"), explain=_explain_pow),
    _binary("max", "functions", "max", "max(a, b)", ("1 if a is larger", "1 if b is larger"),
            "max routes the whole upstream gradient to the larger input and nothing to the "
            "other (a tie splits it in half).",
            lambda a, b: a if a > b else (b if a <= b else math.nan), _max_vjp,
            np.maximum, lambda g, out, a, b: _max_array_vjp(g, out, a, b, True)),
    _binary("min", "functions", "min", "min(a, b)", ("1 if a is smaller", "1 if b is smaller"),
            "min routes the whole upstream gradient to the smaller input (a tie splits it).",
            lambda a, b: a if a < b else (b if a >= b else math.nan), _min_vjp,
            np.minimum, lambda g, out, a, b: _max_array_vjp(g, out, a, b, False)),
    Op("matmul", ("a", "b"), "tensors", "@", "a @ b", ("g @ bᵀ", "aᵀ @ g"),
       "matmul is mul for matrices: a's gradient is upstream @ bᵀ and b's is aᵀ @ upstream, "
       "so each gradient has the shape of its input.",
       array=_matmul, array_vjp=_matmul_vjp, infix="@"),

    _unary("neg", "arithmetic", "−x", "−x", "−1",
           "neg flips the sign of the upstream gradient.",
           operator.neg, lambda g, out, x: -g, np.negative, lambda g, out, x: -g),
    _unary("exp", "functions", "eˣ", "eˣ", "eˣ",
           "exp multiplies the upstream gradient by its own output eˣ.",
           math.exp, lambda g, out, x: g * out, np.exp, lambda g, out, x: g * out,
           explain=_explain_exp),
    _unary("log", "functions", "ln", "ln x", "1/x",
           "log divides the upstream gradient by its input: small inputs get large gradients.",
           math.log, lambda g, out, x: g / x, np.log, lambda g, out, x: g / x,
           explain=_explain_log),
    _unary("sin", "functions", "sin", "sin x", "cos x",
           "sin multiplies the upstream gradient by cos x.",
           math.sin, lambda g, out, x: g * math.cos(x), np.sin,
           lambda g, out, x: g * np.cos(x)),
    _unary("cos", "functions", "cos", "cos x", "−sin x",
           "cos multiplies the upstream gradient by −sin x.",
           math.cos, lambda g, out, x: g * -math.sin(x), np.cos,
           lambda g, out, x: g * -np.sin(x)),
    _unary("tanh", "functions", "tanh", "tanh x", "1 − tanh²(x)",
           "tanh multiplies the upstream gradient by 1 − tanh²x: at most 1, near 0 when the "
           "unit saturates.",
           math.tanh, lambda g, out, x: g * (1 - out * out), np.tanh,
           lambda g, out, x: g * (1 - out * out)),
    Op("sigmoid", ("x",), "functions", "σ", "1/(1 + e⁻ˣ)", ("σ(x)(1 − σ(x))",),
       "sigmoid multiplies the upstream gradient by σ(1 − σ), which is at most 0.25: "
       "that is why gradients vanish through deep chains of sigmoids.",
       scalar=_sigmoid, scalar_vjp=lambda g, out, x: g * (1 - out) * out,
       array=_np_sigmoid, array_vjp=_ub1(lambda g, out, x: g * (1 - out) * out)),
    _unary("relu", "functions", "ReLU", "max(x, 0)", "1 if x > 0 else 0",
           "relu is a gate: it passes the upstream gradient where its input was positive "
           "and blocks it (0) elsewhere.",
           _relu, lambda g, out, x: 0.0 if out <= 0 else g,
           lambda x: np.where(x <= 0, 0.0, x),
           lambda g, out, x: np.where(_np(out) <= 0, 0.0, g)),
    _unary("abs", "functions", "|x|", "|x|", "sign(x)",
           "abs passes the upstream gradient with the sign of its input (0 at 0).",
           abs, lambda g, out, x: g * ((x > 0) - (x < 0)), np.abs,
           lambda g, out, x: g * ((x > 0) * 1.0 - (x < 0))),   # sign, 0 at nan as in PyTorch
    _unary("sqrt", "arithmetic", "√", "√x", "1/(2√x)",
           "sqrt divides the upstream gradient by twice its output: infinite at 0.",
           math.sqrt, lambda g, out, x: g / (2 * out), np.sqrt,
           lambda g, out, x: g / (2 * out), explain=_explain_sqrt),
    _unary("square", "arithmetic", "x²", "x²", "2·x",
           "square multiplies the upstream gradient by 2x.",
           lambda x: x * x, lambda g, out, x: g * (2 * x), np.square,
           lambda g, out, x: g * (2 * x)),
    _unary("reciprocal", "arithmetic", "1/x", "1/x", "−1/x²",
           "reciprocal multiplies the upstream gradient by −1/x².",
           lambda x: 1 / x, lambda g, out, x: -g * (out * out), np.reciprocal,
           lambda g, out, x: -g * (out * out), explain=_explain_reciprocal),

    Op("sum", ("x",), "tensors", "Σ", "Σ x", ("1",),
       "sum copies the upstream gradient to every element it added up.",
       scalar=lambda x: x, scalar_vjp=lambda g, out, x: g,
       array=_sum, array_vjp=_sum_vjp, takes_axis=True, identity_vjp=True),
    Op("mean", ("x",), "tensors", "μ", "mean(x)", ("1/n",),
       "mean copies the upstream gradient divided by n to each of its n elements.",
       scalar=lambda x: x, scalar_vjp=lambda g, out, x: g,
       array=_mean, array_vjp=_mean_vjp, takes_axis=True, identity_vjp=True),
    Op("mse", ("pred", "target"), "losses", "MSE", "mean((pred − target)²)",
       ("2(pred − target)/n", "−2(pred − target)/n"),
       "mse sends 2(pred − target)/n to the prediction: each prediction is pushed toward "
       "its target in proportion to its error.",
       scalar=lambda a, b: (a - b) * (a - b),
       scalar_vjp=lambda g, out, a, b: ((2.0 * (a - b)) * g, (2.0 * (b - a)) * g),
       array=_mse, array_vjp=_mse_vjp),
]

OPS: dict[str, Op] = {op.name: op for op in _DEFINITIONS}
GROUPS: tuple[str, ...] = ("leaves", "arithmetic", "functions", "tensors", "losses")
LEAVES = frozenset(name for name, op in OPS.items() if op.is_leaf)
INFIX: dict[str, str] = {op.infix: op.name for op in _DEFINITIONS if op.infix}


def get(name: str) -> Op:
    """The op called ``name``; KeyError when there is none."""
    return OPS[name]


def ports_text(op: Op) -> str:
    """"a, b" — for messages such as "mul takes a, b"."""
    return ", ".join(op.ports) if op.ports else "no inputs"


def shape_text(value: Value) -> str:
    return _shape_text(np.shape(value))
