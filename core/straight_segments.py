"""Straight-line code for big plans, written as many small functions.

One function for a whole plan is the fastest form, but Python's compiler
holds the interpreter for all of it (about 57 µs per node: 0.8 s for 15,000
nodes, while the editor waits) and needs memory for all of it at once (320 MB
for 15,000 nodes, 1.5 GB for 126,000).  Past
:data:`~chainrule.core.straight_line.MAX_NODES` the same lines are cut into
pieces of :data:`LINES` lines, each compiled on its own (a few tens of
milliseconds each, the editor running between them).  A piece keeps its
numbers in local variables as the one function does; what it reads from
earlier pieces it loads from the pass's four lists at its start, and what it
wrote it stores there at its end.  The lines themselves — so every IEEE
operation and its order — are unchanged.
"""
from __future__ import annotations

import re
import threading
from typing import Any, Callable

#: Lines of one piece.
LINES = 1_500

_NAME = re.compile(r"\b([vgab])(\d+)\b")
_LIST = {"v": "VAL", "g": "GRAD", "a": "SA", "b": "SB"}


def written_in_pieces(lines: list[str], has_grad: list[bool], sent_a: list[str],
                      sent_b: list[str], consts: dict, filename: str,
                      stop: threading.Event | None = None) -> Callable | None:
    """The function :func:`chainrule.core.straight_line.written` makes of ``lines``
    (``def run(L):`` then one statement per line, the leaves read from ``L``),
    made of pieces: ``run(L)`` returns (values, grads, sent_a, sent_b) alike.
    None if ``stop`` is set before the last piece is compiled."""
    n = len(has_grad)
    body = [line for line in lines[1:] if not _is_leaf_load(line)]   # L holds the leaves
    pieces = []
    for k in range(0, len(body), LINES):
        if stop is not None and stop.is_set():
            return None
        pieces.append(_piece(body[k:k + LINES], consts, filename))
    same = consts["SAME"]
    sent_a_start = [same if s == "SAME" else None for s in sent_a]
    # a one-input step that passes its own gradient on: the wire carries the final g
    # (a b port's wire always carries its own b{i}: nothing of the kind there)
    own_a = [(i, int(s[1:])) for i, s in enumerate(sent_a) if s.startswith("g")]

    def run(L: list) -> tuple:
        grads = [None] * n
        sa = sent_a_start.copy()
        sb = [None] * n
        for piece in pieces:
            piece(L, grads, sa, sb)
        for i, j in own_a:
            sa[i] = grads[j]
        return L, grads, sa, sb
    return run


def _is_leaf_load(line: str) -> bool:
    return line.startswith(" v") and " = L[" in line


def _piece(body: list[str], consts: dict, filename: str) -> Callable:
    """One piece: loads of what it reads before writing, its lines, stores of what
    it wrote."""
    seen: set[tuple[str, str]] = set()          # written in this piece so far
    loads: dict[tuple[str, str], None] = {}
    for line in body:
        target, _, expr = line.partition(" = ")
        for name in _NAME.findall(expr):
            if name not in seen:
                loads.setdefault(name)
        for name in _NAME.findall(target):
            seen.add(name)
    head = [f" {p}{i} = {_LIST[p]}[{i}]" for p, i in loads]
    tail = [f" {_LIST[p]}[{i}] = {p}{i}" for p, i in sorted(seen)]
    source = "\n".join(["def piece(VAL, GRAD, SA, SB):", *head, *body, *tail, " return"])
    namespace: dict[str, Any] = dict(consts)
    exec(compile(source, filename, "exec"), namespace)
    return namespace["piece"]
