"""Grading a hand-written backward pass (``cli.md``, "chainrule grade").

Each claim ``grad_ID = ...`` is compared with the true ∂output/∂ID at the
graph's values and at ``trials`` reproducible draws of its inputs. A claim
right at the graph's values is ``ok`` (right at every draw) or
``coincidence``; a wrong one gets the first of ``error``, ``shape``, ``sign``,
``missing_upstream``, ``overwrite``, ``missing_path``, ``value_for_gradient``
that explains it at every draw, else ``wrong``. Required gradients not given
are ``missing``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import Evaluator
from ..errors import ChainruleError
from ..formatting import format_value
from ..graph import Edge, Graph
from .answer import Answer, AnswerError, Claim
from .draws import draws
from .mistakes import DOWNSTREAM, Point, candidates

#: The codes of a wrong claim, in their order of precedence (``cli.md``).
PRECEDENCE = ("error", "shape", "sign", "missing_upstream", "overwrite", "missing_path",
              "value_for_gradient")
CODES = ("ok", "coincidence") + PRECEDENCE + ("wrong", "missing")

DEFAULT_TOLERANCE = 1e-6
ABSOLUTE_FLOOR = 1e-9


class GradeError(ChainruleError):
    """The graph cannot be graded (it cannot be evaluated, or --require names no node)."""


@dataclass
class Verdict:
    """One claim (or one missing gradient) and what the grader says of it."""

    name: str
    node: str
    line: int | None
    code: str
    message: str
    expected: Any = None
    got: Any = None
    wires: list[Edge] = field(default_factory=list)    # the wires the mistake is about

    @property
    def ok(self) -> bool:
        return self.code == "ok"


@dataclass
class Report:
    claims: list[Verdict]

    @property
    def score(self) -> int:
        return sum(v.ok for v in self.claims)

    @property
    def max_score(self) -> int:
        return len(self.claims)

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.claims)


def required_nodes(graph: Graph, evaluation, require: str | list[str] = "inputs") -> list[str]:
    """The nodes whose gradient the answer must give: ``inputs`` (every input with a
    gradient), ``all`` (every node with one but the output and the consts), or ids."""
    if isinstance(require, str) and require in ("inputs", "all"):
        out = evaluation.output
        return [n.id for n in graph.nodes() if evaluation.grad(n.id) is not None
                and (n.op == "input" if require == "inputs" else
                     n.id != out and n.op != "const")]
    ids = require.split(",") if isinstance(require, str) else list(require)
    ids = [i.strip() for i in ids if i.strip()]
    unknown = [i for i in ids if i not in graph]
    if unknown:
        raise GradeError(f"--require names {', '.join(unknown)}, which "
                         f"{'is not a node' if len(unknown) == 1 else 'are not nodes'} of "
                         f"the graph")
    return ids


def grade(graph: Graph, answer_text: str, *, aliases: dict[str, str] | None = None,
          require: str | list[str] = "inputs", tolerance: float = DEFAULT_TOLERANCE,
          trials: int = 5, seed: int = 0) -> Report:
    """Check ``answer_text`` against ``graph``'s true gradients.

    Raises :class:`GradeError` when the graph cannot be evaluated and
    :class:`~chainrule.core.errors.ProgramError` when the answer cannot be read."""
    base = graph.copy()
    evaluation = Evaluator(base).evaluate()
    if evaluation.problems:
        raise GradeError(evaluation.problems[0].message)
    if evaluation.error is not None:
        raise GradeError(evaluation.error)
    answer = Answer(answer_text, base, aliases)
    home = Point(base, evaluation)
    points = [Point(g, ev) for _, g, ev in draws(base, trials, seed)]
    got_home = answer.evaluate(home.value)
    got_draws = [answer.evaluate(p.value) for p in points]
    grader = _Grader(base, evaluation.output, tolerance, answer)
    verdicts = [grader.claim(c, home, got_home, points, got_draws) for c in answer.claims]
    given = {c.node for c in answer.claims}
    for node in required_nodes(base, evaluation, require):
        if node not in given:
            verdicts.append(Verdict(
                f"grad_{node}", node, None, "missing",
                f"{grader.d(node)} is required but the answer does not give it (write "
                f"grad_{node} = ...)", _expected(home, node), None))
    return Report(verdicts)


def _expected(point: Point, node: str) -> Any:
    """The true gradient; zeros of the value's shape where the node does not reach
    the output (its gradient does not exist, and 0 is the right claim)."""
    g = point.grad(node)
    if g is None:
        v = point.value(node)
        return np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0
    return g


class _Grader:
    def __init__(self, graph: Graph, output: str, tolerance: float, answer: Answer):
        self.graph, self.output, self.tolerance, self.answer = graph, output, tolerance, answer

    def d(self, node: str) -> str:
        return f"∂{self.output}/∂{node}"

    def close(self, got: Any, want: Any) -> bool:
        if want is None or got is None or isinstance(got, AnswerError):
            return False
        if np.shape(got) != np.shape(want):
            return False
        g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        with np.errstate(all="ignore"):
            allowed = np.maximum(self.tolerance * np.abs(w), ABSOLUTE_FLOOR)
            ok = (np.abs(g - w) <= allowed) | (g == w) | (np.isnan(g) & np.isnan(w))
        return bool(np.all(ok))

    def claim(self, claim: Claim, home: Point, got_home: dict, points: list[Point],
              got_draws: list[dict]) -> Verdict:
        node, name = claim.node, claim.name
        got = self.answer.claim_value(claim, got_home)
        want = _expected(home, node)
        gots = [self.answer.claim_value(claim, g) for g in got_draws]
        code, message, wires = self._judge(name, node, got, want, home, gots, points)
        return Verdict(name, node, claim.line, code, message, want,
                       None if isinstance(got, AnswerError) else got, wires)

    def _judge(self, name, node, got, want, home, gots, points) -> tuple[str, str, list]:
        """(code, sentence, wires the mistake is about) of one claim."""
        if isinstance(got, AnswerError):
            return "error", f"{name} cannot be evaluated: {got}", []
        if np.shape(got) != np.shape(want):
            return "shape", self._shape(name, node, got, want), []
        if self.close(got, want):
            bad = next((k for k, p in enumerate(points)
                        if not self.close(gots[k], _expected(p, node))), None)
            if bad is not None:
                return "coincidence", self._coincidence(name, node, gots, points, bad), []
            return "ok", (f"{name} = {_num(got)} is {self.d(node)}: right at the graph's "
                          f"values and at {len(points)} other draws of the inputs"), []
        found = self._explain(node, got, home, gots, points)
        if found is None or found.code == DOWNSTREAM:
            hint = ("none of the usual mistakes (value for gradient, missing upstream "
                    "factor, a path or a sign)" if found is None else
                    found.say(home))
            return "wrong", (f"{name} = {_num(got)}, but {self.d(node)} = {_num(want)}; it is "
                             f"{hint}"), ([] if found is None else found.wires)
        return (found.code, f"{name} = {_num(got)}: {found.say(home)}" + self._fix(found),
                found.wires)

    def _explain(self, node, got, home, gots, points):
        matches = [m for m in candidates(self.graph, node, self.d)
                   if self.close(got, m.compute(home))]
        named = {c.node for c in self.answer.claims}
        for code in PRECEDENCE[2:] + (DOWNSTREAM,):
            survivors = [m for m in matches if m.code == code and all(
                self.close(gots[k], m.compute(p)) for k, p in enumerate(points))]
            if survivors:
                # the gradient the learner named in their own answer, if one fits
                survivors.sort(key=lambda m: not (m.code == "value_for_gradient"
                                                  and m.key[2] in named))
                return survivors[0]
        return None

    def _fix(self, found) -> str:
        """For a value used as a gradient: the learner's own name to write instead."""
        if found.code != "value_for_gradient":
            return ""
        _, a, b = found.key
        mine = next((c.name for c in self.answer.claims if c.node == b), None)
        return f"; write {mine} where you wrote {a}" if mine else ""

    def _shape(self, name: str, node: str, got, want) -> str:
        gs, ws = _shape(got), _shape(want)
        fix = "neither summing over the batch axis nor transposing gives the right numbers"
        arr = np.asarray(got, dtype=np.float64)
        if arr.ndim >= 1 and self.close(_reshape_like(arr.sum(axis=0), want), want):
            fix = "summing over the batch axis (axis 0) would fix it"
        elif arr.ndim >= 2 and self.close(_reshape_like(np.swapaxes(arr, -1, -2), want), want):
            fix = "transposing would fix it"
        return f"{name} has shape {gs} but {node} (and {self.d(node)}) has shape {ws}: {fix}"

    def _coincidence(self, name, node, gots, points: list[Point], bad: int) -> str:
        p = points[bad]
        drawn = [n for n in self.graph.node_ids() if self.graph.node(n).op == "input"][:3]
        at = ", ".join(f"{n} = {_num(p.value(n))}" for n in drawn)
        g = gots[bad]
        shown = g.reason if isinstance(g, AnswerError) else _num(g)
        constant = all(not isinstance(x, AnswerError) and x is not None and
                       np.array_equal(x, gots[0]) for x in gots)
        why = ("a number typed in does not follow the inputs" if constant else
               f"the formula agrees with {self.d(node)} only at the graph's numbers")
        return (f"{name} is right at the graph's values but not at others: at {at} "
                f"{self.d(node)} = {_num(_expected(p, node))} and {name} gives {shown}; {why}")


def _reshape_like(x, want):
    return x.reshape(np.shape(want)) if np.size(x) == np.size(want) else x


def _shape(v) -> str:
    s = np.shape(v)
    return "scalar" if not s else "(" + "×".join(map(str, s)) + ")"


def _num(v) -> str:
    return format_value(v, 4, width=40, minus="−")
