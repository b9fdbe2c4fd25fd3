"""``chainrule eval``: the forward and backward pass without a window (``cli.md``).

A program (``--expr``, ``--expr-file``) may produce notes (skipped import and
print lines) and lint warnings; after the result each is one line on stderr,
``chainrule: note: WHERE: line L, column C: ...`` or ``chainrule: warning:
WHERE: line L, column C: ...``, WHERE being ``--expr``, the file or ``stdin``.

Also the two outputs other parts reuse: :func:`eval_json` (the ``--json``
object, which the exported script prints too) and :func:`warning_line`.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np

from ..errors import ChainruleError
from ..forward_mode import tangent
from ..formatting import format_value, json_safe
from .common import (PROG, CommandError, UsageError, columns, load_graph, one_line,
                     os_message, unicode_ok, write)

HELP = "forward and backward pass without a window"


def add_arguments(p: argparse.ArgumentParser) -> None:
    def more(n: str) -> str:
        return f"[--set {n}=VALUE ...] [--tangent {n}=VALUE ...] [--json]"
    p.usage = (f"{PROG} eval FILE.cgraph {more('ID')}\n"
               f"       {PROG} eval --expr PROGRAM {more('NAME')}\n"
               f"       {PROG} eval --expr-file FILE {more('NAME')}")
    p.description = (
        "Run the forward and backward pass of a graph without a window, then print\n"
        "every node's value and gradient and every edge's.\n\n"
        "PROGRAM is a few lines of Python syntax, read (never run) into a graph:\n\n"
        "  x = -2; y = 5; z = -4\n"
        "  q = x + y\n"
        "  f = q * z\n\n"
        "The output is the last statement. A name used before it is assigned is an\n"
        "input whose value must come from --set.\n\n"
        "Pasted code is read too: import lines and print(...) are skipped, and a\n"
        "line on stderr notes each one; programs that are valid but probably not\n"
        "meant (1 / 1 + exp(-z), -x ** 2, an input that does not reach the output)\n"
        "get a warning. One line each, after the result:\n\n"
        "  chainrule: note: --expr: line 1, column 1: skipped an import line: ...\n"
        "  chainrule: warning: --expr: line 1, column 9: w3 does not reach f: ...\n\n"
        "(--expr-file names the file there, or stdin.)\n\n"
        "Forward mode: --tangent ID=VALUE seeds a tangent on an input or const node\n"
        "(a number fills the node's shape; a list must have it); every other leaf has\n"
        "tangent 0. Each node then also gets its tangent, the derivative of its value\n"
        "along the seeds (as torch.autograd.forward_ad computes it), beside its value\n"
        "and gradient: for a scalar output, its tangent is the sum of grad * tangent\n"
        "over the seeded leaves.\n\n"
        "Exit status: 0 on success (inf and nan are results; a warning goes to\n"
        "stderr), 2 for a usage error, 1 when the graph cannot be read or evaluated.")
    p.add_argument("file", nargs="?", metavar="FILE.cgraph", help="a graph file")
    p.add_argument("--expr", metavar="PROGRAM",
                   help="build the graph from a program instead of a file "
                        "(write --expr=PROGRAM if it starts with -)")
    p.add_argument("--expr-file", metavar="FILE", dest="expr_file",
                   help="the same, the program read from FILE (- for standard input), "
                        "for a program larger than a command line")
    p.add_argument("--set", action="append", default=[], dest="sets", metavar="ID=VALUE",
                   help="override the value of an input or const node: a number or a JSON "
                        "list such as [[1, 2], [3, 4]] (repeatable)")
    p.add_argument("--tangent", action="append", default=[], dest="tangents",
                   metavar="ID=VALUE",
                   help="forward mode: seed a tangent on an input or const node, a number "
                        "or a JSON list of the node's shape (repeatable)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object instead of the table")


def run(args: argparse.Namespace) -> int:
    from ..engine import Evaluator

    for text in args.tangents:
        _split_set(text, "--tangent")
    graph, where, parsed = load_source(args)
    seeds = tangent_seeds(graph, parsed.names if parsed is not None else {}, args.tangents)

    try:
        evaluation = Evaluator(graph).evaluate()
    except ChainruleError as exc:
        raise CommandError(f"{where}: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, IndexError) as exc:
        # A backstop: the engine reports failing nodes as problems, so this means
        # an input it did not foresee; still one line, never a traceback.
        raise CommandError(f"{where}: the graph cannot be evaluated ({exc})") from None
    if evaluation.problems:
        first = evaluation.problems[0].message
        more = len(evaluation.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise CommandError(f"{where}: {first}")
    if evaluation.error is not None:
        raise CommandError(f"{where}: {evaluation.error}")

    if args.tangents:
        from ..forward_mode import tangents
        tangents(evaluation, seeds)
    if args.json:
        text = json.dumps(eval_json(graph, evaluation), indent=2, allow_nan=False)
    else:
        text = eval_table(graph, evaluation, ascii=not unicode_ok(sys.stdout))
    write(sys.stdout, text + "\n")
    if parsed is not None:
        for note in parsed.notes:
            write(sys.stderr, f"{PROG}: note: {where}: {one_line(str(note))}\n")
        for lint in parsed.warnings:
            write(sys.stderr, f"{PROG}: warning: {where}: {one_line(str(lint))}\n")
    warning = warning_line(evaluation)
    if warning:
        write(sys.stderr, f"{PROG}: warning: {one_line(warning)}\n")
    return 0


def read_program_file(path: str) -> tuple[str, str]:
    """(name for messages, text) of a program file (``-``: standard input, named
    "stdin"), or a CommandError saying why not.

    Only a regular file is read (a FIFO or a device is refused at once), at most
    a little more than the parser's limit, and it must be UTF-8 text.
    """
    import os
    import stat

    from ..program import MAX_PROGRAM_CHARS
    limit = 4 * MAX_PROGRAM_CHARS                  # UTF-8 takes at most 4 bytes a character
    name = "stdin" if path == "-" else path
    try:
        if path == "-":
            buffer = getattr(sys.stdin, "buffer", None)
            data = (buffer.read(limit + 1) if buffer is not None     # a text stream put
                    else sys.stdin.read(limit + 1).encode("utf-8"))  # in its place

        else:
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise CommandError(f"cannot open {path}: not a regular file")
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise CommandError(f"cannot open {path}: not a regular file")
                data = f.read(limit + 1)
    except OSError as exc:
        raise CommandError(os_message(exc, path)) from None
    if len(data) > limit:
        raise CommandError(f"{name}: the program is longer than the limit of "
                           f"{MAX_PROGRAM_CHARS:,} characters")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{name}: the program is not UTF-8 text (byte "
                           f"0x{data[exc.start]:02x} at offset {exc.start})") from None
    return name, text.removeprefix("\ufeff")


def check_source(args: argparse.Namespace) -> None:
    """Exactly one of FILE.cgraph, --expr, --expr-file, and every --set with its '='."""
    given = sum(x is not None for x in (args.file, args.expr, args.expr_file))
    if given != 1:
        raise UsageError("give either FILE.cgraph or --expr PROGRAM" if given == 0
                         else "give one of FILE.cgraph, --expr PROGRAM and --expr-file FILE, "
                              "not several")
    for text in args.sets:
        _split_set(text)


def load_source(args: argparse.Namespace):
    """The graph of FILE.cgraph, --expr or --expr-file with ``--set`` applied, where it
    came from (for messages) and the parsed program (None for a file); eval and train."""
    check_source(args)
    sets = [_split_set(text) for text in args.sets]
    names: dict[str, str] = {}
    unset: list[str] = []
    parsed = None
    if args.file is None:
        from ..program import parse_program
        if args.expr is not None:
            where, program = "--expr", args.expr
        else:
            where, program = read_program_file(args.expr_file)
        try:
            parsed = parse_program(program)
        except ChainruleError as exc:
            raise CommandError(f"{where}: {exc}") from None
        graph, names, unset = parsed.graph, parsed.names, parsed.unset
    else:
        where = args.file
        graph = load_graph(args.file)
    done = {_apply_set(graph, names, text, node_id, raw) for text, node_id, raw in sets}
    missing = [n for n in unset if n not in done]
    if missing:
        raise CommandError(_missing_message(missing))
    return graph, where, parsed


def _split_set(text: str, option: str = "--set") -> tuple[str, str, str]:
    node_id, eq, raw = text.partition("=")
    node_id = node_id.strip()
    if not eq or not node_id:
        raise UsageError(f"{option} {text}: write {option} ID=VALUE, as in {option} x=2")
    return text, node_id, raw


def parse_set_value(raw: str) -> Any:
    """A ``--set`` VALUE: a number, or a JSON list of numbers (nested for a matrix)."""
    from ..values import value_from_text
    return value_from_text(raw)


def _leaf(graph, names: dict[str, str], option: str, text: str, node_id: str,
          does: str) -> str:
    """The id of the leaf ``--set``/``--tangent`` names, or a CommandError saying why not."""
    if node_id not in graph and node_id in names:
        node_id = names[node_id]                    # a program name that is an alias
    if node_id not in graph:
        leaves = [n.id for n in graph.nodes() if n.spec.is_leaf]
        shown = ", ".join(leaves[:12]) + ("…" if len(leaves) > 12 else "")
        listing = f"; the inputs and consts are {shown}" if leaves else ""
        raise CommandError(f'{option} {text}: there is no node "{node_id}"{listing}')
    node = graph.node(node_id)
    if not node.spec.is_leaf:
        article = "an" if node.op[:1] in "aeiou" else "a"
        raise CommandError(f'{option} {text}: "{node_id}" is {article} {node.op} node; '
                           f"{option} {does} only input and const nodes")
    return node_id


def tangent_seeds(graph, names: dict[str, str], texts: list[str]) -> dict[str, Any]:
    """The ``--tangent ID=VALUE`` seeds by leaf id (the last one wins for a repeated id)."""
    from ..forward_mode import TangentError, seed_value
    seeds: dict[str, Any] = {}
    for text in texts:
        _, node_id, raw = _split_set(text, "--tangent")
        node_id = _leaf(graph, names, "--tangent", text, node_id, "seeds")
        try:
            seeds[node_id] = seed_value(graph.node(node_id), parse_set_value(raw))
        except (ChainruleError, TangentError) as exc:
            raise CommandError(f"--tangent {text}: {exc}") from None
    return seeds


def _apply_set(graph, names: dict[str, str], text: str, node_id: str, raw: str) -> str:
    node_id = _leaf(graph, names, "--set", text, node_id, "changes")
    try:
        graph.set_value(node_id, parse_set_value(raw))
    except (ChainruleError, CommandError) as exc:
        raise CommandError(f"--set {text}: {exc}") from None
    return node_id


def _missing_message(missing: list[str]) -> str:
    if len(missing) == 1:
        n = missing[0]
        return f"{n} has no value: give it with --set {n}=VALUE"
    names = ", ".join(missing[:-1]) + " and " + missing[-1]
    sets = " ".join(f"--set {n}=VALUE" for n in missing)
    return f"{names} have no value: give them with {sets}"


# ---------------------------------------------------------------- output

def eval_json(graph, evaluation) -> dict:
    """The ``--json`` object: output, its value, every node, every edge in order; with a
    forward-mode pass (``evaluation.tangents``) each node's ``tangent`` too."""
    out = evaluation.output
    forward = evaluation.tangents is not None

    def node(n) -> dict:
        record = {"op": n.op, "value": json_safe(evaluation.value(n.id)),
                  "grad": json_safe(evaluation.grad(n.id))}
        if forward:
            record["tangent"] = json_safe(tangent(evaluation, n.id))
        return record

    return {
        "output": out,
        "value": json_safe(evaluation.value(out)),
        "nodes": {n.id: node(n) for n in graph.nodes()},
        "edges": [{"from": e.src, "to": e.dst, "port": e.port,
                   "value": json_safe(evaluation.edge_value(e)),
                   "grad": json_safe(evaluation.edge_grad(e))}
                  for e in graph.edges()],
    }


def eval_table(graph, evaluation, ascii: bool = False, digits: int = 4) -> str:
    """The readable table: the output, then nodes, then edges."""
    arrow = "->" if ascii else "→"

    def fmt(v):
        return format_value(v, digits, ascii=ascii)

    out = evaluation.output
    forward = evaluation.tangents is not None
    extra = ("tangent",) if forward else ()
    lines = [f"output {out} = {fmt(evaluation.value(out))}", ""]
    rows = [(n.id, n.op, fmt(evaluation.value(n.id)), fmt(evaluation.grad(n.id)))
            + ((fmt(tangent(evaluation, n.id)),) if forward else ())
            for n in graph.nodes()]
    lines += columns(("node", "op", "value", "gradient") + extra, rows)
    edges = graph.edges()
    if edges:
        lines.append("")
        rows = []
        for e in edges:
            port = graph.node(e.dst).spec.ports[e.port]
            rows.append((f"{e.src} {arrow} {e.dst}.{port}", fmt(evaluation.edge_value(e)),
                         fmt(evaluation.edge_grad(e)))
                        + ((fmt(tangent(evaluation, e.src)),) if forward else ()))
        lines += columns(("edge", "value", "gradient") + extra, rows)
    return "\n".join(lines)


def warning_line(evaluation, limit: int = 6) -> str:
    """One line naming each node that became inf or nan (and why), or ''."""
    parts = []
    for node_id, why in evaluation.warnings.items():
        parts.append(f"{node_id} {_describe(evaluation.value(node_id))} ({why})")
    for node_id in evaluation.grad_warnings:
        parts.append(f"the gradient of {node_id} {_describe(evaluation.grad(node_id))}")
    if len(parts) > limit:
        parts = parts[:limit] + [f"and {len(parts) - limit} more"]
    return "; ".join(parts)


def _describe(value: Any) -> str:
    if value is None:
        return "has no value"
    if not isinstance(value, np.ndarray):
        x = float(value)
        return "is " + ("nan" if math.isnan(x) else "inf" if x > 0 else "-inf")
    kinds = []
    if np.any(np.isnan(value)):
        kinds.append("nan")
    if np.any(np.isposinf(value)):
        kinds.append("inf")
    if np.any(np.isneginf(value)):
        kinds.append("-inf")
    return "contains " + " and ".join(kinds or ["non-finite numbers"])
