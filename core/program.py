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
  settings are keyword arguments (``sum(x, axis=0)``).
* The output is the last statement: the node it assigns, or the node of the
  expression it is.

The language as people really write it (``cli.md``, same section):

* Settings as keyword arguments with number, integer-list, ``True`` and
  ``False`` literals; PyTorch's names ``dim``, ``keepdim``,
  ``negative_slope``, ``kernel_size`` mean ``axis``, ``keepdims``, ``slope``,
  ``size``. Which settings an op has comes from the op table
  (:func:`~chainrule.core.program_names.settings_of`); an unknown one is
  refused, naming it and the op's.
* ``x[0]``, ``x[-1]``, ``x[1:3]``, ``m[0, 1]``, ``m[:, 0]``, ``m[::2]`` make
  an ``index`` node (``attrs.index``: one entry per leading axis, an integer
  or ``[start, stop, step]`` with ``None`` for an omitted part); ``W[ids]``
  (a subscript by a node) makes an ``embedding`` node.
* ``x.T`` is ``transpose(x)``; a method call ``x.tanh()``,
  ``(a*b + c).exp()``, ``x.sum(axis=0)`` is the function call with the
  receiver as first input; ``x.max()`` is ``amax``.
* The library prefixes ``math.``, ``np.``, ``numpy.``, ``torch.``, ``F.`` and
  ``torch.nn.functional.`` before an op name mean that op, plus the library
  names of :data:`~chainrule.core.program_names.LIBRARY_NAMES`
  (``np.maximum`` → ``max``, ``torch.cat`` of a list of two → ``concat``,
  ``torch.clamp(x, min=0)`` → ``relu``...).
* Pasted statements: ``import`` lines and ``print(...)`` statements are
  skipped whole (their arguments are not even looked at) and listed in
  :attr:`ParsedProgram.notes`; ``NAME.backward()`` makes NAME the output;
  ``x += e`` (``-=``, ``*=``, ``/=``, ``**=``, ``@=``) is ``x = x + (e)``;
  ``Value(-4.0)``, ``Value(2.0, label='a')``, ``torch.tensor([...],
  requires_grad=True)`` and ``np.array([...])`` make an ``input`` with that
  value (and label); ``NAME.label = 'text'`` sets a label.
* Lint: programs that are valid but almost never meant are accepted with a
  warning in :attr:`ParsedProgram.warnings` (``1 / 1 + exp(-z)``,
  ``-x ** 2``, an input that does not reach the output).

Nodes computed inside an
expression get ids made of their op and a number (``add1``, ``mul2``);
generated ids never equal a name used anywhere in the program. Everything
else is refused with a :class:`~chainrule.core.errors.ProgramError` that gives the
1-based line and column.
"""
from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from . import ops
from .errors import GraphError, ProgramError
from .gc_pause import gc_paused
from .graph import MAX_ID_LENGTH, Graph
from .values import normalize_value
from .layout import layered_positions
from .program_lint import lint_fraction, lint_minus_power
from .program_names import (LIBRARIES, LIBRARY_NAMES, LIST_HINT, LITERAL_TEXT, METHOD_NAMES,
                            NOT_LITERAL, RANDOM_HINT, RANDOM_NAMES, SETTING_ALIASES,
                            SETTING_KINDS, all_numbers, dotted_name, example, is_backward,
                            is_number, is_number_literal, is_print, is_zero, library_root,
                            literal_of_kind, python_text, settings_of, unknown_function)

__all__ = ["ParsedProgram", "Notice", "parse_program", "FUNCTIONS", "OPERATORS",
           "MAX_PROGRAM_CHARS", "MAX_PROGRAM_STATEMENTS", "MAX_UNARY_RUN"]

#: The longest program read, in characters (256 KiB of text): reading takes
#: time and memory in proportion (Python's syntax tree, then the graph; about
#: 4 s and 120 MiB at this size, see tests/benchmarks/bench_limits.py), so a
#: larger one is refused.
MAX_PROGRAM_CHARS = 256 * 1024
#: The most statements a program may have.
MAX_PROGRAM_STATEMENTS = 50_000
#: The most unary signs (``-``, ``+``, ``~``) in a row.
MAX_UNARY_RUN = 100

_UNARY_RUN = re.compile(r"(?:[-+~][ \t]*){%d,}" % (MAX_UNARY_RUN + 1))

#: Python operator node → operator symbol of ``ops.INFIX``.
_BINOPS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.MatMult: "@", ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}

#: The operators a program may use, as text for messages.
OPERATORS = " ".join(ops.INFIX)


def _functions() -> dict[str, ops.Op]:
    """Function name → op, for every op of the table that has inputs (read now, not at import)."""
    return {name: op for name, op in ops.OPS.items() if not op.is_leaf}


def _operators() -> str:
    return " ".join(ops.INFIX)


class _Functions(Mapping):
    """Function name → op, for every op of the table that has inputs (read live, so
    an op registered later is a function too)."""

    def __getitem__(self, name: str) -> ops.Op:
        op = ops.OPS[name]
        if op.is_leaf:
            raise KeyError(name)
        return op

    def __iter__(self) -> Iterator[str]:
        return (name for name, op in ops.OPS.items() if not op.is_leaf)

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: Function name → op, for every op that has inputs (a live view of the table).
FUNCTIONS: Mapping[str, ops.Op] = _Functions()


@dataclass(frozen=True)
class Notice:
    """A note or warning about one place of the program (1-based line and column)."""

    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.col}: {self.message}"


@dataclass
class ParsedProgram:
    """A program read into a graph."""

    graph: Graph
    output: str
    unset: list[str] = field(default_factory=list)
    #: Each name of the program → id of the node it stands for at the end.
    names: dict[str, str] = field(default_factory=dict)
    #: Statements skipped as pasted (imports, print), in order.
    notes: list[Notice] = field(default_factory=list)
    #: Lint: valid but probably not meant, in order.
    warnings: list[Notice] = field(default_factory=list)
    #: Node id → (line, column) of the expression that made it.
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Answers only (:func:`parse_answer`): node id → what that node stands for, a
    #: comparison ("<", ">=", ...) of its two inputs, or a list of expressions being
    #: built ("wrap" [a], "pair" [a, b], "append" [*a, b]); such a node is made as a
    #: ``sub`` or ``neg`` to keep its inputs, and the grader evaluates it as it says.
    answer_ops: dict[str, str] = field(default_factory=dict)


def parse_program(text: str, *, answer: bool = False) -> ParsedProgram:
    """Read ``text`` into a graph; :class:`ProgramError` (with line and column) if it cannot be.

    ``answer=True`` is the answer language of ``chainrule grade``
    (:func:`parse_answer`)."""
    if not isinstance(text, str):
        raise ProgramError("a program must be text")
    if len(text) > MAX_PROGRAM_CHARS:
        raise ProgramError(f"the program is {len(text):,} characters long; the limit is "
                           f"{MAX_PROGRAM_CHARS:,}", 1, 1)
    with gc_paused():       # a big program makes many small objects, no cyclic garbage
        return _parse_and_build(text, answer)


def _parse_and_build(text: str, answer: bool = False) -> ParsedProgram:
    tree = _parse(text)
    if not tree.body:
        raise ProgramError("the program is empty", 1, 1)
    if len(tree.body) > MAX_PROGRAM_STATEMENTS:
        raise ProgramError(f"the program has {len(tree.body):,} statements; the limit is "
                           f"{MAX_PROGRAM_STATEMENTS:,}", 1, 1)
    try:
        return _Builder(text, tree, answer).build()
    except RecursionError:
        raise ProgramError("the program is nested too deeply", 1, 1) from None


def parse_answer(text: str) -> ParsedProgram:
    """A learner's backward pass (``cli.md``, "chainrule grade"): the program language
    with comparisons (``z > 0``: 1.0 or 0.0 element by element) and lists of
    expressions (``[x[0] * g, x[1] * g]``), the nodes listed in
    ``ParsedProgram.answer_ops``."""
    return parse_program(text, answer=True)


# ------------------------------------------------------------------ reading

def _parse(text: str) -> ast.Module:
    bad = next((i for i, ch in enumerate(text) if ch == "\0" or "\ud800" <= ch <= "\udfff"), None)
    if bad is not None:
        line = text.count("\n", 0, bad) + 1
        col = bad - (text.rfind("\n", 0, bad) + 1) + 1
        what = "a null character" if text[bad] == "\0" else "an invalid character"
        raise ProgramError(f"the program contains {what}", line, col)
    run = _UNARY_RUN.search(text)
    if run is not None:
        line = text.count("\n", 0, run.start()) + 1
        col = run.start() - (text.rfind("\n", 0, run.start()) + 1) + 1
        signs = sum(ch in "-+~" for ch in run.group(0))
        raise ProgramError(f"{signs:,} signs in a row; at most {MAX_UNARY_RUN} are read",
                           line, col)
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
    except (MemoryError, RecursionError):
        # Python's parser gives up on deep nesting (MemoryError with no message).
        raise ProgramError("the program is nested too deeply to read: an expression holds "
                           "too many operators or brackets inside one another (split it "
                           "into several statements)", 1, 1) from None
    except (ValueError, UnicodeError, OverflowError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ProgramError(f"the program cannot be read ({reason})", 1, 1) from None


# What each kind of refused syntax is called in a message.
_REFUSED_STATEMENTS: dict[type, str] = {
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


_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
                ast.NotEq: "!="}


class _Builder:
    """One walk over the statements, adding nodes to a new graph."""

    def __init__(self, text: str, tree: ast.Module, answer: bool = False):
        self.answer = answer
        self.answer_ops: dict[str, str] = {}
        self.positions: dict[str, tuple[int, int]] = {}
        self.lines = text.splitlines() or [""]
        self.tree = tree
        self.graph = Graph()
        self.bound: dict[str, str] = {}        # name → node id it stands for now
        self.unset: list[str] = []
        self.reserved = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        self.functions = _functions()          # the op table as it is now
        self.notes: list[Notice] = []
        self.warnings: list[Notice] = []
        self.backward: str | None = None       # the node NAME.backward() chose
        self.inputs_at: dict[str, ast.AST] = {}    # input id → where it was made
        self.ids = self.graph.id_allocator(self.reserved)

    # ----------------------------------------------------------- positions

    def _col(self, lineno: int, col_offset: int) -> int:
        """1-based character column of an ast position (ast counts UTF-8 bytes)."""
        if 1 <= lineno <= len(self.lines):
            prefix = self.lines[lineno - 1].encode("utf-8")[:col_offset]
            return len(prefix.decode("utf-8", errors="ignore")) + 1
        return col_offset + 1

    def _where(self, node: ast.AST) -> tuple[int, int]:
        lineno = getattr(node, "lineno", 1) or 1
        return lineno, self._col(lineno, getattr(node, "col_offset", 0))

    def error(self, node: ast.AST, message: str) -> ProgramError:
        return ProgramError(message, *self._where(node))

    def _notice(self, node: ast.AST, message: str) -> Notice:
        return Notice(*self._where(node), message)

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

    def _attribute_error(self, node: ast.Attribute, extra: str = "") -> ProgramError:
        while isinstance(node.value, ast.Attribute):      # the first dot of a.b.c
            node = node.value
        return self._error_after(node.value, node,
                                 f"attribute access (.{node.attr}) is not allowed{extra}")

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

    def _add(self, where: ast.AST, node_id: str, op: str, value=None, attrs=None,
             label: str | None = None, trainable: bool = False) -> str:
        try:
            self.graph.add_node(node_id, op, value=value, attrs=attrs, label=label,
                                trainable=trainable)
        except GraphError as exc:
            raise self.error(where, str(exc)) from None
        if op == "input":
            self.inputs_at[node_id] = where
        self.positions[node_id] = self._where(where)
        return node_id

    def _connect(self, src: str, dst: str, port: int, where: ast.AST) -> None:
        try:
            self.graph.connect(src, dst, port)
        except GraphError as exc:       # cannot happen for a fresh node; keep it a ProgramError
            raise self.error(where, str(exc)) from None

    def _op(self, where: ast.AST, name: str, what: str | None = None) -> ops.Op:
        """The op ``name`` of the table now, or a refusal saying it is not available yet."""
        op = ops.OPS.get(name)
        if op is not None and not op.is_leaf:
            return op
        if what is None or what.rpartition(".")[2] == name:
            shown = "" if what in (None, name) else f" ({what})"
            raise self.error(where, f"the op {name}{shown} is not available yet in "
                                    f"this version of Chainrule")
        raise self.error(where, f"{what} needs the op {name}, which is not available yet "
                                f"in this version of Chainrule")

    # -------------------------------------------------------------- walk

    def build(self) -> ParsedProgram:
        output = None
        for stmt in self.tree.body:
            result = self.statement(stmt)
            if result is not None:
                output = result
        if self.backward is not None:
            output = self.backward
        if output is None:
            raise ProgramError("the program is empty: its import and print lines are skipped "
                               "and nothing else is left", 1, 1)
        self.graph.set_output(output)
        self._lint_reach(output)
        self._layout()
        return ParsedProgram(self.graph, output, list(self.unset), dict(self.bound),
                             list(self.notes), list(self.warnings), dict(self.positions),
                             dict(self.answer_ops))

    def statement(self, stmt: ast.stmt) -> str | None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.notes.append(self._notice(stmt, "skipped an import line: nothing is "
                                                 "imported or run"))
            return None
        if isinstance(stmt, ast.Expr):
            value = stmt.value
            if is_print(value):
                self.notes.append(self._notice(stmt, "skipped print(...): nothing is "
                                                     "printed or run"))
                return None
            if is_backward(value):
                self._lint(value)
                self.backward = self._backward(value)
                return None
            self._lint(value)
            return self.expression(value)
        if isinstance(stmt, ast.Assign):
            self._lint(stmt.value)
            return self.assign(stmt)
        if isinstance(stmt, ast.AugAssign):
            self._lint(stmt.value)
            return self.augassign(stmt)
        reason = _REFUSED_STATEMENTS.get(type(stmt), "this statement is not supported")
        raise self.error(stmt, reason)

    def _backward(self, call: ast.Call) -> str:
        if call.args:
            raise self.error(call.args[0], "backward() takes no arguments here: "
                                           "NAME.backward() makes NAME the output")
        receiver = call.func.value
        if isinstance(receiver, ast.Name) and receiver.id not in self.bound:
            raise self.error(receiver, f"{receiver.id}.backward(): {receiver.id} is not "
                                       f"assigned before this line")
        return self.expression(receiver)

    def assign(self, stmt: ast.Assign) -> str | None:
        if len(stmt.targets) != 1:
            raise self.error(stmt.targets[1], "one assignment per statement: write a = ... "
                                              "and b = ... separately")
        target = stmt.targets[0]
        if isinstance(target, (ast.Tuple, ast.List)):
            raise self.error(target, "assign one name at a time (no a, b = ...)")
        if isinstance(target, ast.Starred):
            raise self.error(target, _REFUSED_EXPRESSIONS[ast.Starred])
        if (isinstance(target, ast.Attribute) and target.attr == "label"
                and isinstance(target.value, ast.Name) and target.value.id in self.bound
                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
            # micrograd's e.label = 'e': a label for the node, nothing else.
            self.graph.set_label(self.bound[target.value.id], stmt.value.value[:200])
            return None
        if not isinstance(target, ast.Name):
            what = {ast.Attribute: "an attribute", ast.Subscript: "a subscript"}.get(
                type(target), "this")
            raise self.error(target, f"cannot assign to {what}: the left side must be a name")
        self._check_name(target)
        name, value = target.id, stmt.value
        if isinstance(value, ast.Name):                     # an alias
            node_id = self.expression(value)
        elif self._is_literal(value):                       # an input
            node_id = self._add(target, self._id_for_name(name), "input", self.literal(value))
        else:
            if name not in self.bound and name not in self.functions \
                    and name not in LIBRARIES:
                # ``f = 2 * f`` with f not yet assigned: f there is an input called f,
                # made first so that the new node gets a fresh id.
                used = next((n for n in ast.walk(value)
                             if isinstance(n, ast.Name) and n.id == name), None)
                if used is not None:
                    self.name(used)
            node_id = self.expression(value, node_id=self._id_for_name(name))
            if self.graph.node(node_id).op == "input" and node_id not in self.unset:
                self.inputs_at[node_id] = target  # Value(...): lint points at its name
        self.bound[name] = node_id
        return node_id

    def augassign(self, stmt: ast.AugAssign) -> str:
        symbol = _BINOPS.get(type(stmt.op), "?")
        op = ops.INFIX.get(symbol)
        if op is None:
            raise self.error(stmt, f"augmented assignment ({symbol}=) is not supported: "
                                   f"the operators are {OPERATORS}")
        target = stmt.target
        if not isinstance(target, ast.Name):
            what = {ast.Attribute: "an attribute", ast.Subscript: "a subscript"}.get(
                type(target), "this")
            raise self.error(target, f"cannot assign to {what}: the left side must be a name")
        self._check_name(target)
        left = self.name(ast.Name(target.id, ast.Load(), lineno=target.lineno,
                                  col_offset=target.col_offset))
        right = self.expression(stmt.value)
        node_id = self._apply(stmt, op, [left, right], self._id_for_name(target.id))
        self.bound[target.id] = node_id
        return node_id

    def _is_literal(self, node: ast.expr) -> bool:
        """A number, ``-number`` or list: what ``NAME = ...`` turns into an input."""
        if isinstance(node, ast.List):
            return not self.answer or all_numbers(node)
        return is_number_literal(node)

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
        raise self.error(node, LIST_HINT)

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
            if self.answer and not all_numbers(node):
                return self.stack(node, node_id)
            return self._add(node, node_id or self._fresh("c"), "const", self.literal(node))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, node_id)
        if isinstance(node, ast.BinOp):
            return self.binary(node, node_id)
        if isinstance(node, ast.Call):
            return self.call(node, node_id)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, node_id)
        if isinstance(node, ast.Compare) and self.answer:
            return self.compare(node, node_id)
        if isinstance(node, ast.Attribute):
            if node.attr == "T" and not library_root(node.value, self.bound):
                op = self._op(node, "transpose", ".T")
                src = self.expression(node.value)
                return self._apply(node, op.name, [src], node_id)
            raise self._attribute_error(node)
        raise self.error(node, _REFUSED_EXPRESSIONS.get(type(node),
                                                        "this expression is not supported"))

    def _check_constant(self, node: ast.Constant) -> None:
        v = node.value
        if is_number(v):
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
        if node.id in self.functions:
            raise self.error(node, f"{node.id} is a function: call it, as in {node.id}("
                                   + ", ".join(self.functions[node.id].ports) + ")")
        # Used before any assignment: an input whose value must come from outside.
        node_id = self._add(node, node.id, "input", 0.0)
        self.bound[node.id] = node_id
        self.unset.append(node_id)
        return node_id

    def compare(self, node: ast.Compare, node_id: str | None) -> str:
        """``a > b`` (answers only): a node of two inputs standing for the comparison;
        ``a < b < c`` is the product of ``a < b`` and ``b < c``."""
        sides = [self.expression(node.left)] + [self.expression(c) for c in node.comparators]
        made = []
        for k, op in enumerate(node.ops):
            symbol = _COMPARISONS.get(type(op))
            if symbol is None:
                raise self.error(node, "only the comparisons < <= > >= == != are supported")
            last = k == len(node.ops) - 1 and len(node.ops) == 1
            made.append(self._apply(node, "sub", sides[k:k + 2], node_id if last else None))
            self.answer_ops[made[-1]] = symbol
        result = made[0]
        for k, other in enumerate(made[1:], 1):
            result = self._apply(node, "mul", [result, other],
                                 node_id if k == len(made) - 1 else None)
        return result

    def stack(self, node: ast.List, node_id: str | None) -> str:
        """``[e1, e2, ...]`` of expressions (answers only): their values stacked."""
        items = [self.expression(e) for e in node.elts]
        if not items:
            raise self.error(node, "an empty list is not a value")
        if len(items) == 1:
            made = self._apply(node, "neg", items, node_id)
            self.answer_ops[made] = "wrap"
            return made
        made = self._apply(node, "sub", items[:2], node_id if len(items) == 2 else None)
        self.answer_ops[made] = "pair"
        for k, item in enumerate(items[2:], 3):
            made = self._apply(node, "sub", [made, item], node_id if k == len(items) else None)
            self.answer_ops[made] = "append"
        return made

    def unary(self, node: ast.UnaryOp, node_id: str | None) -> str:
        if isinstance(node.op, ast.USub):
            operand = node.operand
            if isinstance(operand, ast.Constant) and is_number(operand.value):
                return self._add(node, node_id or self._fresh("c"), "const", self.literal(node))
            src = self.expression(operand)
            return self._apply(node, "neg", [src], node_id)
        what = {ast.UAdd: "unary +", ast.Invert: "~", ast.Not: "not"}.get(type(node.op), "this")
        raise self.error(node, f"{what} is not supported; the operators are "
                               f"{_operators()} and unary -")

    def binary(self, node: ast.BinOp, node_id: str | None) -> str:
        symbol = _BINOPS.get(type(node.op), "?")
        op = ops.INFIX.get(symbol)
        if op is None:
            hint = {"//": " (for division use /)",
                    "^": ": use ** for a power (^ is not a power in Python)"}.get(symbol, "")
            raise self._error_after(node.left, node, f"the operator {symbol} is not supported{hint}; "
                                             f"the operators are {_operators()} and unary -")
        a = self.expression(node.left)
        b = self.expression(node.right)
        return self._apply(node, op, [a, b], node_id)

    # -------------------------------------------------------------- subscripts

    def subscript(self, node: ast.Subscript, node_id: str | None) -> str:
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index = [self._index_item(item) for item in items]
        if all(entry is not _NODE for entry in index):
            op = self._op(node, "index", "this subscript")
            src = self.expression(node.value)
            return self._apply(node, op.name, [src], node_id, {"index": index})
        if isinstance(node.slice, ast.Tuple):
            bad = next(item for item, entry in zip(items, index) if entry is _NODE)
            raise self.error(bad, "a subscript holds whole numbers and slices of them "
                                  "(x[0, 1:3]), or one node (W[ids]), not both")
        op = self._op(node, "embedding", "a subscript by a node (W[ids])")
        table = self.expression(node.value)
        ids = self.expression(node.slice)
        return self._apply(node, op.name, [table, ids], node_id)

    def _index_item(self, item: ast.expr):
        """An integer, ``[start, stop, step]``, or ``_NODE`` for an expression."""
        if isinstance(item, ast.Slice):
            parts = [self._bound(part) for part in (item.lower, item.upper, item.step)]
            if parts[2] == 0:
                raise self.error(item.step, "the step of a slice cannot be zero")
            return parts
        if isinstance(item, ast.Constant) and (item.value is None or item.value is Ellipsis):
            raise self.error(item, "None and ... are not supported in a subscript: "
                                   "give whole numbers and slices, as in m[:, 0]")
        whole = self._whole(item)
        if whole is not None:
            return whole
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub):
            inner = item.operand
        else:
            inner = item
        if isinstance(inner, ast.Constant):
            raise self.error(item, "an index must be a whole number, as in x[0] or x[-1]")
        return _NODE

    def _bound(self, part: ast.expr | None) -> int | None:
        if part is None:
            return None
        whole = self._whole(part)
        if whole is None:
            raise self.error(part, "the parts of a slice must be whole numbers written "
                                   "as they are, as in x[1:3] or x[::2]")
        return whole

    @staticmethod
    def _whole(node: ast.expr) -> int | None:
        sign = 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, node = -1, node.operand
        if isinstance(node, ast.Constant) and isinstance(node.value, int) \
                and not isinstance(node.value, bool) and abs(node.value) < 2 ** 53:
            return sign * node.value
        return None

    # -------------------------------------------------------------- calls

    def call(self, node: ast.Call, node_id: str | None) -> str:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "Value" and "Value" not in self.bound:
                return self._leaf_call(node, "Value", node_id)
            op = self.functions.get(func.id)
            if op is None:
                raise self.error(func, unknown_function(func.id, self.functions))
            return self._op_call(node, op, func.id, list(node.args), node_id)
        if isinstance(func, ast.Attribute):
            library = library_root(func, self.bound)
            if library is not None:
                return self._library_call(node, library, node_id)
            return self._method_call(node, func, node_id)
        raise self.error(func, "only functions called by their name are supported, "
                               "as in sigmoid(x)")

    def _library_call(self, node: ast.Call, library: tuple[str, list[str]],
                      node_id: str | None) -> str:
        family, rest = library
        dotted = dotted_name(node.func)
        if any(part in RANDOM_NAMES for part in rest):
            raise self.error(node, RANDOM_HINT)
        if len(rest) != 1:
            raise self.error(node.func, f"unknown function {dotted}")
        name = rest[0]
        args = list(node.args)
        if (family, name) in {("torch", "tensor"), ("np", "array")}:
            return self._leaf_call(node, dotted, node_id)
        if (family, name) == ("torch", "clamp"):
            return self._clamp(node, dotted, args, node_id)
        if name == "maximum" and family in ("np", "torch") and len(args) == 2:
            zero = [i for i, a in enumerate(args) if is_zero(a)]
            if zero:
                x = args[1 - zero[0]]
                return self._op_call(node, self._op(node, "relu"), dotted, [x], node_id)
        if (family, name) == ("torch", "max") and len(args) == 2:
            op_name = "max"                           # torch.max(a, b) is element-wise
        else:
            op_name = LIBRARY_NAMES.get((family, name), name)
        if op_name == "concat" and len(args) >= 1 and isinstance(args[0], (ast.List, ast.Tuple)):
            if len(args[0].elts) != 2:
                raise self.error(args[0], f"{dotted} joins a list of two here: for more, "
                                          f"nest them, as in {dotted}([{dotted}([a, b]), c])")
            args = list(args[0].elts) + args[1:]
        if op_name == "embedding" and family == "F" and len(args) == 2:
            args = [args[1], args[0]]                 # F.embedding(ids, table)
        op = ops.OPS.get(op_name)
        if op is None or op.is_leaf:
            raise self.error(node.func, unknown_function(dotted, self.functions))
        return self._op_call(node, op, dotted, args, node_id)

    def _method_call(self, node: ast.Call, func: ast.Attribute, node_id: str | None) -> str:
        method = func.attr
        if method == "backward":
            raise self.error(node, "NAME.backward() is a statement of its own: it makes "
                                   "NAME the output")
        if method == "clamp":
            return self._clamp(node, ".clamp", [func.value, *node.args], node_id)
        op_name = method
        if method == "max" and not node.args:
            op_name = "amax"
        elif method in METHOD_NAMES and method != "max":
            op_name = METHOD_NAMES[method]
        op = ops.OPS.get(op_name)
        if op is None or op.is_leaf:
            raise self._attribute_error(func, "; the methods are those of the ops, "
                                              "as in x.tanh() or x.sum(axis=0)")
        return self._op_call(node, op, method, [func.value, *node.args], node_id)

    def _clamp(self, node: ast.Call, shown: str, args: list, node_id: str | None) -> str:
        keywords = {kw.arg: kw.value for kw in node.keywords}
        if (len(args) == 1 and set(keywords) == {"min"} and is_zero(keywords["min"])) or \
                (len(args) == 2 and not keywords and is_zero(args[1])):
            return self._op_call(node, self._op(node, "relu"), shown, args[:1], node_id,
                                 keywords=[])
        raise self.error(node, f"{shown}(...) is supported as clamp(x, min=0), which is "
                               f"relu(x); write max(x, y) or min(x, y) for other bounds")

    def _op_call(self, node: ast.Call, op: ops.Op, shown: str, args: list,
                 node_id: str | None, keywords: list | None = None) -> str:
        for arg in args:
            if isinstance(arg, ast.Starred):
                raise self.error(arg, _REFUSED_EXPRESSIONS[ast.Starred])
        attrs = self._settings(op, shown, node.keywords if keywords is None else keywords)
        if len(args) != op.arity:
            n = len(args)
            ports = ", ".join(op.ports)
            got = f"{n} argument" + ("" if n == 1 else "s")
            settings = sorted(settings_of(op))
            extra = ""
            if settings and n > op.arity:
                extra = (" (give the axis as axis=N)" if settings == ["axis"] else
                         " (give settings as keywords: "
                         + ", ".join(f"{s}=" for s in settings) + ")")
            raise self.error(node, f"{shown.lstrip('.')} takes {op.arity} argument"
                                   f"{'' if op.arity == 1 else 's'} ({ports}), "
                                   f"got {got}{extra}")
        srcs = [self.expression(arg) for arg in args]
        return self._apply(node, op.name, srcs, node_id, attrs or None)

    def _settings(self, op: ops.Op, shown: str, keywords: list) -> dict:
        allowed = settings_of(op)
        attrs: dict = {}
        for kw in keywords:
            if kw.arg is None:
                raise self.error(kw, "**arguments are not supported")
            declared = op.setting(kw.arg)           # its name or one of its aliases
            key = declared.name if declared is not None else SETTING_ALIASES.get(kw.arg, kw.arg)
            if key not in allowed:
                listing = (f"the settings of {op.name} are " + ", ".join(
                    f"{s}=" for s in sorted(allowed)) if allowed else f"{op.name} has no settings")
                raise self.error(kw, f"{shown.lstrip('.')}() takes no keyword argument "
                                     f"{kw.arg}=: {listing}")
            if key in attrs:
                raise self.error(kw, f"{key}= is given twice")
            attrs[key] = self._setting_value(op, key, kw)
        return attrs

    def _setting_value(self, op: ops.Op, key: str, kw: ast.keyword):
        """The literal of one setting; a wrong one is refused at the keyword (at the value
        for axis, as before)."""
        node = kw.value
        setting = op.setting(key)
        if setting is not None:                 # the op table declares it: check it there
            value = literal_of_kind(node, setting.kind)
            if value is NOT_LITERAL:
                if setting.name == "axis":          # refused at the value, as it always was
                    raise self.error(node, f"axis must be {LITERAL_TEXT[setting.kind]}, "
                                           f"as in axis={example(setting)}")
                if self._setting_literal(node) is _NODE:
                    raise self.error(kw, f"the keyword argument {kw.arg}= must be a literal: "
                                         f"a number, a list of whole numbers, True or False")
                raise self.error(kw, f"the keyword argument {kw.arg}= must be "
                                     f"{LITERAL_TEXT[setting.kind]}, as in "
                                     f"{kw.arg}={example(setting)}")
            refusal = setting.refusal(op.name, value, python_text)
            if refusal is not None:
                raise self.error(node, refusal)
            return value
        kind = SETTING_KINDS.get(key)
        if kind == "axis":
            return self._axis(node)
        value = self._setting_literal(node)
        what = f"the keyword argument {kw.arg}="
        if value is _NODE:
            raise self.error(kw, f"{what} must be a literal: a number, a list of whole "
                                 f"numbers, True or False")
        if kind == "bool" and not isinstance(value, bool):
            raise self.error(kw, f"{what} must be True or False")
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.error(kw, f"{what} must be a whole number, as in {kw.arg}=1")
        if kind == "number":
            if isinstance(value, (bool, list)):
                raise self.error(kw, f"{what} must be a number, as in {kw.arg}=0.1")
            value = float(value)
        if kind == "int list" and not isinstance(value, list):
            raise self.error(kw, f"{what} must be a list of whole numbers, as in "
                                 f"{kw.arg}=[2, -1]")
        return value

    def _setting_literal(self, node: ast.expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._whole(item) for item in node.elts]
            if any(item is None for item in items):
                return _NODE
            return items
        whole = self._whole(node)
        if whole is not None:
            return whole
        if self._is_literal(node):
            return self._number(node)
        return _NODE

    def _axis(self, node: ast.expr) -> int:
        sign, inner = 1, node
        if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
            sign, inner = -1, inner.operand
        if isinstance(inner, ast.Constant) and isinstance(inner.value, int) \
                and not isinstance(inner.value, bool) and abs(inner.value) < 64:
            return sign * inner.value
        raise self.error(node, "axis must be a small whole number, as in axis=0")

    def _leaf_call(self, node: ast.Call, shown: str, node_id: str | None) -> str:
        """``Value(2.0, label='a')``, ``torch.tensor([...])``, ``np.array([...])``: an input."""
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.error(node, f"{shown}(...) takes one value: a number or a list of "
                                   f"numbers, as in {shown}([1.0, 2.0])")
        arg = node.args[0]
        if not self._is_literal(arg):
            if isinstance(arg, (ast.List, ast.Tuple)):
                raise self.error(arg, LIST_HINT)
            raise self.error(arg, f"{shown}(...) takes a number or a list of numbers "
                                  f"written as they are")
        label, trainable = None, False
        for kw in node.keywords:
            if shown == "Value" and kw.arg == "label" and isinstance(kw.value, ast.Constant) \
                    and isinstance(kw.value.value, str):
                label = kw.value.value[:200]
            elif shown != "Value" and kw.arg == "requires_grad" \
                    and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool):
                trainable = kw.value.value
            elif shown != "Value" and kw.arg == "dtype" \
                    and isinstance(kw.value, (ast.Name, ast.Attribute)):
                pass                                  # every value is float64 anyway
            else:
                allowed = ("label='text'" if shown == "Value"
                           else "requires_grad=True or False, dtype=")
                raise self.error(kw, f"{shown}(...) takes only {allowed} here")
        return self._add(node, node_id or self._fresh("input"), "input", self.literal(arg),
                         label=label, trainable=trainable)

    def _apply(self, where: ast.AST, op: str, srcs: list[str], node_id: str | None,
               attrs: dict | None = None) -> str:
        node_id = node_id or self._fresh(op)
        self._add(where, node_id, op, attrs=attrs)
        for port, src in enumerate(srcs):
            self._connect(src, node_id, port, where)
        return node_id

    # ---------------------------------------------------------------- lint

    def _lint(self, expr: ast.expr) -> None:
        """Warnings for valid expressions that are almost never meant."""
        for node in ast.walk(expr):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) \
                    and isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Div) \
                    and is_number_literal(node.left.left) and is_number_literal(node.left.right):
                self.warnings.append(self._notice(node, lint_fraction(node)))
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                    and isinstance(node.operand, ast.BinOp) and isinstance(node.operand.op, ast.Pow):
                self.warnings.append(self._notice(node, lint_minus_power(node.operand)))

    def _lint_reach(self, output: str) -> None:
        reach, todo = {output}, [output]
        sources: dict[str, list[str]] = {}
        for edge in self.graph.edges():
            sources.setdefault(edge.dst, []).append(edge.src)
        while todo:
            for src in sources.get(todo.pop(), ()):
                if src not in reach:
                    reach.add(src)
                    todo.append(src)
        out_name = next((n for n, i in self.bound.items() if i == output), output)
        for node in self.graph.nodes():
            if node.op == "input" and node.id not in reach:
                where = self.inputs_at.get(node.id, self.tree.body[0])
                message = f"{node.id} does not reach {out_name}: its gradient will be —"
                name = where.id if isinstance(where, ast.Name) else node.id
                if name != node.id or self.bound.get(name) != node.id:
                    message = (f"{name} (node {node.id}) does not reach {out_name}: its "
                               f"gradient will be — ({name} is assigned again before it "
                               f"is used)")
                self.warnings.append(self._notice(where, message))

    # ------------------------------------------------------------- layout

    def _layout(self) -> None:
        for node_id, pos in layered_positions(self.graph).items():
            self.graph.set_pos(node_id, pos)


_NODE = object()       # an index entry or setting that is an expression, not a literal
