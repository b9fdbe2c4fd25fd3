"""JSON kept exactly as written, for what Python's own JSON reader cannot hold.

The format promises that unknown keys are never an error and are written
back as they were read.  Two kinds of JSON would break that promise with
Python's reader: an integer of more than 4,300 digits (Python refuses to
convert it, and converting long ones takes quadratic time) and lists or
objects nested about 1,000 deep (the reader recurses).  Such a part of a
file is kept as a :class:`RawJSON`, the text itself, and the writer puts the
text back unchanged.

* :func:`loads` reads JSON text: integers longer than :data:`MAX_INT_DIGITS`
  become ``RawJSON``; if the text is nested too deeply for Python, every list
  or object deeper than :data:`CUT_DEPTH` is checked (without recursion) and
  kept as ``RawJSON``.
* :func:`dumps_flat` writes any JSON data without recursion (for values
  deeper than the writer's recursion allows).
"""
from __future__ import annotations

import json
import re
import secrets
from typing import Any, Callable

#: Integers with more digits than this are kept as text (Python's limit is 4,300).
MAX_INT_DIGITS = 4000
#: When a file is nested too deeply for Python's reader, lists and objects deeper
#: than this are kept as text.
CUT_DEPTH = 100


class RawJSON:
    """A piece of JSON text, kept and written back exactly as read."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __deepcopy__(self, memo) -> "RawJSON":
        return self                      # immutable

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawJSON) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        return f"RawJSON({shown})"

    def depth(self) -> int:
        """How many lists or objects open at the start of the text."""
        n = 0
        for ch in self.text:
            if ch in "[{":
                n += 1
            elif not ch.isspace():
                break
        return n

    def is_number(self) -> bool:
        return bool(_NUMBER.fullmatch(self.text))


def parse_int(text: str) -> int | RawJSON:
    return int(text) if len(text) <= MAX_INT_DIGITS else RawJSON(text)


class DeepJSONError(ValueError):
    """The deep part of a file is not valid JSON: the message and the offset."""

    def __init__(self, msg: str, pos: int):
        super().__init__(msg)
        self.msg, self.pos = msg, pos


def loads(text: str, parse_constant: Callable[[str], Any]) -> Any:
    """Parse JSON text (see the module docstring); RecursionError never escapes."""
    try:
        # The usual case at full speed: no Python call per integer.
        return json.loads(text, parse_constant=parse_constant)
    except RecursionError:
        pass
    except ValueError as exc:
        if "digits" not in str(exc) or isinstance(exc, json.JSONDecodeError):
            raise
        try:                             # an integer too long for Python: keep its text
            return json.loads(text, parse_constant=parse_constant, parse_int=parse_int)
        except RecursionError:
            pass
    return _loads_deep(text, parse_constant)


_STR_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_NONCE = secrets.token_hex(8)


def _loads_deep(text: str, parse_constant) -> Any:
    """Cut every list or object deeper than CUT_DEPTH out as RawJSON, then parse the rest."""
    pieces: list[str] = []
    raws: dict[str, RawJSON] = {}
    depth, cut_start, last = 0, -1, 0
    for m in _STR_OR_BRACKET.finditer(text):
        tok = m.group(0)
        if tok[0] == '"':
            continue
        if tok in "[{":
            depth += 1
            if depth == CUT_DEPTH + 1 and cut_start < 0:
                cut_start = m.start()
        else:
            if depth == CUT_DEPTH + 1 and cut_start >= 0:
                piece = text[cut_start:m.end()]
                validate(piece, cut_start)
                key = f"\uffff{_NONCE}:{len(raws)}"
                raws[key] = RawJSON(piece)
                pieces.append(text[last:cut_start])
                pieces.append(json.dumps(key, ensure_ascii=False))
                last = m.end()
                cut_start = -1
            depth -= 1
    if cut_start >= 0:
        # Never closed: let the parser name the place.
        validate(text[cut_start:], cut_start)
    pieces.append(text[last:])
    data = json.loads("".join(pieces), parse_constant=parse_constant, parse_int=parse_int)
    return _put_back(data, raws) if raws else data


def _put_back(data: Any, raws: dict[str, RawJSON]) -> Any:
    if isinstance(data, str):
        return raws.get(data, data)
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if isinstance(v, str) and v in raws:
                    item[k] = raws[v]
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(item, list):
            for i, v in enumerate(item):
                if isinstance(v, str) and v in raws:
                    item[i] = raws[v]
                elif isinstance(v, (dict, list)):
                    stack.append(v)
    return data


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:(?P<s>"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")'
    r'|(?P<n>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r'|(?P<l>true|false|null)|(?P<p>[\[\]{},:]))')


def validate(text: str, offset: int = 0) -> None:
    """Check that ``text`` is one JSON value, without recursion (DeepJSONError if not)."""
    pos, n = 0, len(text)
    stack: list[str] = []            # "[" or "{" for each open container
    expect = "value"                 # value | key | colon | comma_or_end | value_or_end | key_or_end
    while True:
        m = _TOKEN.match(text, pos)
        if m is None:
            rest = text[pos:].lstrip(" \t\n\r")
            if not rest and expect == "done":
                return
            raise DeepJSONError("Expecting value" if expect in ("value", "value_or_end")
                                else "Expecting ',' delimiter", offset + n - len(rest))
        start = offset + m.start(m.lastgroup)
        kind, tok = m.lastgroup, m.group(m.lastgroup)
        pos = m.end()
        if expect == "done":
            raise DeepJSONError("Extra data", start)
        if expect in ("value", "value_or_end") and (kind in "snl" or tok in "[{"):
            if tok in ("[", "{") and kind == "p":
                stack.append(tok)
                expect = "value_or_end" if tok == "[" else "key_or_end"
                continue
            expect = "comma_or_end" if stack else "done"
        elif expect in ("key", "key_or_end") and kind == "s":
            expect = "colon"
        elif expect == "colon" and tok == ":":
            expect = "value"
        elif expect in ("comma_or_end", "value_or_end", "key_or_end") and tok in "]}" \
                and kind == "p":
            if not stack or (stack[-1] == "[") != (tok == "]") or \
                    (expect == "value_or_end" and stack[-1] != "[") or \
                    (expect == "key_or_end" and stack[-1] != "{"):
                raise DeepJSONError("Expecting value", start)
            stack.pop()
            expect = "comma_or_end" if stack else "done"
        elif expect == "comma_or_end" and tok == ",":
            expect = "value" if stack[-1] == "[" else "key"
        else:
            raise DeepJSONError("Expecting value" if expect.startswith("value")
                                else "Expecting property name enclosed in double quotes"
                                if expect.startswith("key") else "Expecting ',' delimiter",
                                start)
        if pos >= n and expect != "done":
            raise DeepJSONError("Expecting value", offset + n)


def dumps_flat(value: Any) -> str:
    """JSON text for ``value`` (lists, dicts, numbers, strings, RawJSON), without recursion."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Literal):
            out.append(item.text)
        elif isinstance(item, RawJSON):
            out.append(item.text)
        elif isinstance(item, dict):
            out.append("{")
            parts: list[Any] = []
            for i, (k, v) in enumerate(item.items()):
                if i:
                    parts.append(_Literal(", "))
                parts.append(_Literal(json.dumps(str(k), ensure_ascii=False) + ": "))
                parts.append(v)
            parts.append(_Literal("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, (list, tuple)):
            out.append("[")
            parts = []
            for i, v in enumerate(item):
                if i:
                    parts.append(_Literal(", "))
                parts.append(v)
            parts.append(_Literal("]"))
            stack.extend(reversed(parts))
        elif isinstance(item, float) and item != item:
            out.append("null")
        elif isinstance(item, float) and item in (float("inf"), float("-inf")):
            out.append("1e999" if item > 0 else "-1e999")
        else:
            out.append(json.dumps(item, ensure_ascii=False))
    return "".join(out)


class _Literal:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text
