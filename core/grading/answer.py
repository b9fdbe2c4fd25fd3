"""A learner's backward pass, read with the program parser and evaluated on the
op table's own functions (never run).

Names in an answer (``cli.md``, "chainrule grade"): a node id of the graph (or a
name its program assigned) is that node's forward value; ``grad_ID``, ``d_ID``
or ``dID`` is the learner's gradient of node ID — assigning it is a claim,
using it afterwards reads the learner's own number; anything else assigned
is a helper. Comparisons give 1.0 or 0.0 element by element.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import ProgramError
from ..graph import Graph
from ..program import ParsedProgram, parse_answer
from ..values import as_value

_PREFIXES = ("grad_", "d_", "d")

#: What the answer's own nodes compute (``ParsedProgram.answer_ops``): comparisons,
#: and the lists of expressions learners write (``[x[0] * g, x[1] * g]``).
_SPECIAL: dict[str, Callable] = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal,
    "wrap": lambda a: a[None], "pair": lambda a, b: np.stack([a, b]),
    "append": lambda a, b: np.concatenate([a, b[None]])}


def gradient_target(name: str, graph: Graph, aliases: dict[str, str] | None = None) -> str | None:
    """The node id whose gradient ``name`` means (``grad_x``, ``d_x``, ``dx``), or None."""
    aliases = aliases or {}
    if name in graph or name in aliases:
        return None
    for prefix in _PREFIXES:
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest:
            if rest in graph:
                return rest
            if rest in aliases:
                return aliases[rest]
    return None


@dataclass
class Claim:
    """``grad_ID = ...``: the learner says what ∂output/∂ID is."""

    name: str           # as written: grad_x0
    node: str           # the graph's node: x0
    answer_id: str      # the answer graph's node holding the claimed number
    line: int


class AnswerError(Exception):
    """A node of the answer cannot be evaluated; ``line``/``col`` say where."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(f"line {line}, column {col}: {message}")
        self.line, self.col, self.reason = line, col, message


class Answer:
    """A parsed answer: its claims, and :meth:`evaluate` at any values of the graph."""

    def __init__(self, text: str, graph: Graph, aliases: dict[str, str] | None = None):
        self.text = text
        self.aliases = dict(aliases or {})
        self.parsed: ParsedProgram | None = None
        self.claims: list[Claim] = []
        self.references: dict[str, str] = {}    # answer input id → graph node id (a value)
        self.unknown: dict[str, AnswerError] = {}   # answer input id → why it has no value
        # name → why the statement assigning it was refused (the rest is still graded)
        self.refused: dict[str, AnswerError] = {}
        self.parsed = self._parse(text)     # ProgramError: the answer cannot be read
        if self.parsed is not None:
            self._resolve(graph)
        self._refused_claims(graph)

    def _parse(self, text: str) -> ParsedProgram | None:
        """The answer parsed; an assignment the language refuses (``X.T.dot(g)``) is
        left out and its name remembered, so one such line does not sink the others."""
        for _ in range(_MAX_REFUSED):
            if not _has_statements(text):
                return None                 # nothing (left) to read
            try:
                return parse_answer(text)
            except ProgramError as exc:
                stmt = _assignment_at(text, exc.line)
                if stmt is None or exc.line is None:
                    raise
                name = _target(stmt)
                self.refused[name] = AnswerError(exc.reason, exc.line, exc.col or 1)
                text = _blank(text, stmt)
        return parse_answer(text)

    def _refused_claims(self, graph: Graph) -> None:
        for name, error in self.refused.items():
            target = gradient_target(name, graph, self.aliases)
            if target is not None and all(c.name != name for c in self.claims):
                self.claims.append(Claim(name, target, "", error.line))
        self.claims.sort(key=lambda c: (c.line, c.name))

    def claim_value(self, claim: Claim, values: dict[str, Any]) -> Any:
        """The claimed number in ``values`` (one :meth:`evaluate`), or why there is none."""
        if claim.name in self.refused:
            return self.refused[claim.name]
        return values.get(claim.answer_id)

    # ------------------------------------------------------------ names

    def _resolve(self, graph: Graph) -> None:
        parsed = self.parsed
        lines = _assignment_lines(self.text)
        for node_id in parsed.unset:
            line, col = parsed.positions.get(node_id, (1, 1))
            if node_id in self.refused:
                e = self.refused[node_id]
                self.unknown[node_id] = AnswerError(
                    f"{node_id} could not be read (line {e.line}, column {e.col}: {e.reason})",
                    line, col)
            elif node_id in graph:
                self.references[node_id] = node_id
            elif node_id in self.aliases:
                self.references[node_id] = self.aliases[node_id]
            else:
                target = gradient_target(node_id, graph, self.aliases)
                if target is not None:
                    why = (f"{node_id} is used before it is assigned: write the line that "
                           f"gives ∂/∂{target} first")
                else:
                    why = f"unknown name {node_id}: it is neither a node of the graph nor " \
                          f"assigned before"
                self.unknown[node_id] = AnswerError(why, line, col)
        for name, answer_id in parsed.names.items():
            target = gradient_target(name, graph, self.aliases)
            if target is None or name not in lines:
                continue
            self.claims.append(Claim(name, target, answer_id, lines[name]))
        self.claims.sort(key=lambda c: (c.line, c.name))

    # ------------------------------------------------------- evaluation

    def evaluate(self, values: Callable[[str], Any]) -> dict[str, Any]:
        """Answer node id → its value, or an :class:`AnswerError`; ``values(id)`` gives
        a graph node's forward value."""
        if self.parsed is None:
            return {}
        g = self.parsed.graph
        out: dict[str, Any] = {}
        with np.errstate(all="ignore"):
            for level in g.generations():
                for node_id in level:
                    out[node_id] = self._node_value(g, node_id, out, values)
        return out

    def _node_value(self, g: Graph, node_id: str, out: dict, values) -> Any:
        if node_id in self.unknown:
            return self.unknown[node_id]
        if node_id in self.references:
            return values(self.references[node_id])
        node = g.node(node_id)
        if node.spec.is_leaf:
            return node.value
        args = [out[e.src] for e in g.in_edges(node_id)]
        failed = next((a for a in args if isinstance(a, AnswerError)), None)
        if failed is not None:
            return failed
        if any(a is None for a in args):
            return self._error(node_id, "a value it uses does not exist (that node does "
                                        "not reach the output)")
        special = self.parsed.answer_ops.get(node_id)
        try:
            if special is not None:
                return as_value(_SPECIAL[special](*[np.asarray(a, dtype=np.float64)
                                                    for a in args]).astype(np.float64))
            array = node.spec.bind(node.attrs)[2]
            return as_value(array(*args))
        except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
            return self._error(node_id, _reason(node, exc, args))
        except Exception as exc:          # an op's own EvaluationError
            return self._error(node_id, _reason(node, exc, args))

    def _error(self, node_id: str, message: str) -> AnswerError:
        line, col = self.parsed.positions.get(node_id, (1, 1))
        return AnswerError(message, line, col)


def _reason(node, exc: Exception, args: list) -> str:
    from ..ops import shape_text
    shapes = " and ".join(shape_text(a) for a in args)
    text = str(exc) or type(exc).__name__
    return f"{node.op} cannot take {shapes}: {text}"


_MAX_REFUSED = 50


def _assignment_at(text: str, line: int | None):
    """The assignment to a plain name that holds ``line``, or None."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for stmt in tree.body:
        if stmt.lineno <= (line or 0) <= (stmt.end_lineno or stmt.lineno) \
                and _target(stmt) is not None:
            return stmt
    return None


def _target(stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None


def _blank(text: str, stmt) -> str:
    """``text`` with ``stmt``'s characters made spaces (a 0 where it starts a line):
    every other position stays where it was."""
    lines = text.split("\n")
    first, last = stmt.lineno - 1, (stmt.end_lineno or stmt.lineno) - 1
    for k in range(first, last + 1):
        raw = lines[k].encode("utf-8")
        start = stmt.col_offset if k == first else 0
        end = stmt.end_col_offset if k == last and stmt.end_col_offset is not None else len(raw)
        width = len(raw[start:end].decode("utf-8", errors="ignore"))
        # at the start of a line a bare 0 keeps the line a statement (no indent)
        filler = ("0" + " " * (width - 1)) if (k == first and start == 0) else " " * width
        lines[k] = (raw[:start].decode("utf-8", errors="ignore") + filler
                    + raw[end:].decode("utf-8", errors="ignore"))
    return "\n".join(lines)


def _has_statements(text: str) -> bool:
    try:
        return bool(ast.parse(text).body)
    except SyntaxError:
        return True                      # let the parser say where
    except (ValueError, MemoryError, RecursionError):
        return True


def _assignment_lines(text: str) -> dict[str, int]:
    """Name → the line of its last assignment (``=``, ``+=``, ...)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return {}
    lines: dict[str, int] = {}
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else (
            [stmt.target] if isinstance(stmt, ast.AugAssign) else [])
        for t in targets:
            if isinstance(t, ast.Name):
                lines[t.id] = stmt.lineno
    return lines


__all__ = ["Answer", "AnswerError", "Claim", "ProgramError", "gradient_target"]
