"""Which PyTorch call is which Chainrule op: the op table's PyTorch templates read backwards.

Why: ``chainrule import`` turns each call a traced function makes into the op
whose reference template (``Template.torch`` in the op table) it is — which
function, which argument is which port, which is which setting.  The table
is derived from the op table, never written by hand, except torch's other
names for the same functions (``_ALIASES``) and Python's operators."""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Any

from . import ops


@dataclass(frozen=True)
class _Pattern:
    """How one op's PyTorch call looks: argument i (or keyword k) is port p or setting s."""

    op: str
    positional: tuple[tuple[str, Any], ...]   # ("port", name) / ("setting", name) / ("const", v)
    keywords: dict[str, tuple[str, Any]]


def _field(node: ast.AST, ports: tuple[str, ...], settings: set[str]) -> tuple[str, Any]:
    """What a template argument is: a port, a setting (perhaps wrapped in a helper
    call: ``_dims({axis})``), a constant the call must have, or implied (``x.shape``)."""
    if isinstance(node, ast.Call) and node.args:
        node = node.args[0]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value                          # {ids}.long()
    if isinstance(node, ast.Name) and node.id.startswith("_f_"):
        name = node.id[3:]
        return ("port", name) if name in ports else ("setting", name)
    if isinstance(node, ast.Constant):
        return ("const", node.value)
    return ("implied", None)


def _patterns() -> dict[str, _Pattern]:
    """Function name (``torch.sigmoid``, ``F.conv2d``) → how its call maps to the op."""
    table: dict[str, _Pattern] = {}
    for name, op in ops.OPS.items():
        if op.is_leaf or op.export is None or not op.export.torch:
            continue
        code = op.export.torch
        for field in (*op.ports, *(s.name for s in op.settings)):
            code = code.replace("{" + field + "}", "_f_" + field)
        try:
            call = ast.parse(code, mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(call, ast.Call):
            continue
        func = ast.unparse(call.func)
        if not (func.startswith("torch.") or func.startswith("F.")
                or func in op.export.torch_helpers):
            continue
        settings = {s.name for s in op.settings}
        table[func] = _Pattern(
            name, tuple(_field(a, op.ports, settings) for a in call.args),
            {k.arg: _field(k.value, op.ports, settings) for k in call.keywords if k.arg})
    return table


_OPERATORS = {operator.add: "add", operator.sub: "sub", operator.mul: "mul",
              operator.truediv: "div", operator.pow: "pow", operator.matmul: "matmul",
              operator.neg: "neg"}
# torch's other names for the same functions.
_ALIASES = {"torch.add": "add", "torch.sub": "sub", "torch.subtract": "sub",
            "torch.mul": "mul", "torch.multiply": "mul", "torch.div": "div",
            "torch.divide": "div", "torch.true_divide": "div", "torch.neg": "neg",
            "torch.negative": "neg", "torch.mm": "matmul", "F.relu": "relu",
            "F.sigmoid": "sigmoid", "F.tanh": "tanh", "F.softmax": "softmax",
            "F.log_softmax": "log_softmax", "torch.special.expit": "sigmoid"}
_PASS_THROUGH = {"clone", "contiguous", "double", "long", "int", "detach"}


def _resolve(torch, dotted: str):
    obj: Any = {"torch": torch, "F": torch.nn.functional}[dotted.split(".")[0]]
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part, None)
    return obj


@dataclass
class _Table:
    functions: dict[Any, tuple[str, _Pattern | None]]     # callable → (torch name, pattern)
    methods: dict[str, _Pattern]
    # The exported script's helpers (``_transpose``, ``_hinge``…): the op of a
    # helper that is a template's whole call; the others pass their first argument.
    helpers: dict[str, _Pattern]


def helper_names() -> set[str]:
    """Every helper an exported PyTorch script may define."""
    return {h for op in ops.OPS.values() if op.export is not None
            for h in op.export.torch_helpers}


def _table(torch) -> _Table:
    functions: dict[Any, tuple[str, _Pattern | None]] = {}
    methods: dict[str, _Pattern] = {}
    helpers: dict[str, _Pattern] = {}
    for dotted, pattern in _patterns().items():
        if dotted.startswith("_"):
            helpers[dotted] = pattern
            continue
        fn = _resolve(torch, dotted)
        if fn is not None:
            functions[fn] = (dotted, pattern)
        if dotted.startswith("torch."):
            methods[dotted.split(".")[-1]] = pattern
    by_op = {p.op: p for _, p in functions.values() if p is not None}
    for dotted, op in _ALIASES.items():
        fn = _resolve(torch, dotted)
        if fn is not None and fn not in functions:
            plain = _Pattern(op, tuple(("port", p) for p in ops.get(op).ports), {})
            functions[fn] = (dotted, by_op.get(op, plain))
    for name in ("add", "sub", "mul", "div", "neg", "matmul", "pow"):
        methods.setdefault(name, _Pattern(name, tuple(("port", p) for p in ops.get(name).ports),
                                          {}))
    return _Table(functions, methods, helpers)
