"""``chainrule grade`` (cli.md): every verdict code on planted mistakes, on scalars and
on arrays, their precedence, --json, --gradescope, the exit statuses, and the answer
never being run."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli_support import registry, strict_json  # noqa: F401  (registry: an autouse fixture)
from grade_cases import FORK, MLP, MLP_RIGHT, NEURON, NEURON_RIGHT, PLANTED
from chainrule.core.cli import main
from chainrule.core.grading import CODES, PRECEDENCE, grade
from chainrule.core.program import parse_program


def graded(program: str, answer: str, **kw):
    parsed = parse_program(program)
    return grade(parsed.graph, answer, **kw)


def verdict(program: str, answer: str, name: str, **kw):
    return next(v for v in graded(program, answer, **kw).claims if v.name == name)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("program,answer,name,code", PLANTED,
                         ids=[f"{c}-{k}" for k, (_, _, _, c) in enumerate(PLANTED)])
def test_planted_mistake_gets_its_code(program, answer, name, code):
    v = verdict(program, answer, name)
    assert v.code == code, v.message
    assert "\n" not in v.message
    assert v.message.startswith(name) or (code == "missing" and v.node in v.message)


def test_every_code_is_planted_on_scalars_and_on_arrays():
    by_code: dict[str, list[bool]] = {}
    for program, _, _, code in PLANTED:
        by_code.setdefault(code, []).append("[" in program)
    for code in CODES:
        kinds = by_code.get(code, [])
        assert len(kinds) >= 2 and True in kinds and False in kinds, code


def test_the_codes_and_their_order_are_the_contract():
    assert PRECEDENCE == ("error", "shape", "sign", "missing_upstream", "overwrite",
                          "missing_path", "value_for_gradient")


def test_precedence_the_first_code_that_explains_it_wins():
    # the claimed node's own wires: x feeds three; two given is missing_path, one is
    # overwrite (it comes first)
    assert verdict(FORK, "grad_x = y + z", "grad_x").code == "missing_path"
    assert verdict(FORK, "grad_x = y", "grad_x").code == "overwrite"
    # z feeds one wire: using h's value where ∂L/∂h belongs is value_for_gradient, though
    # it also equals dropping a path at the fork h below (said, not the code)
    assert verdict(MLP, "grad_z = h * (1 - h ** 2)", "grad_z").code == "value_for_gradient"
    # a number of the wrong shape that is also the negative: shape first
    assert verdict("x = 2; y = 3\nf = x * y", "grad_x = [-3, -3]", "grad_x").code == "shape"
    # unknown name in a claim that would otherwise be fine: error first
    assert verdict("x = 2; y = 3\nf = x * y", "grad_x = y + 0 * nope", "grad_x").code == "error"


def test_the_neuron_of_the_spec():
    report = graded(NEURON, "grad_product = (1 - activation) * activation\n"
                            "grad_x0 = w0 * activation\ngrad_w2 = 1 * activation")
    codes = {v.name: v.code for v in report.claims}
    assert codes == {"grad_product": "ok", "grad_x0": "value_for_gradient",
                     "grad_w2": "value_for_gradient", "grad_w0": "missing",
                     "grad_x1": "missing", "grad_w1": "missing"}
    x0 = next(v for v in report.claims if v.name == "grad_x0")
    assert "activation (value 0.7311)" in x0.message and "∂activation/∂product (0.1966)" \
        in x0.message
    assert report.score == 1 and report.max_score == 6 and not report.ok


def test_a_right_answer_in_every_spelling():
    for spelling in ("grad_{}", "d_{}", "d{}"):
        answer = "\n".join(line.replace("grad_", "%%") for line in NEURON_RIGHT.splitlines())
        answer = answer.replace("%%product", spelling.format("product"))
        for n in ("w0", "x0", "w1", "x1", "w2"):
            answer = answer.replace(f"%%{n}", spelling.format(n))
        report = graded(NEURON, answer)
        assert report.ok and report.score == report.max_score == 6, spelling


def test_a_relu_mask_written_as_a_comparison():
    program = "x = [1.0, -2.0, 3.0]; w = [0.5, 0.5, -1.0]\nh = relu(x * w)\nL = sum(h)"
    report = graded(program, "grad_h = x * 0 + 1\ngrad_x = grad_h * (x * w > 0) * w\n"
                             "grad_w = grad_h * (x * w > 0) * x", require="inputs")
    assert [v.code for v in report.claims] == ["ok", "ok", "ok"]


def test_a_path_dropped_below_the_claimed_node_is_wrong_and_says_where():
    v = verdict(MLP, "grad_z = (2 * h) * (1 - h ** 2)", "grad_z")
    assert v.code == "wrong" and "h → sum" in v.message and "the fork h below z" in v.message


def test_missing_path_names_the_missing_wire():
    v = verdict(FORK, "grad_x = y + z", "grad_x")
    assert "x → mul3" in v.message and "1.5" in v.message


def test_require_all_and_a_list():
    report = graded(NEURON, NEURON_RIGHT, require="all")
    missing = {v.node for v in report.claims if v.code == "missing"}
    assert "activation" not in missing and "mul1" in missing
    report = graded(NEURON, "grad_x0 = w0 * (1 - activation) * activation", require="x0,w1")
    assert [(v.node, v.code) for v in report.claims] == [("x0", "ok"), ("w1", "missing")]
    assert report.max_score == 2


def test_tolerance_and_trials():
    assert verdict("x = 2\nf = x * x", "grad_x = 2.00001 * x", "grad_x").code == "wrong"
    assert verdict("x = 2\nf = x * x", "grad_x = 2.00001 * x", "grad_x",
                   tolerance=1e-4).code == "ok"
    assert verdict("x = 2\nf = x * x", "grad_x = 4", "grad_x", trials=0).code == "ok"


def test_draws_are_reproducible():
    a = verdict(NEURON, "grad_w1 = -0.39322386648296376", "grad_w1", seed=3).message
    b = verdict(NEURON, "grad_w1 = -0.39322386648296376", "grad_w1", seed=3).message
    c = verdict(NEURON, "grad_w1 = -0.39322386648296376", "grad_w1", seed=4).message
    assert a == b != c


# -------------------------------------------------------------------- the command

def test_cli_json(capsys):
    code, out, err = run_cli(capsys, "grade", "--expr", NEURON, "--answer-expr",
                             "grad_x0 = w0 * activation", "--json")
    assert code == 1 and err == ""
    data = strict_json(out)
    assert set(data) == {"ok", "score", "max_score", "claims"}
    assert data["ok"] is False and data["score"] == 0 and data["max_score"] == 5
    first = data["claims"][0]
    assert set(first) == {"name", "node", "line", "code", "message", "expected", "got"}
    assert (first["name"], first["node"], first["line"], first["code"]) == \
        ("grad_x0", "x0", 1, "value_for_gradient")
    assert first["expected"] == pytest.approx(0.39322386648296376)
    assert [c["code"] for c in data["claims"][1:]] == ["missing"] * 4
    assert all(c["line"] is None and c["got"] is None for c in data["claims"][1:])


def test_cli_arrays_as_nested_lists_and_exit_zero(capsys, tmp_path):
    answer = tmp_path / "answer.py"
    answer.write_text(MLP_RIGHT)
    code, out, _ = run_cli(capsys, "grade", "--expr", MLP, str(answer), "--json",
                           "--require", "W,b,X")
    data = strict_json(out)
    assert code == 0 and data["ok"] and data["score"] == data["max_score"] == 5
    w = next(c for c in data["claims"] if c["name"] == "grad_W")
    assert len(w["got"]) == 3 and len(w["got"][0]) == 2


def test_cli_gradescope(capsys, tmp_path):
    out_file = tmp_path / "results.json"
    code, out, _ = run_cli(capsys, "grade", "--expr", NEURON, "--answer-expr",
                           NEURON_RIGHT.replace("grad_w2 = grad_product", "grad_w2 = 2"),
                           "--gradescope", str(out_file))
    assert code == 1 and "score 5/6" in out
    result = json.loads(out_file.read_text())
    assert result["score"] == 5 and result["max_score"] == 6
    assert len(result["tests"]) == 6
    for test in result["tests"]:
        assert {"name", "score", "max_score", "output"} <= set(test)
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert test["max_score"] == 1 and test["score"] in (0, 1)
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] == 1)
    assert sum(t["score"] for t in result["tests"]) == result["score"]
    w2 = next(t for t in result["tests"] if t["name"].startswith("grad_w2"))
    assert w2["output"].startswith("wrong: ")


def test_cli_graph_file_and_answer_on_stdin(tmp_path, monkeypatch, capsys):
    import io
    from chainrule import resources
    demo = resources.path("demos/03-add-mul.cgraph")
    monkeypatch.setattr(sys, "stdin", io.StringIO("grad_x = z\ngrad_y = z\ngrad_z = x + y\n"))
    code, out, _ = run_cli(capsys, "grade", str(demo), "-")
    assert code == 0 and "score 3/3" in out


@pytest.mark.parametrize("argv", [
    ["grade"],
    ["grade", "--expr", "x = 1\nf = x"],
    ["grade", "--expr", "x = 1\nf = x", "a", "b"],
    ["grade", "--expr", "x = 1\nf = x", "--answer-expr", "grad_x = 1", "--json",
     "--gradescope", "o.json"],
    ["grade", "--expr", "x = 1\nf = x", "--answer-expr", "grad_x = 1", "--trials", "-1"],
])
def test_cli_usage_errors_exit_2(capsys, argv):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize("answer,where", [("grad_x = (", "line 1"),
                                          ("def f(x):\n    return x", "def")])
def test_cli_an_unreadable_answer_is_one_line_exit_1(capsys, answer, where):
    code, out, err = run_cli(capsys, "grade", "--expr", "x = 1\nf = x * x",
                             "--answer-expr", answer)
    assert code == 1 and out == "" and err.count("\n") == 1 and where in err


def test_cli_unknown_required_node_is_one_line_exit_1(capsys):
    code, _, err = run_cli(capsys, "grade", "--expr", "x = 1\nf = x * x",
                           "--answer-expr", "grad_x = 2 * x", "--require", "x,nope")
    assert code == 1 and "nope" in err and err.count("\n") == 1


def test_the_answer_is_never_run(tmp_path, capsys):
    target = tmp_path / "pwned"
    attempts = [f"grad_x = __import__('os').system('touch {target}')",
                f"grad_x = open('{target}', 'w')",
                f"import os\nos.system('touch {target}')\ngrad_x = 2 * x",
                f"grad_x = exec(\"open('{target}', 'w')\")",
                f"print(open('{target}', 'w'))\ngrad_x = 2 * x"]
    for answer in attempts:
        run_cli(capsys, "grade", "--expr", "x = 1\nf = x * x", "--answer-expr", answer)
        assert not target.exists(), answer
    assert os.listdir(tmp_path) == []


def test_grade_as_a_process_loads_no_qt():
    code = ("import sys\nfrom chainrule.core.cli import main\n"
            "rc = main(['grade', '--expr', 'x = 2\\nf = x * x', '--answer-expr', "
            "'grad_x = 2 * x', '--json'])\n"
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'chainrule.gui'))]\n"
            "print(rc, bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("0 []")


def test_cli_grades_the_answer_the_file_keeps(tmp_path, capsys):
    from chainrule.core import fileformat as ff
    graph = parse_program(NEURON).graph
    graph.answer = NEURON_RIGHT
    ff.save(graph, tmp_path / "n.cgraph")
    code, out, _ = run_cli(capsys, "grade", str(tmp_path / "n.cgraph"))
    assert code == 0 and "score 6/6" in out
    graph.answer = ""
    ff.save(graph, tmp_path / "n.cgraph")
    code, _, err = run_cli(capsys, "grade", str(tmp_path / "n.cgraph"))
    assert code == 2 and "keeps none" in err


VECTOR_NEURON = ("w = [2, -3, -3]; x = [-1, -2]\n"
                 "product = w[0]*x[0] + w[1]*x[1] + w[2]; activation = sigmoid(product)")


def test_the_learners_own_question_written_with_lists():
    """The question this product started from: lists of expressions, activation where
    ∂f/∂product belongs."""
    report = graded(VECTOR_NEURON,
                    "grad_product = (1 - activation) * activation\n"
                    "grad_x = [w[0] * activation, w[1] * activation]\n"
                    "grad_w = [x[0] * activation, x[1] * activation, 1 * activation]")
    assert [(v.name, v.code) for v in report.claims] == [
        ("grad_product", "ok"), ("grad_x", "value_for_gradient"),
        ("grad_w", "value_for_gradient")]
    fixed = graded(VECTOR_NEURON,
                   "grad_product = (1 - activation) * activation\n"
                   "grad_x = [w[0] * grad_product, w[1] * grad_product]\n"
                   "grad_w = [x[0] * grad_product, x[1] * grad_product, grad_product]")
    assert fixed.ok and fixed.score == 3


def test_comparisons_and_lists_of_expressions_stay_refused_in_programs():
    from chainrule.core.errors import ProgramError
    for text in ("x = 1\nf = x * (x > 0)", "x = 1\nf = [x, x]"):
        with pytest.raises(ProgramError):
            parse_program(text)


def _demo_report(name):
    from chainrule import resources
    from chainrule.core import fileformat as ff
    graph = ff.load(resources.path(f"demos/{name}"))
    return graph, grade(graph, graph.answer)


def test_demo_18_the_learners_neuron_five_values_for_gradients():
    graph, report = _demo_report("18-your-backward-pass.cgraph")
    codes = [(v.name, v.code) for v in report.claims]
    assert codes[0] == ("grad_product", "ok")
    assert [c for _, c in codes[1:]] == ["value_for_gradient"] * 5
    assert all("write grad_product where you wrote activation" in v.message
               for v in report.claims[1:])
    lines = graph.answer.splitlines()
    fixed = "\n".join(lines[:2] + [x.replace("activation", "grad_product") for x in lines[2:]])
    assert grade(graph, fixed).ok


def test_demo_19_a_missing_path_at_x2():
    graph, report = _demo_report("19-missing-path.cgraph")
    wrong = [v for v in report.claims if not v.ok]
    assert [(v.name, v.code) for v in wrong] == [("grad_x2", "missing_path")]
    assert "x2 → a32" in wrong[0].message
    assert grade(graph, graph.answer.replace(
        "grad_x2 = w12 * grad_z1 + w22 * grad_z2",
        "grad_x2 = w12 * grad_z1 + w22 * grad_z2 + w32 * grad_z3")).ok


def test_demo_20_the_bias_not_summed():
    graph, report = _demo_report("20-bias-not-summed.cgraph")
    wrong = [v for v in report.claims if not v.ok]
    assert [(v.name, v.code) for v in wrong] == [("grad_b1", "shape")]
    assert "summing over the batch axis" in wrong[0].message
    assert grade(graph, graph.answer.replace("grad_b1 = grad_z1 ",
                                             "grad_b1 = sum(grad_z1, axis=0) ")).ok


def test_a_name_used_in_its_own_first_assignment():
    parsed = parse_program("a = 1\nf = a * f")
    assert parsed.unset == ["f"] and parsed.names["f"] == "f_2"
    assert verdict("x = 2\nf = x * x", "grad_x = 2 * grad_x", "grad_x").code == "error"


# ------------------------------------------------------------------ properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ANSWER_JUNK = ["grad_", "d", "x", "y", "f", "q", " = ", "+", "-", "*", "/", "**", "@", "(", ")",
               "[", "]", ",", "\n", ";", ">", "<=", "0", "1", "2.5", "sum(", "axis=0", "exp(",
               ".T", "[0]", "import os", "print(", "'s'", "lambda", "#"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(ANSWER_JUNK), max_size=25).map("".join))
def test_any_answer_text_is_a_report_or_a_program_error(text):
    from chainrule.core.errors import ProgramError
    try:
        report = graded("x = -2; y = 5; z = -4\nq = x + y\nf = q * z", text, trials=2)
    except ProgramError as err:
        assert err.line is not None and err.col is not None
        return
    for v in report.claims:
        assert v.code in CODES and v.message and "\n" not in v.message


PROGRAMS = st.sampled_from([
    "a = 1.5; b = -0.7\nf = tanh(a * b) + a",
    "a = 0.3; b = 2.0\nf = exp(a) * b - sigmoid(b * a)",
    "a = [0.5, -1.0]; b = [2.0, 0.25]\nf = sum(a * b * a)",
    "a = [[1.0, 2.0], [0.5, -1.0]]; b = [[0.3], [0.7]]\nf = sum(tanh(a @ b))",
])


@settings(max_examples=20, deadline=None)
@given(PROGRAMS, st.integers(0, 3))
def test_the_true_gradient_typed_in_is_ok_at_the_graphs_values_and_its_negative_a_sign(
        program, seed):
    import numpy as np
    from chainrule.core.engine import evaluate
    parsed = parse_program(program)
    ev = evaluate(parsed.graph)
    lines = [f"grad_{n} = {np.asarray(ev.grad(n)).tolist()!r}" for n in ("a", "b")]
    report = graded(program, "\n".join(lines), trials=0, seed=seed)
    assert report.ok and report.score == 2
    negative = [f"grad_{n} = {(-np.asarray(ev.grad(n))).tolist()!r}" for n in ("a", "b")]
    codes = {v.code for v in graded(program, "\n".join(negative), trials=0).claims}
    assert codes == {"sign"}
    # with draws, a typed-in number does not follow the inputs
    codes = {v.code for v in graded(program, "\n".join(lines), trials=3, seed=seed).claims}
    assert codes <= {"coincidence", "ok"} and "coincidence" in codes


def test_a_line_the_language_refuses_is_that_claims_error_and_the_rest_is_graded(capsys):
    report = graded("x = 2; y = 3\nf = x * y",
                    "grad_x = y ^ 1\ngrad_y = x\ngrad_q = grad_x * 2")
    codes = {v.name: v.code for v in report.claims}
    assert codes == {"grad_x": "error", "grad_y": "ok"}
    gx = next(v for v in report.claims if v.name == "grad_x")
    assert "line 1, column" in gx.message and "use ** for a power" in gx.message
    report = graded("x = 2; y = 3\nf = x * y", "g = y.dot(1); grad_x = y\ngrad_y = g * 0 + x")
    codes = {v.name: v.code for v in report.claims}
    assert codes == {"grad_x": "ok", "grad_y": "error"}
    gy = next(v for v in report.claims if v.name == "grad_y")
    assert "g could not be read (line 1" in gy.message
    code, out, _ = run_cli(capsys, "grade", "--expr", "x = 2; y = 3\nf = x * y",
                           "--answer-expr", "grad_x = y ^ 1\ngrad_y = x")
    assert code == 1 and "use ** for a power" in out
