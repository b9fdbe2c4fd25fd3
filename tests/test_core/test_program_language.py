"""The language as people really write it (cli.md): settings, subscripts, methods,
library prefixes, pasted statements, hints and lint."""
from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.core.engine import evaluate
from chainrule.core.errors import ProgramError
from chainrule.core.program import parse_program
from pasted_programs import MICROGRAD


def run(text):
    parsed = parse_program(text)
    return parsed, evaluate(parsed.graph)


def node_of(parsed, name="f"):
    return parsed.graph.node(parsed.names.get(name, name))


def refused(text):
    with pytest.raises(ProgramError) as info:
        parse_program(text)
    err = info.value
    assert err.line >= 1 and err.col >= 1
    return err




# ------------------------------------------------------------------ micrograd

def test_micrograd_readme_pasted_whole():
    parsed, ev = run(MICROGRAD)
    assert parsed.output == parsed.names["g"]
    assert round(ev.value(parsed.output), 4) == 24.7041
    assert round(ev.grad("a"), 4) == 138.8338
    assert round(ev.grad("b"), 4) == 645.5773
    assert [n.line for n in parsed.notes] == [1, 15, 17, 18]
    assert "import" in parsed.notes[0].message and "print" in parsed.notes[1].message
    assert parsed.warnings == []


def test_micrograd_power_with_a_number_exponent_is_pow_with_a_const():
    parsed, ev = run("b = Value(2.0)\nd = b**3")
    d = parsed.graph.node("d")
    assert d.op == "pow"
    assert parsed.graph.node(parsed.graph.source("d", 1)).op == "const"
    assert ev.grad("b") == 12.0


# --------------------------------------------------------------- settings

def test_axis_and_its_pytorch_name():
    parsed, ev = run("m = [[1, 2], [3, 4]]\ns = sum(m, dim=0)\nf = mean(s, axis=-1)")
    assert parsed.graph.node("s").attrs == {"axis": 0}
    assert ev.value("f") == 5.0


def test_setting_given_twice_under_both_names():
    err = refused("m = [1, 2]\nf = sum(m, axis=0, dim=0)")
    assert "axis= is given twice" in err.reason and (err.line, err.col) == (2, 20)


def test_unknown_setting_names_it_and_the_settings_of_the_op():
    err = refused("m = [1, 2]\nf = sum(m, foo=1)")
    assert "foo=" in err.reason and "axis=" in err.reason and (err.line, err.col) == (2, 12)
    err = refused("x = 1\nf = exp(x, dim=0)")
    assert "dim=" in err.reason and "exp has no settings" in err.reason


def test_a_setting_must_be_a_literal():
    err = refused("m = [1, 2]\nf = sum(m, axis=m)")
    assert "axis" in err.reason and err.col == 17


def test_keepdims_and_keepdim():
    parsed, ev = run("m = [[1, 2], [3, 4]]\nf = sum(m, axis=1, keepdims=True)\n"
                     "g = m.sum(dim=1, keepdim=False)")
    assert parsed.graph.node("f").attrs == {"axis": 1, "keepdims": True}
    assert parsed.graph.node("g").attrs == {"axis": 1, "keepdims": False}
    assert np.shape(ev.value("f")) == (2, 1)
    assert "True or False" in refused("m = [1, 2]\nf = sum(m, keepdims=2)").reason


def test_softmax_axis():
    parsed, _ = run("z = [[1, 2], [3, 4]]\nf = softmax(z, axis=0)\ng = torch.softmax(z, dim=1)")
    assert parsed.graph.node("f").op == "softmax" and parsed.graph.node("f").attrs == {"axis": 0}
    assert parsed.graph.node("g").attrs == {"axis": 1}


def test_reshape_shape_list():
    parsed, ev = run("x = [1, 2, 3, 4]\nf = reshape(x, shape=[2, -1])")
    assert parsed.graph.node("f").attrs == {"shape": [2, -1]}
    assert np.shape(ev.value("f")) == (2, 2)


def test_leaky_relu_slope_and_negative_slope():
    parsed, _ = run("x = -2\nf = leaky_relu(x, slope=0.1)\ng = F.leaky_relu(x, negative_slope=0.2)")
    assert parsed.graph.node("f").attrs == {"slope": 0.1}
    assert parsed.graph.node("g").attrs == {"slope": 0.2}


def test_conv2d_stride_and_padding():
    parsed, _ = run("img = [[[1, 2], [3, 4]]]\nk = [[[[1]]]]\nf = conv2d(img, k, stride=1, padding=1)")
    assert parsed.graph.node("f").attrs == {"stride": 1, "padding": 1}


def test_maxpool2d_size_and_kernel_size():
    parsed, _ = run("h = [[[1, 2], [3, 4]]]\nf = maxpool2d(h, size=2)\n"
                    "g = F.max_pool2d(h, kernel_size=2)")
    assert parsed.graph.node("f").attrs == {"size": 2}
    assert parsed.graph.node("g").op == "maxpool2d" and parsed.graph.node("g").attrs == {"size": 2}


def test_concat_axis_and_the_library_spellings():
    parsed, ev = run("a = [[1, 2]]\nb = [[3, 4]]\nf = concat(a, b, axis=1)\n"
                     "g = np.concatenate([a, b], axis=0)\nh = torch.cat((a, b), dim=1)")
    for name, axis in (("f", 1), ("g", 0), ("h", 1)):
        node = parsed.graph.node(name)
        assert node.op == "concat" and node.attrs == {"axis": axis}
        assert [parsed.graph.source(name, p) for p in (0, 1)] == ["a", "b"]
    assert np.shape(ev.value("g")) == (2, 2)
    assert "two" in refused("a = [1]\nf = torch.cat([a, a, a])").reason


# --------------------------------------------------------------- subscripts

INDEXES = [
    ("w[0]", [0]),
    ("w[-1]", [-1]),
    ("w[1:3]", [[1, 3, None]]),
    ("w[0, 1]", [0, 1]),
    ("w[:, 0]", [[None, None, None], 0]),
    ("w[::2]", [[None, None, 2]]),
    ("w[-2:]", [[-2, None, None]]),
]


@pytest.mark.parametrize("expr,index", INDEXES)
def test_subscripts_make_index_nodes(expr, index):
    parsed = parse_program(f"w = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nf = {expr}")
    f = parsed.graph.node("f")
    assert f.op == "index" and f.attrs == {"index": index}
    assert parsed.graph.source("f", 0) == "w"


def test_index_values_and_gradient():
    parsed, ev = run("w = [[1, 2, 3], [4, 5, 6]]\nf = sum(w[:, 1:])")
    assert ev.value("f") == 16.0
    np.testing.assert_array_equal(ev.grad("w"), [[0, 1, 1], [0, 1, 1]])


def test_subscript_by_a_node_is_embedding():
    parsed, ev = run("W = [[1, 2], [3, 4], [5, 6]]\nids = [2, 0, 2]\nf = W[ids]")
    f = parsed.graph.node("f")
    assert f.op == "embedding"
    assert [parsed.graph.source("f", p) for p in (0, 1)] == ["W", "ids"]
    np.testing.assert_array_equal(ev.value("f"), [[5, 6], [1, 2], [5, 6]])


def test_functional_embedding_takes_ids_first():
    parsed = parse_program("W = [[1, 2], [3, 4]]\nids = [1]\nf = F.embedding(ids, W)")
    assert [parsed.graph.source("f", p) for p in (0, 1)] == ["W", "ids"]


@pytest.mark.parametrize("text,col,words", [
    ("f = x[1.5]", 7, "whole number"),
    ("f = x[a:3]", 7, "slice"),
    ("f = x[::0]", 9, "zero"),
    ("f = x[0, a]", 10, "not both"),
    ("f = x[...]", 7, "subscript"),
    ("f = x[True]", 7, "whole number"),
])
def test_bad_subscripts_are_refused_with_the_place(text, col, words):
    err = refused(text)
    assert err.col == col and words in err.reason


# ------------------------------------------------------------ .T and methods

def test_dot_t_is_transpose():
    parsed, ev = run("m = [[1, 2, 3]]\nf = m.T\ng = np.transpose(m)\nh = m.t()")
    for name in "fgh":
        assert parsed.graph.node(name).op == "transpose"
    assert np.shape(ev.value("f")) == (3, 1)


@pytest.mark.parametrize("program,op,sources", [
    ("x = 0.5\nf = x.tanh()", "tanh", ["x"]),
    ("h = -1\nf = h.relu()", "relu", ["h"]),
    ("x = [1, 2]\nf = x.mean()", "mean", ["x"]),
    ("x = 2\nf = x.pow(3)", "pow", ["x", "c1"]),
    ("x = [[1]]\ny = [[2]]\nf = x.matmul(y)", "matmul", ["x", "y"]),
    ("x = [[1]]\ny = [[2]]\nf = x.mm(y)", "matmul", ["x", "y"]),
    ("x = 1; y = 2\nf = x.max(y)", "max", ["x", "y"]),
    ("x = -1\nf = x.clamp(min=0)", "relu", ["x"]),
])
def test_methods_of_ops(program, op, sources):
    parsed = parse_program(program)
    assert parsed.graph.node("f").op == op
    assert [parsed.graph.source("f", p) for p in range(len(sources))] == sources


def test_method_on_an_expression_and_settings_of_a_method():
    parsed, ev = run("a = 1; b = 2; c = -2\nf = (a*b + c).exp()")
    assert parsed.graph.node("f").op == "exp" and ev.value("f") == 1.0
    assert ev.grad("a") == 2.0
    parsed, ev = run("m = [[1, 2], [3, 4]]\ns = m.sum(axis=0)")
    assert parsed.graph.node("s").attrs == {"axis": 0}
    np.testing.assert_array_equal(ev.value("s"), [4.0, 6.0])


def test_max_method_with_no_input_is_amax():
    parsed, ev = run("x = [[1, 5], [3, 4]]\nf = x.max()\ng = x.max(axis=0)")
    assert parsed.graph.node("f").op == "amax" and ev.value("f") == 5.0
    assert parsed.graph.node("g").attrs == {"axis": 0}


def test_unknown_method_is_an_attribute_error():
    err = refused("x = 1\nf = x.frobnicate()")
    assert "attribute" in err.reason and "frobnicate" in err.reason and err.col == 6
    assert "attribute" in refused("x = 1\nf = x.data").reason


# --------------------------------------------------------- library prefixes

@pytest.mark.parametrize("prefix", ["math.", "np.", "numpy.", "torch.", "F.",
                                    "torch.nn.functional."])
def test_library_prefixes(prefix):
    parsed, ev = run(f"x = 0.5\nf = {prefix}exp(-x) + {prefix}tanh(x)")
    ops_ = {n.op for n in parsed.graph.nodes()}
    assert {"exp", "tanh", "neg"} <= ops_
    assert ev.value("f") == pytest.approx(math.exp(-0.5) + math.tanh(0.5))


@pytest.mark.parametrize("call,op", [
    ("np.maximum(a, b)", "max"), ("torch.maximum(a, b)", "max"),
    ("np.minimum(a, b)", "min"), ("torch.minimum(a, b)", "min"),
    ("np.dot(a, b)", "matmul"), ("np.matmul(a, b)", "matmul"),
    ("torch.matmul(a, b)", "matmul"), ("torch.mm(a, b)", "matmul"),
    ("np.power(a, b)", "pow"), ("torch.pow(a, b)", "pow"), ("math.pow(a, b)", "pow"),
    ("torch.max(a, b)", "max"), ("F.mse(a, b)", "mse"), ("F.mse_loss(a, b)", "mse"),
])
def test_library_names(call, op):
    parsed = parse_program(f"a = [[1, 2]]\nb = [[3], [4]]\nf = {call}")
    assert parsed.graph.node("f").op == op
    assert [parsed.graph.source("f", p) for p in (0, 1)] == ["a", "b"]


@pytest.mark.parametrize("call", ["torch.clamp(x, min=0)", "np.maximum(x, 0)",
                                  "np.maximum(0, x)", "torch.maximum(x, 0.0)",
                                  "torch.clamp(x, min=0.0)"])
def test_relu_spellings(call):
    parsed, ev = run(f"x = -3\nf = {call}")
    assert parsed.graph.node("f").op == "relu"
    assert parsed.graph.source("f", 0) == "x"
    assert not any(n.op == "const" for n in parsed.graph.nodes())
    assert ev.value("f") == 0.0


def test_np_maximum_with_another_number_is_max():
    parsed = parse_program("x = -3\nf = np.maximum(x, 0.5)")
    assert parsed.graph.node("f").op == "max"


def test_clamp_with_other_bounds_is_refused():
    assert "clamp(x, min=0)" in refused("x = 1\nf = torch.clamp(x, min=1)").reason
    assert "clamp(x, min=0)" in refused("x = 1\nf = torch.clamp(x, max=0)").reason


@pytest.mark.parametrize("call", ["np.max(x)", "np.amax(x)", "torch.max(x)", "torch.amax(x)"])
def test_library_max_of_one_input_is_amax(call):
    parsed, ev = run(f"x = [1, 7, 3]\nf = {call}")
    assert parsed.graph.node("f").op == "amax" and ev.value("f") == 7.0


def test_functional_cross_entropy():
    parsed = parse_program("s = [[1, 2, 3]]\ny = [2]\nf = F.cross_entropy(s, y)")
    assert parsed.graph.node("f").op == "cross_entropy"


def test_unknown_library_function():
    err = refused("x = 1\nf = np.frobnicate(x)")
    assert "unknown function np.frobnicate" in err.reason and (err.line, err.col) == (2, 5)
    assert "unknown function np.linalg.norm" in refused("x = 1\nf = np.linalg.norm(x)").reason


def test_a_program_name_shadows_a_library():
    parsed = parse_program("np = [1, 2]\nf = np.sum()")
    assert parsed.graph.node("f").op == "sum" and parsed.graph.source("f", 0) == "np"


# --------------------------------------------------------- pasted statements

def test_imports_and_print_are_skipped_and_noted():
    parsed, ev = run("import numpy as np\nimport torch; from torch import nn\nx = 2\n"
                     "print('x is', x)\nf = x * x\nprint(f)")
    assert parsed.output == "f" and ev.value("f") == 4.0
    assert [(n.line, n.col) for n in parsed.notes] == [(1, 1), (2, 1), (2, 15), (4, 1), (6, 1)]
    assert str(parsed.notes[0]).startswith("line 1, column 1: skipped an import")


def test_print_is_skipped_whole_its_arguments_never_looked_at():
    parsed, _ = run("x = 1\nprint(f'{x.data:.4f}', open('pwned', 'w'), [i for i in x], x ^ 2)\n"
                    "f = x + 1")
    assert parsed.output == "f"
    assert not os.path.exists("pwned")


def test_only_imports_and_prints_is_empty():
    err = refused("import torch\nprint(1)")
    assert "empty" in err.reason and "import" in err.reason


def test_backward_chooses_the_output():
    parsed, _ = run("x = 2\nloss = x * x\nother = x + 1\nloss.backward()\nprint(x.grad)")
    assert parsed.output == "loss"
    parsed, _ = run("x = 2\ny = x * 3\n(y + 1).backward()\nz = y * 2")
    assert parsed.graph.node(parsed.output).op == "add"


def test_backward_of_an_unknown_name_or_with_arguments():
    err = refused("x = 1\nloss.backward()")
    assert "loss" in err.reason and (err.line, err.col) == (2, 1)
    assert "no arguments" in refused("x = 1\nx.backward(2)").reason
    assert "statement of its own" in refused("x = 1\nf = x.backward()").reason


@pytest.mark.parametrize("op,symbol,expected", [
    ("add", "+=", 5.0), ("sub", "-=", -1.0), ("mul", "*=", 6.0), ("div", "/=", 2 / 3),
])
def test_augmented_assignment(op, symbol, expected):
    parsed, ev = run(f"x = 2\nx {symbol} 3")
    assert parsed.output == "x_2" and parsed.names["x"] == "x_2"
    node = parsed.graph.node("x_2")
    assert node.op == op and parsed.graph.source("x_2", 0) == "x"
    assert ev.value("x_2") == pytest.approx(expected)


def test_augmented_assignment_groups_the_right_side():
    _, ev = run("x = 2\nx *= 3 + 1\nf = x")
    assert ev.value("x_2") == 8.0


def test_value_and_label():
    parsed, _ = run("a = Value(-4.0)\nb = Value(2.0, label='bee')\nc = a * b\nc.label = 'product'")
    a, b, c = (parsed.graph.node(n) for n in "abc")
    assert a.op == "input" and a.value == -4.0 and a.label is None
    assert b.value == 2.0 and b.label == "bee"
    assert c.label == "product"


def test_tensor_and_array_make_inputs():
    parsed, ev = run("w = torch.tensor([[1.0, 2.0]], requires_grad=True)\n"
                     "x = np.array([3, 4])\ny = torch.tensor(2.0, dtype=torch.float64)\n"
                     "f = sum(w @ x) * y")
    assert parsed.graph.node("w").op == "input" and parsed.graph.node("w").trainable
    np.testing.assert_array_equal(parsed.graph.node("x").value, [3.0, 4.0])
    assert not parsed.graph.node("x").trainable
    assert ev.value("f") == 22.0
    np.testing.assert_array_equal(ev.grad("w"), [[6.0, 8.0]])


def test_value_inside_an_expression_is_an_input():
    parsed, ev = run("f = Value(3.0) * 2")
    inputs = [n for n in parsed.graph.nodes() if n.op == "input"]
    assert len(inputs) == 1 and inputs[0].value == 3.0
    assert parsed.unset == []


@pytest.mark.parametrize("text,words", [
    ("a = 1\nx = Value(a)", "number"),
    ("x = Value()", "one value"),
    ("x = Value(1, grad=2)", "label="),
    ("a = 1\nx = np.array([1, a])", "a list may hold only numbers"),
    ("x = torch.tensor([1], device='cuda')", "requires_grad"),
])
def test_bad_leaf_calls(text, words):
    assert words in refused(text).reason


# ------------------------------------------------------------------ hints

def test_caret_hint():
    err = refused("x = 3\nf = x ^ 2")
    assert "use ** for a power" in err.reason and (err.line, err.col) == (2, 7)


@pytest.mark.parametrize("call", ["np.random.randn(3)", "numpy.random.rand(2, 2)",
                                  "torch.randn(3)", "torch.rand(2)", "np.random.normal(0, 1)"])
def test_random_hint(call):
    err = refused(f"x = 1\nw = {call}")
    assert "random numbers are not part of a graph: give the value as a list" in err.reason
    assert (err.line, err.col) == (2, 5)


def test_list_of_expressions_hint():
    err = refused("x = 1\nf = [x, 2 * x]")
    assert "a list may hold only numbers" in err.reason and (err.line, err.col) == (2, 6)


# ------------------------------------------------------------------- lint

def test_lint_literal_fraction_then_added():
    parsed, _ = run("z = 0.5\nf = 1 / 1 + exp(-z)")
    assert len(parsed.warnings) == 1
    w = parsed.warnings[0]
    assert (w.line, w.col) == (2, 5)
    assert w.message == ("this is (1 / 1) + exp(−z) = 1 + exp(−z); "
                         "for the sigmoid write 1 / (1 + exp(−z))")


def test_lint_minus_power():
    parsed, _ = run("x = 3\nf = -x ** 2")
    assert [w.message.split(":")[0] for w in parsed.warnings] == ["this is −(x²)"]
    assert (parsed.warnings[0].line, parsed.warnings[0].col) == (2, 5)


def test_lint_input_that_does_not_reach_the_output():
    parsed, ev = run("w1 = 2; w3 = 5\nx = 1\nf = w1 * x")
    assert [str(w) for w in parsed.warnings] == [
        "line 1, column 9: w3 does not reach f: its gradient will be —"]
    assert ev.grad("w3") is None


@pytest.mark.parametrize("program", [
    "w0 = 2; x0 = -1; w1 = -3; x1 = -2; w2 = -3\nf = sigmoid(w0*x0 + w1*x1 + w2)",
    "z = 1\nf = 1 / (1 + exp(-z))",
    "x = 2\nf = (-x) ** 2",
    "x = 2\nf = 1 / 2 * x",
    "x = -2; y = 5; z = -4\nq = x + y\nf = q * z",
])
def test_no_lint_for_what_is_meant(program):
    assert parse_program(program).warnings == []


# ------------------------------------------------------------- properties

JUNK = ["x", "f", " = ", "1", "-", "+", "*", "**", "^", "(", ")", "[", "]", ":", ",", "\n",
        ";", ".", "T", "np", "torch", "F", "random", "Value", "print", "import ", "backward()",
        "sum", "max", "axis=", "dim=", "keepdim=", "True", "'a'", "label=", "+=", "tanh()",
        "clamp", "min=", "0", "[0]", "[::2]", "relu", "#", " "]


@given(st.lists(st.sampled_from(JUNK), max_size=30).map("".join))
def test_junk_is_a_graph_or_a_program_error_with_line_and_column(text):
    try:
        parsed = parse_program(text)
    except ProgramError as err:
        assert err.line is not None and err.line >= 1
        assert err.col is not None and err.col >= 1
        assert str(err).startswith(f"line {err.line}, column {err.col}: ")
        return
    g = parsed.graph
    assert g.output == parsed.output
    assert all(not g.missing_ports(n) for n in g.node_ids())
    for notice in parsed.notes + parsed.warnings:
        assert notice.line >= 1 and notice.col >= 1 and "\n" not in notice.message


PASTED = ["import os", "import shutil", "from os import remove", "print(open('{p}', 'w'))",
          "print(__import__('os').system('touch {p}'))", "os.system('touch {p}')",
          "open('{p}', 'w')", "exec(\"open('{p}', 'w')\")", "x = 1", "x += 2",
          "f = x.exp()", "shutil.rmtree('{d}')", "remove('{k}')", "f.backward()",
          "print(f'{{open(\"{p}\", \"w\")}}')", "y = np.array([1, 2])",
          "y = Value(2.0, label='y')", "g = torch.tensor([1.0], requires_grad=True)"]


@given(st.lists(st.sampled_from(PASTED), min_size=1, max_size=8))
def test_pasted_code_never_runs(lines):
    with tempfile.TemporaryDirectory() as d:
        keep = os.path.join(d, "keep")
        with open(keep, "w") as fh:
            fh.write("x")
        target = os.path.join(d, "pwned")
        text = "\n".join(line.format(p=target, d=d, k=keep) for line in lines)
        try:
            parse_program(text)
        except ProgramError:
            pass
        assert sorted(os.listdir(d)) == ["keep"]


@pytest.mark.parametrize("call,op", [("np.subtract(a, b)", "sub"), ("np.multiply(a, b)", "mul"),
                                     ("np.divide(a, b)", "div"), ("np.add(a, b)", "add"),
                                     ("np.negative(a)", "neg"), ("np.absolute(a)", "abs")])
def test_more_numpy_names(call, op):
    assert parse_program(f"a = 1; b = 2\nf = {call}").graph.node("f").op == op


def test_lint_an_input_assigned_again_before_it_is_used():
    parsed, _ = run("x = 1\nx = 2\nf = x * 3")
    assert [str(w) for w in parsed.warnings] == [
        "line 1, column 1: x (node x) does not reach f: its gradient will be — "
        "(x is assigned again before it is used)"]
    parsed, _ = run("x = 1\ny = 5\ny = 2\nf = x * y")
    assert parsed.warnings[0].message.startswith("y (node y) does not reach f")
    assert parse_program("x = 1\nx = x * 2\nf = x").warnings == []


def test_a_setting_of_the_wrong_kind_is_refused_at_its_keyword():
    err = refused("x = 1\nf = leaky_relu(x, negative_slope=True)")
    assert "negative_slope= must be a number" in err.reason and err.col == 19
    err = refused("x = 1\nf = leaky_relu(x, slope=x)")
    assert "must be a literal" in err.reason and err.col == 19


def test_shape_must_be_a_list_of_whole_numbers():
    assert "list of whole numbers" in refused("x = [1, 2]\nf = reshape(x, shape=2)").reason
    assert "list of whole numbers" in refused("x = [1, 2]\nf = reshape(x, shape=[1.5])").reason
