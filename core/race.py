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


def start(graph: Graph, entrants: list[tuple[str, Optimizer]]) -> list[Entrant]:
    """Up to :data:`MAX_ENTRANTS` entrants, each with a copy of ``graph`` as it is now."""
    if not 1 <= len(entrants) <= MAX_ENTRANTS:
        raise ValueError(f"a race has 1 to {MAX_ENTRANTS} optimizers, not {len(entrants)}")
    out = []
    for name, opt in entrants:
        opt.reset()
        out.append(Entrant(name, opt, trainer=Trainer(graph.copy(), optimizer=opt)))
    return out


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


def race(graph: Graph, entrants: list[tuple[str, Optimizer]], steps: int) -> list[Entrant]:
    """The whole race at once (the editor advances it in chunks, the same steps)."""
    field_ = start(graph, entrants)
    advance(field_, steps)
    return field_
