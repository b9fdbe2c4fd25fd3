"""The tangent rule of a forward-mode step, written out: ``ṡ = ẋ + ẏ = 1 + 0 = 1``.

A tangent is written with a dot over its name (ẋ, ṡ, ẇ0); a longer name
gets the ṫ of the wires' labels, ``ṫ[hidden]``.  The rule is the sum over
the ports of tangent × local derivative, the local derivative as the op
table writes it (``ḟ = ṡ·z + s·ż`` for a product): the tangent first for
port 0, after it for the others, a factor 1 left out and −1 written as a
minus.  The numbers are the tangents and the local derivatives at this
point, each the op's own tangent rule with a one-hot tangent, so PyTorch's
choices show (a tie of max: ½ of each).  Array steps and ops without an
element-wise local derivative are written as Jacobian-vector products with
the shape of the result: ``ḣ = ∂h/∂W·Ẇ + ∂h/∂x·ẋ : (3×1)``.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np

from . import ops
from .explain import MINUS, _factor, _substitute, num
from .forward_mode import node_tangent

DOT = "\u0307"          # combining dot above: x + DOT is ẋ
TANGENT = "ṫ"           # the wires' tangent labels and longer names

_SHORT = re.compile(r"^[A-Za-z\u0370-\u03ff][0-9₀-₉′']*$")


def dot(name: str) -> str:
    """ẋ for x, ẇ0 for w0; ṫ[name] for a longer name."""
    if _SHORT.match(name):
        return unicodedata.normalize("NFC", name[0] + DOT) + name[1:]
    return f"{TANGENT}[{name}]"


def _elementwise(op: ops.Op, values: list[Any]) -> bool:
    return op.scalar is not None and all(np.ndim(v) == 0 for v in values)


def _terms(tangent_texts: list[str], local_texts: list[str], symbolic: list[str]) -> str:
    """Σ tangent · local, with a local derivative of 1 (in ``symbolic``, the op table's
    text) left out and −1 written as a minus."""
    out = ""
    for k, (t, local, form) in enumerate(zip(tangent_texts, local_texts, symbolic)):
        sign = "+"
        if form == "1":
            term = t
        elif form in ("−1", "-1"):
            term, sign = t, MINUS
        else:
            factor = local if re.fullmatch(r"[\w.′'ⁱ-ⁿ²³]+|\(.*\)", local) else f"({local})"
            term = f"{t}·{factor}" if k == 0 else f"{factor}·{t}"
        if not out:
            out = term if sign == "+" else f"{MINUS}{term}"
        else:
            out += f" {sign} {term}"
    return out


def rule(op: ops.Op, out_name: str, in_names: list[str], values: list[Any]) -> str:
    """``ṡ = ẋ + ẏ``: the tangent rule in the names of the step."""
    dots = [dot(n) for n in in_names]
    if _elementwise(op, values):
        locals_ = [_substitute(op.local[k], op, in_names) for k in range(op.arity)]
        return f"{dot(out_name)} = {_terms(dots, locals_, list(op.local))}"
    jac = [f"∂{out_name}/∂{n}" for n in in_names]
    return f"{dot(out_name)} = " + " + ".join(f"{j}·{d}" for j, d in zip(jac, dots))


def local_number(op: ops.Op, attrs: dict, out: Any, values: list[Any], port: int) -> Any:
    """∂out/∂input[port] at a scalar point: the tangent rule with a one-hot tangent."""
    onehot = [1.0 if k == port else 0.0 for k in range(len(values))]
    return node_tangent(op, attrs, onehot, out, values)


def rule_with_numbers(op: ops.Op, attrs: dict, out_name: str, in_names: list[str],
                      values: list[Any], tangents: list[Any], out: Any, out_tangent: Any,
                      digits: int = 4) -> str:
    """``ṡ = ẋ + ẏ = 1 + 0 = 1`` (arrays: ``… : (2×3)``, the shape of the tangent)."""
    text = rule(op, out_name, in_names, values)
    if not _elementwise(op, values):
        return f"{text} : {num(out_tangent, digits) if np.ndim(out_tangent) else 'scalar'}" \
            if np.ndim(out_tangent) else f"{text} = {num(out_tangent, digits)}"
    nums = [num(t, digits) if k == 0 else _factor(t, digits) for k, t in enumerate(tangents)]
    locals_ = [num(local_number(op, attrs, out, values, k), digits) for k in range(op.arity)]
    locals_ = [f"({x})" if x.startswith(MINUS) else x for x in locals_]
    numeric = _terms(nums, locals_, list(op.local))
    return f"{text} = {numeric} = {num(out_tangent, digits)}"


def leaf_line(name: str, tangent: Any, seeded: bool, digits: int = 4) -> str:
    """``ẋ = 1   (seeded)`` / ``ẏ = 0   (not seeded)``."""
    return f"{dot(name)} = {num(tangent, digits)}   ({'seeded' if seeded else 'not seeded: 0'})"
