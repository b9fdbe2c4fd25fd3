"""The chainrule command of cli.md, in-process through main() and as a real process."""
from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from cli_support import registry, strict_json  # noqa: F401  (registry: an autouse fixture)
from chainrule.core import cli
from chainrule.core.cli import main

from chainrule import resources

ROOT = Path(__file__).resolve().parents[2]
DEMOS = sorted(resources.DEMOS.glob("*.cgraph"))

SEED_PROGRAM = "x = -2; y = 5; z = -4\nq = x + y\nf = q * z"
NEURON = "w0 = 2; x0 = -1; w1 = -3; x1 = -2; w2 = -3\nf = sigmoid(w0*x0 + w1*x1 + w2)"


def graph_file(tmp_path, nodes, edges, output=None, name="g.cgraph", **top):
    obj = {"format": "chainrule", "version": 1, **top, "nodes": nodes, "edges": edges}
    if output is not None:
        obj["output"] = output
    path = tmp_path / name
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def seed_file(tmp_path, edges_order=None):
    nodes = [{"id": "x", "op": "input", "value": -2}, {"id": "y", "op": "input", "value": 5},
             {"id": "z", "op": "input", "value": -4}, {"id": "q", "op": "add"},
             {"id": "f", "op": "mul"}, {"id": "k", "op": "const", "value": 10}]
    edges = [{"from": "x", "to": "q", "port": 0}, {"from": "y", "to": "q", "port": 1},
             {"from": "q", "to": "f", "port": 0}, {"from": "z", "to": "f", "port": 1}]
    if edges_order is not None:
        edges = [edges[i] for i in edges_order]
    return graph_file(tmp_path, nodes, edges, output="f")


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err, start="chainrule: "):
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(start), err
    assert "Traceback" not in err
    return lines[0]


def proc(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "chainrule", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, timeout=120,
                          env=_env())


def _env():
    import os
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


# ------------------------------------------------------------------ eval FILE

def test_eval_file_table(tmp_path, capsys):
    code, out, err = run(capsys, "eval", seed_file(tmp_path))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "output f = -12"
    header = next(i for i, l in enumerate(lines) if l.startswith("node"))
    rows = {l.split()[0]: l.split() for l in lines[header + 1:header + 7]}
    assert rows["x"] == ["x", "input", "-2", "-4"]
    assert rows["z"] == ["z", "input", "-4", "3"]
    assert rows["q"] == ["q", "add", "3", "-4"]
    assert rows["f"] == ["f", "mul", "-12", "1"]
    assert rows["k"] == ["k", "const", "10", "—"]          # does not reach the output
    # aligned: every column starts at the same place on every row
    table = lines[header:header + 7]
    for word in ("op", "value", "gradient"):
        col = table[0].index(word)
        assert all(row[col - 1] == " " and row[col] != " " for row in table[1:])
    assert "x → q.a  -2     -4" in out
    assert "z → f.b  -4     3" in out


def test_eval_file_json(tmp_path, capsys):
    code, out, err = run(capsys, "eval", seed_file(tmp_path, [3, 1, 0, 2]), "--json")
    assert code == 0 and err == ""
    data = strict_json(out)
    assert list(data) == ["output", "value", "nodes", "edges"]
    assert data["output"] == "f" and data["value"] == -12.0
    assert data["nodes"]["x"] == {"op": "input", "value": -2.0, "grad": -4.0}
    assert data["nodes"]["q"] == {"op": "add", "value": 3.0, "grad": -4.0}
    assert data["nodes"]["z"]["grad"] == 3.0
    assert data["nodes"]["k"] == {"op": "const", "value": 10.0, "grad": None}
    assert list(data["nodes"]) == ["x", "y", "z", "q", "f", "k"]
    # edges in the file's order, each with its value and gradient
    assert [(e["from"], e["to"], e["port"]) for e in data["edges"]] == [
        ("z", "f", 1), ("y", "q", 1), ("x", "q", 0), ("q", "f", 0)]
    assert data["edges"][0] == {"from": "z", "to": "f", "port": 1, "value": -4.0, "grad": 3.0}
    assert data["edges"][2] == {"from": "x", "to": "q", "port": 0, "value": -2.0, "grad": -4.0}
    assert out.count("\n{") == 0 and out.strip().startswith("{")   # exactly one object


def test_set_number_and_json_list_on_a_file(tmp_path, capsys):
    path = seed_file(tmp_path)
    code, out, _ = run(capsys, "eval", path, "--json", "--set", "x=1", "--set", "z=0.5")
    data = strict_json(out)
    assert code == 0
    assert data["value"] == 3.0 and data["nodes"]["x"]["grad"] == 0.5
    code, out, _ = run(capsys, "eval", path, "--json", "--set", "x=[1, 2]", "--set",
                       "z=[[1, 0], [0, 2]]")
    data = strict_json(out)
    assert code == 0
    assert data["nodes"]["q"]["value"] == [6.0, 7.0]
    assert data["value"] == [[6.0, 0.0], [0.0, 14.0]]
    assert data["nodes"]["x"]["grad"] == [1.0, 2.0]
    assert data["nodes"]["z"]["grad"] == [[6.0, 7.0], [6.0, 7.0]]


def test_set_on_a_const(tmp_path, capsys):
    path = graph_file(tmp_path, [{"id": "a", "op": "input", "value": 2},
                                 {"id": "c", "op": "const", "value": 3},
                                 {"id": "f", "op": "mul"}],
                      [{"from": "a", "to": "f", "port": 0}, {"from": "c", "to": "f", "port": 1}])
    code, out, _ = run(capsys, "eval", path, "--set", "c=-1", "--json")
    assert code == 0 and strict_json(out)["value"] == -2.0


@pytest.mark.parametrize("setting,words", [
    ("q=1", '"q" is an add node'),
    ("f=1", '"f" is a mul node'),
    ("nosuch=1", 'no node "nosuch"'),
    ("x=abc", "number or a JSON list"),
    ("x=nan", "finite"),
    ("x=[1, NaN]", "number or a JSON list"),
    ("x=[[1, 2], [3]]", "ragged"),
    ("x={\"a\": 1}", "number or a JSON list"),
])
def test_bad_set_is_exit_1_naming_it(tmp_path, capsys, setting, words):
    code, out, err = run(capsys, "eval", seed_file(tmp_path), "--set", setting)
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert setting.split("=")[0] in line
    assert words in line


def test_set_without_equals_is_a_usage_error(tmp_path, capsys):
    code, out, err = run(capsys, "eval", seed_file(tmp_path), "--set", "x")
    assert code == 2 and out == ""
    assert "usage:" in err and "ID=VALUE" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ eval --expr

def test_expr_seed_json(capsys):
    code, out, err = run(capsys, "eval", "--expr", SEED_PROGRAM, "--json")
    assert code == 0 and err == ""
    data = strict_json(out)
    assert data["output"] == "f" and data["value"] == -12.0
    assert data["nodes"]["x"]["grad"] == -4.0 and data["nodes"]["z"]["grad"] == 3.0
    assert [(e["from"], e["to"], e["port"]) for e in data["edges"]] == [
        ("x", "q", 0), ("y", "q", 1), ("q", "f", 0), ("z", "f", 1)]


def test_expr_neuron_gradients(capsys):
    code, out, _ = run(capsys, "eval", "--expr", NEURON, "--json")
    assert code == 0
    nodes = strict_json(out)["nodes"]
    for name, grad in {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898,
                       "w2": 0.1966}.items():
        assert nodes[name]["grad"] == pytest.approx(grad, abs=5e-5)


def test_expr_set_fills_unset_names(capsys):
    code, out, _ = run(capsys, "eval", "--expr", "f = x * y + x", "--set", "x=3",
                       "--set", "y=[1, 2]", "--json")
    assert code == 0
    data = strict_json(out)
    assert data["value"] == [6.0, 9.0]
    assert data["nodes"]["x"]["grad"] == 5.0
    assert data["nodes"]["y"]["grad"] == [3.0, 3.0]


def test_expr_set_overrides_assigned_value_and_alias(capsys):
    code, out, _ = run(capsys, "eval", "--expr", "a = 2\nb = a\nf = b * b", "--set", "b=5",
                       "--json")
    assert code == 0 and strict_json(out)["value"] == 25.0


def test_unset_name_is_exit_1_with_the_exact_message(capsys):
    code, out, err = run(capsys, "eval", "--expr", "f = x * 2")
    assert code == 1 and out == ""
    assert one_error_line(err) == "chainrule: x has no value: give it with --set x=VALUE"


def test_several_unset_names(capsys):
    code, _, err = run(capsys, "eval", "--expr", "f = x * y", "--set", "y=1")
    assert code == 1
    assert one_error_line(err) == "chainrule: x has no value: give it with --set x=VALUE"
    code, _, err = run(capsys, "eval", "--expr", "f = x * y")
    assert "x and y have no value" in one_error_line(err)


@pytest.mark.parametrize("program,words", [
    ("f = x +", "line 1, column"),
    ("x = 1\nf = foo(x)", "line 2, column 5: unknown function foo"),
    ("__import__('os').system('true')", "attribute"),
    ("", "the program is empty"),
])
def test_bad_program_is_exit_1_with_line_and_column(capsys, program, words):
    code, out, err = run(capsys, "eval", f"--expr={program}")
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert line.startswith("chainrule: --expr: ")
    assert words in line


# ----------------------------------------------------------------- non-finite

def test_inf_and_nan_are_strings_exit_0_and_one_warning_line(capsys):
    program = "x = -1; y = 0\nd = x / y\nf = d * 0"
    code, out, err = run(capsys, "eval", "--expr", program, "--json")
    assert code == 0
    data = strict_json(out)
    assert data["nodes"]["d"]["value"] == "-inf"
    assert data["value"] == "nan"
    assert data["nodes"]["f"]["value"] == "nan"
    line = one_error_line(err, "chainrule: warning: ")
    assert "d is -inf (division by zero)" in line
    assert "f is nan" in line


def test_non_finite_inside_arrays(capsys):
    code, out, err = run(capsys, "eval", "--expr", "x = [1, 0, -1]\nl = log(x)\nf = sum(l)",
                         "--json")
    assert code == 0
    data = strict_json(out)
    assert data["nodes"]["l"]["value"][:2] == [0.0, "-inf"]
    assert data["nodes"]["l"]["value"][2] == "nan"
    assert data["nodes"]["x"]["grad"][1] == "inf"
    assert "l contains nan and -inf" in one_error_line(err, "chainrule: warning: ")


def test_non_finite_table(capsys):
    code, out, err = run(capsys, "eval", "--expr", "x = 0\nf = log(x)")
    assert code == 0
    rows = {l.split()[0]: l.split() for l in out.splitlines()[3:5]}
    assert rows["f"] == ["f", "log", "-inf", "1"]
    assert rows["x"] == ["x", "input", "0", "inf"]
    one_error_line(err, "chainrule: warning: ")


def test_finite_result_prints_no_warning(capsys):
    assert run(capsys, "eval", "--expr", SEED_PROGRAM)[2] == ""


# ------------------------------------------------------------- bad graphs/files

def test_missing_file(tmp_path, capsys):
    path = tmp_path / "nope.cgraph"
    code, out, err = run(capsys, "eval", path)
    assert code == 1 and out == ""
    assert one_error_line(err) == f"chainrule: cannot open {path}: No such file or directory"


def test_broken_json_file(tmp_path, capsys):
    path = tmp_path / "broken.cgraph"
    path.write_text('{"format": "chainrule", "version": 1, "nodes": [', encoding="utf-8")
    code, out, err = run(capsys, "eval", path)
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert str(path) in line and "JSON" in line


def test_not_utf8_file(tmp_path, capsys):
    path = tmp_path / "latin.cgraph"
    path.write_bytes(b'{"format": "chainrule", "title": "\xe9"}')
    code, _, err = run(capsys, "eval", path)
    assert code == 1 and "UTF-8" in one_error_line(err)


def test_directory_instead_of_file(tmp_path, capsys):
    code, _, err = run(capsys, "eval", tmp_path)
    assert code == 1
    assert one_error_line(err).startswith(f"chainrule: cannot open {tmp_path}")


def test_unconnected_port(tmp_path, capsys):
    path = graph_file(tmp_path, [{"id": "a", "op": "input", "value": 1},
                                 {"id": "f", "op": "mul"}],
                      [{"from": "a", "to": "f", "port": 0}], output="f")
    code, out, err = run(capsys, "eval", path)
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert str(path) in line and '"f"' in line and "port b not connected" in line


def test_unconnected_port_away_from_the_output(tmp_path, capsys):
    path = graph_file(tmp_path, [{"id": "a", "op": "input", "value": 1},
                                 {"id": "f", "op": "exp"}, {"id": "g", "op": "add"}],
                      [{"from": "a", "to": "f", "port": 0}, {"from": "a", "to": "g", "port": 0}],
                      output="f")
    code, _, err = run(capsys, "eval", path, "--json")
    assert code == 1
    assert '"g"' in one_error_line(err)


def test_several_sinks_without_output(tmp_path, capsys):
    path = graph_file(tmp_path, [{"id": "a", "op": "input", "value": 1},
                                 {"id": "f", "op": "exp"}, {"id": "g", "op": "sin"}],
                      [{"from": "a", "to": "f", "port": 0}, {"from": "a", "to": "g", "port": 0}])
    code, out, err = run(capsys, "eval", path)
    assert code == 1 and out == ""
    line = one_error_line(err)
    assert "choose the output" in line and "f" in line and "g" in line


def test_empty_graph(tmp_path, capsys):
    code, _, err = run(capsys, "eval", graph_file(tmp_path, [], []))
    assert code == 1
    assert "empty" in one_error_line(err)


@pytest.mark.parametrize("program", [
    "a = [1, 2]; b = [1, 2, 3]\nf = sum(a + b)",
    "a = [1, 2]; b = [[1, 2, 3]]\nf = sum(a @ b)",
    "f = 2 @ 3",
    "m = [[1, 2]]\nf = sum(m, axis=5)",
])
def test_op_failing_on_shapes(capsys, program):
    code, out, err = run(capsys, "eval", "--expr", program)
    assert code == 1 and out == ""
    one_error_line(err)


@pytest.mark.parametrize("demo", DEMOS, ids=[d.name for d in DEMOS])
def test_every_demo_evaluates(capsys, demo):
    code, out, err = run(capsys, "eval", demo, "--json")
    assert code == 0
    data = strict_json(out)
    assert data["output"] in data["nodes"]
    assert len(data["edges"]) == len(json.loads(demo.read_text())["edges"])


# ----------------------------------------------------------------------- usage

def test_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out.startswith("usage: chainrule")
    for name in ("eval", "render", "check", "export"):
        assert name in out


def test_eval_help(capsys):
    code, out, _ = run(capsys, "eval", "--help")
    assert code == 0
    assert "chainrule eval FILE.cgraph" in out and "--expr PROGRAM" in out and "--json" in out


@pytest.mark.parametrize("args", [
    ["eval"],
    ["eval", "a.cgraph", "--expr", "f = 1"],
    ["eval", "--expr", "f = 1", "--bogus"],
    ["eval", "--expr"],
    ["evl", "--json"],
    ["frobnicate"],
    ["--bogus"],
    ["a.cgraph", "b.cgraph"],
])
def test_usage_errors_exit_2(capsys, args):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert "usage:" in err and "Traceback" not in err
    assert sum(1 for l in err.splitlines() if "error:" in l) == 1


def test_unknown_subcommand_suggests(capsys):
    _, _, err = run(capsys, "evl", "x")
    assert "did you mean eval" in err


# ---------------------------------------------------------------------- editor

@pytest.fixture
def editor(monkeypatch):
    """The editor the composition root would register, replaced by a recorder."""
    calls = []
    monkeypatch.setattr(cli.dispatch, "_editor", None)
    def register(code=0):
        cli.register_editor(lambda path: calls.append(path) or code)
        return calls
    return register


def test_no_arguments_open_the_editor_on_the_demo(editor):
    calls = editor()
    assert main([]) == 0
    assert calls == [None]


def test_a_file_opens_the_editor_on_it(editor, tmp_path):
    calls = editor(3)
    path = seed_file(tmp_path)
    assert main([str(path)]) == 3
    assert calls == [str(path)]


def test_headless_command_line_without_an_editor_says_so(monkeypatch, capsys):
    monkeypatch.setattr(cli.dispatch, "_editor", None)
    code, _, err = run(capsys)
    assert code == 1
    assert one_error_line(err) == ("chainrule: the editor is not available here (run the "
                                   "chainrule command, which includes it)")


def test_editor_missing(monkeypatch, capsys):
    from chainrule.gui import entry
    monkeypatch.setattr(cli.dispatch, "_editor", None)
    monkeypatch.setitem(sys.modules, "chainrule.gui.app", None)      # import raises ImportError
    entry.compose()
    code, _, err = run(capsys)
    assert code == 1
    assert one_error_line(err).startswith("chainrule: the editor is not available (")


def test_editor_on_a_missing_file(editor, tmp_path, capsys):
    calls = editor()
    code, _, err = run(capsys, tmp_path / "nope.cgraph")
    assert code == 1 and calls == []
    assert one_error_line(err) == f"chainrule: cannot open {tmp_path / 'nope.cgraph'}: No such file or directory"


def test_editor_on_a_folder(editor, tmp_path, capsys):
    calls = editor()
    folder = tmp_path / "g.cgraph"
    folder.mkdir()
    code, _, err = run(capsys, folder)
    assert code == 1 and calls == []
    assert one_error_line(err) == f"chainrule: cannot open {folder}: Is a directory"


# ----------------------------------------------------------- the subcommand registry

def test_render_without_the_gui_side_says_what_is_missing(monkeypatch, capsys, tmp_path):
    from chainrule.core.cli import render_args
    cli.register("render", render_args.add_arguments, render_args.run_without_drawing)
    code, out, err = run(capsys, "render", seed_file(tmp_path), "-o", tmp_path / "x.png")
    assert code == 1 and out == ""
    assert one_error_line(err) == ("chainrule: render needs the editor's drawing code "
                                   "(chainrule.gui), which this command was started without")


def test_composition_root_registers_the_drawing(monkeypatch, capsys):
    from chainrule.gui import entry
    seen = []
    fake = types.ModuleType("chainrule.gui.render")
    fake.run = lambda args: seen.append((args.file, args.output, args.precision)) or 0
    monkeypatch.setitem(sys.modules, "chainrule.gui.render", fake)
    entry.compose()
    assert list(cli.SUBCOMMANDS) == ["eval", "render", "check", "export", "train", "grade",
                                     "explain", "import"]
    code, out, _ = run(capsys, "render", "g.cgraph", "-o", "g.png", "--precision", "2")
    assert code == 0 and out == ""
    assert seen == [("g.cgraph", "g.png", 2)]
    code, _, err = run(capsys, "render")                     # its own usage error
    assert code == 2 and "usage: chainrule render" in err


def test_register_adds_a_subcommand(monkeypatch, capsys):

    def run_hello(args):
        if args.name == "bad":
            raise cli.CommandError("bad is not a name")
        print(f"hello {args.name}")
        return 0

    cli.register("hello", lambda p: p.add_argument("name"), run_hello, help="say hello")
    assert run(capsys, "hello", "you")[:2] == (0, "hello you\n")
    assert "say hello" in run(capsys, "--help")[1]
    code, _, err = run(capsys, "hello", "bad")
    assert code == 1 and one_error_line(err) == "chainrule: bad is not a name"


# ------------------------------------------------------------ as a real process

def test_process_json_and_exit_0():
    result = proc("eval", "--expr", NEURON, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data = strict_json(result.stdout)
    assert data["nodes"]["w0"]["grad"] == pytest.approx(-0.1966, abs=5e-5)


def test_process_nan_exit_0_one_warning_line():
    result = proc("eval", "--expr", "x = 0\nf = x / x", "--json")
    assert result.returncode == 0
    assert strict_json(result.stdout)["value"] == "nan"
    one_error_line(result.stderr, "chainrule: warning: ")
    assert "RuntimeWarning" not in result.stderr


@pytest.mark.parametrize("args,code", [
    (["eval", "/nonexistent/dir/g.cgraph"], 1),
    (["eval", "--expr", "f = x +"], 1),
    (["eval", "--expr", "f = x"], 1),
    (["eval", "--expr", "f = 2 @ 3"], 1),
    (["eval"], 2),
    (["eval", "--expr", "f = 1", "--set", "x"], 2),
])
def test_process_errors_without_traceback(args, code):
    result = proc(*args)
    assert result.returncode == code
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    if code == 1:
        one_error_line(result.stderr)


def test_process_help():
    result = proc("--help")
    assert result.returncode == 0 and "usage: chainrule" in result.stdout
    result = proc("eval", "--help")
    assert result.returncode == 0 and "--set ID=VALUE" in result.stdout


def test_process_refuses_code_and_creates_nothing(tmp_path):
    target = tmp_path / "pwned"
    for program in (f"__import__('os').system('touch {target}')",
                    f"open('{target}', 'w')",
                    f"exec(\"open('{target}', 'w')\")"):
        result = proc("eval", "--expr", program, cwd=tmp_path)
        assert result.returncode == 1
        one_error_line(result.stderr)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_installed_console_script():
    script = Path(sys.executable).parent / "chainrule"
    if not script.exists():
        pytest.skip("the project is not installed in this environment")
    result = subprocess.run([str(script), "eval", "--expr", SEED_PROGRAM, "--json"],
                            capture_output=True, text=True, timeout=120, env=_env())
    assert result.returncode == 0
    assert strict_json(result.stdout)["value"] == -12.0
