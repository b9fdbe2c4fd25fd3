"""The step-through's Update step: after the backward pass, what one optimizer step
would do to every trainable input, with this step's numbers; it changes nothing."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from chainrule.core.engine import BackwardStep
from chainrule.core.explain import step_page
from chainrule.core.fileformat import load
from chainrule.core.optimizers import SGD, Adam
from chainrule.core.stepper import CURRENT, Stepper, UpdateStep, update_params
from chainrule.core.training import parameters
from chainrule.core.update_text import MINUS
from chainrule.resources import DEMOS


def neuron():
    return load(DEMOS / "01-neuron.cgraph")


def new_values(text: str) -> dict[str, float]:
    """``w0 := 2 − 0.05·(−0.1966) = 2.0098`` lines → {"w0": 2.0098}."""
    out = {}
    for line in text.splitlines():
        if ":=" in line:
            name = line.split(":=")[0].split()[-1]
            out[name] = float(line.rsplit("=", 1)[1].strip().replace(MINUS, "-"))
    return out


def test_a_graph_with_parameters_gets_one_more_step_after_the_backward_pass():
    graph = neuron()
    plain, s = Stepper(graph), Stepper(graph, update=True)
    assert s.total == plain.total + 1 and s.n_update == 1
    s.run_all()
    assert isinstance(s.steps[-2], BackwardStep)
    assert s.current == UpdateStep(("w0", "w1", "w2"))
    assert s.phase == "done"
    s.back()
    assert s.phase == "backward" and isinstance(s.current, BackwardStep)
    s.step()
    assert s.stops()[-1] == s.total and s.step_nodes()[-1] == ("update", None)


def test_without_trainable_inputs_or_without_asking_nothing_changes():
    graph = neuron()
    for p in parameters(graph):
        graph.set_trainable(p, False)
    assert update_params(graph, Stepper(graph).evaluation) == ()
    s = Stepper(graph, update=True)
    assert s.total == Stepper(graph).total and s.n_update == 0
    s.run_all()
    assert not any(isinstance(step, UpdateStep) for step in s.steps)


def test_the_update_step_highlights_the_parameters_and_changes_no_number():
    graph = neuron()
    before = {n.id: n.value for n in graph.nodes()}
    s = Stepper(graph, update=True)
    s.jump(s.total - 1)
    last = s.view()
    states, grads = dict(last.states), dict(last.node_grads)
    s.step()
    view = s.view()
    assert view.updating == ("w0", "w1", "w2") and view.emphasized == []
    assert {n for n, st in view.states.items() if st == CURRENT} == {"w0", "w1", "w2"}
    assert {n: st for n, st in view.states.items() if n not in view.updating} == \
        {n: st for n, st in states.items() if n not in view.updating}
    assert view.node_grads == grads
    assert s.view_from_scratch().states == view.states
    assert {n.id: n.value for n in graph.nodes()} == before


@pytest.mark.parametrize("opt", [None, SGD(lr=0.05), Adam(lr=0.01)])
def test_the_update_page_writes_every_parameters_next_value(opt):
    graph = neuron()
    s = Stepper(graph, update=True)
    s.run_all()
    explanation, header, hint, kind = step_page(s, 6, optimizer=opt)
    assert kind == "update" and header == f"Step {s.total} of {s.total} · update step"
    text = "\n".join([explanation.title, *explanation.lines])
    shown = new_values(text)
    assert opt is None or opt.state == {}              # the page leaves the optimizer alone
    used = copy.deepcopy(opt) if opt is not None else SGD()
    expect = used.step({p: graph.node(p).value for p in parameters(graph)},
                       {p: s.evaluation.grad(p) for p in parameters(graph)})
    assert shown.keys() == {"w0", "w1", "w2"}
    for p, value in shown.items():
        assert value == pytest.approx(float(np.ravel(expect[p])[0]), abs=1e-5)
    s.back()
    assert "Next: the Update step" in step_page(s)[2]
