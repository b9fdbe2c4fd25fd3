"""The names people write in a program, and the literals a setting takes.

What the parser (:mod:`chainrule.core.program`) needs to know about the words of
pasted code rather than about its grammar: PyTorch's setting names, the library
prefixes and the library's own names for ops (``np.maximum`` → ``max``), which
calls draw random numbers, which literals each kind of setting accepts and how
one is shown in a message, and the small questions about a syntax node that
several places ask (a number, zero, ``print(...)``, ``x.backward()``).
"""
from __future__ import annotations

import ast
import difflib
import math

from . import ops


#: PyTorch's keyword → the setting of ``ops.md`` (used when the op has no setting
#: of the PyTorch name itself).
SETTING_ALIASES = {"dim": "axis", "keepdim": "keepdims", "negative_slope": "slope",
                   "kernel_size": "size"}

#: What literal each setting of ``ops.md`` takes; a setting not listed takes any
#: literal (number, integer list, True, False).
SETTING_KINDS = {"axis": "axis", "keepdims": "bool", "shape": "int list", "slope": "number",
                 "stride": "int", "padding": "int", "size": "int", "eps": "number"}


def settings_of(op: ops.Op) -> set[str]:
    """The names of the settings (``attrs``) ``op`` accepts: its declaration in the table."""
    return {s.name for s in op.settings}


#: Library roots a dotted function name may start with, and the family it belongs to.
LIBRARIES = {"math": "math", "np": "np", "numpy": "np", "torch": "torch", "F": "F"}

#: (family, library name) → op name, where the library calls an op differently.
LIBRARY_NAMES: dict[tuple[str, str], str] = {
    ("np", "maximum"): "max", ("torch", "maximum"): "max",
    ("np", "minimum"): "min", ("torch", "minimum"): "min",
    ("np", "dot"): "matmul", ("np", "matmul"): "matmul",
    ("torch", "matmul"): "matmul", ("torch", "mm"): "matmul",
    ("np", "transpose"): "transpose",
    ("np", "max"): "amax", ("np", "amax"): "amax", ("torch", "max"): "amax",
    ("torch", "amax"): "amax",
    ("np", "concatenate"): "concat", ("torch", "cat"): "concat",
    ("np", "power"): "pow", ("np", "negative"): "neg", ("np", "absolute"): "abs",
    ("np", "subtract"): "sub", ("np", "multiply"): "mul", ("np", "divide"): "div",
    ("torch", "subtract"): "sub", ("torch", "multiply"): "mul", ("torch", "divide"): "div",
    ("F", "mse_loss"): "mse", ("F", "binary_cross_entropy"): "bce",
    ("F", "binary_cross_entropy_with_logits"): "bce_logits",
    ("F", "max_pool2d"): "maxpool2d", ("F", "avg_pool2d"): "avgpool2d",
}

#: Method name → op name, where the method is called differently from the op.
METHOD_NAMES = {"max": "amax", "t": "transpose", "mm": "matmul"}

#: Functions that draw random numbers (after a library prefix).
RANDOM_NAMES = frozenset({"rand", "randn", "randint", "randperm", "normal", "uniform",
                          "rand_like", "randn_like", "randint_like", "bernoulli",
                          "multinomial", "random"})

RANDOM_HINT = "random numbers are not part of a graph: give the value as a list"
LIST_HINT = "a list may hold only numbers (and lists of numbers), written as they are"


def all_numbers(node: ast.expr) -> bool:
    """A (nested) list literal of numbers only, as a value is written."""
    if isinstance(node, ast.List):
        return all(all_numbers(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and is_number(node.value)


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# Settings as keyword arguments: which literals each kind of setting takes.
NOT_LITERAL = object()
SMALL = 64     # |an integer setting| in a program is below this
LITERAL_TEXT = {"int": "a small whole number", "float": "a number", "bool": "True or False",
                "choice": "one of the listed values", "ints": "a list of whole numbers",
                "index": "a list of whole numbers and [start, stop, step] slices"}


def signed(node: ast.expr):
    """A number literal, possibly negated (``-2``), else NOT_LITERAL."""
    sign, inner = 1, node
    if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
        sign, inner = -1, inner.operand
    if isinstance(inner, ast.Constant) and is_number(inner.value):
        return sign * inner.value
    return NOT_LITERAL


def small_int(node: ast.expr):
    v = signed(node)
    return v if isinstance(v, int) and abs(v) < SMALL else NOT_LITERAL


def literal_of_kind(node: ast.expr, kind: str):
    """The value of ``node`` as a literal of a setting of this kind, else NOT_LITERAL."""
    if kind == "int":
        return small_int(node)
    if kind == "float":
        v = signed(node)
        return v if v is NOT_LITERAL or math.isfinite(v) else NOT_LITERAL
    if kind == "bool":
        ok = isinstance(node, ast.Constant) and isinstance(node.value, bool)
        return node.value if ok else NOT_LITERAL
    if kind == "choice":
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return signed(node)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [small_int(e) for e in node.elts]
        return NOT_LITERAL if NOT_LITERAL in items else items
    return NOT_LITERAL


def example(setting: ops.Setting) -> str:
    """A value to show in "as in axis=0": the default, else a value in range."""
    if setting.default is not None:
        return python_text(setting.default)
    if setting.kind == "bool":
        return "True"
    if setting.kind == "choice":
        return python_text(setting.choices[0])
    low = 0 if setting.low is None else setting.low
    value = int(low) + (1 if setting.above else 0) if setting.kind != "float" else low
    return f"[{value}, {value}]" if setting.kind == "ints" else python_text(value)


def python_text(value) -> str:
    """A setting's value as a program writes it."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(python_text(v) for v in value) + "]"
    return repr(value)


def is_number_literal(node: ast.expr) -> bool:
    return signed(node) is not NOT_LITERAL


def is_zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and is_number(node.value) and node.value == 0


def is_print(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "print"


def is_backward(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == "backward"


def dotted_name(node: ast.expr) -> str | None:
    """``np.random.randn`` for that attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def library_root(node: ast.expr, bound: dict) -> tuple[str, list[str]] | None:
    """(family, the names after the library) when ``node`` is ``np.…``, ``torch.…``..."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    parts = dotted.split(".")
    if parts[0] in bound or parts[0] not in LIBRARIES or len(parts) < 2:
        return None
    if parts[:3] == ["torch", "nn", "functional"] and len(parts) > 3:
        return "F", parts[3:]
    return LIBRARIES[parts[0]], parts[1:]


def unknown_function(name: str, known: dict) -> str:
    """The refusal of an unknown function, with the closest names of ``known``."""
    close = difflib.get_close_matches(name.rpartition(".")[2], list(known), n=3, cutoff=0.6)
    if close:
        return f"unknown function {name}; did you mean " + " or ".join(close) + "?"
    return f"unknown function {name}; the functions are " + ", ".join(known)
