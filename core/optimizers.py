"""The update rules of gradient descent, as PyTorch's ``torch.optim`` computes them.

One small class per optimizer; each keeps its state per parameter (a
momentum buffer, running averages, a step count) keyed by the parameter's
id, and :meth:`Optimizer.step` maps the current values and gradients to the
new values::

    opt = Adam(lr=0.01)
    new = opt.step({"w": 2.0, "b": np.zeros(3)}, {"w": 0.5, "b": grad_b})
    opt.reset()                     # forget the state: the next step is a first step

Values are what the graph holds: a Python float for a scalar, a float64
array otherwise; the new values have the same kind and shape, so an engine
plan compiled once stays valid when they are written back.

Each rule is the single-tensor (``foreach=False``) path of PyTorch, which
is what ``torch.optim`` runs for float64 tensors on the CPU, operation for
operation and in the same order, so the results agree with it to rounding
(PyTorch's CPU kernels may fuse a multiply and an add into one instruction,
which changes the last bit now and then; the formulas are the same):

* ``SGD``: ``p ← p − lr·g``.
* ``Momentum`` (``SGD(momentum=μ)``, dampening 0, not Nesterov):
  ``b ← g`` at a parameter's first step, ``b ← μ·b + g`` after; ``p ← p − lr·b``.
* ``RMSprop`` (``alpha`` 0.99, not centred, no momentum):
  ``v ← α·v + (1 − α)·g·g`` from ``v = 0``; ``p ← p − lr·g / (√v + eps)``.
* ``Adam`` (not AMSGrad): ``m ← lerp(m, g, 1 − β1)``, ``v ← β2·v + (1 − β2)·g·g``
  from zeros; at step t, ``p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)``.

Weight decay is PyTorch's (L2, not decoupled): every rule first replaces the
gradient by ``g + wd·p`` (skipped when ``wd`` is 0, as PyTorch skips it).  A
parameter whose gradient is None (it does not reach the loss) keeps its value
and its state, as PyTorch skips a parameter whose ``.grad`` is None.

Pure: numpy only, no engine, no Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

Value = Any  # float | np.ndarray

__all__ = ["Optimizer", "SGD", "Momentum", "RMSprop", "Adam", "OPTIMIZERS", "make_optimizer"]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value}")
    return value


def _at_least_zero(name: str, value: Any) -> float:
    value = _number(name, value)
    if value < 0:
        raise ValueError(f"{name} must be ≥ 0, not {value:g}")
    return value


def _beta(name: str, value: Any) -> float:
    value = _number(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be at least 0 and below 1, not {value:g}")
    return value


_F64 = np.dtype(np.float64)


def _fresh(p: Any, g: Any) -> bool:
    """A float64 array parameter with a float64 gradient of its shape: what the engine
    gives a tensor net, taken as it is (no conversion, no copy)."""
    return (type(p) is np.ndarray and type(g) is np.ndarray and p.dtype is _F64
            and g.dtype is _F64 and g.shape == p.shape)


def _zeros(like: Any) -> Any:
    return np.zeros_like(like) if isinstance(like, np.ndarray) else np.float64(0.0)


def _as_kind(new: Any, old: Value) -> Value:
    """``new`` as the same kind of value as ``old``: a float, or a float64 array of its shape.

    The result of an update's arithmetic is such an array already, made by it
    alone: it is kept as it is (a copy of it cost as much as the update)."""
    if isinstance(old, np.ndarray):
        if (type(new) is np.ndarray and new.dtype == _F64 and new.shape == old.shape
                and new.base is None and new is not old):
            return new
        arr = np.asarray(new, dtype=np.float64)
        if arr.shape != old.shape:
            arr = np.broadcast_to(arr, old.shape)
        return np.array(arr, dtype=np.float64)          # a fresh array, never a view
    return float(new)


def _as_grad(grad: Value, param: Value, pid: str) -> Any:
    """The gradient as numpy data of the parameter's shape (a float64 scalar for a scalar)."""
    if isinstance(param, np.ndarray):
        g = np.asarray(grad, dtype=np.float64)
        if g.shape != param.shape:
            raise ValueError(f"the gradient of {pid} has shape {g.shape}, "
                             f"its value {param.shape}")
        return g
    g = np.asarray(grad, dtype=np.float64)
    if g.size != 1:
        raise ValueError(f"the gradient of {pid} has shape {g.shape}, its value is a scalar")
    return np.float64(g.reshape(()))


class Optimizer:
    """One update rule with its state per parameter; subclasses give :meth:`_update`."""

    #: The name ``chainrule train --optimizer`` knows it by.
    name = ""

    def __init__(self, lr: float = 0.1, weight_decay: float = 0.0):
        self.lr = _at_least_zero("the learning rate", lr)
        self.weight_decay = _at_least_zero("the weight decay", weight_decay)
        self.state: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        """Forget every parameter's state: the next step is each one's first."""
        self.state.clear()

    def step(self, params: Mapping[str, Value],
             grads: Mapping[str, Value | None]) -> dict[str, Value]:
        """The new value of every parameter of ``params`` after one update.

        ``grads[id]`` is the gradient of the loss with respect to ``params[id]``
        (missing or None: the parameter keeps its value and its state).  The
        inputs are not changed; each new value is a float or a fresh float64
        array of the parameter's shape.
        """
        new: dict[str, Value] = {}
        wd = self.weight_decay
        update, states, ndarray = self._update, self.state, np.ndarray
        with np.errstate(all="ignore"):
            for pid, p in params.items():
                g = grads.get(pid)
                if g is None:
                    new[pid] = p.copy() if isinstance(p, np.ndarray) else p
                    continue
                fresh = _fresh(p, g)
                if fresh:
                    x = p           # what the engine gives: taken as it is
                else:
                    g = _as_grad(g, p, pid)
                    # the rules never write into their inputs: no copy of p
                    x = np.asarray(p, dtype=np.float64) if isinstance(p, np.ndarray) \
                        else np.float64(p)
                if wd != 0:
                    g = g + wd * x                       # grad.add(param, alpha=wd)
                state = states.get(pid)
                if state is None:
                    state = states[pid] = {}
                out = update(x, g, state)
                # the arithmetic's own fresh float64 array of p's shape (the commonest
                # case, checked here without a call): kept as it is; else _as_kind
                new[pid] = out if (fresh and type(out) is ndarray and out.base is None
                                   and out.dtype is _F64 and out.shape == p.shape
                                   and out is not p) else _as_kind(out, p)
        return new

    def _update(self, p: Any, g: Any, state: dict[str, Any]) -> Any:
        raise NotImplementedError

    def sgd_factor(self) -> float | None:
        """``s`` when this rule's step is ``p + s·g`` and nothing else (plain SGD, no
        weight decay, no state): code that has ``g`` at hand may do it itself."""
        return None

    def step_arrays(self, ids: list[str], params: list, grads: list) -> list | None:
        """:meth:`step` on lists, for rules with a path of their own for float64
        arrays (:meth:`SGD.step_arrays`); None: call :meth:`step`."""
        return None

    def settings(self) -> dict[str, Any]:
        """The hyperparameters, as PyTorch names them."""
        out: dict[str, Any] = {"lr": self.lr}
        out.update(self._settings())
        out["weight_decay"] = self.weight_decay
        return out

    def _settings(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({inner})"


class SGD(Optimizer):
    """``torch.optim.SGD(lr, weight_decay=wd)``: ``p ← p − lr·g``."""

    name = "sgd"

    def _update(self, p, g, state):
        return p + (-self.lr) * g                         # param.add_(grad, alpha=-lr)

    def sgd_factor(self) -> float | None:
        return -self.lr if self.weight_decay == 0 else None

    def step_arrays(self, ids: list[str], params: list, grads: list) -> list | None:
        """:meth:`step` on lists (``ids[k]``'s value ``params[k]``, gradient ``grads[k]``)
        when every value is a float64 array and every gradient one of its shape (a
        training step of a tensor net), else None (call :meth:`step`).  The same numpy
        operations, so the same numbers; the state as :meth:`step` leaves it."""
        if not all(map(_fresh, params, grads)):
            return None
        step, wd, states = -self.lr, self.weight_decay, self.state
        for pid in ids:
            if pid not in states:
                states[pid] = {}
        with np.errstate(all="ignore"):
            if wd != 0:
                grads = [g + wd * p for p, g in zip(params, grads)]   # grad.add(param, alpha=wd)
            return [_add_into(p, step * g) for p, g in zip(params, grads)]


def _add_into(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``p + t`` written into ``t`` (a new array the caller made): one array fewer to
    allocate per parameter and step; the same addition, so the same bits.  (A 0-d
    parameter's product is a numpy scalar, which has no room to write into; its new
    value is a 0-d array again, as :meth:`Optimizer.step` gives it.)"""
    if type(t) is not np.ndarray:
        return np.asarray(p + t)
    return np.add(p, t, out=t)


class Momentum(Optimizer):
    """``torch.optim.SGD(lr, momentum=μ, weight_decay=wd)``, dampening 0, not Nesterov.

    The buffer starts as the first gradient itself (PyTorch's ``buf = grad``),
    then ``b ← μ·b + g``; the step is ``p ← p − lr·b``.  With μ = 0 no buffer
    is kept, as in PyTorch: plain SGD.
    """

    name = "momentum"

    def __init__(self, lr: float = 0.1, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _at_least_zero("the momentum", momentum)

    def _settings(self):
        return {"momentum": self.momentum}

    def _update(self, p, g, state):
        mu = self.momentum
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.copy()                            # buf = grad.clone()
            else:
                buf = buf * mu + g                        # buf.mul_(mu).add_(grad, alpha=1)
            state["momentum_buffer"] = buf
            g = buf
        return p + (-self.lr) * g


class RMSprop(Optimizer):
    """``torch.optim.RMSprop(lr, alpha=0.99, eps=eps, weight_decay=wd)``, not centred."""

    name = "rmsprop"

    def __init__(self, lr: float = 0.1, eps: float = 1e-8, weight_decay: float = 0.0,
                 alpha: float = 0.99):
        super().__init__(lr, weight_decay)
        self.eps = _at_least_zero("eps", eps)
        self.alpha = _at_least_zero("alpha", alpha)

    def _settings(self):
        return {"alpha": self.alpha, "eps": self.eps}

    def _update(self, p, g, state):
        alpha = self.alpha
        square_avg = state.get("square_avg")
        if square_avg is None:
            square_avg = _zeros(g)
        state["step"] = state.get("step", 0) + 1
        # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        square_avg = square_avg * alpha + (1 - alpha) * g * g
        state["square_avg"] = square_avg
        avg = np.sqrt(square_avg) + self.eps
        return p + (-self.lr) * g / avg                   # param.addcdiv_(grad, avg, value=-lr)


class Adam(Optimizer):
    """``torch.optim.Adam(lr, betas=(β1, β2), eps=eps, weight_decay=wd)``, not AMSGrad."""

    name = "adam"

    def __init__(self, lr: float = 0.1, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be two numbers, not {betas!r}")
        self.betas = (_beta("beta1", betas[0]), _beta("beta2", betas[1]))
        self.eps = _at_least_zero("eps", eps)

    def _settings(self):
        return {"betas": self.betas, "eps": self.eps}

    def _update(self, p, g, state):
        beta1, beta2 = self.betas
        exp_avg = state.get("exp_avg")
        if exp_avg is None:
            exp_avg = _zeros(g)
            exp_avg_sq = _zeros(g)
            step = 0
        else:
            exp_avg_sq = state["exp_avg_sq"]
            step = state["step"]
        step += 1
        exp_avg = _lerp(exp_avg, g, 1 - beta1)           # exp_avg.lerp_(grad, 1 - beta1)
        # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * g * g
        state.update(exp_avg=exp_avg, exp_avg_sq=exp_avg_sq, step=step)
        # PyTorch keeps the step in a tensor and reads it back as a Python float.
        t = float(step)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        step_size = self.lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + self.eps
        return p + (-step_size) * exp_avg / denom        # addcdiv_(exp_avg, denom, -step_size)


def _lerp(start: Any, end: Any, weight: float) -> Any:
    """``torch.lerp``: ``start + w·(end − start)`` for |w| < 0.5, else from the other end."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


#: ``--optimizer`` name → class.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, RMSprop, Adam)}


def make_optimizer(name: str, lr: float = 0.1, *, momentum: float = 0.9,
                   betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                   weight_decay: float = 0.0) -> Optimizer:
    """The optimizer called ``name`` with the settings it takes (the others are ignored)."""
    if name == "sgd":
        return SGD(lr, weight_decay=weight_decay)
    if name == "momentum":
        return Momentum(lr, momentum=momentum, weight_decay=weight_decay)
    if name == "rmsprop":
        return RMSprop(lr, eps=eps, weight_decay=weight_decay)
    if name == "adam":
        return Adam(lr, betas=betas, eps=eps, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")
