"""The small checks every record of a ``.cgraph`` file goes through: its id, a
position, optional strings and flags, unknown keys kept, and how a bad value is
named in a message.  Shared by the node and wire reader
(:mod:`chainrule.core.fileformat_read`) and the groups reader
(:mod:`chainrule.core.fileformat_groups`), so each says a problem the same way.
"""
from __future__ import annotations

import json
import math
from typing import Any

from . import rawjson
from .errors import FileFormatError
from .graph import MAX_ID_LENGTH

MAX_UNKNOWN_DEPTH = 100

#: Each record kind's known keys as a set, made the first time a tuple of keys is
#: asked about (the record kinds' tuples live with their owners).
_KNOWN_KEYS: dict[tuple[str, ...], frozenset[str]] = {}


def record_id(raw: Any, place: str, noun: str) -> str:
    """The ``id`` of a node or group record, checked as the spec says an id is."""
    if not isinstance(raw, dict):
        raise FileFormatError(place, f"a {noun} must be an object {{...}}, not {kind(raw)}")
    if "id" not in raw:
        raise FileFormatError(f"{place}.id", f"missing; every {noun} needs an id")
    found = raw["id"]
    if not isinstance(found, str):
        raise FileFormatError(f"{place}.id", f"must be a string, not {show(found)}")
    if not found:
        raise FileFormatError(f"{place}.id", "is empty; an id needs at least one character")
    if len(found) > MAX_ID_LENGTH:
        raise FileFormatError(f"{place}.id", f'"{found[:20]}…" is longer than '
                                             f'{MAX_ID_LENGTH} characters')
    return found


def position(raw: Any, place: str) -> tuple[float, float]:
    """A ``pos``: two finite numbers."""
    if not isinstance(raw, list) or len(raw) != 2:
        raise FileFormatError(place, f"must be two numbers [x, y], not {show(raw)}")
    out = []
    for v in raw:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FileFormatError(place, f"must be two numbers [x, y], not {show(raw)}")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f):
            raise FileFormatError(place, "the coordinates must be finite numbers")
        out.append(f)
    return (out[0], out[1])


def optional_str(obj: dict, key: str, place: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise FileFormatError(place, f"must be a string, not {show(value)}")
    return value


def optional_bool(obj: dict, key: str, place: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FileFormatError(f"{place}.{key}", f"must be true or false, not {show(value)}")
    return value


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def unknown(obj: dict, known: tuple[str, ...]) -> dict:
    known_set = _KNOWN_KEYS.get(known)
    if known_set is None:
        known_set = _KNOWN_KEYS[known] = frozenset(known)
    if obj.keys() <= known_set:     # the usual case: nothing unknown to keep
        return {}
    return keep_practical({k: v for k, v in obj.items() if k not in known_set})


def keep_practical(obj: dict) -> dict:
    """``obj`` with the entries nested too deeply for Python's copy and writer kept
    as their JSON text (:class:`~chainrule.core.rawjson.RawJSON`), written back unchanged."""
    return {k: (v if depth(v) <= MAX_UNKNOWN_DEPTH else rawjson.RawJSON(rawjson.dumps_flat(v)))
            for k, v in obj.items()}


def depth(value: Any) -> int:
    """Nesting depth of lists and objects, without recursion."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, (list, dict)):
            d += 1
            if d > deepest:
                deepest = d
                if deepest > MAX_UNKNOWN_DEPTH:
                    return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, d) for c in children if isinstance(c, (list, dict)))
    return deepest


def kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return "a string"
    return "a number"


def show(v: Any) -> str:
    """A short JSON rendering of a value for a message."""
    if isinstance(v, (dict, list)):
        return kind(v)
    if isinstance(v, rawjson.RawJSON):
        text = v.text
        return text if len(text) <= 40 else text[:39] + "…"
    if isinstance(v, float) and not math.isfinite(v):
        return "an infinite number" if not math.isnan(v) else "NaN"
    try:
        text = json.dumps(v, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 40 else text[:39] + "…"
