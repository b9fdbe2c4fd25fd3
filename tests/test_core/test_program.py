"""The program language of cli.md: grammar, refusals with line and column, properties."""
from __future__ import annotations

import ast
import math
import operator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chainrule.core import ops
from chainrule.core.engine import evaluate
from chainrule.core.errors import ChainruleError, ProgramError
from chainrule.core.program import FUNCTIONS, parse_program

SEED = "x = -2; y = 5; z = -4\nq = x + y\nf = q * z"
NEURON = "w0 = 2; x0 = -1; w1 = -3; x1 = -2; w2 = -3\nf = sigmoid(w0*x0 + w1*x1 + w2)"


def run(text):
    parsed = parse_program(text)
    return parsed, evaluate(parsed.graph)


# ------------------------------------------------------------ the seed examples

def test_seed_example():
    parsed, ev = run(SEED)
    assert parsed.output == "f"
    assert parsed.unset == []
    assert ev.value("f") == -12.0
    assert ev.value("q") == 3.0
    assert ev.grad("x") == -4.0 and ev.grad("y") == -4.0
    assert ev.grad("z") == 3.0 and ev.grad("q") == -4.0
    g = parsed.graph
    assert [(n.id, n.op) for n in g.nodes()] == [
        ("x", "input"), ("y", "input"), ("z", "input"), ("q", "add"), ("f", "mul")]
    assert [tuple(e) for e in g.edges()] == [
        ("x", "q", 0), ("y", "q", 1), ("q", "f", 0), ("z", "f", 1)]
    assert g.output == "f"


def test_neuron_example():
    parsed, ev = run(NEURON)
    expected = {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "w2": 0.1966}
    for name, grad in expected.items():
        assert ev.grad(name) == pytest.approx(grad, abs=5e-5), name
    assert ev.value("f") == pytest.approx(1 / (1 + math.exp(-1)))
    assert parsed.graph.node("f").op == "sigmoid"


# --------------------------------------------------------------------- grammar

def test_number_list_and_negative_number_make_inputs():
    parsed, ev = run("a = 3\nb = -2.5\nm = [[1, -2], [3, 4]]\nf = a")
    g = parsed.graph
    assert g.node("a").op == "input" and g.node("a").value == 3.0
    assert g.node("b").op == "input" and g.node("b").value == -2.5
    assert g.node("m").op == "input"
    np.testing.assert_array_equal(g.node("m").value, [[1.0, -2.0], [3.0, 4.0]])
    assert parsed.output == "a"


def test_expression_names_its_node():
    parsed, _ = run("x = 1\nh = tanh(x)")
    assert parsed.graph.node("h").op == "tanh"
    assert parsed.output == "h"


def test_alias_names_the_same_node():
    parsed, ev = run("x = 2\ny = x * x\nz = y")
    assert "z" not in parsed.graph
    assert parsed.output == "y"
    assert parsed.names["z"] == "y"
    assert ev.grad("x") == 4.0


def test_reassignment_gets_a_fresh_id_and_later_uses_see_it():
    parsed, ev = run("x = 1\nx = x * 3\nx = x + 1\nf = x * 2")
    g = parsed.graph
    assert g.node("x").op == "input"
    assert g.node("x_2").op == "mul"
    assert g.node("x_3").op == "add"
    assert g.source("x_3", 0) == "x_2" and g.source("x_2", 0) == "x"
    assert ev.value("f") == 8.0
    assert ev.grad("x") == 6.0
    assert parsed.names["x"] == "x_3"


def test_fresh_id_skips_names_of_the_program():
    parsed, _ = run("x = 1\nx = 2\nx_2 = 5\nf = x + x_2")
    g = parsed.graph
    assert g.node("x_2").value == 5.0
    assert g.node("x_3").value == 2.0
    assert g.source("f", 0) == "x_3"


def test_unset_names_are_inputs_listed_in_order_of_first_use():
    parsed, ev = run("f = b * a + b")
    assert parsed.unset == ["b", "a"]
    assert parsed.graph.node("a").op == "input" and parsed.graph.node("a").value == 0.0
    assert ev.error is None


def test_use_before_assignment_stays_unset():
    parsed, _ = run("y = x + 1\nx = 3\nf = x * y")
    assert parsed.unset == ["x"]
    assert parsed.graph.node("x_2").value == 3.0
    assert parsed.graph.source("f", 0) == "x_2"


def test_number_in_expression_is_const_and_negative_number_is_one_const():
    parsed, ev = run("x = 3\nf = 2 * x - -1.5")
    g = parsed.graph
    consts = {n.id: n.value for n in g.nodes() if n.op == "const"}
    assert consts == {"c1": 2.0, "c2": -1.5}
    assert not any(n.op == "neg" for n in g.nodes())
    assert ev.value("f") == 7.5
    assert ev.grad("c1") == 3.0


def test_unary_minus_of_expression_is_neg():
    parsed, ev = run("x = 3\nf = -x")
    assert parsed.graph.node("f").op == "neg"
    assert ev.grad("x") == -1.0


def test_minus_binds_looser_than_power():
    _, ev = run("f = -2 ** 2")
    assert ev.value("f") == -4.0
    _, ev = run("f = (-2) ** 2")
    assert ev.value("f") == 4.0


def test_const_ids_never_clash_with_names():
    parsed, _ = run("c1 = 5\nc2 = 1\nadd1 = c1 + 7\nf = add1 + 2 + c2")
    ids = {n.id: n.op for n in parsed.graph.nodes()}
    assert ids["c1"] == "input" and ids["c2"] == "input" and ids["add1"] == "add"
    assert ids["c3"] == "const" and ids["c4"] == "const"
    assert ids["add2"] == "add"


def test_generated_ids_per_op():
    parsed, _ = run("x = 1\nf = x * x * x + x")
    ops_by_id = {n.id: n.op for n in parsed.graph.nodes()}
    assert ops_by_id["mul1"] == "mul" and ops_by_id["mul2"] == "mul"
    assert ops_by_id["f"] == "add"


def test_expression_statement_is_the_output_with_a_generated_id():
    parsed, ev = run("x = 4\nsqrt(x) + 1")
    assert parsed.output == "add1"
    assert ev.value("add1") == 3.0
    parsed, _ = run("x = 4\nx")
    assert parsed.output == "x"


def test_every_infix_operator():
    for symbol, name in ops.INFIX.items():
        if name == "matmul":
            continue
        parsed, _ = run(f"a = 3\nb = 2\nf = a {symbol} b")
        assert parsed.graph.node("f").op == name


def test_matmul_and_lists_in_expressions():
    parsed, ev = run("w = [[1, 2], [3, 4]]\nf = sum(w @ [1, -1])")
    assert parsed.graph.node("c1").op == "const"
    assert ev.value("f") == -2.0
    np.testing.assert_array_equal(ev.grad("w"), [[1.0, -1.0], [1.0, -1.0]])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_op_is_a_function(name):
    op = ops.OPS[name]
    args = ", ".join(["a", "b"][:op.arity])
    parsed = parse_program(f"a = 0.5\nb = 2\nf = {name}({args})")
    assert parsed.graph.node("f").op == name
    assert [parsed.graph.source("f", p) for p in range(op.arity)] == ["a", "b"][:op.arity]


def test_leaves_are_not_functions():
    for leaf in ("input", "const"):
        with pytest.raises(ProgramError, match="unknown function"):
            parse_program(f"f = {leaf}(1)")


def test_functions_of_the_spec():
    _, ev = run("a = 3; b = 5\nf = max(a, b) + min(a, b) + pow(a, 2) + mse(a, b)")
    assert ev.value("f") == 5 + 3 + 9 + 4
    assert ev.grad("a") == pytest.approx(0 + 1 + 6 + 2 * (3 - 5))


def test_axis_keyword():
    parsed, ev = run("m = [[1, 2], [3, 4]]\ns = sum(m, axis=0)\nf = mean(s, axis=-1)")
    assert parsed.graph.node("s").attrs == {"axis": 0}
    assert parsed.graph.node("f").attrs == {"axis": -1}
    assert ev.value("f") == 5.0


def test_statements_separated_by_newlines_and_semicolons_with_comments():
    parsed, ev = run("# a comment\nx = 1;  y = 2 # two\n\n\nf = x + y;")
    assert ev.value("f") == 3.0


def test_unicode_names():
    parsed, ev = run("α = 2\nβ = α * α")
    assert ev.grad("α") == 4.0


def test_layout_by_generations():
    parsed, _ = run(SEED)
    g = parsed.graph
    assert g.node("x").pos == (0.0, 0.0)
    assert g.node("y").pos == (0.0, 110.0)
    assert g.node("z").pos == (0.0, 220.0)
    assert g.node("q").pos == (220.0, 0.0)
    assert g.node("f").pos == (440.0, 0.0)
    parsed, _ = run(NEURON)
    for node in parsed.graph.nodes():
        assert node.pos is not None
        if node.op in ("input", "const"):
            assert node.pos[0] == 0.0


def test_constants_sit_in_generation_zero():
    parsed, _ = run("x = 1\nf = exp(exp(x)) * 2")
    assert parsed.graph.node("c1").pos[0] == 0.0
    assert parsed.graph.node("f").pos[0] == 3 * 220.0


# -------------------------------------------------------------------- refusals

REFUSED = [
    # (program, line, column, a word of the message)
    ("x = (1", 1, 5, "never closed"),
    ("x = 1 +", 1, 8, "syntax"),
    ("x = 1\n  y = 2", 2, None, "indent"),
    ("", 1, 1, "the program is empty"),
    ("  \n# only a comment\n", 1, 1, "the program is empty"),
    ("x = a.b", 1, 6, "attribute"),
    ("x = 1\ny = x.real + 2", 2, 6, "attribute"),
    ("x = sigmod(1)", 1, 5, "did you mean sigmoid"),
    ("x = 1\nf = foo(x)", 2, 5, "unknown function foo"),
    ("x = sum(a, keepdims=1)", 1, 12, "keyword"),
    ("x = exp(a, axis=0)", 1, 12, "axis"),
    ("x = sum(a, axis=b)", 1, 17, "axis"),
    ("x = sum(a, 1)", 1, 5, "axis="),
    ("x = max(a)", 1, 5, "max takes 2 arguments"),
    ("x = sigmoid(a, b)", 1, 5, "sigmoid takes 1 argument"),
    ("import os", 1, 1, "import"),
    ("from os import path", 1, 1, "import"),
    ("f = lambda: 1", 1, 5, "lambda"),
    ("f = [i for i in a]", 1, 5, "comprehension"),
    ("f = sum(i for i in a)", 1, 8, "comprehension"),
    ("f = 'a'", 1, 5, "string"),
    ("f = True", 1, 5, "boolean"),
    ("f = None", 1, 5, "None"),
    ("f = 2j", 1, 5, "complex"),
    ("x = 1\nf = x[None]", 2, 7, "subscript"),
    ("f = a < b", 1, 5, "comparison"),
    ("f = a and b", 1, 5, "and / or"),
    ("f = not a", 1, 5, "not"),
    ("if a:\n    f = 1", 1, 1, "if"),
    ("for i in a:\n    f = 1", 1, 1, "loop"),
    ("while a:\n    f = 1", 1, 1, "loop"),
    ("def g(x):\n    return x", 1, 1, "def"),
    ("class A:\n    pass", 1, 1, "class"),
    ("x = 1\nx //= 1", 2, 1, "augmented"),
    ("a, b = 1, 2", 1, 1, "one name"),
    ("a = b = 1", 1, 5, "one assignment"),
    ("f = [*a]", 1, 6, "a list may hold only numbers"),
    ("f = max(*a)", 1, 9, "starred"),
    ("f = (a := 1)", 1, 6, "walrus"),
    ("f = f'{a}'", 1, 5, "f-string"),
    ("f = +a", 1, 5, "unary +"),
    ("f = ~a", 1, 5, "~"),
    ("x = 1\nf = x // 2", 2, 7, "the operators are + - * / ** @"),
    ("f = a  %  b", 1, 8, "%"),
    ("f = [[1, 2], [3]]", 1, 5, "ragged"),
    ("f = [1, [2]]", 1, 5, "ragged"),
    ("x = [1, a]", 1, 9, "only numbers"),
    ("x = [1, 'a']", 1, 9, "only numbers"),
    ("x = [1, True]", 1, 9, "only numbers"),
    ("x = []", 1, 5, "empty"),
    ("f = (1, 2)", 1, 5, "tuple"),
    ("f = {1: 2}", 1, 5, "dictionar"),
    ("x = 1e400", 1, 5, "too large"),
    ("x.y = 1", 1, 1, "name"),
    ("x = sigmoid", 1, 5, "call it"),
    ("α = 1\nβ = α.real", 2, 6, "attribute"),
    ("x = 1\0", 1, 6, "null"),
    ("x = y if z else w", 1, 5, "conditional"),
    ("del x", 1, 1, "del"),
    ("assert x", 1, 1, "assert"),
    ("x: float = 1", 1, 1, "annotated"),
]


@pytest.mark.parametrize("text,line,col,words", REFUSED,
                         ids=[repr(r[0])[:30] for r in REFUSED])
def test_refusals_name_line_and_column(text, line, col, words):
    with pytest.raises(ProgramError) as info:
        parse_program(text)
    err = info.value
    assert err.line == line
    if col is not None:
        assert err.col == col
    assert words.lower() in err.reason.lower()
    assert str(err).startswith(f"line {line}, column {err.col}: ")


def test_unknown_function_without_close_match_lists_the_functions():
    with pytest.raises(ProgramError) as info:
        parse_program("f = open('x', 'w')")
    assert "sigmoid" in info.value.reason and "mse" in info.value.reason


def test_long_names_are_refused():
    with pytest.raises(ProgramError, match="longer than"):
        parse_program("a" * 70 + " = 1")


def test_reassigning_a_long_name_keeps_ids_short():
    name = "a" * 64
    parsed, _ = run(f"{name} = 1\n{name} = {name} + 1")
    assert all(len(n.id) <= 64 for n in parsed.graph.nodes())


def test_deep_nesting_is_a_program_error():
    with pytest.raises(ProgramError):
        parse_program("f = " + "(" * 500 + "1" + ")" * 500)
    with pytest.raises(ProgramError):
        parse_program("f = " + "+".join(["x"] * 20000))
    with pytest.raises(ProgramError):
        parse_program("f = " + "[" * 300 + "1" + "]" * 300)


ATTACKS = [
    "__import__('os').system('touch {p}')",
    "open('{p}', 'w')",
    "f = open('{p}', 'w')",
    "exec(\"open('{p}', 'w')\")",
    "eval(\"open('{p}', 'w')\")",
    "().__class__.__bases__[0].__subclasses__()",
    "import os; os.system('touch {p}')",
    "x = 1\nf = [open('{p}', 'w') for i in x]",
    "f = lambda: open('{p}', 'w')",
    "compile('open(\"{p}\", \"w\")', 'x', 'exec')",
    "@open\ndef g(): pass",
    "x = 1; y = exec('open(\"{p}\", \"w\")') + x",
]


@pytest.mark.parametrize("template", ATTACKS)
def test_programs_that_try_to_run_code_are_refused_and_create_nothing(template, tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "pwned"
    with pytest.raises(ProgramError):
        parse_program(template.format(p=target))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ properties

@given(st.text(max_size=60))
def test_random_text_raises_nothing_but_program_error(text):
    try:
        parsed = parse_program(text)
    except ProgramError as err:
        assert err.line is None or err.line >= 1
        assert err.col is None or err.col >= 1
        return
    assert parsed.output in parsed.graph


PIECES = ["x", "y", "f", " = ", "1", "2.5", "-", "+", "*", "/", "**", "@", "(", ")", "[", "]",
          ",", ";", "\n", "sigmoid", "sum", "max", "axis=", "0", ".", "e", "'", "#", " "]


@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_random_program_like_text_parses_or_refuses_into_a_whole_graph(text):
    try:
        parsed = parse_program(text)
    except ProgramError:
        return
    g = parsed.graph
    assert g.output == parsed.output
    assert all(not g.missing_ports(n) for n in g.node_ids())
    assert all(g.node(n).pos is not None for n in g.node_ids())
    assert set(parsed.unset) <= {n.id for n in g.nodes() if n.op == "input"}


# Expression trees rendered by ast.unparse (minimal parentheses, Python's precedence)
# and computed with Python's own float arithmetic.

def _real_pow(a, b):
    r = a ** b                  # a negative base to a fractional power is complex in Python
    return math.nan if isinstance(r, complex) else r


_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: _real_pow}
def _nan_or(f):
    # torch.maximum / torch.minimum propagate nan; Python's max and min do not.
    return lambda a, b: math.nan if math.isnan(a) or math.isnan(b) else f(a, b)


_FUN = {"exp": math.exp, "tanh": math.tanh, "sin": math.sin, "square": lambda v: v * v,
        "abs": abs, "max": _nan_or(max), "min": _nan_or(min)}
VARS = {"a": 1.5, "b": -0.75, "c": 3.0}

leaf = st.one_of(
    st.sampled_from(sorted(VARS)).map(lambda n: ast.Name(n, ast.Load())),
    st.floats(min_value=0, max_value=100, allow_nan=False).map(ast.Constant),
    st.integers(min_value=0, max_value=9).map(ast.Constant),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(sorted(_BIN, key=lambda t: t.__name__)), children, children)
        .map(lambda t: ast.BinOp(t[1], t[0](), t[2])),
        children.map(lambda c: ast.UnaryOp(ast.USub(), c)),
        st.tuples(st.sampled_from(["exp", "tanh", "sin", "square", "abs"]), children)
        .map(lambda t: ast.Call(ast.Name(t[0], ast.Load()), [t[1]], [])),
        st.tuples(st.sampled_from(["max", "min"]), children, children)
        .map(lambda t: ast.Call(ast.Name(t[0], ast.Load()), [t[1], t[2]], [])),
    )


trees = st.recursive(leaf, _extend, max_leaves=12)


def _reference(node):
    if isinstance(node, ast.Name):
        return VARS[node.id]
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp):
        return -_reference(node.operand)
    if isinstance(node, ast.BinOp):
        return _BIN[type(node.op)](_reference(node.left), _reference(node.right))
    return _FUN[node.func.id](*[_reference(a) for a in node.args])


@settings(max_examples=200)
@given(trees)
def test_expression_trees_evaluate_like_python_floats(tree):
    text = ast.unparse(tree)
    try:
        expected = _reference(tree)
    except (ArithmeticError, ValueError):
        expected = None
    assume(isinstance(expected, float) and math.isfinite(expected))
    program = "\n".join(f"{n} = {v}" for n, v in VARS.items()) + f"\nresult = {text}"
    parsed, ev = run(program)
    assert parsed.output == "result" or parsed.names["result"] == parsed.output
    got = ev.value(parsed.output)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), text


def test_errors_are_chainrule_errors():
    assert issubclass(ProgramError, ChainruleError)
