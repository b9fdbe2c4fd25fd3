"""Deep-learning speed, as ratios against hand-written numpy in the same process.

* a training step (forward, backward, SGD update) of a 64-256-256-10 ReLU MLP
  with softmax cross-entropy on a batch of 128, built as a learner would
  (``X @ W1 + b1`` …), against the same step written by hand in numpy;
* the same on a small net (a batch of 4, 3-8-1 with tanh and squared error,
  the size of demo 09);
* each step is ``Trainer.step`` (which announces the new values) and, on the
  next line, one of the steps of a ``Trainer.run``;
* conv2d forward + backward on an (8, 3, 32, 32) batch with 16 3×3 kernels,
  against a hand-written ``numpy.lib.stride_tricks`` im2col implementation.

Both sides are timed in alternating rounds, in CPU time (the machine is shared,
so its speed drifts); each ratio is the median of the per-round ratios, the middle
half of them beside it, and the times are each side's best round.  BLAS runs on
one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise: on a loaded
2-core machine a second BLAS thread waits for a core and makes the matrix
products of both sides swing by 5× and more from run to run.

Run: ``make bench`` (or ``python tests/benchmarks/bench_deep.py``).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")      # before numpy loads its BLAS

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from chainrule.core.engine import Evaluator  # noqa: E402
from chainrule.core.program import parse_program  # noqa: E402
from chainrule.core.training import Trainer  # noqa: E402

RNG = np.random.default_rng(0)


def _once(fn, number: int) -> float:
    """Seconds of this process's CPU time per call: time spent waiting for a core
    (two cores shared with other work) does not count, on either side."""
    start = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - start) / number


def rounds(ours, theirs, repeats: int = 9, number: int = 5) -> tuple[float, float, list]:
    """(best time of ours, best of theirs, the sorted per-round ratios), the two timed in
    alternating rounds so that a change in the machine's load hits both alike."""
    a, b = [], []
    for _ in range(repeats):
        a.append(_once(ours, number))
        b.append(_once(theirs, number))
    return min(a), min(b), sorted(x / y for x, y in zip(a, b))


def show(name: str, ours: float, theirs: float, ratios: list, unit: str = "ms/step") -> None:
    """The median of the per-round ratios (steadier than best over best on a loaded
    machine), the middle half of them beside it."""
    q = len(ratios) // 4
    print(f"{name:36s} chainrule {ours * 1e3:8.3f} {unit} | numpy {theirs * 1e3:8.3f} {unit}"
          f" | ratio {statistics.median(ratios):5.2f}x (middle half {ratios[q]:.2f}–"
          f"{ratios[-1 - q]:.2f})")


# ------------------------------------------------------------- the MLPs

def big_mlp():
    X = RNG.normal(size=(128, 64))
    y = RNG.integers(0, 10, size=128).astype(float)
    W1, b1 = RNG.normal(size=(64, 256)) * 0.1, np.zeros(256)
    W2, b2 = RNG.normal(size=(256, 256)) * 0.1, np.zeros(256)
    W3, b3 = RNG.normal(size=(256, 10)) * 0.1, np.zeros(10)
    program = ("h1 = relu(X @ W1 + b1)\nh2 = relu(h1 @ W2 + b2)\n"
               "L = cross_entropy(h2 @ W3 + b3, y)")
    return program, dict(X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3)


def numpy_big_step(state, lr=0.01):
    X, y, W1, b1, W2, b2, W3, b3 = state
    z1 = X @ W1 + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ W2 + b2
    h2 = np.maximum(z2, 0)
    s = h2 @ W3 + b3
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    ds = p.copy()
    ds[np.arange(n), y.astype(int)] -= 1
    ds /= n
    dW3, db3 = h2.T @ ds, ds.sum(axis=0)
    dz2 = (ds @ W3.T) * (z2 > 0)
    dW2, db2 = h1.T @ dz2, dz2.sum(axis=0)
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    dW1, db1 = X.T @ dz1, dz1.sum(axis=0)
    for p_, g_ in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
        p_ -= lr * g_


def small_mlp():
    X = RNG.normal(size=(4, 3))
    t = RNG.normal(size=(4, 1))
    W1, b1 = RNG.normal(size=(3, 8)), np.zeros(8)
    W2, b2 = RNG.normal(size=(8, 1)), np.zeros(1)
    program = "h = tanh(X @ W1 + b1)\nL = mse(h @ W2 + b2, t)"
    return program, dict(X=X, t=t, W1=W1, b1=b1, W2=W2, b2=b2)


def numpy_small_step(state, lr=0.01):
    X, t, W1, b1, W2, b2 = state
    h = np.tanh(X @ W1 + b1)
    d = h @ W2 + b2 - t
    dpred = 2 * d / d.size
    dW2, db2 = h.T @ dpred, dpred.sum(axis=0)
    dz = (dpred @ W2.T) * (1 - h * h)
    dW1, db1 = X.T @ dz, dz.sum(axis=0)
    for p_, g_ in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        p_ -= lr * g_


def trainer_for(program: str, values: dict, params: list[str]) -> Trainer:
    """The program's graph, its inputs (names used before any assignment) set to the
    values (the arrays are too large to write in a program)."""
    graph = parse_program(program).graph
    for name, value in values.items():
        graph.set_value(name, value)
    for name in params:
        graph.node(name).trainable = True
    return Trainer(graph, Evaluator(graph))


def step_ratio(name: str, build, numpy_step, params: list[str]) -> None:
    program, values = build()
    trainer = trainer_for(program, values, params)
    state = tuple(np.array(a, dtype=float) for a in values.values())
    number = 5 if len(values["X"]) > 16 else 200
    for _ in range(number):                     # compile, warm the caches
        trainer.step(0.01)
    show(name, *rounds(lambda: trainer.step(0.01), lambda: numpy_step(state), number=number))
    # the same steps inside one Trainer.run (values announced once at its end)
    a, b, ratios = rounds(lambda: trainer.run(number, 0.01), lambda: [
        numpy_step(state) for _ in range(number)], number=1)
    show("  ... in Trainer.run", a / number, b / number, ratios)


# ---------------------------------------------------------------- conv2d

def numpy_conv(x, w, g):
    """Forward and backward (upstream gradient ``g``) of a stride-1, unpadded conv2d by
    im2col (stride tricks)."""
    F_, C, KH, KW = w.shape
    cols = sliding_window_view(x, (KH, KW), axis=(2, 3))        # N, C, OH, OW, KH, KW
    out = np.einsum("ncijhw,fchw->nfij", cols, w, optimize=True)
    dw = np.einsum("ncijhw,nfij->fchw", cols, g, optimize=True)
    dx = np.zeros_like(x)
    for u in range(KH):
        for v in range(KW):
            dx[:, :, u:u + out.shape[2], v:v + out.shape[3]] += np.einsum(
                "nfij,fc->ncij", g, w[:, :, u, v], optimize=True)
    return out, dx, dw


def conv_ratio() -> None:
    from chainrule.core.ops import OPS
    x = RNG.normal(size=(8, 3, 32, 32))
    w = RNG.normal(size=(16, 3, 3, 3))
    _, _, forward, vjp = OPS["conv2d"].bind({})
    g = RNG.normal(size=(8, 16, 30, 30))

    def ours():
        out = forward(x, w)
        vjp(g, out, x, w)

    show("conv2d (8,3,32,32) * 16 3x3, fwd+bwd", *rounds(ours, lambda: numpy_conv(x, w, g), 7, 3),
         unit="ms     ")


if __name__ == "__main__":
    print("Deep-learning speed (ratio = chainrule / hand-written numpy, median of rounds; "
          f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']})")
    step_ratio("MLP 64-256-256-10, batch 128", big_mlp, numpy_big_step,
               ["W1", "b1", "W2", "b2", "W3", "b3"])
    step_ratio("MLP 3-8-1, batch 4 (demo 09 size)", small_mlp, numpy_small_step,
               ["W1", "b1", "W2", "b2"])
    conv_ratio()
