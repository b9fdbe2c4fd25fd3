"""core/update_text.py: the Update step with this step's numbers, and the state summaries."""
from __future__ import annotations

import numpy as np
import pytest

from chainrule.core.optimizers import SGD, Adam, Momentum, RMSprop
from chainrule.core.update_text import badge, state_summary, update_text


def _last_number(text: str) -> float:
    line = next(l for l in text.splitlines() if ":=" in l)
    return float(line.rsplit("=", 1)[1].strip().replace("−", "-"))


def test_adam_writes_the_issue_example():
    opt = Adam(0.01)
    opt.state["w"] = {"exp_avg": np.float64(0.12), "exp_avg_sq": np.float64(0.001), "step": 1}
    text = update_text(opt, "w", 2.0, -0.4).text()
    assert "m = 0.9·0.12 + 0.1·(−0.4) = 0.068" in text
    assert "v = 0.999·0.001 + 0.001·(−0.4)² = 0.001159" in text
    assert "m̂ = m/(1 − 0.9^2)" in text and "w := 2 − 0.01·" in text


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1, 0.9), RMSprop(0.01), Adam(0.05),
                                 SGD(0.1, weight_decay=0.5), Adam(0.05, weight_decay=0.1)],
                         ids=repr)
def test_the_written_new_value_is_the_optimizers_and_nothing_changes(opt):
    w, grads = 1.5, (0.3, -0.7, 0.2)
    for g in grads:
        before = {k: dict(v) for k, v in opt.state.items()}
        text = update_text(opt, "w", w, g, digits=10).text()
        assert opt.state == before                      # the optimizer is not touched
        new = opt.step({"w": w}, {"w": g})["w"]
        assert _last_number(text) == pytest.approx(new, rel=1e-9)
        w = new


def test_momentums_first_step_says_the_velocity_starts_as_the_gradient():
    text = update_text(Momentum(0.1), "w", 1.0, 0.5).text()
    assert "v = ∂L/∂w = 0.5" in text and "w := 1 − 0.1·0.5 = 0.95" in text


def test_an_array_writes_its_first_element_and_says_so():
    opt = SGD(0.1)
    text = update_text(opt, "W", np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2))).text()
    assert "W[0, 0] := 1 − 0.1·1 = 0.9" in text and "Every element" in text


def test_no_gradient_no_update():
    assert "no update" in update_text(Adam(), "w", 1.0, None).text()


def test_state_summaries_name_what_each_optimizer_keeps():
    for opt, names in ((Momentum(0.1), {"velocity v"}), (RMSprop(0.1), {"square average s", "step"}),
                       (Adam(0.1), {"m", "v", "step t", "bias-corrected step"})):
        assert state_summary(opt, "w") == [] and badge(opt, "w") == ""
        opt.step({"w": 1.0}, {"w": 0.5})
        assert {k for k, _ in state_summary(opt, "w")} == names
        assert badge(opt, "w")
    opt = Adam(0.1)
    new = opt.step({"w": 1.0}, {"w": 0.5})["w"]
    step = dict(state_summary(opt, "w", 10))["bias-corrected step"]
    assert float(step.replace("−", "-")) == pytest.approx(new - 1.0, rel=1e-9)
    assert SGD().state == {} and state_summary(SGD(), "w") == []
