"""Adding an op touches the op table and its tests, nothing else.

A throwaway op with settings of every common kind is registered for a test
and unregistered after it (:func:`chainrule.core.ops.register`); with no other code
change the program parser, the file reader, the writer, the graph's checks,
the engine and the exported script all handle it, settings included.  And
every op of the table must have a PyTorch reference in
``test_torch_reference.py``: a missing one is a failure, not a skip.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import pathlib

import numpy as np
import pytest

from chainrule.core import ops
from chainrule.core.cli import eval_json
from chainrule.core.engine import evaluate
from chainrule.core.errors import FileFormatError, GraphError, ProgramError
from chainrule.core.export_python import export_python
from chainrule.core.fileformat import dumps, loads
from chainrule.core.graph import Graph
from chainrule.core.program import parse_program


def _sign(negate):
    return -1.0 if negate else 1.0


def _affine(x, times=2, offset=0.0, negate=False, mode="plain", scale=None):
    y = (x * times + offset) * _sign(negate)
    return y * y if mode == "squared" else y


def _affine_vjp(g, out, x, times=2, offset=0.0, negate=False, mode="plain", scale=None):
    inner = (x * times + offset) * _sign(negate)
    local = times * _sign(negate) * (2 * inner if mode == "squared" else 1.0)
    return g * local


def _np_affine(x, **kw):
    return ops.as_value(_affine(np.asarray(x, dtype=np.float64), **kw))


def _np_affine_vjp(g, out, x, **kw):
    return ops.as_value(_affine_vjp(np.asarray(g, dtype=np.float64), out,
                                    np.asarray(x, dtype=np.float64), **kw))


_CODE = "(({x} * {times} + {offset}) * (-1.0 if {negate} else 1.0))"

AFFINE = ops.Op(
    "affine", ("x",), "functions", "ax+b", "(times · x + offset)", ("times",),
    "affine scales the upstream gradient by times (and flips it when negated).",
    scalar=_affine, scalar_vjp=_affine_vjp, array=_np_affine, array_vjp=_np_affine_vjp,
    settings=(ops.Setting("times", "int", 2, low=1, high=5),
              ops.Setting("offset", "float", 0.0, aliases=("bias",)),
              ops.Setting("negate", "bool", False),
              ops.Setting("mode", "choice", "plain", choices=("plain", "squared")),
              ops.Setting("scale", "float", low=0, above=True, none="no scaling")),
    export=ops.Template(
        f"_affine_fwd({_CODE}, {{mode}})",
        (f"{{g}} * {{times}} * (-1.0 if {{negate}} else 1.0) * _affine_local({_CODE}, {{mode}})",),
        {"_affine_fwd": '''
def _affine_fwd(y, mode):
    """The throwaway op of a test: y, or y squared."""
    return y * y if mode == "squared" else y
''', "_affine_local": '''
def _affine_local(y, mode):
    return 2 * y if mode == "squared" else 1.0
'''}),
)


@pytest.fixture
def affine():
    ops.register(AFFINE)
    try:
        yield AFFINE
    finally:
        ops.unregister("affine")
    assert "affine" not in ops.OPS


def run_script(text: str) -> dict:
    out = io.StringIO()
    with np.errstate(), contextlib.redirect_stdout(out):
        namespace = {"__name__": "exported"}
        exec(compile(text, "exported.py", "exec"), namespace)
        namespace["main"]()
    return json.loads(out.getvalue())


PROGRAM = "x = 1.5\nf = affine(x, times=3, bias=-0.5, negate=True, mode='squared')"


# ----------------------------------------------------------- the declaration

def test_a_setting_says_what_it_allows_in_one_sentence():
    times = AFFINE.setting("times")
    assert times.refusal("affine", 7) == "the times of affine must be an integer from 1 to 5, not 7"
    assert times.refusal("affine", 2.0) == \
        "the times of affine must be an integer from 1 to 5, not 2.0"
    assert times.refusal("affine", True) is not None and times.refusal("affine", 3) is None
    scale = AFFINE.setting("scale")
    assert scale.refusal("affine", 0) == "the scale of affine must be a number greater than 0, not 0"
    assert scale.refusal("affine", float("nan")) is not None
    mode = AFFINE.setting("mode")
    assert mode.refusal("affine", "cubed") == \
        'the mode of affine must be one of "plain", "squared", not \'cubed\''
    assert ops.Setting("stride", "int", 1, low=1).refusal("conv2d", 0) == \
        "the stride of conv2d must be an integer of at least 1, not 0"
    assert ops.Setting("shape", "ints").refusal("reshape", [2, 1.5]) == \
        "the shape of reshape must be a list of integers, not [2, 1.5]"
    assert AFFINE.setting("bias") is AFFINE.setting("offset")       # an alias
    assert AFFINE.resolve({"times": 4, "offset": 1}) == \
        {"times": 4, "offset": 1.0, "negate": False, "mode": "plain", "scale": None}


def test_a_declaration_with_a_default_it_refuses_is_an_error():
    with pytest.raises(ValueError):
        ops.Setting("stride", "int", 0, low=1)
    with pytest.raises(ValueError):
        ops.Setting("mode", "choice", "a")
    with pytest.raises(ValueError):
        ops.Setting("x", "complex")


def test_registering_twice_or_in_an_unknown_group_is_refused(affine):
    with pytest.raises(ValueError):
        ops.register(affine)
    with pytest.raises(ValueError):
        ops.register(ops.Op("odd", ("x",), "nowhere", "?", "x", ("1",), "note"))


# ---------------------------------------------- every reader of the table

def test_the_program_parser_takes_the_settings(affine):
    parsed = parse_program(PROGRAM)
    assert parsed.graph.node("f").attrs == {"times": 3, "offset": -0.5, "negate": True,
                                           "mode": "squared"}
    ev = evaluate(parsed.graph)
    assert ev.value("f") == pytest.approx(((1.5 * 3 - 0.5) * -1) ** 2)
    assert ev.grad("x") == pytest.approx(2 * ((1.5 * 3 - 0.5) * -1) * 3 * -1)


@pytest.mark.parametrize("program,column,message", [
    ("f = affine(1, times=9)", 21, "the times of affine must be an integer from 1 to 5, not 9"),
    ("f = affine(1, times=1.5)", 15, "the keyword argument times= must be a small whole "
     "number, as in times=2"),
    ("f = affine(1, negate=1)", 15, "the keyword argument negate= must be True or False, "
     "as in negate=False"),
    ("f = affine(1, scale=0)", 21, "the scale of affine must be a number greater than 0, not 0"),
    ("f = affine(1, mode='cubed')", 20, "the mode of affine must be one of"),
    ("f = affine(1, size=2)", 15, "affine() takes no keyword argument size=: the settings of "
     "affine are mode=, negate=, offset=, scale=, times="),
    ("f = affine(1, times=2, times=3)", 24, "times= is given twice"),
    ("f = affine(1, 2)", 5, "got 2 arguments (give settings as keywords: mode=, negate=, "
     "offset=, scale=, times=)"),
])
def test_the_program_parser_refuses_what_the_declaration_refuses(affine, program, column,
                                                                 message):
    with pytest.raises(ProgramError) as info:
        parse_program(program)
    assert message in str(info.value) and f"column {column}:" in str(info.value), \
        str(info.value)


def test_the_reader_and_the_writer_keep_the_settings(affine):
    graph = parse_program(PROGRAM).graph
    text = dumps(graph)
    assert '"op": "affine", "attrs": {"times": 3, "offset": -0.5, "negate": true, ' \
           '"mode": "squared"}' in text
    again = loads(text)
    assert again.node("f").attrs == graph.node("f").attrs
    assert dumps(again) == text
    assert evaluate(again).grad("x") == evaluate(graph).grad("x")


@pytest.mark.parametrize("attrs,where,message", [
    ({"times": 0}, "attrs.times", "the times of affine must be an integer from 1 to 5, not 0"),
    ({"times": "2"}, "attrs.times", "must be an integer from 1 to 5"),
    ({"negate": 0}, "attrs.negate", "the negate of affine must be true or false, not 0"),
    ({"mode": "cubed"}, "attrs.mode", "the mode of affine must be one of"),
    ({"scale": -1}, "attrs.scale", "must be a number greater than 0"),
])
def test_the_reader_refuses_what_the_declaration_refuses(affine, attrs, where, message):
    doc = {"format": "chainrule", "version": 1, "output": "f",
           "nodes": [{"id": "x", "op": "input", "value": 1},
                     {"id": "f", "op": "affine", "attrs": attrs}],
           "edges": [{"from": "x", "to": "f", "port": 0}]}
    with pytest.raises(FileFormatError) as info:
        loads(json.dumps(doc))
    assert info.value.where == f"nodes[1].{where}" and message in str(info.value), \
        str(info.value)


def test_the_graph_refuses_what_the_declaration_refuses(affine):
    g = Graph()
    with pytest.raises(GraphError, match="attrs.times of affine must be an integer from 1 to 5"):
        g.add_node("f", "affine", attrs={"times": 6})
    g.add_node("f", "affine", attrs={"times": 5, "unknown": [1]})    # other keys are kept
    assert g.node("f").attrs == {"times": 5, "unknown": [1]}


@pytest.mark.parametrize("value", [1.5, [[1.0, -2.0], [0.5, 3.0]]])
def test_the_exported_script_uses_the_template_and_computes_what_the_app_does(affine, value):
    graph = parse_program(PROGRAM).graph
    graph.set_value("x", np.array(value) if isinstance(value, list) else value)
    text = export_python(graph)
    assert "# affine, times=3, offset=-0.5, negate=True, mode=squared" in text
    assert "def _affine_fwd(y, mode):" in text and "(-1.0 if True else 1.0)" in text
    got = run_script(text)
    want = json.loads(json.dumps(eval_json(graph, evaluate(graph))))
    assert got["nodes"].keys() == want["nodes"].keys()
    for node_id, row in want["nodes"].items():
        np.testing.assert_allclose(got["nodes"][node_id]["value"], row["value"], rtol=1e-12)
        np.testing.assert_allclose(got["nodes"][node_id]["grad"], row["grad"], rtol=1e-12)


def test_the_op_is_gone_after_unregistering():
    assert "affine" not in ops.OPS
    with pytest.raises(ProgramError, match="unknown function affine"):
        parse_program("f = affine(1)")


# -------------------------------------------- every op has a PyTorch reference

REFERENCE = pathlib.Path(__file__).with_name("test_torch_reference.py")
DEEP_REFERENCE = pathlib.Path(__file__).parents[1] / "support" / "op_cases.py"


def torch_reference_ops() -> set[str]:
    """The ops compared with PyTorch: named in ``TORCH = {...}`` of
    test_torch_reference.py, or first in a case of ``DEEP_CASES = [...]`` of
    tests/support/op_cases.py (read without importing them, so the check runs even where
    PyTorch is not installed)."""
    names: set[str] = set()
    for path, table in ((REFERENCE, "TORCH"), (DEEP_REFERENCE, "DEEP_CASES")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = [node.value for node in tree.body if isinstance(node, ast.Assign) and
                 any(getattr(t, "id", None) == table for t in node.targets)]
        assert found, f"{path.name} has no {table} table"
        if table == "TORCH":
            names |= {k.value for k in found[0].keys}
        else:
            names |= {case.elts[0].value for case in found[0].elts}
    return names


def ops_without_reference() -> list[str]:
    have = torch_reference_ops()
    return [name for name, op in ops.OPS.items() if not op.is_leaf and name not in have]


def test_every_op_of_the_table_has_a_pytorch_reference():
    assert ops_without_reference() == [], ("add each to TORCH in test_torch_reference.py or "
                                           "to DEEP_CASES in tests/support/op_cases.py")


def test_an_op_without_a_pytorch_reference_is_found(affine):
    assert ops_without_reference() == ["affine"]
