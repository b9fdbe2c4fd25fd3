"""Demos 22-24 (data sets, optimizers, pictures): each loads with its data set, trains,
and shows what its description says."""
from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.core.engine import evaluate
from chainrule.core.fileformat import load
from chainrule.core.landscape import coordinate_name, coordinates, loss_surface
from chainrule.core.optimizers import SGD, Adam, Momentum
from chainrule.core.race import race
from chainrule.core.regions import decision_regions
from chainrule.core.training import Trainer
from chainrule.resources import DEMOS

LEARN = ["22-moons-adam.cgraph", "23-optimizer-race.cgraph", "24-neuron-surface.cgraph"]
INDEX = json.loads((DEMOS / "index.json").read_text(encoding="utf-8"))


def test_they_are_in_the_index():
    assert all(name in INDEX["demos"] for name in LEARN)


@pytest.mark.parametrize("name", LEARN)
def test_loads_with_its_data_bound_and_evaluates(name):
    g = load(DEMOS / name)
    assert g.title and g.description and g.data is not None and g.data.generator
    train, _ = g.data.split()
    for node, value in g.data.feed(train).items():
        assert np.array_equal(g.node(node).value, value)     # saved fed with the training rows
    ev = evaluate(g)
    assert ev.error is None and not ev.problems and np.isfinite(ev.value(g.output))
    assert isinstance(g.extra["lab"], dict)
    assert decision_regions(g, n=16) is not None


def test_22_adam_separates_the_moons():
    g = load(DEMOS / "22-moons-adam.cgraph")
    lab = g.extra["lab"]
    assert lab["optimizer"] == "adam" and g.data.batch_size == 32 and g.data.holdout == 0.2
    trainer = Trainer(g, optimizer=Adam(lab["lr"]))
    assert lab["unit"] == "epochs"
    trainer.run(len(g.data.batches(0)) * lab["steps"])
    assert len(trainer.epochs) == lab["steps"]
    first, last = trainer.epochs[0], trainer.epochs[-1]
    assert last[1] < 0.05 and last[2] < first[2] / 2        # both losses fell
    image = decision_regions(g, n=24)
    assert 0 in image and 1 in image


def test_23_the_race_puts_adam_and_momentum_ahead_of_sgd():
    g = load(DEMOS / "23-optimizer-race.cgraph")
    entrants = [(n, {"sgd": SGD, "momentum": Momentum, "adam": Adam}[n](lr))
                for n, lr in g.extra["lab"]["race"]]
    result = race(g, entrants, 300)
    final = {e.name: e.losses[-1] for e in result}
    assert final["momentum"] < final["sgd"] and final["adam"] < final["sgd"]


def test_24_the_surface_is_along_the_two_weights_and_both_paths_go_down():
    g = load(DEMOS / "24-neuron-surface.cgraph")
    lab = g.extra["lab"]
    coords = {coordinate_name(c): c for c in coordinates(g)}
    a, b = coords[lab["surface"][0]], coords[lab["surface"][1]]
    surface = loss_surface(g, a, b, span=lab["span"], n=9)
    assert surface.losses[4, 4] == pytest.approx(Trainer(g).loss())
    assert surface.losses.min() < surface.losses[4, 4]
    result = race(g, [("sgd", SGD(0.5)), ("adam", Adam(0.05))], 150, trace=(a, b))
    for e in result:
        assert e.losses[-1] < e.losses[0] / 3 and len(e.path) == 151
        assert e.path[0] == (-2.5, 2.5)
