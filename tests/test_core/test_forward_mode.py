"""Forward mode: the tangents of a whole graph, and ``chainrule eval --tangent``.

The identity that ties the two modes together: for a scalar output, the
output's tangent along any seeds equals Σ grad · tangent over the seeded
leaves (hypothesis, on random graphs of scalars and of arrays).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from cli_support import registry, strict_json  # noqa: F401  (the fixture)
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import random_graphs

from chainrule.core import forward_mode
from chainrule.core.cli import main
from chainrule.core.engine import evaluate
from chainrule.core.program import parse_program


def _seeds(g, data):
    seeds = {}
    for node in g.nodes():
        if node.spec.is_leaf and data.draw(st.booleans()):
            shape = np.shape(node.value)
            seeds[node.id] = data.draw(st.floats(-2, 2)) if not shape else \
                np.array(data.draw(st.lists(st.floats(-2, 2), min_size=int(np.prod(shape)),
                                            max_size=int(np.prod(shape))))).reshape(shape)
    return seeds


@pytest.mark.parametrize("arrays", [False, True], ids=["scalars", "arrays"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_output_tangent_is_the_sum_of_grad_times_tangent(arrays, data):
    g = data.draw(random_graphs(arrays=arrays))
    ev = evaluate(g)
    seeds = _seeds(g, data)
    forward_mode.tangents(ev, seeds)
    out = forward_mode.tangent(ev, g.effective_output())
    # the engine seeds the output with ones: the identity is for Σ of the output
    expected = sum(float(np.sum(np.asarray(ev.grad(k)) * np.asarray(t)))
                   for k, t in seeds.items() if ev.grad(k) is not None)
    assert np.isclose(float(np.sum(out)), expected, rtol=1e-9, atol=1e-9)


def test_unseeded_leaves_have_tangent_zero_of_their_shape():
    ev = evaluate(parse_program("x = [1, 2]; y = 3; f = sum(x * y)").graph)
    forward_mode.tangents(ev, {"y": 1.0})
    np.testing.assert_array_equal(forward_mode.tangent(ev, "x"), [0.0, 0.0])
    assert forward_mode.tangent(ev, "f") == 3.0


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


PROGRAM = "x = 2; y = 3; z = -4; s = x + y; f = s * z"


def test_eval_tangent_json_has_a_tangent_beside_value_and_grad(capsys):
    code, out, err = run(capsys, "eval", "--expr", PROGRAM, "--tangent", "x=1",
                         "--tangent", "z=0.5", "--json")
    assert code == 0, err
    data = strict_json(out)
    tangents = {k: v["tangent"] for k, v in data["nodes"].items()}
    assert tangents == {"x": 1.0, "y": 0.0, "z": 0.5, "s": 1.0, "f": -4.0 + 2.5}
    assert set(data["nodes"]["f"]) == {"op", "value", "grad", "tangent"}
    # one call, both modes: Σ grad · tangent over the seeds
    assert data["nodes"]["x"]["grad"] * 1 + data["nodes"]["z"]["grad"] * 0.5 == tangents["f"]


def test_eval_without_tangent_has_no_tangent_key(capsys):
    code, out, _ = run(capsys, "eval", "--expr", PROGRAM, "--json")
    assert "tangent" not in json.loads(out)["nodes"]["f"]


def test_eval_tangent_table_gains_a_column(capsys):
    code, out, _ = run(capsys, "eval", "--expr", PROGRAM, "--tangent", "y=2")
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("node"))
    assert header.split() == ["node", "op", "value", "gradient", "tangent"]
    row = next(line for line in lines if line.startswith("f "))
    assert row.split()[-1] == "-8"


def test_eval_tangent_on_an_array_input(capsys):
    code, out, _ = run(capsys, "eval", "--expr", "w = [1, 2]; x = [3, -1]; f = sum(w * x)",
                       "--tangent", "w=[1, 0]", "--tangent", "x=2", "--json")
    nodes = strict_json(out)["nodes"]
    assert nodes["w"]["tangent"] == [1.0, 0.0] and nodes["x"]["tangent"] == [2.0, 2.0]
    assert nodes["f"]["tangent"] == 3.0 + 2 * (1 + 2)


def test_max_tie_sends_half_of_each_tangent_through_the_cli(capsys):
    code, out, _ = run(capsys, "eval", "--expr", "a = 1; b = 1; f = max(a, b)",
                       "--tangent", "a=1", "--json")
    assert strict_json(out)["nodes"]["f"]["tangent"] == 0.5


@pytest.mark.parametrize("args,words", [
    (["--tangent", "f=1"], ['"f" is a mul node', "only input and const"]),
    (["--tangent", "q=1"], ['there is no node "q"']),
    (["--tangent", "x=[1, 2]"], ['tangent of "x" must have its shape scalar, not (2)']),
    (["--tangent", "x=abc"], ["--tangent x=abc"]),
])
def test_bad_tangents_are_one_sentence(capsys, args, words):
    code, out, err = run(capsys, "eval", "--expr", PROGRAM, *args)
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err


def test_tangent_without_equals_is_a_usage_error(capsys):
    code, _, err = run(capsys, "eval", "--expr", PROGRAM, "--tangent", "x")
    assert code == 2 and "write --tangent ID=VALUE" in err


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=30))
def test_any_tangent_value_is_a_result_or_one_sentence(text):
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["eval", "--expr", "x = [1, 2]; f = sum(x * x)", "--tangent", f"x={text}",
                     "--json"])
    assert code in (0, 1)
    if code == 1:
        assert len(err.getvalue().splitlines()) == 1 and "Traceback" not in err.getvalue()
    else:
        assert len(strict_json(out.getvalue())["nodes"]["x"]["tangent"]) == 2


def test_reverse_mode_view_is_the_sum_of_grad_times_tangent():
    ev = evaluate(parse_program(PROGRAM).graph)
    seeds = {"x": 1.0, "z": 0.5}
    forward_mode.tangents(ev, seeds)
    assert forward_mode.reverse_mode_view(ev, seeds) == forward_mode.tangent(ev, "f") == -1.5
