"""The chain rule of the deep-learning ops as a course writes it, with shapes.

Each function here is the ``chain`` of one op of the table (:class:`core.ops.Op`):
called by :mod:`core.explain` for a backward step on arrays with
``(port, L, n, names, up, grad, inputs, attrs)`` — the port whose gradient is
written, the output's name, the node's name, the names of its inputs, the
upstream gradient ∂L/∂n, the gradient sent into the port, the input values and
the node's settings — it returns ``chain  ∂L/∂s = … : (shape)``, where a second
line (after a newline) may say more (batchnorm's three paths).

``∂L/∂n ·`` is left out when the node is the output itself (its upstream is 1).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .formatting import format_shape


def _sh(v: Any) -> str:
    return format_shape(np.shape(v))


def _up(L: str, n: str) -> str:
    """``∂L/∂n · ``, or nothing when n is the output (its upstream gradient is 1)."""
    return "" if n == L else f"∂{L}/∂{n} · "


def _head(L: str, names: list[str], port: int) -> str:
    return f"chain  ∂{L}/∂{names[port]} = "


def _rows(z: Any) -> int:
    return 1 if np.ndim(z) <= 1 else int(np.shape(z)[0])


def _is_indices(z: Any, t: Any) -> bool:
    return np.shape(t) != np.shape(z)


def _not_differentiable(L, names, port, grad, what="class indices") -> str:
    return _head(L, names, port) + f"0 : {_sh(grad)}   ({what} are not differentiable)"


# ------------------------------------------------------------------ losses

def cross_entropy(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    z, t = inputs
    zn, tn = names
    N = _rows(z)
    indices = _is_indices(z, t)
    if port == 1:
        if indices:
            return _not_differentiable(L, names, port, grad)
        return (_head(L, names, port) + f"−{_up(L, n)}log softmax({zn}) / N : {_sh(grad)}"
                f", N = {N}")
    y = f"y = one-hot({tn})" if indices else f"y = {tn}"
    if n == L:
        core = f"(softmax({zn}) − y) / N" if N > 1 else f"softmax({zn}) − y"
    else:
        core = f"{_up(L, n)}(softmax({zn}) − y)" + (" / N" if N > 1 else "")
    return (_head(L, names, port) + f"{core} : {_sh(grad)}, {y}"
            + (f", N = {N} rows" if N > 1 else ""))


def bce(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    p, t = names
    if port == 1:
        return _head(L, names, port) + f"−{_up(L, n)}log({p} / (1 − {p})) / N : {_sh(grad)}"
    return (_head(L, names, port) + f"{_up(L, n)}({p} − {t}) / ({p}(1 − {p})) / N : "
            f"{_sh(grad)}, N = {np.size(inputs[0])}")


def bce_logits(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    z, t = names
    if port == 1:
        return _head(L, names, port) + f"−{_up(L, n)}{z} / N : {_sh(grad)}"
    return (_head(L, names, port) + f"{_up(L, n)}(σ({z}) − {t}) / N : {_sh(grad)}, "
            f"N = {np.size(inputs[0])}")


def hinge(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    if port == 1:
        return _not_differentiable(L, names, port, grad)
    s, t = names
    N = _rows(inputs[0])
    return (_head(L, names, port) + f"{_up(L, n)}(1[margin > 0] − y · Σⱼ 1[marginⱼ > 0]) / N "
            f": {_sh(grad)}, margin = {s} − {s}[{t}] + 1, y = one-hot({t}), N = {N}")


# ------------------------------------------------------------ activations

def softmax(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    axis = (attrs or {}).get("axis", -1)
    U = f"∂{L}/∂{n}"
    return (_head(L, names, port) + f"{n} ⊙ ({U} − Σ({U} ⊙ {n})) : {_sh(grad)}, "
            f"{n} = softmax({names[0]}), Σ along axis {axis}")


def log_softmax(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    axis = (attrs or {}).get("axis", -1)
    U = f"∂{L}/∂{n}"
    return (_head(L, names, port) + f"{U} − softmax({names[0]}) ⊙ Σ {U} : {_sh(grad)}, "
            f"Σ along axis {axis}")


def logsumexp(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    return (_head(L, names, port) + f"∂{L}/∂{n} ⊙ softmax({names[0]}) : {_sh(grad)} "
            f"= {_sh(up)} spread over {_sh(inputs[0])}")


def amax(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    return (_head(L, names, port) + f"∂{L}/∂{n} at the largest element (ties share it), "
            f"0 elsewhere : {_sh(grad)}")


# ---------------------------------------------------------- normalisation

def _norm(over: str):
    def chain(port, L, n, names, up, grad, inputs, attrs=None) -> str:
        U, x = f"∂{L}/∂{n}", names[0]
        return (_head(L, names, port) + f"({U} − mean {U} − x̂ · mean({U} ⊙ x̂)) / √(σ² + eps)"
                f" : {_sh(grad)}, means {over}\n"
                f"       the three paths summed: through x̂ = ({x} − μ)/√(σ² + eps) itself, "
                f"through the mean μ and through the variance σ²")
    return chain


def batchnorm(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    x = inputs[0]
    over = "over the batch (axis 0)" if np.ndim(x) == 2 else \
        "over N, H, W for each channel" if np.ndim(x) == 4 else "over the batch"
    return _norm(over)(port, L, n, names, up, grad, inputs, attrs)


layernorm = _norm("over each row (the last axis)")


# ------------------------------------------------------------ convolution

def conv2d(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    X, W = names
    attrs = attrs or {}
    stride, padding = attrs.get("stride", 1), attrs.get("padding", 0)
    how = "" if (stride, padding) == (1, 0) else f", stride {stride}, padding {padding}"
    U = f"∂{L}/∂{n}"
    if port == 1:
        return (_head(L, names, port) + f"conv2d({X}, {U}) : {_sh(grad)} = "
                f"{_sh(inputs[0])} ⋆ {_sh(up)}{how}, summed over the batch")
    return (_head(L, names, port) + f"conv2d_full({U}, flip({W})) : {_sh(grad)} = "
            f"{_sh(up)} ⋆ {_sh(inputs[1])}{how} (the kernels turned 180°)")


def maxpool2d(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    return (_head(L, names, port) + f"∂{L}/∂{n} routed to each window's maximum, "
            f"0 elsewhere : {_sh(grad)} ← {_sh(up)}")


def avgpool2d(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    size = (attrs or {}).get("size", 2)
    return (_head(L, names, port) + f"∂{L}/∂{n} / {size * size} spread over each "
            f"{size}×{size} window : {_sh(grad)} ← {_sh(up)}")


# ------------------------------------------------------------------ shapes

def transpose(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    return _head(L, names, port) + f"(∂{L}/∂{n})ᵀ : {_sh(grad)} = {_sh(up)}ᵀ"


def reshape(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    return (_head(L, names, port) + f"reshape(∂{L}/∂{n}, {_sh(grad)}) : {_sh(grad)} ← "
            f"{_sh(up)}")


def _index_text(index) -> str:
    parts = []
    for entry in index or []:
        if isinstance(entry, (list, tuple)):
            entry = list(entry)
            if len(entry) == 3 and entry[2] is None:
                entry = entry[:2]
            bits = ["" if v is None else str(v) for v in entry]
            parts.append(":".join(bits) if len(bits) > 1 else f"{bits[0]}:")
        else:
            parts.append(str(entry))
    return ", ".join(parts) or ":"


def index(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    where = f"{names[0]}[{_index_text((attrs or {}).get('index'))}]"
    return (_head(L, names, port) + f"∂{L}/∂{n} placed at {where}, 0 elsewhere : "
            f"{_sh(grad)} ← {_sh(up)}")


def concat(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    axis = (attrs or {}).get("axis", 0)
    which = "first" if port == 0 else "second"
    return (_head(L, names, port) + f"the {which} part of ∂{L}/∂{n} along axis {axis} : "
            f"{_sh(grad)} ← {_sh(up)}")


def embedding(port, L, n, names, up, grad, inputs, attrs=None) -> str:
    if port == 1:
        return _not_differentiable(L, names, port, grad, "ids")
    ids = names[1]
    return (_head(L, names, port) + f"rows of ∂{L}/∂{n} added into the rows {ids} picked "
            f"(a row picked twice gets both) : {_sh(grad)} ← {_sh(up)}")


#: op name → its chain text.
CHAINS: dict[str, Callable[..., str]] = {
    "cross_entropy": cross_entropy, "bce": bce, "bce_logits": bce_logits, "hinge": hinge,
    "softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp, "amax": amax,
    "batchnorm": batchnorm, "layernorm": layernorm,
    "conv2d": conv2d, "maxpool2d": maxpool2d, "avgpool2d": avgpool2d,
    "transpose": transpose, "reshape": reshape, "index": index, "concat": concat,
    "embedding": embedding,
}
