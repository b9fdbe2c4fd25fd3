"""The files the program ships: demos, the icon, the stylesheet.

Found through :mod:`importlib.resources`, so they are where the installed
package is, whether it was installed from a wheel or in editable mode.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def path(*parts: str) -> Path:
    """The shipped file (or folder) ``parts`` under ``chainrule/resources``."""
    return Path(str(files(__name__).joinpath(*parts)))


DEMOS = path("demos")
