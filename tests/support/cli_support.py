"""Shared by the command-line tests: a clean subcommand registry, strict JSON."""
from __future__ import annotations

import json

import pytest

from chainrule.core import cli


@pytest.fixture(autouse=True)
def registry():
    """Each test gets the registry (subcommands and editor) as it found it."""
    saved, editor = dict(cli.SUBCOMMANDS), cli.dispatch._editor
    yield
    cli.SUBCOMMANDS.clear()
    cli.SUBCOMMANDS.update(saved)
    cli.dispatch._editor = editor


def strict_json(text: str):
    """``json.loads`` that refuses NaN and Infinity (the CLI writes them as strings)."""
    def refuse(token):
        raise ValueError(f"{token} is not strict JSON")
    return json.loads(text, parse_constant=refuse)
