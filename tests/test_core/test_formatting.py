"""core/formatting.py: numbers and values as short text, and as strict JSON."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from chainrule.core.formatting import format_number, format_shape, format_value, json_safe


@pytest.mark.parametrize("x,text", [
    (-4.0, "-4"), (0.19661193324148185, "0.1966"), (1.23e-05, "1.23e-05"), (3, "3"),
    (-0.0, "0"), (0.0, "0"), (math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"),
    (12345.678, "1.235e+04"), (np.float64(2.5), "2.5"), (-12.0, "-12"),
])
def test_format_number(x, text):
    assert format_number(x) == text


def test_format_number_digits_and_minus():
    assert format_number(math.pi, 2) == "3.1"
    assert format_number(-2.5, minus="−") == "−2.5"
    assert format_number(-math.inf, minus="−") == "−inf"


def test_format_value():
    assert format_value(None) == "—"
    assert format_value(None, ascii=True) == "-"
    assert format_value(-2.0) == "-2"
    assert format_value(np.array([[1.0, 2, 3], [4, 5, 6]])) == "(2×3) [[1, 2, 3], [4, 5, 6]]"
    assert format_value(np.array([1.0, 2.0]), ascii=True) == "(2) [1, 2]"
    assert format_value(np.array([[1.0, 2], [3, 4]]), ascii=True) == "(2x2) [[1, 2], [3, 4]]"
    long = format_value(np.arange(1000.0))
    assert long.startswith("(1000) [0, 1, 2") and long.endswith(", …]")
    assert len(long) <= 60
    big = format_value(np.ones((50, 50)), width=30)
    assert big.startswith("(50×50) [[1") and "…" in big and len(big) <= 30
    tiny = format_value(np.full((3, 3), 1.23456789e-7), width=10)
    assert tiny.startswith("(3×3) [[1.235e-07, …], …]")
    assert format_value(np.array([math.nan, -math.inf])) == "(2) [nan, -inf]"
    assert format_value(np.array(3.0)) == "3"


def test_format_shape():
    assert format_shape(()) == "scalar"
    assert format_shape((3,)) == "(3)"
    assert format_shape((2, 3), "x") == "(2x3)"


def test_json_safe():
    assert json_safe(None) is None
    assert json_safe(2) == 2.0 and isinstance(json_safe(2), float)
    assert json_safe(math.nan) == "nan"
    assert json_safe(math.inf) == "inf" and json_safe(-math.inf) == "-inf"
    arr = np.array([[1.0, math.nan], [-math.inf, 2.0]])
    assert json_safe(arr) == [[1.0, "nan"], ["-inf", 2.0]]
    assert json_safe(np.array(math.inf)) == "inf"
    assert json_safe(np.float64(1.5)) == 1.5
    json.dumps(json_safe(arr), allow_nan=False)            # strict JSON


def test_nonfinite_word_says_which_infinity():
    from chainrule.core.formatting import nonfinite_word
    assert nonfinite_word(float("inf")) == "inf" and nonfinite_word(float("-inf")) == "-inf"
    assert nonfinite_word(float("nan")) == "nan"
    assert nonfinite_word(np.array([1.0, -np.inf])) == "-inf"
    assert nonfinite_word(np.array([np.inf, -np.inf])) == "±inf"
    assert nonfinite_word(np.array([np.nan, np.inf])) == "nan"


def test_a_gradient_of_minus_infinity_is_called_that():
    from chainrule.core.engine import evaluate
    from chainrule.core.program import parse_program
    ev = evaluate(parse_program("a = 1\nb = 0\nf = a / b").graph)
    assert ev.grad_warnings["b"] == "the gradient is -inf"
    assert ev.grad_warnings["a"] == "the gradient is inf"
