"""The Update step written out with numbers: what the optimizer does to one parameter next.

After the backward pass, the learner has ``∂L/∂w``; the optimizer turns it
into the new ``w`` using what it kept from earlier steps.  :func:`update_text`
writes that with this step's numbers, as a course does::

    m = 0.9·0.12 + 0.1·(−0.4) = 0.068
    v = 0.999·0.001 + 0.001·(−0.4)² = 0.0016
    w := 2 − 0.01·m̂/(√v̂ + 1e−8) = 1.983

and :func:`state_summary` names what each optimizer keeps (velocity,
square average, Adam's m, v and the bias-corrected step) for the inspector and
the card's badge.  The numbers come from the optimizer itself: the new value
is what a copy of it computes (:meth:`~chainrule.core.optimizers.Optimizer.step`),
the optimizer and its state are never changed here.  For an array the
element ``[0, …]`` is written out; every element is updated the same way.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .explain import MINUS, Explanation
from .formatting import format_number
from .optimizers import Adam, Momentum, Optimizer, RMSprop

NAMES = {"sgd": "SGD", "momentum": "SGD with momentum", "rmsprop": "RMSprop", "adam": "Adam"}


def _n(x: Any, digits: int) -> str:
    return format_number(x, digits, minus=MINUS)


def _f(x: Any, digits: int) -> str:
    """A number as a factor: negatives in parentheses."""
    text = _n(x, digits)
    return f"({text})" if text.startswith(MINUS) else text


def _first(x: Any) -> float:
    return float(np.asarray(x, dtype=np.float64).reshape(-1)[0])


def update_text(opt: Optimizer, pid: str, value: Any, grad: Any, digits: int = 4,
                name: str | None = None) -> Explanation:
    """The next update of ``pid`` (value and gradient now) under ``opt``, with numbers."""
    name = name or pid
    array = isinstance(value, np.ndarray) and value.size > 1
    where = f"{name}[{', '.join('0' for _ in range(np.ndim(value)))}]" if array else name
    title = f"Update {name} ({NAMES.get(opt.name, opt.name)})"
    if grad is None:
        return Explanation(title, [f"{name} does not reach the loss: no gradient, no update"])
    new = copy.deepcopy(opt).step({pid: value}, {pid: grad})[pid]
    w, g, d = _first(value), _first(grad), digits
    lr = opt.lr
    lines = [f"gradient  ∂L/∂{where} = {_n(g, d)}"]
    wd = opt.weight_decay
    if wd:
        g2 = g + wd * w
        lines.append(f"g = {_n(g, d)} + {_n(wd, d)}·{_f(w, d)} = {_n(g2, d)}   (weight decay)")
        g = g2
    state = opt.state.get(pid, {})
    gsym = "g" if wd else f"∂L/∂{where}"
    if isinstance(opt, Momentum) and opt.momentum != 0:
        buf = state.get("momentum_buffer")
        mu = opt.momentum
        if buf is None:
            v = g
            lines.append(f"v = {gsym} = {_n(v, d)}   (the first step: the velocity starts as "
                         f"the gradient)")
        else:
            b = _first(buf)
            v = b * mu + g
            lines.append(f"v = {_n(mu, d)}·{_f(b, d)} + {_f(g, d)} = {_n(v, d)}")
        lines.append(f"{where} := {_n(w, d)} − {_n(lr, d)}·{_f(v, d)} = {_n(_first(new), d)}")
    elif isinstance(opt, RMSprop):
        sq = _first(state["square_avg"]) if "square_avg" in state else 0.0
        a = opt.alpha
        s = sq * a + (1 - a) * g * g
        lines.append(f"s = {_n(a, d)}·{_f(sq, d)} + {_n(1 - a, d)}·{_f(g, d)}² = {_n(s, d)}")
        lines.append(f"{where} := {_n(w, d)} − {_n(lr, d)}·{_f(g, d)}/(√{_f(s, d)} + "
                     f"{_n(opt.eps, d)}) = {_n(_first(new), d)}")
    elif isinstance(opt, Adam):
        b1, b2 = opt.betas
        m0 = _first(state["exp_avg"]) if "exp_avg" in state else 0.0
        v0 = _first(state["exp_avg_sq"]) if "exp_avg_sq" in state else 0.0
        t = state.get("step", 0) + 1
        m = m0 + (1 - b1) * (g - m0)
        v = v0 * b2 + (1 - b2) * g * g
        mh, vh = m / (1 - b1 ** t), v / (1 - b2 ** t)
        lines += [f"m = {_n(b1, d)}·{_f(m0, d)} + {_n(1 - b1, d)}·{_f(g, d)} = {_n(m, d)}",
                  f"v = {_n(b2, d)}·{_f(v0, d)} + {_n(1 - b2, d)}·{_f(g, d)}² = {_n(v, d)}",
                  f"m̂ = m/(1 − {_n(b1, d)}^{t}) = {_n(mh, d)}",
                  f"v̂ = v/(1 − {_n(b2, d)}^{t}) = {_n(vh, d)}",
                  f"{where} := {_n(w, d)} − {_n(lr, d)}·{_f(mh, d)}/(√{_f(vh, d)} + "
                  f"{_n(opt.eps, d)}) = {_n(_first(new), d)}"]
    else:                                                   # plain SGD
        lines.append(f"{where} := {_n(w, d)} − {_n(lr, d)}·{_f(g, d)} = {_n(_first(new), d)}")
    note = ("Every element of the array is updated the same way, with its own gradient "
            "and its own state." if array else "")
    return Explanation(title, lines, note)


def state_summary(opt: Optimizer, pid: str, digits: int = 3) -> list[tuple[str, str]]:
    """What ``opt`` keeps for ``pid``: (name, value text) pairs; [] before its first step."""
    state = opt.state.get(pid)
    if not state:
        return []

    def show(x):
        if isinstance(x, np.ndarray) and x.size > 1:
            return f"{_n(_first(x), digits)}, … ({x.size} numbers)"
        return _n(_first(x), digits)

    if isinstance(opt, Momentum) and "momentum_buffer" in state:
        return [("velocity v", show(state["momentum_buffer"]))]
    if isinstance(opt, RMSprop):
        return [("square average s", show(state["square_avg"])), ("step", str(state["step"]))]
    if isinstance(opt, Adam):
        b1, b2 = opt.betas
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        step = opt.lr / (1 - b1 ** t) * np.asarray(m) / (
            np.sqrt(v) / (1 - b2 ** t) ** 0.5 + opt.eps)
        return [("m", show(m)), ("v", show(v)), ("step t", str(t)),
                ("bias-corrected step", show(-step))]
    return []


def badge(opt: Optimizer, pid: str) -> str:
    """The card's short badge: ``v 0.068``, ``m 0.068 v 0.0016``, or ""."""
    pairs = state_summary(opt, pid, 2)
    keep = {"velocity v": "v", "square average s": "s", "m": "m", "v": "v"}
    return " ".join(f"{keep[k]} {text.split(',')[0]}" for k, text in pairs if k in keep)


def update_lines(updates: list[Explanation]) -> tuple[list[str], str]:
    """Several parameters' updates as one page's lines (each under its title, tagged
    "update") and the note of the first."""
    lines: list[str] = []
    for u in updates:
        lines.append(u.title)
        lines += ["update  " + line for line in u.lines]
    return lines, next((u.note for u in updates if u.note), "")


def update_step_text(graph, evaluation, params, opt: Optimizer | None = None,
                     digits: int = 4) -> Explanation:
    """The step-through's Update step: every parameter in ``params`` moved by ``opt``
    (default plain SGD) with the gradients of ``evaluation``; nothing is changed."""
    from .explain import _name
    from .optimizers import SGD
    opt = opt if opt is not None else SGD()
    updates = [update_text(opt, p, graph.node(p).value, evaluation.grad(p), digits,
                           name=_name(graph, p)) for p in params]
    lines, note = update_lines(updates)
    lines.insert(0, f"the optimizer ({NAMES.get(opt.name, opt.name)}, learning rate "
                    f"{_n(opt.lr, digits)}) moves each parameter against its gradient")
    note = " ".join(t for t in (note, "This is what one training step would do; "
                                      "the graph is not changed.") if t)
    return Explanation("Update step", lines, note)
