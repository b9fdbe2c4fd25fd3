"""An optimizer race: the same graph trained from the same start by several optimizers.

Each entrant trains its own copy of the graph (values, data set and all) with
a :class:`~chainrule.core.training.Trainer` of its own, so a race is exactly
that many separate runs: the same batches in the same order (the data set's
seed), the same starting values, nothing shared.  A run that diverges stops
there; its losses so far stay in the race, with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .graph import Graph
from .optimizers import Optimizer
from .training import Trainer, TrainingError

MAX_ENTRANTS = 4


@dataclass
class Entrant:
    name: str
    optimizer: Optimizer
    losses: list[float] = field(default_factory=list)
    stopped: str | None = None             # why it stopped early, if it did
    trainer: Trainer | None = None
    path: list[tuple[float, float]] = field(default_factory=list)   # the two traced numbers


def start(graph: Graph, entrants: list[tuple[str, Optimizer]], trace=None) -> list[Entrant]:
    """Up to :data:`MAX_ENTRANTS` entrants, each with a copy of ``graph`` as it is now.

    ``trace``: two coordinates (``(node, index)``, as in :mod:`.landscape`) whose
    values each entrant records after every step, its path on the loss surface.
    """
    if not 1 <= len(entrants) <= MAX_ENTRANTS:
        raise ValueError(f"a race has 1 to {MAX_ENTRANTS} optimizers, not {len(entrants)}")
    out = []
    for name, opt in entrants:
        opt.reset()
        entrant = Entrant(name, opt, trainer=Trainer(graph.copy(), optimizer=opt))
        if trace is not None:
            entrant.trainer.on_step = _tracer(entrant, graph, trace)
        out.append(entrant)
    return out


def _tracer(entrant: Entrant, graph: Graph, trace):
    from .landscape import read
    (pa, ia), (pb, ib) = trace
    entrant.path.append((read(graph, trace[0]), read(graph, trace[1])))

    def record(new: dict) -> None:
        last = entrant.path[-1]
        a = (float(new[pa][ia]) if ia else float(new[pa])) if pa in new else last[0]
        b = (float(new[pb][ib]) if ib else float(new[pb])) if pb in new else last[1]
        entrant.path.append((a, b))
    return record


def advance(entrants: list[Entrant], steps: int) -> None:
    """``steps`` more steps for every entrant still running."""
    for e in entrants:
        if e.stopped is not None:
            continue
        try:
            e.losses.extend(e.trainer.run(steps))
        except TrainingError as exc:
            e.losses.extend(exc.losses)
            e.stopped = str(exc)


def race(graph: Graph, entrants: list[tuple[str, Optimizer]], steps: int,
         trace=None) -> list[Entrant]:
    """The whole race at once (the editor advances it in chunks, the same steps)."""
    field_ = start(graph, entrants, trace)
    advance(field_, steps)
    return field_
