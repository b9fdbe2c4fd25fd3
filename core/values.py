"""What a value is: a Python float for a scalar, a float64 numpy array otherwise.

Also how one is made from what a user or a file gives (:func:`normalize_value`,
:func:`value_from_text`) and how large it may be.
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .errors import BadValueError

Value = Any  # float | np.ndarray
_NDARRAY = np.ndarray


def as_value(v: Value) -> Value:
    """Normalise a numpy result: 0-d arrays and numpy scalars become floats."""
    if type(v) is _NDARRAY:             # the commonest case first, without a call
        return v if v.ndim else float(v)
    if isinstance(v, np.ndarray):
        return float(v) if v.ndim == 0 else v
    return float(v)


#: The most dimensions a value has (numpy's own limit).
MAX_VALUE_DIMS = 64
#: The most numbers in one value (2**24, 128 MiB as float64); a larger one is refused.
MAX_VALUE_ELEMENTS = 2 ** 24
#: The most numbers all the values of one graph file hold together.
MAX_GRAPH_ELEMENTS = 2 ** 24


def normalize_value(raw: Any) -> float | np.ndarray:
    """A finite number or a rectangular nested list of them, as float / float64 array."""
    if isinstance(raw, bool) or raw is None:
        raise BadValueError("value must be a number or a list of numbers")
    if getattr(raw, "is_number", lambda: False)():      # an integer too long to convert
        raise BadValueError("value must be finite (a number is too large for a float64)")
    if isinstance(raw, (int, float, np.integer, np.floating)):
        v = float(raw)
        if not math.isfinite(v):
            raise BadValueError("value must be finite (no nan or inf)")
        return v
    if isinstance(raw, np.ndarray):
        arr = raw
        if arr.size > MAX_VALUE_ELEMENTS:
            raise BadValueError(_too_many(arr.size))
    elif isinstance(raw, (list, tuple)):
        shape = _first_shape(raw)
        _check_nested(raw)
        if math.prod(shape) > MAX_VALUE_ELEMENTS:
            raise BadValueError(_too_many(math.prod(shape)))
        try:
            arr = np.array(raw, dtype=np.float64)
        except (ValueError, TypeError):
            raise BadValueError("value is a ragged list: every row must have the same length")
    else:
        raise BadValueError("value must be a number or a list of numbers")
    if arr.dtype.kind not in "fiu":
        raise BadValueError("value must contain only numbers")
    arr = np.array(arr, dtype=np.float64)
    if arr.ndim == 0:
        return normalize_value(float(arr))
    if arr.size == 0:
        raise BadValueError("value is an empty list")
    if not np.all(np.isfinite(arr)):
        raise BadValueError("value must be finite (no nan or inf)")
    return arr


def _first_shape(raw: list | tuple) -> list[int]:
    """The lengths along the first elements; refuses lists nested too deeply."""
    shape, item = [], raw
    while isinstance(item, (list, tuple)) or hasattr(item, "depth"):
        if hasattr(item, "depth"):       # deep lists kept as their text by the reader
            depth = len(shape) + item.depth()
            if depth > MAX_VALUE_DIMS:
                raise BadValueError(f"lists nested {depth:,} deep; a value has at most "
                                    f"{MAX_VALUE_DIMS} dimensions")
            break
        shape.append(len(item))
        if len(shape) > MAX_VALUE_DIMS:
            depth = len(shape)
            while isinstance(item, (list, tuple)) and item:
                item = item[0]
                depth += isinstance(item, (list, tuple))
            raise BadValueError(f"lists nested {depth:,} deep; a value has at most "
                                f"{MAX_VALUE_DIMS} dimensions")
        item = item[0] if item else None
    return shape


def _too_many(n: int) -> str:
    return f"value has {n:,} numbers; the limit is {MAX_VALUE_ELEMENTS:,} in one value"


def value_from_text(text: str) -> float | np.ndarray:
    """A value typed as text (``--set``, the inspector's list field): a number or a
    JSON list of numbers.  Raises :class:`BadValueError` with one clear sentence,
    never anything else (deep nesting is refused before the JSON parser recurses)."""
    text = text.strip()
    try:
        return normalize_value(float(text))
    except ValueError:
        pass
    depth = deepest = 0
    for ch in text:                      # strings cannot hold a value: brackets count as is
        if ch == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "]":
            depth -= 1
    if deepest > MAX_VALUE_DIMS:
        raise BadValueError(f"lists nested {deepest:,} deep; a value has at most "
                            f"{MAX_VALUE_DIMS} dimensions")
    try:
        data = json.loads(text, parse_constant=_not_finite)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, list):
        raise BadValueError("the value must be a number or a JSON list such as [1, 2]")
    return normalize_value(data)


def _not_finite(name: str):
    raise ValueError(f"{name} is not a finite number")


def _check_nested(raw: list | tuple) -> None:
    """Refuse ragged lists and non-numbers with a precise reason before numpy guesses."""
    stack = [raw]
    while stack:
        item = stack.pop()
        kinds = {isinstance(x, (list, tuple)) for x in item}
        if len(kinds) > 1:
            raise BadValueError("value is a ragged list: numbers and lists are mixed")
        if True in kinds:
            lengths = {len(x) for x in item}
            if len(lengths) > 1:
                raise BadValueError("value is a ragged list: every row must have the same length")
            stack.extend(item)
        else:
            for x in item:
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    if getattr(x, "is_number", lambda: False)():   # a huge integer
                        raise BadValueError("value must be finite (a number is too large "
                                            "for a float64)")
                    raise BadValueError("value must contain only numbers")
