"""The points every op is checked at, and PyTorch's function for every op.

Shared by the value/gradient tests (test_ops, test_ops_deep) and the tangent
tests (test_tangents): ``POINTS`` (ordinary inputs of the elementary ops),
``SPECIAL`` (scalars where conventions matter), ``DEEP_CASES`` (the
deep-learning ops: inputs, settings, ports that are not differentiable, and
whether finite differences apply) and :func:`torch_function`.
"""
from __future__ import annotations

import math

import numpy as np

inf, nan = math.inf, math.nan

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 0.5, 3.0, 1e-300, 800.0, -800.0, math.inf,
           -math.inf, math.nan]

RNG = np.random.default_rng(7)
M23 = RNG.normal(size=(2, 3))
M32 = RNG.normal(size=(3, 2))
V3 = RNG.normal(size=3)
V2 = RNG.normal(size=2)

POINTS = {
    "add": [(1.5, -2.0), (M23, V3), (V3, 2.0), (M23, M23[:1])],
    "sub": [(1.5, -2.0), (M23, V3), (-3.0, M23)],
    "mul": [(1.5, -2.0), (M23, V3), (M23[:, :1], V3), (0.0, 4.0)],
    "div": [(1.5, -2.0), (M23, V3 + 3), (-3.0, 0.25), (0.0, 2.0)],
    "pow": [(1.5, 3.0), (2.0, -0.5), (0.7, 2.5), (-2.0, 3.0), (np.abs(M23) + 0.5, 1.7)],
    "max": [(1.5, -2.0), (-1.0, 3.0), (M23, V3)],
    "min": [(1.5, -2.0), (-1.0, 3.0), (M23, V3)],
    "matmul": [(M23, M32), (M23, V3), (V2, M23), (V3, V3)],
    "neg": [(1.5,), (M23,)],
    "exp": [(1.5,), (-3.0,), (M23,)],
    "log": [(1.5,), (0.01,), (np.abs(M23) + 0.1,)],
    "sin": [(1.5,), (-10.0,), (M23,)],
    "cos": [(1.5,), (-10.0,), (M23,)],
    "tanh": [(0.5,), (-2.0,), (M23,)],
    "sigmoid": [(0.5,), (-4.0,), (M23,)],
    "relu": [(0.5,), (-2.0,), (M23,)],
    "abs": [(0.5,), (-2.0,), (M23,)],
    "sqrt": [(2.0,), (0.01,), (np.abs(M23) + 0.1,)],
    "square": [(1.5,), (-2.0,), (M23,)],
    "reciprocal": [(1.5,), (-0.2,), (M23 + 5,)],
    "sum": [(1.5,), (M23,), (V3,)],
    "mean": [(1.5,), (M23,), (V3,)],
    "mse": [(1.5, -2.0), (M23, V3), (V3, 0.5), (M23, M23 * 0.5)],
}

def R(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).normal(size=shape) * scale


def P(seed, *shape):
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=shape)


def classes(seed, n, c):
    return np.random.default_rng(seed).integers(0, c, size=n).astype(float)


def onehot_soft(seed, *shape):
    p = np.random.default_rng(seed).uniform(size=shape)
    return p / p.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------- the cases
# (op, inputs, settings, nondiff ports, smooth: finite differences apply)

IMG = R(1, 2, 3, 6, 5)
DEEP_CASES = [
    # shapes and indexing
    ("transpose", [R(2, 3, 4)], {}, (), True),
    ("transpose", [R(3, 2, 3, 4)], {}, (), True),
    ("transpose", [R(4, 5)], {}, (), True),
    ("transpose", [2.5], {}, (), True),
    ("reshape", [R(5, 2, 3)], {"shape": [3, 2]}, (), True),
    ("reshape", [R(6, 2, 3, 4)], {"shape": [-1, 4]}, (), True),
    ("reshape", [R(7, 2, 3)], {"shape": [6]}, (), True),
    ("reshape", [R(8, 1, 1)], {"shape": []}, (), True),
    ("reshape", [3.0], {"shape": [1, 1]}, (), True),
    ("reshape", [R(9, 2, 3)], {}, (), True),
    ("index", [R(10, 4, 5)], {"index": [1]}, (), True),
    ("index", [R(11, 4, 5)], {"index": [-1, 2]}, (), True),
    ("index", [R(12, 4, 5)], {"index": [[1, None, None], -2]}, (), True),
    ("index", [R(13, 5, 6)], {"index": [[None, None, 2], [1, 5, 3]]}, (), True),
    ("index", [R(14, 3, 2, 4)], {"index": [[None, -1, None]]}, (), True),
    ("index", [R(15, 4)], {"index": [[2, 100, None]]}, (), True),
    ("index", [R(16, 3)], {"index": []}, (), True),
    ("concat", [R(17, 2, 3), R(18, 4, 3)], {}, (), True),
    ("concat", [R(19, 2, 3), R(20, 2, 1)], {"axis": 1}, (), True),
    ("concat", [R(21, 2, 3, 2), R(22, 2, 3, 4)], {"axis": -1}, (), True),
    ("concat", [R(23, 3), R(24, 2)], {"axis": 0}, (), True),
    ("embedding", [R(25, 5, 3), np.array([0.0, 4.0, 2.0])], {}, (1,), True),
    ("embedding", [R(26, 5, 3), np.array([[1.0, 1.0], [3.0, 1.0]])], {}, (1,), True),
    ("embedding", [R(27, 4, 2), 3.0], {}, (1,), True),
    # element-wise
    ("leaky_relu", [R(28, 3, 4)], {}, (), True),
    ("leaky_relu", [R(29, 7)], {"slope": 0.2}, (), True),
    ("leaky_relu", [np.array([-2.0, 0.0, -0.0, 3.0, -inf, inf, nan])], {}, (), False),
    ("leaky_relu", [np.array([-1.0, 0.0, 2.0])], {"slope": -0.5}, (), False),
    ("leaky_relu", [0.0], {"slope": 0.3}, (), False),
    ("gelu", [R(30, 3, 4, scale=2)], {}, (), True),
    ("gelu", [np.array([-inf, -40.0, -5.0, 0.0, -0.0, 5.0, 40.0, inf, nan])], {}, (), False),
    ("gelu", [0.7], {}, (), True),
    # reductions
    ("sum", [R(31, 3, 4)], {"axis": 1, "keepdims": True}, (), True),
    ("sum", [R(32, 3, 4)], {"axis": -2, "keepdims": True}, (), True),
    ("sum", [R(33, 3, 4)], {"keepdims": True}, (), True),
    ("sum", [R(34, 2, 3, 4)], {"axis": -1}, (), True),
    ("sum", [2.0], {"axis": 0, "keepdims": True}, (), True),
    ("mean", [R(35, 3, 4)], {"axis": 1, "keepdims": True}, (), True),
    ("mean", [R(36, 2, 3, 4)], {"axis": -3, "keepdims": True}, (), True),
    ("mean", [R(37, 3, 4)], {"keepdims": True}, (), True),
    ("mean", [R(38, 3, 4)], {}, (), True),
    ("amax", [R(39, 3, 4)], {}, (), True),
    ("amax", [R(40, 3, 4)], {"axis": 1}, (), True),
    ("amax", [R(41, 3, 4)], {"axis": -2, "keepdims": True}, (), True),
    ("amax", [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])], {"axis": 1}, (), False),
    ("amax", [np.array([[1.0, 3.0, 3.0], [2.0, 3.0, 2.0]])], {"keepdims": True}, (), False),
    ("amax", [np.array([[1.0, 3.0, 3.0], [2.0, 3.0, 2.0]])], {"axis": 0, "keepdims": True},
     (), False),
    ("amax", [np.array([[nan, 1.0], [inf, 2.0]])], {"axis": 1}, (), False),
    ("amax", [np.array([-inf, -inf])], {}, (), False),
    ("amax", [4.0], {"axis": -1}, (), False),
    ("amax", [np.array([0.0, -0.0, -1.0])], {}, (), False),
    ("logsumexp", [R(42, 3, 4)], {"axis": 1}, (), True),
    ("logsumexp", [R(43, 3, 4)], {"axis": 0, "keepdims": True}, (), True),
    ("logsumexp", [R(44, 3, 4)], {}, (), True),
    ("logsumexp", [R(45, 2, 3)], {"keepdims": True}, (), True),
    ("logsumexp", [np.array([[1000.0, 1000.0], [-1000.0, 5.0]])], {"axis": 1}, (), False),
    ("logsumexp", [np.array([[-inf, -inf], [inf, 1.0], [nan, 1.0]])], {"axis": 1}, (), False),
    ("logsumexp", [2.0], {}, (), True),
    ("softmax", [R(46, 3, 4)], {}, (), True),
    ("softmax", [R(47, 3, 4)], {"axis": 0}, (), True),
    ("softmax", [R(48, 2, 3, 4)], {"axis": -2}, (), True),
    ("softmax", [R(49, 5)], {}, (), True),
    ("softmax", [np.array([[800.0, 800.0, -800.0], [1.0, 1.0, 1.0]])], {}, (), False),
    ("softmax", [np.array([[inf, 1.0], [-inf, -inf], [-inf, 2.0]])], {}, (), False),
    ("softmax", [3.0], {}, (), False),
    ("softmax", [-2.0], {"axis": 0}, (), False),
    ("log_softmax", [R(50, 3, 4)], {}, (), True),
    ("log_softmax", [R(51, 3, 4)], {"axis": 0}, (), True),
    ("log_softmax", [R(52, 2, 3, 4)], {"axis": 1}, (), True),
    ("log_softmax", [np.array([[800.0, -800.0, 0.0], [-inf, 1.0, 2.0]])], {}, (), False),
    ("log_softmax", [1.5], {}, (), False),
    # losses
    ("cross_entropy", [R(53, 4, 3), classes(54, 4, 3)], {}, (1,), True),
    ("cross_entropy", [R(55, 5), 2.0], {}, (1,), True),
    ("cross_entropy", [R(98, 1, 4), np.array([3.0])], {}, (1,), True),
    ("cross_entropy", [R(56, 4, 3), onehot_soft(57, 4, 3)], {}, (), True),
    ("cross_entropy", [R(58, 3), onehot_soft(59, 3)], {}, (), True),
    ("cross_entropy", [R(60, 2, 3), np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.4]])], {}, (), True),
    ("cross_entropy", [np.array([[1e3, -1e3, 0.0], [0.0, 0.0, 0.0]]), np.array([1.0, 2.0])],
     {}, (1,), False),
    ("cross_entropy", [np.array([[inf, 1.0], [2.0, 1.0]]), np.array([0.0, 1.0])], {}, (1,), False),
    ("cross_entropy", [np.array([[-inf, 1.0]]), np.array([[0.0, 1.0]])], {}, (), False),
    ("bce", [P(61, 3, 4), P(62, 3, 4)], {}, (), True),
    ("bce", [P(63, 5), np.array([0.0, 1.0, 1.0, 0.0, 1.0])], {}, (), True),
    ("bce", [0.3, 1.0], {}, (), True),
    ("bce", [np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
             np.array([0.0, 0.0, 1.0, 1.0, 0.4, 0.7])], {}, (), False),
    ("bce", [np.array([1e-30, 1.0 - 1e-16, 1e-12, 0.5]), np.array([0.3, 0.6, 1.0, 0.5])],
     {}, (), False),
    ("bce_logits", [R(64, 3, 4, scale=3), P(65, 3, 4)], {}, (), True),
    ("bce_logits", [R(66, 6), np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.5])], {}, (), True),
    ("bce_logits", [np.array([800.0, -800.0, 0.0, 40.0, -40.0]),
                    np.array([1.0, 0.0, 0.5, 0.0, 1.0])], {}, (), False),
    ("bce_logits", [np.array([inf, -inf, nan]), np.array([1.0, 0.0, 1.0])], {}, (), False),
    ("bce_logits", [-1.5, 1.0], {}, (), True),
    ("hinge", [R(67, 5, 4), classes(68, 5, 4)], {}, (1,), True),
    ("hinge", [R(69, 4), 1.0], {}, (1,), True),
    # margins of exactly 0 (s_j − s_y + 1 = 0) and a row already separated
    ("hinge", [np.array([[1.0, 0.0, 2.0], [5.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
               np.array([0.0, 0.0, 2.0])], {}, (1,), False),
    ("hinge", [np.array([2.0, 1.0, 0.5]), 0.0], {}, (1,), False),
    # normalisation
    ("layernorm", [R(70, 3, 5)], {}, (), True),
    ("layernorm", [R(71, 2, 3, 4)], {"eps": 1e-3}, (), True),
    ("layernorm", [R(72, 6)], {}, (), True),
    ("layernorm", [np.array([[3.0], [2.0]])], {}, (), False),
    ("layernorm", [np.array([[1.0, 1.0, 1.0], [0.0, 1e-4, 0.0]])], {}, (), False),
    ("batchnorm", [R(73, 5, 3)], {}, (), True),
    ("batchnorm", [R(74, 4, 2, 3, 3)], {}, (), True),
    ("batchnorm", [R(75, 2, 3)], {"eps": 0.1}, (), True),
    ("batchnorm", [np.array([[1.0, 2.0], [1.0, 5.0], [1.0, -1.0]])], {}, (), False),
    ("batchnorm", [R(95, 3, 2, 4)], {}, (), True),                  # (N, C, L) too
    # convolution and pooling
    ("conv2d", [IMG, R(76, 4, 3, 3, 3)], {}, (), True),
    ("conv2d", [IMG, R(77, 2, 3, 3, 2)], {"stride": 2}, (), True),
    ("conv2d", [IMG, R(78, 2, 3, 3, 3)], {"padding": 1}, (), True),
    ("conv2d", [IMG, R(79, 2, 3, 2, 3)], {"stride": 2, "padding": 2}, (), True),
    ("conv2d", [IMG, R(80, 1, 3, 1, 1)], {"stride": 3}, (), True),
    ("conv2d", [R(81, 2, 4, 4), R(82, 3, 2, 2, 2)], {"padding": 1}, (), True),
    ("conv2d", [R(83, 1, 1, 3, 3), R(84, 1, 1, 3, 3)], {}, (), True),
    ("conv2d", [R(96, 3, 6, 6), R(97, 2, 3, 3, 3)], {"stride": 2, "padding": 1}, (), True),
    ("conv2d", [R(85, 1, 2, 5, 7), R(86, 2, 2, 4, 4)], {"stride": 3, "padding": 1}, (), True),
    ("maxpool2d", [R(87, 2, 3, 4, 6)], {}, (), True),
    ("maxpool2d", [R(88, 2, 5, 5)], {"size": 3, "stride": 1}, (), True),
    ("maxpool2d", [R(89, 1, 2, 7, 5)], {"size": 2, "stride": 3}, (), True),
    ("maxpool2d", [R(90, 1, 1, 5, 5)], {"size": 3}, (), True),
    ("maxpool2d", [R(99, 2, 6, 6)], {"size": 3, "stride": 2}, (), True),
    # ties: the whole gradient to the first maximum in row-major order
    ("maxpool2d", [np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0],
                               [3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]]])], {}, (), False),
    ("maxpool2d", [np.array([[[5.0, 5.0, 5.0], [5.0, 5.0, 5.0], [1.0, 5.0, 5.0]]])],
     {"size": 2, "stride": 1}, (), False),
    ("maxpool2d", [np.array([[[nan, 1.0, 2.0, nan], [nan, 2.0, -inf, -inf]]])], {},
     (), False),
    ("avgpool2d", [R(91, 2, 3, 4, 6)], {}, (), True),
    ("avgpool2d", [R(92, 2, 5, 5)], {"size": 3, "stride": 1}, (), True),
    ("avgpool2d", [R(93, 1, 2, 7, 5)], {"size": 2, "stride": 3}, (), True),
    ("avgpool2d", [R(94, 1, 1, 4, 4)], {"size": 4}, (), True),
]



def torch_function(torch, op):
    """PyTorch's function for ``op`` (ops.md's reference column), inputs as tensors."""
    F = torch.nn.functional
    def lng(t):
        return t.detach().long()

    def axis_all(x, axis):
        return () if axis is None else axis

    fns = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "pow": torch.pow, "max": torch.maximum,
        "min": torch.minimum, "neg": lambda x: -x, "exp": torch.exp, "log": torch.log,
        "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
        "relu": torch.relu, "abs": torch.abs, "sqrt": torch.sqrt, "square": torch.square,
        "reciprocal": torch.reciprocal, "mse": F.mse_loss, "matmul": torch.matmul,
        "transpose": lambda x: x.transpose(-2, -1) if x.ndim >= 2 else x.clone(),
        "reshape": lambda x, shape=(-1,): torch.reshape(x, tuple(shape)),
        "index": lambda x, index=(): x[tuple(i if isinstance(i, int) else slice(*i)
                                             for i in index)],
        "concat": lambda a, b, axis=0: torch.cat([a, b], dim=axis),
        "embedding": lambda table, ids: F.embedding(lng(ids), table),
        "leaky_relu": lambda x, slope=0.01: F.leaky_relu(x, slope),
        "gelu": F.gelu,
        "amax": lambda x, axis=None, keepdims=False: torch.amax(x, dim=axis_all(x, axis),
                                                                keepdim=keepdims),
        "logsumexp": lambda x, axis=None, keepdims=False: (
            torch.logsumexp(x, dim=axis, keepdim=keepdims) if axis is not None else
            torch.logsumexp(x.flatten(), 0).reshape((1,) * x.ndim if keepdims else ())),
        "softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
        "log_softmax": lambda x, axis=-1: torch.log_softmax(x, dim=axis),
        "cross_entropy": lambda z, t: F.cross_entropy(z, lng(t) if t.shape != z.shape else t),
        "bce": F.binary_cross_entropy,
        "bce_logits": F.binary_cross_entropy_with_logits,
        "hinge": lambda s, t: s.shape[-1] * F.multi_margin_loss(s, lng(t)),
        "layernorm": lambda x, eps=1e-5: F.layer_norm(x, x.shape[-1:], eps=eps),
        "batchnorm": lambda x, eps=1e-5: F.batch_norm(x, None, None, training=True, eps=eps),
        "conv2d": lambda x, w, stride=1, padding=0: F.conv2d(x, w, stride=stride,
                                                             padding=padding),
        "maxpool2d": lambda x, size=2, stride=None: F.max_pool2d(x, size, stride),
        "avgpool2d": lambda x, size=2, stride=None: F.avg_pool2d(x, size, stride),
        "sum": lambda x, axis=None, keepdims=False: torch.sum(x, dim=axis, keepdim=keepdims),
        "mean": lambda x, axis=None, keepdims=False: torch.mean(x, dim=axis, keepdim=keepdims),
    }
    return fns[op]
