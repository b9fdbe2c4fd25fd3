"""`chainrule eval` on pasted programs: --expr-file, notes of skipped lines, lint warnings."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.core.cli import main

from pasted_programs import MICROGRAD

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def check_micrograd(out):
    data = json.loads(out)
    assert round(data["value"], 4) == 24.7041
    assert round(data["nodes"]["a"]["grad"], 4) == 138.8338
    assert round(data["nodes"]["b"]["grad"], 4) == 645.5773


def test_micrograd_readme_through_eval_expr(capsys):
    code, out, err = run(capsys, "eval", "--expr", MICROGRAD, "--json")
    assert code == 0
    check_micrograd(out)
    notes = [line for line in err.splitlines() if line.startswith("chainrule: note: ")]
    assert notes == [
        "chainrule: note: --expr: line 1, column 1: skipped an import line: nothing is "
        "imported or run",
        "chainrule: note: --expr: line 15, column 1: skipped print(...): nothing is printed "
        "or run",
        "chainrule: note: --expr: line 17, column 1: skipped print(...): nothing is printed "
        "or run",
        "chainrule: note: --expr: line 18, column 1: skipped print(...): nothing is printed "
        "or run",
    ]
    assert "Traceback" not in err


def test_expr_file_and_stdin(capsys, tmp_path, monkeypatch):
    path = tmp_path / "micrograd.py"
    path.write_text(MICROGRAD, encoding="utf-8")
    code, out, err = run(capsys, "eval", "--expr-file", path, "--json")
    assert code == 0
    check_micrograd(out)
    assert f"chainrule: note: {path}: line 1, column 1: skipped an import line" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO(MICROGRAD))
    code, out, err = run(capsys, "eval", "--expr-file", "-", "--json")
    assert code == 0
    check_micrograd(out)
    assert "chainrule: note: stdin: line 15, column 1: skipped print" in err


def test_expr_file_set_and_errors(capsys, tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("f = x * 2\n", encoding="utf-8")
    code, out, _ = run(capsys, "eval", "--expr-file", path, "--set", "x=3", "--json")
    assert code == 0 and json.loads(out)["value"] == 6.0
    code, out, err = run(capsys, "eval", "--expr-file", tmp_path / "nope.txt")
    assert code == 1 and out == ""
    assert err == f"chainrule: cannot open {tmp_path / 'nope.txt'}: No such file or directory\n"
    path.write_text("import torch\nf = x ^ 2\n", encoding="utf-8")
    code, out, err = run(capsys, "eval", "--expr-file", path)
    assert code == 1 and out == ""
    assert err.count("\n") == 1                       # no note when the program is refused
    assert err.startswith(f"chainrule: {path}: line 2, column 7: ")
    assert "use ** for a power" in err
    path.write_bytes(b"f = \xff\n")
    code, _, err = run(capsys, "eval", "--expr-file", path)
    assert code == 1 and "UTF-8" in err and err.count("\n") == 1


@pytest.mark.parametrize("args", [
    ["eval", "--expr", "f = 1", "--expr-file", "p.txt"],
    ["eval", "g.cgraph", "--expr-file", "p.txt"],
    ["eval", "--expr-file"],
])
def test_expr_file_usage_errors(capsys, args):
    code, out, _ = run(capsys, *args)
    assert code == 2 and out == ""


def test_lint_warnings_on_stderr_one_line_each(capsys):
    program = "z = 0.5; w3 = 2\nf = 1 / 1 + exp(-z)"
    code, out, err = run(capsys, "eval", "--expr", program, "--json")
    assert code == 0 and json.loads(out)["nodes"]["w3"]["grad"] is None
    assert err.splitlines() == [
        "chainrule: warning: --expr: line 2, column 5: this is (1 / 1) + exp(−z) = 1 + exp(−z); "
        "for the sigmoid write 1 / (1 + exp(−z))",
        "chainrule: warning: --expr: line 1, column 10: w3 does not reach f: its gradient "
        "will be —",
    ]
    code, _, err = run(capsys, "eval", "--expr", "x = 3\nf = -x ** 2")
    assert code == 0
    assert err.startswith("chainrule: warning: --expr: line 2, column 5: this is −(x²)")


def test_help_documents_expr_file_and_the_stderr_lines(capsys):
    code, out, _ = run(capsys, "eval", "--help")
    assert code == 0
    assert "--expr-file FILE" in out and "chainrule: note:" in out and "chainrule: warning:" in out


def test_process_reads_stdin():
    result = subprocess.run([sys.executable, "-m", "chainrule", "eval", "--expr-file", "-",
                             "--json"], input=MICROGRAD, capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    check_micrograd(result.stdout)
    assert "Traceback" not in result.stderr
