"""The update rules of core/optimizers.py: by hand for two steps, and against torch.optim.

The hand-computed checks run everywhere; the comparisons with PyTorch (float64,
step after step, scalars and arrays, with and without weight decay) are
skipped when torch is not installed.
"""
from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from chainrule.core.optimizers import (OPTIMIZERS, SGD, Adam, Momentum, RMSprop,
                                       make_optimizer)

try:
    import torch
except ImportError:                       # the reference tests below say so when skipped
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: "
                                 "the comparison with torch.optim is skipped")


def two_steps(opt, p0, g1, g2):
    p1 = opt.step({"w": p0}, {"w": g1})["w"]
    p2 = opt.step({"w": p1}, {"w": g2})["w"]
    return p1, p2


# ------------------------------------------------------------ by hand

def test_sgd_by_hand():
    # p = 1 - 0.1*2 = 0.8;  p = 0.8 - 0.1*(-1) = 0.9
    assert two_steps(SGD(lr=0.1), 1.0, 2.0, -1.0) == pytest.approx((0.8, 0.9), abs=1e-15)


def test_sgd_weight_decay_by_hand():
    # g = 2 + 0.5*1 = 2.5, p = 1 - 0.25 = 0.75;  g = -1 + 0.5*0.75 = -0.625, p = 0.8125
    assert two_steps(SGD(lr=0.1, weight_decay=0.5), 1.0, 2.0, -1.0) == \
        pytest.approx((0.75, 0.8125), abs=1e-15)


def test_momentum_by_hand():
    # the first buffer is the gradient itself: b = 2, p = 1 - 0.2 = 0.8
    # then b = 0.9*2 + (-1) = 0.8, p = 0.8 - 0.08 = 0.72
    assert two_steps(Momentum(lr=0.1, momentum=0.9), 1.0, 2.0, -1.0) == \
        pytest.approx((0.8, 0.72), abs=1e-15)


def test_momentum_weight_decay_by_hand():
    # g = 2 + 0.5*1 = 2.5 = b, p = 0.75;  g = -1 + 0.375 = -0.625, b = 2.25 - 0.625 = 1.625,
    # p = 0.75 - 0.1625 = 0.5875
    assert two_steps(Momentum(lr=0.1, momentum=0.9, weight_decay=0.5), 1.0, 2.0, -1.0) == \
        pytest.approx((0.75, 0.5875), abs=1e-15)


def test_rmsprop_by_hand():
    # v = 0.01*4 = 0.04, p = 1 - 0.1*2/0.2 = 0
    # v = 0.99*0.04 + 0.01*1 = 0.0496, p = 0 - 0.1*1/sqrt(0.0496) = -0.44901325...
    p1, p2 = two_steps(RMSprop(lr=0.1, eps=0.0), 1.0, 2.0, 1.0)
    assert p1 == pytest.approx(0.0, abs=1e-15)
    assert p2 == pytest.approx(-0.1 / math.sqrt(0.0496), rel=1e-14)
    assert p2 == pytest.approx(-0.449013255, rel=1e-9)


def test_rmsprop_eps_is_added_after_the_root():
    # v = 0.04: the step is 0.1*2/(0.2 + 0.3), not 0.1*2/sqrt(0.04 + 0.3)
    p1 = RMSprop(lr=0.1, eps=0.3).step({"w": 1.0}, {"w": 2.0})["w"]
    assert p1 == pytest.approx(1 - 0.2 / 0.5, abs=1e-15)


def test_adam_by_hand():
    # step 1: m = 0.2, v = 0.004; m/0.1 = 2, sqrt(v)/sqrt(0.001) = 2: p = 1 - 0.1 = 0.9
    # step 2: m = 0.9*0.2 + 0.1*(-1) = 0.08, v = 0.999*0.004 + 0.001 = 0.004996,
    #         bias corrections 0.19 and 0.001999:
    #         p = 0.9 - (0.1/0.19) * 0.08 / (sqrt(0.004996)/sqrt(0.001999))
    p1, p2 = two_steps(Adam(lr=0.1, eps=0.0), 1.0, 2.0, -1.0)
    assert p1 == pytest.approx(0.9, abs=1e-15)
    expected = 0.9 - (0.1 / 0.19) * 0.08 / (math.sqrt(0.004996) / math.sqrt(0.001999))
    assert p2 == pytest.approx(expected, rel=1e-14)
    assert p2 == pytest.approx(0.8733663, rel=1e-6)


def test_adam_eps_is_added_to_the_bias_corrected_root():
    # step 1 with g = 2: denom = sqrt(0.004)/sqrt(0.001) + eps = 2 + 0.5; step = lr/0.1 * m
    p1 = Adam(lr=0.1, eps=0.5).step({"w": 1.0}, {"w": 2.0})["w"]
    assert p1 == pytest.approx(1 - (0.1 / 0.1) * 0.2 / 2.5, abs=1e-15)


def test_adam_with_a_small_beta1_takes_the_other_branch_of_lerp():
    # 1 - beta1 = 0.7: m = g - (g - 0)*(1 - 0.7) = 0.7*g, the same number, another formula
    p1, p2 = two_steps(Adam(lr=0.1, betas=(0.3, 0.9), eps=0.0), 1.0, 2.0, -1.0)
    assert p1 == pytest.approx(0.9, abs=1e-15)
    m = 0.3 * 1.4 + 0.7 * -1
    v = 0.9 * 0.4 + 0.1 * 1
    expected = p1 - (0.1 / (1 - 0.3 ** 2)) * m / (math.sqrt(v) / math.sqrt(1 - 0.9 ** 2))
    assert p2 == pytest.approx(expected, rel=1e-14)


def test_arrays_by_hand_keep_their_shape_and_kind():
    p0 = np.array([[1.0, -2.0], [0.5, 0.0]])
    g = np.array([[1.0, 1.0], [-2.0, 4.0]])
    new = SGD(lr=0.5).step({"W": p0}, {"W": g})["W"]
    assert isinstance(new, np.ndarray) and new.dtype == np.float64 and new.shape == (2, 2)
    np.testing.assert_array_equal(new, [[0.5, -2.5], [1.5, -2.0]])
    np.testing.assert_array_equal(p0, [[1.0, -2.0], [0.5, 0.0]])        # inputs untouched
    scalar = Adam(lr=0.1).step({"w": 1.0}, {"w": 3.0})["w"]
    assert type(scalar) is float


def test_a_missing_gradient_leaves_value_and_state_alone():
    opt = Momentum(lr=0.1, momentum=0.9)
    out = opt.step({"w": 1.0, "u": 5.0}, {"w": 2.0, "u": None})
    assert out == {"w": pytest.approx(0.8), "u": 5.0}
    assert "u" not in opt.state
    out = opt.step({"w": out["w"], "u": 5.0}, {"w": -1.0})
    assert out["u"] == 5.0


def test_state_is_per_parameter_and_reset_forgets_it():
    for name in OPTIMIZERS:
        opt = make_optimizer(name, 0.05)
        fresh = make_optimizer(name, 0.05)
        a = opt.step({"a": 1.0, "b": np.ones(3)}, {"a": 0.5, "b": np.array([1.0, -1.0, 2.0])})
        b = fresh.step({"a": 1.0}, {"a": 0.5})
        assert a["a"] == b["a"], name                  # b's state does not leak into a's
        opt.step(a, {"a": 0.3, "b": np.ones(3)})
        opt.reset()
        again = opt.step({"a": 1.0}, {"a": 0.5})
        assert again["a"] == b["a"], name


def test_weight_decay_zero_is_skipped_as_pytorch_skips_it():
    # 0 * inf would be nan: with weight decay 0 the gradient is used as it is
    out = SGD(lr=0.1).step({"w": np.array([np.inf, 1.0])}, {"w": np.array([1.0, 1.0])})["w"]
    assert out[0] == np.inf and out[1] == pytest.approx(0.9)


@pytest.mark.parametrize("make", [
    lambda: SGD(lr=-0.1), lambda: SGD(lr=float("nan")), lambda: SGD(lr="0.1"),
    lambda: SGD(lr=0.1, weight_decay=-1), lambda: Momentum(momentum=-0.5),
    lambda: RMSprop(eps=-1e-8), lambda: Adam(betas=(1.0, 0.999)),
    lambda: Adam(betas=(0.9, -0.1)), lambda: Adam(betas=(0.9,)), lambda: Adam(eps=-1),
    lambda: make_optimizer("adamw"),
])
def test_bad_settings_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_make_optimizer_knows_the_four_names():
    assert list(OPTIMIZERS) == ["sgd", "momentum", "rmsprop", "adam"]
    opt = make_optimizer("adam", 0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
    assert opt.settings() == {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6,
                              "weight_decay": 0.1}
    assert isinstance(make_optimizer("momentum", momentum=0.5), Momentum)


# ------------------------------------------------------ against torch.optim

CASES = {
    "sgd": (lambda p, wd: torch.optim.SGD(p, lr=0.1, weight_decay=wd),
            lambda wd: SGD(lr=0.1, weight_decay=wd)),
    "momentum": (lambda p, wd: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=wd),
                 lambda wd: Momentum(lr=0.05, momentum=0.9, weight_decay=wd)),
    "momentum-0.5": (lambda p, wd: torch.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=wd),
                     lambda wd: Momentum(lr=0.1, momentum=0.5, weight_decay=wd)),
    "rmsprop": (lambda p, wd: torch.optim.RMSprop(p, lr=0.01, eps=1e-8, weight_decay=wd),
                lambda wd: RMSprop(lr=0.01, eps=1e-8, weight_decay=wd)),
    "rmsprop-eps": (lambda p, wd: torch.optim.RMSprop(p, lr=0.1, eps=0.1, weight_decay=wd),
                    lambda wd: RMSprop(lr=0.1, eps=0.1, weight_decay=wd)),
    "adam": (lambda p, wd: torch.optim.Adam(p, lr=0.01, weight_decay=wd),
             lambda wd: Adam(lr=0.01, weight_decay=wd)),
    "adam-betas": (lambda p, wd: torch.optim.Adam(p, lr=0.1, betas=(0.3, 0.8), eps=1e-3,
                                                  weight_decay=wd),
                   lambda wd: Adam(lr=0.1, betas=(0.3, 0.8), eps=1e-3, weight_decay=wd)),
}

SHAPES = [(), (5,), (3, 4)]


def _loss(ts):
    """A loss with curvature and a different gradient everywhere."""
    total = 0
    for k, t in enumerate(ts):
        total = total + (torch.sin(3 * t + k) + 0.5 * t * t + 0.1 * t ** 3 / (1 + t * t)).sum()
    return total


def _grads(values):
    """torch's gradient of _loss at our values (so both sides use the same gradient code)."""
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    _loss(ts).backward()
    return [t.grad.numpy().copy() if t.dim() else float(t.grad) for t in ts]


def _initial(rng, shape):
    return float(rng.normal()) if shape == () else rng.normal(size=shape)


@needs_torch
@pytest.mark.parametrize("wd", [0.0, 0.05], ids=["no-decay", "decay"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
@pytest.mark.parametrize("case", list(CASES))
def test_every_step_equals_torch_optim(case, shape, wd):
    make_torch, make_ours = CASES[case]
    rng = np.random.default_rng(zlib.crc32(repr((case, shape, wd)).encode()))
    start = _initial(rng, shape)
    t = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    reference = make_torch([t], wd)
    ours = make_ours(wd)
    value = start
    for k in range(30):
        reference.zero_grad()
        _loss([t]).backward()
        reference.step()
        (g,) = _grads([value])
        value = ours.step({"w": value}, {"w": g})["w"]
        expected = t.detach().numpy()
        assert isinstance(value, float) if shape == () else value.shape == shape
        np.testing.assert_allclose(value, expected, rtol=1e-11, atol=1e-13,
                                   err_msg=f"{case}, step {k + 1}")


@needs_torch
@pytest.mark.parametrize("case", list(CASES))
def test_several_parameters_at_once_equal_torch_optim(case):
    make_torch, make_ours = CASES[case]
    rng = np.random.default_rng(7)
    starts = [_initial(rng, s) for s in SHAPES]
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in starts]
    reference = make_torch(ts, 0.01)
    ours = make_ours(0.01)
    values = dict(zip("abc", starts))
    for k in range(20):
        reference.zero_grad()
        _loss(ts).backward()
        reference.step()
        grads = dict(zip("abc", _grads(list(values.values()))))
        values = ours.step(values, grads)
        for name, t in zip("abc", ts):
            np.testing.assert_allclose(values[name], t.detach().numpy(), rtol=1e-11,
                                       atol=1e-13, err_msg=f"{case} {name}, step {k + 1}")


@needs_torch
def test_reset_matches_a_fresh_torch_optimizer():
    t = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    ours = Adam(lr=0.05)
    value = np.array([0.5, -1.0])
    for _ in range(5):
        (g,) = _grads([value])
        value = ours.step({"w": value}, {"w": g})["w"]
    ours.reset()
    with torch.no_grad():
        t.copy_(torch.tensor(value))
    reference = torch.optim.Adam([t], lr=0.05)
    for k in range(5):
        reference.zero_grad()
        _loss([t]).backward()
        reference.step()
        (g,) = _grads([value])
        value = ours.step({"w": value}, {"w": g})["w"]
        np.testing.assert_allclose(value, t.detach().numpy(), rtol=1e-11, atol=1e-13)
