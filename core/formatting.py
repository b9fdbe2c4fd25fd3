"""Numbers and values as short text, and as strict JSON.

Pure functions shared by the command line (its table and ``--json``) and the
editor (the labels on wires):

* :func:`format_number` — a float in a few significant digits: ``-4``,
  ``0.1966``, ``1.23e-05``, ``nan``, ``inf``, ``-inf``.
* :func:`format_value` — a scalar as above, an array as its shape and a
  preview: ``(2×3) [[1, 2, 3], [4, 5, 6]]``; long arrays are cut with ``…``.
* :func:`json_safe` — a value as JSON data: floats, nested lists, and the
  strings ``"nan"``, ``"inf"``, ``"-inf"`` for non-finite numbers, so the
  result passes ``json.dumps(..., allow_nan=False)``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["format_number", "format_value", "format_shape", "json_safe"]


def format_number(x: Any, digits: int = 4, minus: str = "-") -> str:
    """``x`` in ``digits`` significant digits; ``minus`` is the sign to print.

    Whole numbers lose their ``.0`` (``-4``), negative zero prints as ``0``,
    and non-finite numbers print as ``nan``, ``inf`` and ``-inf``.
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else minus + "inf"
    if x == 0:
        return "0"
    text = f"{x:.{max(1, int(digits))}g}"
    if minus != "-":
        text = text.replace("-", minus)
    return text


def is_finite(value: Any) -> bool:
    """Whether every number of ``value`` is finite (a float without numpy: once per
    step of a step-through, so it must cost what a float test costs)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return bool(np.all(np.isfinite(value)))


def nonfinite_word(value: Any) -> str:
    """How a value that is not finite is not finite: "nan", "inf", "-inf" or "±inf"."""
    if isinstance(value, float):
        if value != value:
            return "nan"
        return "-inf" if value < 0 else "inf"
    v = np.asarray(value, dtype=float)
    if np.any(np.isnan(v)):
        return "nan"
    infs = v[np.isinf(v)]
    if infs.size and np.all(infs < 0):
        return "-inf"
    return "inf" if np.all(infs > 0) else "±inf"


def format_shape(shape: tuple[int, ...], times: str = "×") -> str:
    """``(2×3)`` for a matrix, ``(3)`` for a vector, ``scalar`` for ``()``."""
    if not shape:
        return "scalar"
    return "(" + times.join(str(n) for n in shape) + ")"


def format_value(value: Any, digits: int = 4, *, width: int = 60, ascii: bool = False,
                 minus: str = "-") -> str:
    """A scalar as :func:`format_number`; an array as ``(shape) preview``.

    The preview shows as many leading items per axis as keep it within
    ``width`` characters (at least one), and ``…`` where items were left
    out. ``None`` (no value) prints as ``—``. With ``ascii=True`` the text
    uses only ASCII: ``x`` between the dimensions, ``...`` and ``-``.
    """
    dash, times, more = ("-", "x", "...") if ascii else ("—", "×", "…")
    if value is None:
        return dash
    if not isinstance(value, np.ndarray):
        return format_number(value, digits, minus)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return format_number(float(arr), digits, minus)
    head = format_shape(arr.shape, times)
    limit = max(arr.shape) if arr.size else 1
    # The most items per axis that fit: the preview only grows with more items, so a
    # binary search finds the count the one-by-one search would.  k items take at least
    # 3k characters ("[" + k numbers + ", " between), so more than width/3 never fit.
    lo, hi = 1, max(1, min(limit, 64, width // 3 + 1))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(head) + 1 + len(_preview(arr, mid, digits, more, minus)) <= width:
            lo = mid
        else:
            hi = mid - 1
    return f"{head} {_preview(arr, lo, digits, more, minus)}"


def _preview(arr: np.ndarray, items: int, digits: int, more: str, minus: str) -> str:
    if arr.ndim == 1:
        parts = [format_number(x, digits, minus) for x in arr[:items]]
    else:
        parts = [_preview(row, items, digits, more, minus) for row in arr[:items]]
    if len(arr) > items:
        parts.append(more)
    return "[" + ", ".join(parts) + "]"


def json_safe(value: Any) -> Any:
    """``value`` as JSON data: floats and nested lists; nan/inf as strings; None stays None."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _json_number(float(value))
        return [json_safe(row) if isinstance(row, np.ndarray) else _json_number(row)
                for row in value]
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return _json_number(value)


def _json_number(x: Any) -> float | str:
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x
