"""Training on a data set, and the pictures' numbers: regions, loss surface, race.

The Trainer with an optimizer and minibatches is compared with torch.optim
fed the same batches (float64); the held-out loss must not change anything;
the decision regions must put a known linear boundary where it is; every
value of the loss surface's grid must be a direct evaluation; a race must be
exactly its separate runs.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from cli_support import registry, strict_json  # noqa: F401
from chainrule.core import fileformat
from chainrule.core.cli import main
from chainrule.core.landscape import coordinates, loss_at, loss_surface
from chainrule.core.optimizers import SGD, Adam, Momentum, RMSprop
from chainrule.core.race import race
from chainrule.core.regions import decision_regions, prediction_node
from chainrule.core.training import Trainer
from data_graphs import linear_classifier, mlp


def _params(g):
    return {p: g.node(p).value.copy() for p in ("W1", "b1", "W2", "b2", "W3", "b3") if p in g}


# ------------------------------------------------------------ training

@pytest.mark.parametrize("make, torch_make", [
    (lambda: Adam(0.01), lambda ps, torch: torch.optim.Adam(ps, lr=0.01)),
    (lambda: Momentum(0.05, 0.9), lambda ps, torch: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    (lambda: RMSprop(0.01), lambda ps, torch: torch.optim.RMSprop(ps, lr=0.01)),
], ids=["adam", "momentum", "rmsprop"])
def test_minibatch_training_equals_torch_optim_on_the_same_batches(make, torch_make):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison "
                                                "with torch.optim is skipped")
    g = mlp((2, 8, 2), n=60, batch_size=16, holdout=0.2, seed=3)
    ts = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
          for k, v in _params(g).items()}
    reference = torch_make(list(ts.values()), torch)
    batches = [b for e in range(10) for b in g.data.batches(e)]
    trainer = Trainer(g, optimizer=make())
    for k in range(20):
        loss = trainer.step()
        rows = batches[k]
        X = torch.tensor(g.data.rows[rows, :2])
        y = torch.tensor(g.data.rows[rows, 2]).long()
        h = torch.relu(X @ ts["W1"] + ts["b1"])
        ref = torch.nn.functional.cross_entropy(h @ ts["W2"] + ts["b2"], y)
        reference.zero_grad()
        ref.backward()
        reference.step()
        assert loss == pytest.approx(ref.item(), rel=1e-12), f"step {k + 1}"
        for name, t in ts.items():
            np.testing.assert_allclose(g.node(name).value, t.detach().numpy(), rtol=1e-10,
                                       atol=1e-12, err_msg=f"{name}, step {k + 1}")


def test_an_epoch_records_training_and_held_out_losses():
    g = mlp((2, 8, 2), n=50, batch_size=10, holdout=0.2)
    trainer = Trainer(g, optimizer=SGD(0.1))
    trainer.run(8)                                   # 40 training rows: 4 batches an epoch
    assert [e[0] for e in trainer.epochs] == [4, 8]
    step, train, held = trainer.epochs[-1]
    assert train == pytest.approx(trainer.split_losses()[0]) and held is not None


def test_the_held_out_loss_changes_nothing():
    g = mlp((2, 8, 2), n=50, batch_size=10, holdout=0.2)
    trainer = Trainer(g, optimizer=Adam(0.01))
    trainer.run(3)
    before, state = _params(g), json.dumps({p: {k: np.asarray(v).tolist() for k, v in s.items()}
                                            for p, s in trainer.optimizer.state.items()})
    history = list(trainer.history)
    train, held = trainer.split_losses()
    assert all(np.array_equal(before[k], v) for k, v in _params(g).items())
    assert json.dumps({p: {k: np.asarray(v).tolist() for k, v in s.items()}
                       for p, s in trainer.optimizer.state.items()}) == state
    assert trainer.history == history
    # the held-out loss is the loss of exactly the held-out rows
    _, held_rows = g.data.split()
    g2 = g.copy()
    g2.set_values(g.data.feed(held_rows))
    assert held == pytest.approx(Trainer(g2).loss(), rel=1e-14)


def test_reset_forgets_the_optimizer_state_and_the_batches():
    g = mlp((2, 8, 2), n=50, batch_size=10)
    start = _params(g)
    trainer = Trainer(g, optimizer=Adam(0.01))
    first = trainer.run(5)
    assert trainer.optimizer.state
    trainer.reset()
    assert not trainer.optimizer.state and not trainer.epochs
    assert all(np.array_equal(start[k], v) for k, v in _params(g).items())
    assert trainer.run(5) == first


def test_undo_state_puts_the_optimizer_back():
    g = mlp((2, 8, 2), n=50, batch_size=10)
    trainer = Trainer(g, optimizer=Momentum(0.1))
    trainer.run(2)
    saved, values = trainer.state(), _params(g)
    after = trainer.run(3)
    trainer.restore_state(saved)
    g.set_values(values)
    assert trainer.run(3) == after


# ------------------------------------------------------------ regions

def test_a_known_vertical_boundary_lands_on_its_pixels():
    # scores = (x1, −x1): class 0 right of x1 = 0, class 1 left of it
    g = linear_classifier()
    image = decision_regions(g, (-1.0, 1.0, -1.0, 1.0), 10)
    assert image.shape == (10, 10)
    assert (image[:, :5] == 1).all() and (image[:, 5:] == 0).all()


def test_a_known_diagonal_boundary_lands_on_its_pixels():
    # scores = (x2 − x1 − 0.5, 0): class 0 above the line x2 = x1 + 0.5; row 0 is the bottom
    g = linear_classifier(W=((-1.0, 0.0), (1.0, 0.0)), b=(-0.5, 0.0))
    n, box = 20, (-2.0, 2.0, -2.0, 2.0)
    image = decision_regions(g, box, n)
    centres = -2.0 + (np.arange(n) + 0.5) * 4.0 / n
    for i, y in enumerate(centres):
        for j, x in enumerate(centres):
            assert image[i, j] == (0 if y > x + 0.5 else 1), (x, y)


def test_the_regions_follow_the_parameters_and_leave_the_graph_alone():
    g = linear_classifier()
    version = g.version
    first = decision_regions(g, (-1.0, 1.0, -1.0, 1.0), 8)
    g.set_value("W", np.array([[-1.0, 1.0], [0.0, 0.0]]))
    version = g.version
    flipped = decision_regions(g, (-1.0, 1.0, -1.0, 1.0), 8)
    assert np.array_equal(flipped, 1 - first) and g.version == version
    assert g.node("X").value.shape == (40, 2)


def test_the_prediction_is_what_the_loss_compares_with_the_label():
    assert prediction_node(linear_classifier()) == ("scores", 0.0)


# ------------------------------------------------------------ surface

def test_every_grid_value_is_a_direct_evaluation():
    g = mlp((2, 4, 2), n=30, holdout=0.2)
    a, b = coordinates(g)[0], coordinates(g)[5]
    surface = loss_surface(g, a, b, span=0.5, n=5)
    for i, y in enumerate(surface.ys):
        for j, x in enumerate(surface.xs):
            assert surface.losses[i, j] == loss_at(g, {a: x, b: y})
    centre = surface.losses[2, 2]
    assert centre == pytest.approx(Trainer(g).loss(), rel=1e-14)


def test_two_numbers_of_one_parameter_make_a_surface_too():
    g = linear_classifier()
    a, b = ("W", (0, 0)), ("W", (1, 1))
    surface = loss_surface(g, a, b, span=1.0, n=3)
    assert surface.losses[0, 2] == loss_at(g, {a: surface.xs[2], b: surface.ys[0]})
    assert g.node("W").value[0, 0] == 1.0


# ------------------------------------------------------------ race

def test_the_race_curves_equal_separate_runs():
    g = mlp((2, 8, 2), n=60, batch_size=16)
    entrants = [("sgd", SGD(0.1)), ("momentum", Momentum(0.1)), ("adam", Adam(0.01)),
                ("rmsprop", RMSprop(0.01))]
    result = race(g, entrants, 25)
    for (name, _), entrant in zip(entrants, result):
        alone = g.copy()
        fresh = {"sgd": SGD(0.1), "momentum": Momentum(0.1), "adam": Adam(0.01),
                 "rmsprop": RMSprop(0.01)}[name]
        assert entrant.losses == Trainer(alone, optimizer=fresh).run(25), name
    assert len({tuple(e.losses) for e in result}) == 4        # they differ from each other
    assert g.node("W1").value.tolist() == mlp((2, 8, 2), n=60, batch_size=16).node(
        "W1").value.tolist()                                  # the original is untouched


def test_a_diverging_entrant_stops_and_keeps_its_losses():
    g = linear_classifier()
    result = race(g, [("sgd", SGD(1e308)), ("adam", Adam(0.01))], 30)
    assert result[0].stopped and len(result[1].losses) == 30


# ------------------------------------------------------------ CLI

def test_chainrule_train_uses_the_files_training_rows(tmp_path, capsys):
    g = linear_classifier(n=40, holdout=0.25, batch_size=4)
    g.set_value("X", np.zeros((2, 2)))          # the saved value is not what trains
    g.set_value("y", np.zeros(2))
    path = tmp_path / "d.cgraph"
    fileformat.save(g, path)
    assert main(["train", str(path), "--steps", "5", "--optimizer", "adam", "--lr", "0.05",
                 "--json"]) == 0
    out = strict_json(capsys.readouterr().out)
    expected = Trainer(linear_classifier(n=40, holdout=0.25, batch_size=0),
                       optimizer=Adam(0.05))
    full = expected.run(5) + [expected.loss()]
    assert out["losses"] == pytest.approx(full, rel=1e-12)
    assert len(out["losses"]) == 6
    np.testing.assert_allclose(out["params"]["W"], expected.graph.node("W").value, rtol=1e-12)


def test_restoring_a_state_of_another_optimizer_starts_the_current_one_afresh():
    g = mlp((2, 8, 2), n=50, batch_size=10)
    trainer = Trainer(g, optimizer=Momentum(0.1))
    trainer.run(2)
    saved = trainer.state()
    trainer.set_optimizer(Adam(0.01))
    trainer.run(2)
    trainer.restore_state(saved)
    assert isinstance(trainer.optimizer, Adam) and not trainer.optimizer.state
