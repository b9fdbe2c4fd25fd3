"""What every subcommand of ``chainrule`` shares: its two errors, writing to a
stream that may not speak Unicode, reading a graph file into one-line errors.

The subcommands (``eval_cmd``, ``check_cmd``, ``export_cmd``, …) import from
here; nothing here imports them.
"""
from __future__ import annotations

import argparse
import math

from ..errors import ChainruleError

PROG = "chainrule"


class UsageError(Exception):
    """The command line itself is wrong (exit status 2, with the usage)."""


class CommandError(Exception):
    """The input cannot be read or evaluated (exit status 1, one line on stderr)."""


def write(stream, text: str) -> None:
    """Write ``text``; characters the stream cannot encode become escapes, never an error."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def one_line(message: str) -> str:
    """``message`` with every run of white space (newlines too) made one space."""
    return " ".join(str(message).split())


def os_message(exc: OSError, path: str | None = None) -> str:
    """``cannot open PATH: reason`` for an OSError, in the system's words."""
    path = path or exc.filename
    reason = exc.strerror or str(exc)
    return f"cannot open {path}: {reason}" if path else reason


def unicode_ok(stream) -> bool:
    """Whether ``stream`` can show the arrows and dashes of the tables."""
    try:
        "—→×…".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeError, LookupError):
        return False
    return True


def load_graph(path: str):
    """The graph in the file ``path``, or a CommandError naming the file and the reason."""
    from .. import fileformat
    try:
        return fileformat.load(path)
    except ChainruleError as exc:
        raise CommandError(f"{path}: {exc}") from None
    except OSError as exc:
        raise CommandError(os_message(exc, path)) from None
    except UnicodeError:
        raise CommandError(f"{path}: the file is not UTF-8 text") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"{path}: not a valid .cgraph file ({exc})") from None


def positive_number(text: str) -> float:
    """An argparse type: a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value


def columns(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """``header`` and ``rows`` as left-aligned text columns two spaces apart."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
            for row in [header, *rows]]
