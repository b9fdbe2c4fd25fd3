"""The layers point one way: the model (chainrule.core) never loads Qt or the GUI.

Checked on what really gets imported, in a fresh interpreter, for every headless
subcommand run through the real ``chainrule`` entry point (the composition
root, which also knows the editor): a string import, a lazy import or a
re-export that reaches PySide6 fails here.
"""
from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import chainrule.core
from chainrule import resources

FORBIDDEN = ("PySide6", "shiboken6", "chainrule.gui", "pyqtgraph")

#: Runs the command line in-process, then prints the forbidden modules it loaded.
PROBE = """
import json, sys
from chainrule.gui.entry import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
forbidden = %r
root = ("chainrule.gui", "chainrule.gui.entry")    # the composition root itself
loaded = sorted(m for m in sys.modules if m not in root and
                any(m == f or m.startswith(f + ".") for f in forbidden))
print("\\nLOADED " + json.dumps(loaded))
print("CODE %%s" %% code)
""" % (FORBIDDEN,)


def _run(*args, cwd):
    result = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True,
                            text=True, timeout=120, cwd=cwd)
    lines = result.stdout.splitlines()
    loaded = json.loads(next(line for line in lines if line.startswith("LOADED "))[7:])
    code = int(next(line for line in lines if line.startswith("CODE "))[5:])
    return loaded, code, result


DEMO = str(resources.DEMOS / "01-neuron.cgraph")


@pytest.mark.parametrize("args", [
    ["eval", DEMO, "--json"],
    ["eval", "--expr", "x = 2\nf = x * x"],
    ["check", DEMO],
    ["export", DEMO, "-o", "-"],
    ["export", DEMO, "--torch", "-o", "-"],
    ["export", DEMO, "--notebook", "-o", "-"],
    ["export", DEMO, "--tikz", "--step", "3", "-o", "-"],
    ["explain", DEMO, "--latex"],
    ["import", "--help"],
    ["train", DEMO, "--steps", "3", "--json"],
    ["train", DEMO, "--steps", "3", "--optimizer", "adam"],
    ["grade", DEMO, "--answer-expr", "grad_x0 = w0 * activation", "--json"],
    ["eval", "/nonexistent.cgraph"],
    ["eval", "--help"],
    ["--help"],
    ["--version"],
    ["nosuch"],
], ids=lambda a: " ".join(a)[:40])
def test_headless_subcommands_load_no_qt(args, tmp_path):
    loaded, code, result = _run(*args, cwd=tmp_path)
    assert loaded == [], f"chainrule {' '.join(args)} loaded {loaded}"
    assert "Traceback" not in result.stderr


def test_the_probe_sees_qt_when_it_is_loaded(tmp_path):
    """The test above can fail: render does load Qt, and the probe says so."""
    loaded, code, result = _run("render", DEMO, "-o", tmp_path / "x.png", cwd=tmp_path)
    assert code == 0, result.stderr
    assert "PySide6" in loaded and "chainrule.gui.render" in loaded


def test_no_core_module_names_the_gui():
    """Every module of chainrule.core imports alone in a fresh interpreter without Qt."""
    names = [m.name for m in pkgutil.walk_packages(chainrule.core.__path__, "chainrule.core.")
             if not m.name.endswith("__main__")]
    assert len(names) > 20
    code = ("import importlib, sys, json\n"
            f"for n in {names!r}: importlib.import_module(n)\n"
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"('PySide6', 'shiboken6', 'pyqtgraph') or m.startswith('chainrule.gui'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_canvas_package_imports_nothing_eagerly():
    """``import chainrule.gui.canvas.style`` (constants) must not load the scene and view."""
    code = ("import sys; import chainrule.gui.canvas.style; "
            "print(sorted(m for m in sys.modules if m.startswith('chainrule.gui.canvas.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['chainrule.gui.canvas.style']"


def test_one_import_name():
    """The distribution installs one top-level package; ``core`` is not importable from it."""
    from importlib.metadata import distribution
    assert distribution("chainrule").read_text("top_level.txt").split() == ["chainrule"]
    result = subprocess.run([sys.executable, "-c", "import core"], capture_output=True,
                            text=True, timeout=60, cwd="/")
    assert result.returncode != 0 and "No module named 'core'" in result.stderr
    result = subprocess.run([sys.executable, "-m", "chainrule", "--version"],
                            capture_output=True, text=True, timeout=60, cwd="/")
    assert result.returncode == 0 and result.stdout.startswith("chainrule ")
