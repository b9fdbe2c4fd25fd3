"""``chainrule train``: gradient descent on a graph without a window (``cli.md``).

The graph's output is the loss (an array output counts as the sum of its
elements, which is what seeding its backward pass with ones means); the
parameters are the nodes named by ``--train``, else the graph's
``trainable`` inputs.  One step is one forward and backward pass of the
engine, on a plan compiled once (the new values are written into the
parameter nodes, same kind and shape, so the plan stays valid), followed by
one update of :mod:`chainrule.core.optimizers`: PyTorch's rules in float64.

``losses`` has N + 1 entries: ``losses[0]`` at the starting values,
``losses[k]`` after step k.  A loss that is inf or nan stops the run at once
(exit status 1, one line on stderr saying after which step); what was done
so far is still printed, the non-finite loss last, with the parameters that
gave it.

Exit status: 0 on success; 2 for a usage error (no graph or two, an unknown
option or optimizer, no ``--steps``); 1 for bad input, with one line on
stderr: the graph cannot be read or evaluated, a setting that is not a
number or out of range (``--steps 0``, ``--lr abc``, ``--betas 0.9``), an
unknown or non-input ``--train`` id, nothing to train, or divergence.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import Any

import numpy as np

from ..errors import ChainruleError
from ..formatting import format_number, format_value, json_safe
from .common import PROG, CommandError, columns, one_line, unicode_ok, write
from .eval_cmd import check_source, load_source

HELP = "gradient descent on a graph's parameters without a window"

OPTIMIZER_NAMES = ("sgd", "momentum", "rmsprop", "adam")

DEFAULTS = {"lr": "0.1", "momentum": "0.9", "betas": "0.9,0.999", "eps": "1e-8",
            "weight_decay": "0"}

#: Which settings each optimizer uses (--lr and --weight-decay: all of them).
USES = {"sgd": (), "momentum": ("momentum",), "rmsprop": ("eps",), "adam": ("betas", "eps")}

#: Rows of the loss table without --json, besides the first and the last.
TABLE_ROWS = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.usage = (f"{PROG} train (FILE.cgraph | --expr PROGRAM | --expr-file FILE) --steps N\n"
               f"           [--train ID,ID,...] [--optimizer sgd|momentum|rmsprop|adam]\n"
               f"           [--lr A] [--momentum M] [--betas B1,B2] [--eps E]\n"
               f"           [--weight-decay W] [--set ID=VALUE ...] [--json]")
    p.description = (
        "Run N steps of gradient descent on the graph's output (the loss), without a\n"
        "window. The parameters are the nodes given by --train, else the graph's\n"
        "trainable inputs (\"trainable\": true in the file; requires_grad=True in a\n"
        "program). The update rules are PyTorch's, in float64:\n\n"
        "  sgd       torch.optim.SGD(lr)\n"
        "  momentum  torch.optim.SGD(lr, momentum=M)   dampening 0, not Nesterov\n"
        "  rmsprop   torch.optim.RMSprop(lr, eps=E)    alpha 0.99, not centred\n"
        "  adam      torch.optim.Adam(lr, betas=(B1, B2), eps=E)\n\n"
        "--weight-decay W adds W * parameter to each gradient, as PyTorch does.\n\n"
        "Without --json the loss is printed every so often, then the final\n"
        "parameters. With --json one object: \"losses\" (N + 1 numbers: before the\n"
        "first step and after each) and \"params\" (each trained id's final value,\n"
        "arrays as nested lists).\n\n"
        "A file with a data set (its \"data\" key) is trained on the whole training\n"
        "part of it, every step (no minibatches): the rows are fed to the inputs the\n"
        "data set binds, unless --set gives that input.\n\n"
        "Exit status: 0 on success; 1 when the graph cannot be read or evaluated,\n"
        "a setting is not a number or out of range, there is nothing to train, or\n"
        "the loss becomes inf or nan (the run stops there; what was done so far is\n"
        "still printed); 2 for a usage error.")
    # A value such as --eps -1e-8 is read as a (negative) number, not as an unknown
    # option, so it is refused for its value, like --eps -0.1 (argparse's own
    # pattern knows no exponent).
    p._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
    p.add_argument("file", nargs="?", metavar="FILE.cgraph", help="a graph file")
    p.add_argument("--expr", metavar="PROGRAM",
                   help="build the graph from a program instead of a file "
                        "(write --expr=PROGRAM if it starts with -)")
    p.add_argument("--expr-file", metavar="FILE",
                   help="the same, the program read from FILE (- for standard input)")
    p.add_argument("--steps", required=True, metavar="N",
                   help="how many steps to take (a whole number, at least 1)")
    p.add_argument("--train", metavar="ID,ID,...",
                   help="the parameters: input nodes, separated by commas (default: the "
                        "graph's trainable inputs)")
    p.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="sgd",
                   help="the update rule (default sgd)")
    p.add_argument("--lr", metavar="A", help=f"the learning rate (default {DEFAULTS['lr']})")
    p.add_argument("--momentum", metavar="M",
                   help=f"momentum's factor (default {DEFAULTS['momentum']})")
    p.add_argument("--betas", metavar="B1,B2",
                   help=f"adam's two decay rates (default {DEFAULTS['betas']})")
    p.add_argument("--eps", metavar="E",
                   help=f"rmsprop's and adam's epsilon (default {DEFAULTS['eps']})")
    p.add_argument("--weight-decay", metavar="W",
                   help="L2 penalty added to each gradient as W * parameter "
                        f"(default {DEFAULTS['weight_decay']})")
    p.add_argument("--set", action="append", default=[], dest="sets", metavar="ID=VALUE",
                   help="override the value of an input or const node first: a number or "
                        "a JSON list (repeatable)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object instead of the tables")


# ------------------------------------------------------------- settings

def parse_steps(text: str) -> int:
    """``--steps``: a whole number ≥ 1, or a CommandError."""
    try:
        n = int(text.strip())
    except ValueError:
        n = None
    if n is None or n < 1:
        raise CommandError(f"--steps {text}: the number of steps must be a whole number, "
                           f"at least 1")
    return n


def parse_number(option: str, text: str, *, below_one: bool = False) -> float:
    """A finite number ≥ 0 (and < 1 if ``below_one``), or a CommandError naming ``option``."""
    try:
        value = float(text.strip())
    except ValueError:
        raise CommandError(f"{option} {text}: not a number") from None
    if not math.isfinite(value):
        raise CommandError(f"{option} {text}: must be a finite number")
    if value < 0 or (below_one and value >= 1):
        rule = "at least 0 and below 1" if below_one else "at least 0"
        raise CommandError(f"{option} {text}: must be {rule}")
    return value


def parse_betas(text: str) -> tuple[float, float]:
    """``--betas B1,B2``: two numbers in [0, 1)."""
    parts = text.split(",")
    if len(parts) != 2 or not all(part.strip() for part in parts):
        raise CommandError(f"--betas {text}: give two numbers separated by a comma, as in "
                           f"--betas 0.9,0.999")
    betas = []
    for name, part in zip(("B1", "B2"), parts):
        try:
            betas.append(parse_number("--betas", part, below_one=True))
        except CommandError as exc:
            why = str(exc).split(": ", 1)[1]
            raise CommandError(f"--betas {text}: {name} = {part.strip()}: {why}") from None
    return betas[0], betas[1]


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """Every setting checked (CommandError on the first bad one), defaults filled in."""
    def given(name):
        value = getattr(args, name)
        return DEFAULTS[name] if value is None else value

    out: dict[str, Any] = {"steps": parse_steps(args.steps),
                           "lr": parse_number("--lr", given("lr")),
                           "momentum": parse_number("--momentum", given("momentum")),
                           "betas": parse_betas(given("betas")),
                           "eps": parse_number("--eps", given("eps")),
                           "weight_decay": parse_number("--weight-decay",
                                                        given("weight_decay"))}
    return out


def unused_settings(args: argparse.Namespace) -> list[str]:
    """The options given that the chosen optimizer does not use (for a warning)."""
    uses = USES[args.optimizer]
    return ["--" + name.replace("_", "-") for name in ("momentum", "betas", "eps")
            if getattr(args, name) is not None and name not in uses]


# ------------------------------------------------------------- the graph

def parameters(graph, text: str | None, names: dict[str, str], where: str) -> list[str]:
    """The ids to train: those of ``--train`` (checked), else the trainable inputs."""
    from ..training import parameters as trainable
    if text is None:
        params = trainable(graph)
        if not params:
            raise CommandError(f"{where}: there is nothing to train: no input is trainable; "
                               f"name the parameters with --train ID,ID,...")
        return params
    ids = [part.strip() for part in text.split(",")]
    if not any(ids) or not all(ids):
        raise CommandError(f"--train {text}: give input ids separated by commas, as in "
                           f"--train w,b")
    params: list[str] = []
    for node_id in ids:
        if node_id not in graph and node_id in names:
            node_id = names[node_id]                # a program name that is an alias
        if node_id not in graph:
            inputs = [n.id for n in graph.nodes() if n.op == "input"]
            shown = ", ".join(inputs[:12]) + ("…" if len(inputs) > 12 else "")
            listing = f"; the inputs are {shown}" if inputs else "; the graph has no inputs"
            raise CommandError(f'--train {text}: there is no node "{node_id}"{listing}')
        node = graph.node(node_id)
        if node.op != "input":
            article = "an" if node.op[:1] in "aeiou" else "a"
            raise CommandError(f'--train {text}: "{node_id}" is {article} {node.op} node; '
                               f"only input nodes can be trained")
        if node_id not in params:
            params.append(node_id)
    return params


def feed_data(graph, sets: list[str]) -> None:
    """A file's data set: its whole training part fed to the bound inputs (full batch).

    cli.md is silent on data; so that ``losses`` keep one meaning (the loss of
    the graph as it is trained), every step sees the same rows: the training
    part of the split, without minibatches.  ``--set`` of a bound input wins.
    """
    data = graph.data
    if data is None:
        return
    overridden = {text.partition("=")[0].strip() for text in sets}
    train, _ = data.split()
    for node_id, value in data.feed(train).items():
        if node_id in graph and node_id not in overridden:
            graph.set_value(node_id, value)


def _evaluation_error(evaluation, where: str) -> str | None:
    if evaluation.problems:
        first = evaluation.problems[0].message
        more = len(evaluation.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''})"
        return f"{where}: {first}"
    if evaluation.error is not None:
        return f"{where}: {evaluation.error}"
    return None


def _loss(value: Any) -> float:
    if isinstance(value, np.ndarray):
        return float(np.sum(value))
    return float(value)


# ------------------------------------------------------------------- run

def run(args: argparse.Namespace) -> int:
    from ..engine import Evaluator
    from ..optimizers import make_optimizer

    check_source(args)
    config = settings(args)
    graph, where, parsed = load_source(args)
    feed_data(graph, args.sets)
    evaluator = Evaluator(graph)
    try:
        evaluation = evaluator.evaluate()
    except ChainruleError as exc:
        raise CommandError(f"{where}: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, IndexError) as exc:
        raise CommandError(f"{where}: the graph cannot be evaluated ({exc})") from None
    problem = _evaluation_error(evaluation, where)
    if problem:
        raise CommandError(problem)
    params = parameters(graph, args.train, parsed.names if parsed else {}, where)
    try:
        optimizer = make_optimizer(args.optimizer, config["lr"], momentum=config["momentum"],
                                   betas=config["betas"], eps=config["eps"],
                                   weight_decay=config["weight_decay"])
    except ValueError as exc:                   # settings are checked above: a backstop
        raise CommandError(str(exc)) from None

    if parsed is not None:
        for note in parsed.notes:
            write(sys.stderr, f"{PROG}: note: {where}: {one_line(str(note))}\n")
        for lint in parsed.warnings:
            write(sys.stderr, f"{PROG}: warning: {where}: {one_line(str(lint))}\n")
    for option in unused_settings(args):
        write(sys.stderr, f"{PROG}: warning: {option} is not used by --optimizer "
                          f"{args.optimizer}\n")
    output = evaluation.output
    unreached = [p for p in params if evaluation.grad(p) is None]
    if unreached:
        names = ", ".join(unreached)
        verb, kept = ("does", "it is") if len(unreached) == 1 else ("do", "they are")
        write(sys.stderr, f"{PROG}: warning: {names} {verb} not reach the loss {output}: "
                          f"not trained (kept as {kept})\n")

    ascii = not unicode_ok(sys.stdout)
    steps = config["steps"]
    table = None
    if not args.json:
        write(sys.stdout, _header(output, args.optimizer, optimizer, steps, params, ascii) + "\n\n")
        table = _LossTable(steps, ascii)
    losses, failure = train(evaluator, evaluation, params, optimizer, steps,
                            table.row if table is not None else None)
    nodes = {p: graph.node(p) for p in params}
    if args.json:
        data = {"losses": json_safe(losses),
                "params": {p: json_safe(nodes[p].value) for p in params}}
        write(sys.stdout, json.dumps(data, indent=2, allow_nan=False) + "\n")
    else:
        table.finish(len(losses) - 1, losses[-1])
        rows = [(p, format_value(nodes[p].value, 6, width=72, ascii=ascii)) for p in params]
        write(sys.stdout, "\n" + "\n".join(columns(("parameter", "value"), rows)) + "\n")
    if failure is not None:
        raise CommandError(failure)
    return 0


def train(evaluator, evaluation, params: list[str], optimizer, steps: int,
          on_loss=None) -> tuple[list[float], str | None]:
    """Run up to ``steps`` updates; returns (losses, why it stopped early or None).

    ``evaluation`` is the evaluator's pass at the starting values.  The new
    values are written straight into the parameter nodes (a float stays a
    float, an array keeps its shape, so the plan is not rebuilt).
    ``on_loss(k, loss)`` is called with every loss as it is known.
    """
    plan = evaluation.plan
    index = plan.index
    out = plan.output
    nodes = [(p, plan.nodes[index[p]]) for p in params]
    losses: list[float] = []
    k = 0
    while True:
        loss = _loss(evaluation.values[out])
        losses.append(loss)
        if on_loss is not None:
            on_loss(k, loss)
        if not math.isfinite(loss):
            when = "at the starting values, before the first step" if k == 0 else \
                f"after step {k} of {steps}"
            hint = "" if k == 0 else f"; the run stopped there (try a smaller --lr than " \
                                     f"{format_number(optimizer.lr)})"
            return losses, f"the loss is {format_number(loss)} {when}{hint}"
        if k == steps:
            return losses, None
        grads = evaluation.grads
        new = optimizer.step({p: node.value for p, node in nodes},
                             {p: grads[index[p]] for p, _ in nodes})
        for p, node in nodes:
            node.value = new[p]                 # quiet: no listener, the plan stays valid
        k += 1
        try:
            if k == steps:
                evaluation = evaluator.forward()    # the last loss needs no gradients
            else:       # only the parameters' gradients are read
                evaluation = evaluator.evaluate(wanted=tuple(params))
        except (ChainruleError, ArithmeticError, TypeError, ValueError, IndexError) as exc:
            return losses, f"the graph cannot be evaluated after step {k} ({exc})"
        problem = _evaluation_error(evaluation, "") if evaluation.plan is plan \
            else ": its structure changed"
        if problem:
            return losses, f"the graph cannot be evaluated after step {k}{problem}"


class _LossTable:
    """The loss every so often, printed as the run goes: step 0, about TABLE_ROWS more, N."""

    def __init__(self, steps: int, ascii: bool):
        self.every = max(1, math.ceil(steps / TABLE_ROWS))
        self.width = max(4, len(str(steps)))
        self.shown = -1
        write(sys.stdout, "step".rjust(self.width) + "  loss\n")

    def row(self, k: int, loss: float) -> None:
        if k % self.every == 0 or not math.isfinite(loss):
            self._print(k, loss)

    def finish(self, k: int, loss: float) -> None:
        if self.shown != k:
            self._print(k, loss)

    def _print(self, k: int, loss: float) -> None:
        self.shown = k
        write(sys.stdout, f"{str(k).rjust(self.width)}  {format_number(loss, 10)}\n")


def _header(output: str, name: str, optimizer, steps: int, params: list[str],
            ascii: bool = False) -> str:
    parts = [f"lr {format_number(optimizer.lr, 10)}"]
    if name == "momentum":
        parts.append(f"momentum {format_number(optimizer.momentum, 10)}")
    if name == "adam":
        b1, b2 = optimizer.betas
        parts.append(f"betas {format_number(b1, 10)}, {format_number(b2, 10)}")
    if name in ("rmsprop", "adam"):
        parts.append(f"eps {format_number(optimizer.eps, 10)}")
    if optimizer.weight_decay:
        parts.append(f"weight decay {format_number(optimizer.weight_decay, 10)}")
    shown = ", ".join(params[:12]) + (("..." if ascii else "…") if len(params) > 12 else "")
    return (f"training {output} with {name} ({', '.join(parts)}) for {steps} "
            f"step{'s' * (steps != 1)}; parameters: {shown}")
