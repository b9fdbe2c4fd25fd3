"""Programs: a few lines of Python syntax, read (never run) into a graph.

``parse_program(text)`` reads the text with :func:`ast.parse` and walks the
syntax tree itself; nothing of the program is ever evaluated, compiled or
imported, so a program that tries to run code is simply refused.

The language (``cli.md``, "Programs"):

* Statements are separated by newlines or ``;``.
* ``NAME = NUMBER``, ``NAME = -NUMBER`` and ``NAME = [list]`` (nested lists
  of numbers) make an ``input`` node with id ``NAME`` and that value.
* ``NAME = EXPRESSION`` names the node that computes the expression: its id
  is ``NAME``.
* ``NAME = OTHER`` (just another name) makes ``NAME`` a second name of the
  node ``OTHER`` stands for; no node is made.
* Assigning a name again makes a new node with a fresh id (``x_2``, then
  ``x_3``, ...); later uses of the name mean the new node, earlier ones keep
  the old.
* A name used before any assignment is an ``input`` with no value yet: it
  is listed in :attr:`ParsedProgram.unset` (its node holds 0.0 so that the
  graph is valid; the caller asks for a value).
* A number inside an expression is a ``const`` node (``c1``, ``c2``, ...);
  ``-NUMBER`` there is one ``const`` with the negative value. A list of
  numbers inside an expression is a ``const`` array.
* Operators ``+ - * / ** @`` and unary ``-``; every op of the op table that
  has inputs is a function of that name with its number of arguments
  (``sigmoid(x)``, ``max(a, b)``, ``pow(a, b)``, ``mse(pred, target)``...);
  ``sum`` and ``mean`` also take ``axis=INTEGER``.
* The output is the last statement: the node it assigns, or the node of the
  expression it is.

Nodes computed inside an expression get ids made of their op and a number
(``add1``, ``mul2``); generated ids never equal a name used anywhere in the
program. Everything else is refused with a :class:`~core.errors.ProgramError`
that gives the 1-based line and column.
"""
from __future__ import annotations

import ast
import difflib
import math
import warnings
from dataclasses import dataclass, field

from . import ops
from .errors import GraphError, ProgramError
from .graph import MAX_ID_LENGTH, Graph, normalize_value
from .layout import layered_positions

__all__ = ["ParsedProgram", "parse_program", "FUNCTIONS", "OPERATORS"]

#: Python operator node → operator symbol of ``ops.INFIX``.
_BINOPS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.MatMult: "@", ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}

#: The operators a program may use, as text for messages.
OPERATORS = " ".join(ops.INFIX)

#: Function name → op, for every op that has inputs.
FUNCTIONS: dict[str, ops.Op] = {name: op for name, op in ops.OPS.items() if not op.is_leaf}


@dataclass
class ParsedProgram:
    """A program read into a graph."""

    graph: Graph
    output: str
    unset: list[str] = field(default_factory=list)
    #: Each name of the program → id of the node it stands for at the end.
    names: dict[str, str] = field(default_factory=dict)


def parse_program(text: str) -> ParsedProgram:
    """Read ``text`` into a graph; :class:`ProgramError` (with line and column) if it cannot be."""
    if not isinstance(text, str):
        raise ProgramError("a program must be text")
    tree = _parse(text)
    if not tree.body:
        raise ProgramError("the program is empty", 1, 1)
    try:
        return _Builder(text, tree).build()
    except RecursionError:
        raise ProgramError("the program is nested too deeply", 1, 1) from None


# ------------------------------------------------------------------ reading

def _parse(text: str) -> ast.Module:
    bad = next((i for i, ch in enumerate(text) if ch == "\0" or "\ud800" <= ch <= "\udfff"), None)
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        col = bad - (text.rfind("\n", 0, bad) + 1) + 1
        what = "a null character" if text[bad] == "\0" else "an invalid character"
        raise ProgramError(f"the program contains {what}", line, col)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, mode="exec")
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        reason = exc.msg or "invalid syntax"
        if isinstance(exc, IndentationError):
            reason = f"{reason} (statements start at the beginning of a line)"
        raise ProgramError(f"syntax error: {reason}", line, max(col, 1)) from None
    except (ValueError, UnicodeError, OverflowError, MemoryError, RecursionError) as exc:
        raise ProgramError(f"the program cannot be read ({exc})", 1, 1) from None


# What each kind of refused syntax is called in a message.
_REFUSED_STATEMENTS: dict[type, str] = {
    ast.Import: "imports are not allowed",
    ast.ImportFrom: "imports are not allowed",
    ast.FunctionDef: "defining functions (def) is not allowed",
    ast.AsyncFunctionDef: "defining functions (def) is not allowed",
    ast.ClassDef: "classes are not allowed",
    ast.If: "if statements are not supported: a program is a straight list of assignments",
    ast.For: "loops are not supported: a program is a straight list of assignments",
    ast.AsyncFor: "loops are not supported: a program is a straight list of assignments",
    ast.While: "loops are not supported: a program is a straight list of assignments",
    ast.With: "with statements are not allowed",
    ast.AsyncWith: "with statements are not allowed",
    ast.Try: "try statements are not allowed",
    ast.Raise: "raise is not allowed",
    ast.Assert: "assert is not allowed",
    ast.Delete: "del is not allowed",
    ast.Global: "global is not allowed",
    ast.Nonlocal: "nonlocal is not allowed",
    ast.Return: "return is not allowed",
    ast.Pass: "pass is not needed: write only assignments and expressions",
    ast.Break: "break is not allowed",
    ast.Continue: "continue is not allowed",
    ast.AnnAssign: "annotated assignments are not supported: write NAME = EXPRESSION",
}
if hasattr(ast, "TryStar"):
    _REFUSED_STATEMENTS[ast.TryStar] = "try statements are not allowed"
if hasattr(ast, "Match"):
    _REFUSED_STATEMENTS[ast.Match] = "match statements are not allowed"
if hasattr(ast, "TypeAlias"):
    _REFUSED_STATEMENTS[ast.TypeAlias] = "type statements are not allowed"

_REFUSED_EXPRESSIONS: dict[type, str] = {
    ast.Subscript: "subscripts (x[...]) are not allowed",
    ast.Compare: "comparisons are not supported",
    ast.BoolOp: "and / or are not supported",
    ast.Lambda: "lambdas are not allowed",
    ast.IfExp: "conditional expressions (a if c else b) are not supported",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Dict: "dictionaries are not supported",
    ast.Set: "sets are not supported",
    ast.Tuple: "tuples are not supported: use [ ] for a vector or matrix",
    ast.JoinedStr: "f-strings are not allowed: strings are not values",
    ast.FormattedValue: "f-strings are not allowed: strings are not values",
    ast.NamedExpr: "the walrus operator := is not supported: write NAME = EXPRESSION "
                   "as a statement of its own",
    ast.Starred: "starred expressions (*x) are not supported",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}


class _Builder:
    """One walk over the statements, adding nodes to a new graph."""

    def __init__(self, text: str, tree: ast.Module):
        self.lines = text.splitlines() or [""]
        self.tree = tree
        self.graph = Graph()
        self.bound: dict[str, str] = {}        # name → node id it stands for now
        self.unset: list[str] = []
        self.reserved = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        self.ids = self.graph.id_allocator(self.reserved)

    # ----------------------------------------------------------- positions

    def _col(self, lineno: int, col_offset: int) -> int:
        """1-based character column of an ast position (ast counts UTF-8 bytes)."""
        if 1 <= lineno <= len(self.lines):
            prefix = self.lines[lineno - 1].encode("utf-8")[:col_offset]
            return len(prefix.decode("utf-8", errors="ignore")) + 1
        return col_offset + 1

    def error(self, node: ast.AST, message: str) -> ProgramError:
        lineno = getattr(node, "lineno", 1) or 1
        return ProgramError(message, lineno, self._col(lineno, getattr(node, "col_offset", 0)))

    def _error_after(self, left: ast.AST, node: ast.AST, message: str) -> ProgramError:
        """Point at what follows ``left`` (an operator, the dot of an attribute)."""
        lineno, offset = left.end_lineno, left.end_col_offset
        if lineno is not None and offset is not None:
            while lineno <= len(self.lines):
                line = self.lines[lineno - 1].encode("utf-8")
                while offset < len(line) and line[offset:offset + 1] in (b" ", b"\t", b")", b"\\"):
                    offset += 1
                if offset < len(line) and line[offset:offset + 1] != b"#":
                    return ProgramError(message, lineno, self._col(lineno, offset))
                lineno, offset = lineno + 1, 0
        return self.error(node, message)

    def _attribute_error(self, node: ast.Attribute) -> ProgramError:
        while isinstance(node.value, ast.Attribute):      # the first dot of a.b.c
            node = node.value
        return self._error_after(node.value, node, f"attribute access (.{node.attr}) is not allowed")

    # ----------------------------------------------------------------- ids

    def _fresh(self, base: str, sep: str = "") -> str:
        """``base1``, ``base2``... (``x_2``, ``x_3``... with ``sep='_'``), unused anywhere."""
        return self.ids.numbered(base, sep, start=1 if not sep else 2)

    def _id_for_name(self, name: str) -> str:
        if name not in self.graph:
            return name
        return self._fresh(name, "_")

    def _check_name(self, node: ast.Name) -> None:
        if len(node.id) > MAX_ID_LENGTH:
            raise self.error(node, f"the name {node.id[:20]}… is longer than "
                                   f"{MAX_ID_LENGTH} characters")

    # --------------------------------------------------------------- nodes

    def _add(self, where: ast.AST, node_id: str, op: str, value=None, attrs=None) -> str:
        try:
            self.graph.add_node(node_id, op, value=value, attrs=attrs)
        except GraphError as exc:
            raise self.error(where, str(exc)) from None
        return node_id

    def _connect(self, src: str, dst: str, port: int, where: ast.AST) -> None:
        try:
            self.graph.connect(src, dst, port)
        except GraphError as exc:       # cannot happen for a fresh node; keep it a ProgramError
            raise self.error(where, str(exc)) from None

    # -------------------------------------------------------------- walk

    def build(self) -> ParsedProgram:
        output = None
        for stmt in self.tree.body:
            output = self.statement(stmt)
        assert output is not None
        self.graph.set_output(output)
        self._layout()
        return ParsedProgram(self.graph, output, list(self.unset), dict(self.bound))

    def statement(self, stmt: ast.stmt) -> str:
        if isinstance(stmt, ast.Expr):
            return self.expression(stmt.value)
        if isinstance(stmt, ast.Assign):
            return self.assign(stmt)
        if isinstance(stmt, ast.AugAssign):
            symbol = _BINOPS.get(type(stmt.op), "?")
            raise self.error(stmt, f"augmented assignment ({symbol}=) is not supported: "
                                   f"write x = x {symbol} ...")
        reason = _REFUSED_STATEMENTS.get(type(stmt), "this statement is not supported")
        raise self.error(stmt, reason)

    def assign(self, stmt: ast.Assign) -> str:
        if len(stmt.targets) != 1:
            raise self.error(stmt.targets[1], "one assignment per statement: write a = ... "
                                              "and b = ... separately")
        target = stmt.targets[0]
        if isinstance(target, (ast.Tuple, ast.List)):
            raise self.error(target, "assign one name at a time (no a, b = ...)")
        if isinstance(target, ast.Starred):
            raise self.error(target, _REFUSED_EXPRESSIONS[ast.Starred])
        if not isinstance(target, ast.Name):
            what = {ast.Attribute: "an attribute", ast.Subscript: "a subscript"}.get(
                type(target), "this")
            raise self.error(target, f"cannot assign to {what}: the left side must be a name")
        self._check_name(target)
        name, value = target.id, stmt.value
        if isinstance(value, ast.Name):                     # an alias
            node_id = self.expression(value)
        elif self._is_literal(value):                       # an input
            node_id = self._add(value, self._id_for_name(name), "input", self.literal(value))
        else:
            node_id = self.expression(value, node_id=self._id_for_name(name))
        self.bound[name] = node_id
        return node_id

    def _is_literal(self, node: ast.expr) -> bool:
        """A number, ``-number`` or list: what ``NAME = ...`` turns into an input."""
        if isinstance(node, ast.List):
            return True
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            node = node.operand
        return isinstance(node, ast.Constant) and _is_number(node.value)

    # ---------------------------------------------------------- literals

    def literal(self, node: ast.expr):
        """The value of a number, ``-number`` or nested list of them."""
        raw = self._raw(node)
        try:
            return normalize_value(raw)
        except GraphError as exc:
            message = str(exc)
            if "empty" in message:
                message = "the list is empty"
            elif "ragged" in message:
                message = "the list is ragged: " + message.partition(": ")[2]
            raise self.error(node, message) from None

    def _raw(self, node: ast.expr):
        if isinstance(node, ast.List):
            return [self._raw_item(item) for item in node.elts]
        return self._number(node)

    def _raw_item(self, node: ast.expr):
        if isinstance(node, ast.List):
            return [self._raw_item(item) for item in node.elts]
        if self._is_literal(node):
            return self._number(node)
        raise self.error(node, "a list may contain only numbers (and lists of numbers), "
                               "written as they are")

    def _number(self, node: ast.expr) -> float:
        sign = 1.0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, node = -1.0, node.operand
        assert isinstance(node, ast.Constant)
        try:
            value = sign * float(node.value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.error(node, "the number is too large for a float64")
        return value

    # ------------------------------------------------------- expressions

    def expression(self, node: ast.expr, node_id: str | None = None) -> str:
        """The id of the node computing ``node``; a new node gets ``node_id`` if given."""
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Constant):
            self._check_constant(node)
            return self._add(node, node_id or self._fresh("c"), "const", self.literal(node))
        if isinstance(node, ast.List):
            return self._add(node, node_id or self._fresh("c"), "const", self.literal(node))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, node_id)
        if isinstance(node, ast.BinOp):
            return self.binary(node, node_id)
        if isinstance(node, ast.Call):
            return self.call(node, node_id)
        if isinstance(node, ast.Attribute):
            raise self._attribute_error(node)
        raise self.error(node, _REFUSED_EXPRESSIONS.get(type(node),
                                                        "this expression is not supported"))

    def _check_constant(self, node: ast.Constant) -> None:
        v = node.value
        if _is_number(v):
            return
        if isinstance(v, bool):
            what = f"{v} is not a number: booleans are not supported"
        elif v is None:
            what = "None is not a value: only numbers and lists of numbers are"
        elif isinstance(v, (str, bytes)):
            what = "strings are not allowed: only numbers and lists of numbers are values"
        elif isinstance(v, complex):
            what = "complex numbers are not supported: values are real numbers (float64)"
        elif v is Ellipsis:
            what = "... is not a value"
        else:
            what = "this constant is not supported"
        raise self.error(node, what)

    def name(self, node: ast.Name) -> str:
        self._check_name(node)
        bound = self.bound.get(node.id)
        if bound is not None:
            return bound
        if node.id in FUNCTIONS:
            raise self.error(node, f"{node.id} is a function: call it, as in {node.id}("
                                   + ", ".join(FUNCTIONS[node.id].ports) + ")")
        # Used before any assignment: an input whose value must come from outside.
        node_id = self._add(node, node.id, "input", 0.0)
        self.bound[node.id] = node_id
        self.unset.append(node_id)
        return node_id

    def unary(self, node: ast.UnaryOp, node_id: str | None) -> str:
        if isinstance(node.op, ast.USub):
            operand = node.operand
            if isinstance(operand, ast.Constant) and _is_number(operand.value):
                return self._add(node, node_id or self._fresh("c"), "const", self.literal(node))
            src = self.expression(operand)
            return self._apply(node, "neg", [src], node_id)
        what = {ast.UAdd: "unary +", ast.Invert: "~", ast.Not: "not"}.get(type(node.op), "this")
        raise self.error(node, f"{what} is not supported; the operators are "
                               f"{OPERATORS} and unary -")

    def binary(self, node: ast.BinOp, node_id: str | None) -> str:
        symbol = _BINOPS.get(type(node.op), "?")
        op = ops.INFIX.get(symbol)
        if op is None:
            hint = " (for division use /)" if symbol == "//" else ""
            raise self._error_after(node.left, node, f"the operator {symbol} is not supported{hint}; "
                                             f"the operators are {OPERATORS} and unary -")
        a = self.expression(node.left)
        b = self.expression(node.right)
        return self._apply(node, op, [a, b], node_id)

    def call(self, node: ast.Call, node_id: str | None) -> str:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise self._attribute_error(func)
            raise self.error(func, "only functions called by their name are supported, "
                                   "as in sigmoid(x)")
        name = func.id
        op = FUNCTIONS.get(name)
        if op is None:
            raise self.error(func, _unknown_function(name))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(arg, _REFUSED_EXPRESSIONS[ast.Starred])
        attrs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.error(kw, "**arguments are not supported")
            if kw.arg != "axis" or not op.takes_axis:
                takes = [n for n, o in FUNCTIONS.items() if o.takes_axis]
                raise self.error(kw, f"{name}() takes no keyword argument {kw.arg}=; only "
                                     + " and ".join(takes) + " take axis=")
            if kw.arg in attrs:
                raise self.error(kw, "axis= is given twice")
            attrs["axis"] = self._axis(kw.value)
        if len(node.args) != op.arity:
            n = len(node.args)
            ports = ", ".join(op.ports)
            got = f"{n} argument" + ("" if n == 1 else "s")
            extra = " (give the axis as axis=N)" if op.takes_axis and n == 2 else ""
            raise self.error(node, f"{name} takes {op.arity} argument"
                                   f"{'' if op.arity == 1 else 's'} ({ports}), "
                                   f"got {got}{extra}")
        srcs = [self.expression(arg) for arg in node.args]
        return self._apply(node, op.name, srcs, node_id, attrs or None)

    def _axis(self, node: ast.expr) -> int:
        sign, inner = 1, node
        if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
            sign, inner = -1, inner.operand
        if isinstance(inner, ast.Constant) and isinstance(inner.value, int) \
                and not isinstance(inner.value, bool) and abs(inner.value) < 64:
            return sign * inner.value
        raise self.error(node, "axis must be a small whole number, as in axis=0")

    def _apply(self, where: ast.AST, op: str, srcs: list[str], node_id: str | None,
               attrs: dict | None = None) -> str:
        node_id = node_id or self._fresh(op)
        self._add(where, node_id, op, attrs=attrs)
        for port, src in enumerate(srcs):
            self._connect(src, node_id, port, where)
        return node_id

    # ------------------------------------------------------------- layout

    def _layout(self) -> None:
        for node_id, pos in layered_positions(self.graph).items():
            self.graph.set_pos(node_id, pos)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _unknown_function(name: str) -> str:
    close = difflib.get_close_matches(name, list(FUNCTIONS), n=3, cutoff=0.6)
    if close:
        return f"unknown function {name}; did you mean " + " or ".join(close) + "?"
    return f"unknown function {name}; the functions are " + ", ".join(FUNCTIONS)
