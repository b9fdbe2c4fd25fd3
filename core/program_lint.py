"""The lint's messages: what a valid but probably unmeant expression means, and what
to write instead (``cli.md``, "Lint"): ``1 / 1 + exp(-z)`` and ``-x ** 2``.
"""
from __future__ import annotations

import ast


def source_text(node: ast.expr) -> str:
    """Source-like text of ``node`` with real minus signs, for a message."""
    return ast.unparse(node).replace("-", "−")


def lint_fraction(node: ast.BinOp) -> str:
    a, b, rest = source_text(node.left.left), source_text(node.left.right), source_text(node.right)
    num, den = number_of(node.left.left), number_of(node.left.right)
    value = f" = {short(num / den)} + {rest}" if den != 0 else ""
    func = node.right.func if isinstance(node.right, ast.Call) else None
    name = func.id if isinstance(func, ast.Name) else (
        func.attr if isinstance(func, ast.Attribute) else "")
    sigmoid = name == "exp" and len(node.right.args) == 1 and isinstance(
        node.right.args[0], ast.UnaryOp) and isinstance(node.right.args[0].op, ast.USub)
    advice = "for the sigmoid write" if sigmoid else "if the sum is meant to be the denominator, write"
    return f"this is ({a} / {b}) + {rest}{value}; {advice} {a} / ({b} + {rest})"


def lint_minus_power(power: ast.BinOp) -> str:
    base = source_text(power.left)
    if isinstance(power.left, (ast.BinOp, ast.UnaryOp)):
        base = f"({base})"
    exponent = power.right
    sup = None
    if isinstance(exponent, ast.Constant) and isinstance(exponent.value, int) \
            and not isinstance(exponent.value, bool) and 0 <= exponent.value < 10:
        sup = "⁰¹²³⁴⁵⁶⁷⁸⁹"[exponent.value]
    shown = f"{base}{sup}" if sup else f"{base} ** {source_text(exponent)}"
    return (f"this is −({shown}): ** binds tighter than unary minus; for the power of "
            f"−{base} write (−{base}) ** {source_text(exponent)}")


def number_of(node: ast.expr) -> float:
    if isinstance(node, ast.UnaryOp):
        return -float(node.operand.value)
    return float(node.value)


def short(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:.6g}"
