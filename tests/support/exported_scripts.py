"""Shared by the export tests: run an exported script, compare its JSON with the app's."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys


def same(got, want, where="", rel=1e-12):
    """Equal structure; numbers equal to ``rel`` relative; nan/inf strings identical."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for key in want:
            same(got[key], want[key], f"{where}/{key}", rel)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for k, (a, b) in enumerate(zip(got, want)):
            same(a, b, f"{where}[{k}]", rel)
    elif isinstance(want, float) and isinstance(got, float):
        assert got == want or abs(got - want) <= rel * max(abs(got), abs(want)), \
            (where, got, want)
    else:
        assert got == want, (where, got, want)


def run_script(path, cwd, python=sys.executable):
    """The exported script in a fresh interpreter that sees no project file."""
    result = subprocess.run([python, "-I", str(path)], capture_output=True, text=True,
                            cwd=cwd, timeout=300, env={"PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def imported_modules(text: str) -> set[str]:
    """The modules a script's import statements name."""
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    return imported
