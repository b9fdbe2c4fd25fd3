"""The level-batched kernel: one numpy call per op per topological level.

The loop kernel (:mod:`chainrule.core.engine`) pays its Python cost per node.
On a wide graph — many nodes of one op in one level, as in a layered net or
a scalar MLP — numpy can do a whole level's worth of ``mul`` nodes in one
call.  This kernel runs the same :class:`~chainrule.core.engine.Plan`:

* nodes are stored level by level, each (level, op) group in one slice, so a
  group's results land in place and its inputs are gathered by index arrays
  (or read as a slice when they lie in order);
* the backward pass never scatter-adds: each wire's gradient is written into
  its own slot, and a node's gradient is folded from its outgoing wires' slots
  in the loop's order (the first contribution as it came, each later one
  added), level by level, so the sum is the loop's bit for bit;
* an op is batched only where its numpy expression is bit-identical to the
  float fast path: IEEE arithmetic (``+ − × ÷``, √) always; functions of
  ``math`` (exp, log, tanh, sin, cos) only if numpy gives exactly ``math``'s
  results on this machine (:func:`exact_ufuncs`; with AVX-512 numpy's exp, log
  and tanh differ by an ulp), otherwise their group calls the op table's
  float functions one node at a time, as the loop does (``pow`` always).

Which kernel a plan gets is decided from its level widths (:func:`choose`):
the number of numpy calls a pass would make against the number of nodes.
Chains and random DAGs, a few nodes per (level, op) group, stay on the loop.
Only plans of floats whose every op is in :data:`_FORWARD` are batched;
arrays and the deep-learning ops stay on the loop.  The stepper always walks
the loop's step generator (it needs one step per node).
"""
from __future__ import annotations

import math
import struct
import threading
import weakref
from typing import Any, Callable

import numpy as np

from . import ops, straight_line
from .engine import _SAME, Evaluation, backward, forward
from .gc_pause import gc_paused

_IEEE = (ArithmeticError, ValueError)   # as in the loop: where Python raises, IEEE

# ----------------------------------------------------------- the batched ops
# Forward: fn(out, x[, y]) writes the group's results into ``out``.  Each is the
# op table's float expression written with numpy on whole arrays, operand for
# operand (Python's ``a if a > b else …`` as np.where), so every element is the
# same IEEE operation the loop performs.

_NAN = math.nan


def _max(out, a, b):
    out[...] = np.where(a > b, a, np.where(a <= b, b, _NAN))


def _min(out, a, b):
    out[...] = np.where(a < b, a, np.where(a >= b, b, _NAN))


def _relu(out, x):
    out[...] = np.where(x <= 0, 0.0, x)


def _square(out, x):
    np.multiply(x, x, out=out)


def _reciprocal(out, x):
    np.divide(1.0, x, out=out)


def _mse(out, a, b):
    d = a - b
    np.multiply(d, d, out=out)


def _sigmoid(out, x):       # 1.0 / (1.0 + math.exp(-x)): only where exp is exact
    np.divide(1.0, 1.0 + np.exp(-x), out=out)


_FORWARD: dict[str, Callable] = {
    "add": lambda out, a, b: np.add(a, b, out=out),
    "sub": lambda out, a, b: np.subtract(a, b, out=out),
    "mul": lambda out, a, b: np.multiply(a, b, out=out),
    "div": lambda out, a, b: np.divide(a, b, out=out),
    "max": _max, "min": _min,
    "neg": lambda out, x: np.negative(x, out=out),
    "abs": lambda out, x: np.absolute(x, out=out),
    "sqrt": lambda out, x: np.sqrt(x, out=out),
    "relu": _relu, "square": _square, "reciprocal": _reciprocal, "mse": _mse,
    "exp": lambda out, x: np.exp(x, out=out),
    "log": lambda out, x: np.log(x, out=out),
    "tanh": lambda out, x: np.tanh(x, out=out),
    "sin": lambda out, x: np.sin(x, out=out),
    "cos": lambda out, x: np.cos(x, out=out),
    "sigmoid": _sigmoid,
    "pow": None,            # math.pow's results are not numpy's: always one node at a time
}
#: The ``math`` function each op's float path calls (it must match numpy's exactly).
_NEEDS = {"exp": ("exp",), "log": ("log",), "tanh": ("tanh",), "sin": ("sin",),
          "cos": ("cos",), "sigmoid": ("exp",)}
_BACK_NEEDS = {"sin": ("cos",), "cos": ("sin",)}

# Backward: (ports passing g unchanged, fn(g, out, x[, y], sa, sb)) writing the
# gradient each other port's wire carries into sa / sb.


def _mul_vjp(g, out, a, b, sa, sb):
    np.multiply(g, b, out=sa)
    np.multiply(g, a, out=sb)


def _div_vjp(g, out, a, b, sa, sb):
    np.divide(g, b, out=sa)
    np.multiply(-g, (a / b) / b, out=sb)


def _max_vjp(g, out, a, b, sa, sb, larger=True):
    tie = np.where(a == b, g / 2, g)
    sa[...] = np.where(a < b if larger else a > b, 0.0, tie)
    sb[...] = np.where(a > b if larger else a < b, 0.0, tie)


def _min_vjp(g, out, a, b, sa, sb):
    _max_vjp(g, out, a, b, sa, sb, larger=False)


def _mse_vjp(g, out, a, b, sa, sb):
    np.multiply(2.0 * (a - b), g, out=sa)
    np.multiply(2.0 * (b - a), g, out=sb)


def _abs_vjp(g, out, x, sa, sb):
    np.multiply(g, (x > 0) * 1.0 - (x < 0), out=sa)


_BACKWARD: dict[str, tuple[tuple[int, ...], Callable | None]] = {
    "add": ((0, 1), None),
    "sub": ((0,), lambda g, out, a, b, sa, sb: np.negative(g, out=sb)),
    "mul": ((), _mul_vjp), "div": ((), _div_vjp), "max": ((), _max_vjp),
    "min": ((), _min_vjp), "mse": ((), _mse_vjp),
    "neg": ((), lambda g, out, x, sa, sb: np.negative(g, out=sa)),
    "exp": ((), lambda g, out, x, sa, sb: np.multiply(g, out, out=sa)),
    "log": ((), lambda g, out, x, sa, sb: np.divide(g, x, out=sa)),
    "sin": ((), lambda g, out, x, sa, sb: np.multiply(g, np.cos(x), out=sa)),
    "cos": ((), lambda g, out, x, sa, sb: np.multiply(g, -np.sin(x), out=sa)),
    "tanh": ((), lambda g, out, x, sa, sb: np.multiply(g, 1 - out * out, out=sa)),
    "sigmoid": ((), lambda g, out, x, sa, sb: np.multiply(g * (1 - out), out, out=sa)),
    "relu": ((), lambda g, out, x, sa, sb: sa.__setitem__(..., np.where(out <= 0, 0.0, g))),
    "abs": ((), _abs_vjp),
    "sqrt": ((), lambda g, out, x, sa, sb: np.divide(g, 2 * out, out=sa)),
    "square": ((), lambda g, out, x, sa, sb: np.multiply(g, 2 * x, out=sa)),
    "reciprocal": ((), lambda g, out, x, sa, sb: np.multiply(-g, out * out, out=sa)),
}


def _samples() -> np.ndarray:
    rng = np.random.default_rng(17)
    special = [0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e-8, 0.5, 1.0, 2.0, 19.0, 20.0,
               22.0, 700.0, 709.78, -708.0, -745.0, 1e15, 1e300, math.pi, -math.pi]
    return np.concatenate([rng.uniform(-2, 2, 4000), rng.uniform(-40, 40, 4000),
                           rng.normal(0, 300, 2000), np.exp(rng.uniform(-30, 30, 2000)),
                           np.array(special), -np.array(special)])


_exact: frozenset | None = None
_bits = struct.Struct("<d").pack


def exact_ufuncs() -> frozenset:
    """The ``math`` functions numpy computes bit for bit alike on this machine (its
    SIMD versions may not), found once on a spread of samples."""
    global _exact
    if _exact is None:
        xs = _samples()
        found = set()
        with np.errstate(all="ignore"):
            for name in ("exp", "log", "tanh", "sin", "cos"):
                mine = getattr(np, name)(xs).tolist()
                fn = getattr(math, name)
                same = True
                for x, y in zip(xs.tolist(), mine):
                    try:
                        r = fn(x)
                    except _IEEE:
                        continue        # the loop takes numpy's own result there
                    if _bits(r) != _bits(y):
                        same = False
                        break
                if same:
                    found.add(name)
        _exact = frozenset(found)
    return _exact


# ------------------------------------------------------------------ choice
#: Rough costs on the development machine, in nanoseconds: a step of the loop
#: (forward + backward) per node, one numpy call on a small array, one element
#: through the batched kernel, one node of a group done one node at a time.
LOOP_NS, CALL_NS, ELEMENT_NS, MAPPED_NS = 250.0, 1500.0, 25.0, 350.0
#: A level's fold is one add per wire down rows of nodes when it has at least this
#: many nodes per wire (numpy's accumulate is slow along short rows), else accumulate.
ROW_FOLD = 50
#: Below this many nodes the loop (and straight-line code) is kept.
MIN_NODES = 2_000
#: Batched only if its estimated cost is at most this share of the loop's.
MARGIN = 0.5

#: Per plan: (its structure version, its Kernel, None for the loop, or the Job
#: deciding in the background, the structure version its level widths were
#: surveyed at or None).
_kernels: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
_UNASKED = (None, None, None)


class Job:
    """:func:`choose` on a thread of its own (the survey and the kernel cost a few
    times a plan's compilation): evaluations go on through the loop meanwhile."""

    def __init__(self, plan):
        self.result: Kernel | None = None
        self.thread = threading.Thread(target=self._run, args=(weakref.ref(plan),),
                                       daemon=True, name="chainrule batched kernel")
        self.thread.start()

    def _run(self, plan_ref) -> None:
        plan = plan_ref()
        if plan is not None:
            try:
                self.result = choose(plan)
            except Exception:       # anything unforeseen: the plan keeps the loop
                self.result = None


def _current(plan, wait: bool = False) -> "Kernel | None":
    """The kernel for ``plan``, starting the decision in the background the first time
    (None meanwhile, and when the plan keeps the loop); ``wait``: wait for it.  Kept
    per plan and structure version (a plan updated in place is decided again)."""
    version, state, surveyed = _kernels.get(plan, _UNASKED)
    if version != plan.structure_version:       # not asked yet (or updated in place)
        state = Job(plan) if eligible(plan) else None
        # a survey, or none (a plan not eligible is not measured)
        surveyed = None if state is None else plan.structure_version
        _set(plan, state, surveyed)
    if isinstance(state, Job):
        if wait:
            state.thread.join()
        if state.thread.is_alive():
            return None
        state = state.result
        _set(plan, state, surveyed)
    return state


def _set(plan, state, surveyed: int | None = None) -> None:
    _kernels[plan] = (plan.structure_version, state, surveyed)


def loop_kept(plan) -> int | None:
    """The structure version ``plan`` was surveyed at if it was found to keep the
    loop (for :func:`keep_loop`), else None (batched, undecided, or not surveyed)."""
    version, state, surveyed = _kernels.get(plan, _UNASKED)
    return surveyed if state is None and version == plan.structure_version else None


def keep_loop(plan, surveyed: int | None) -> None:
    """``plan``, derived by a few edits from one that kept the loop (surveyed at
    version ``surveyed``), keeps it too without a survey, until the structure has
    changed as many times as an eighth of its nodes since: a few nodes more or
    less do not move the estimate, and a survey costs about two thirds of an
    evaluation (1.6 ms at 10,000 nodes, on a thread of its own but in the same
    interpreter)."""
    if surveyed is not None and plan.structure_version - surveyed <= len(plan.nodes) // 8:
        _set(plan, None, surveyed)


def choice(plan) -> "Kernel | None":
    """The batched kernel ``plan`` gets (deciding now if need be), or None: the loop."""
    return _current(plan, wait=True)


def settle(plan) -> None:
    """Wait until the decision for ``plan`` is made (tests and benchmarks)."""
    if plan is not None and isinstance(_kernels.get(plan, _UNASKED)[1], Job):
        _current(plan, wait=True)


def eligible(plan) -> bool:
    """A plan of floats, without problems, with an output, big enough to matter."""
    return (plan.all_scalar and not plan.problems and plan.output_error is None
            and plan.output >= 0 and len(plan.nodes) >= MIN_NODES)


def survey(plan) -> tuple[list[int], int] | None:
    """Each node's topological level (leaves 0, every other node one after its deepest
    input) and the number of (level, op) groups; None if an op cannot be batched."""
    lev = [0] * len(plan.nodes)
    nodes = plan.nodes
    table = ops.OPS
    seen = set()            # the ops' functions, checked once each
    groups = set()
    add = groups.add
    for i, f, _af, a, b in plan.forward_loop:
        la = lev[a]
        if b >= 0:
            lb = lev[b]
            la = la if la > lb else lb
        lev[i] = la = la + 1
        if f not in seen:
            spec = nodes[i].spec
            if f is not spec.scalar or spec.name not in _FORWARD or table.get(spec.name) \
                    is not spec:
                return None
            seen.add(f)
        add((la, f))
    return lev, len(groups)


def choose(plan) -> "Kernel | None":
    """The batched kernel when it is estimated at most :data:`MARGIN` of the loop's
    cost, from the plan's level widths (numpy calls per pass against nodes)."""
    if not eligible(plan):
        return None
    found = survey(plan)
    if found is None:
        return None
    lev, groups = found
    n = len(plan.nodes)
    loop = LOOP_NS * n
    # at least a call per group and a few per level: clearly narrow plans stop here
    if CALL_NS * (groups + 3 * (max(lev) + 1)) + ELEMENT_NS * n > MARGIN * loop:
        return None
    kernel = Kernel(plan, lev)
    estimate = CALL_NS * kernel.calls + ELEMENT_NS * n + MAPPED_NS * kernel.mapped
    kernel.estimate = (estimate, loop)
    return kernel if estimate <= MARGIN * loop else None


# ------------------------------------------------------------------ kernel

def _index(arr: list[int]):
    """A slice where the positions run in order (a view, no copy), else an index array."""
    if arr and arr[-1] - arr[0] == len(arr) - 1 and all(
            q - p == 1 for p, q in zip(arr, arr[1:])):
        return slice(arr[0], arr[-1] + 1)
    return np.array(arr, dtype=np.intp)


def _buckets(members: list[int], lists: list[list[int]]) -> list[tuple[list[int], list[list[int]]]]:
    """A level's nodes in runs of similar fan-out (at most twice the fewest wires, or
    up to 4), so padding each run's matrix of contributions wastes little."""
    order = sorted(range(len(members)), key=lambda k: len(lists[k]))
    runs, low = [], None
    for k in order:
        count = max(1, len(lists[k]))
        if low is None or count > max(2 * low, 4):
            runs.append(([], []))
            low = count
        runs[-1][0].append(members[k])
        runs[-1][1].append(lists[k])
    return runs


class Kernel:
    """The batched form of one plan: storage order, index arrays, buffers and the
    steps of both passes, each holding the views it reads and writes."""

    def __init__(self, plan, lev: list[int]):
        exact = exact_ufuncs()
        n = self.n = len(plan.nodes)
        nodes = plan.nodes
        reach = plan.reaching
        # ---- groups: (level, gets a gradient, f, vjp), in level order
        vjp_of = {i: (sv, av) for chunk in plan.backward_chunks for i, sv, av, _a, _b in chunk}
        groups: dict[tuple, list[int]] = {}
        entry_of = {}
        for i, f, af, a, b in plan.forward_loop:
            groups.setdefault((lev[i], reach[i], f, vjp_of.get(i, (None,))[0]), []).append(i)
            entry_of[i] = (af, a, b)
        keys = sorted(groups, key=lambda k: (k[0], groups[k][0]))
        storage = [i for i, _ in plan.leaves]
        self.n_leaves = len(storage)
        self.leaf_nodes = [node for _, node in plan.leaves]
        for key in keys:
            storage.extend(groups[key])
        pos = [0] * n
        for p, i in enumerate(storage):
            pos[i] = p
        self.pos = pos
        self.inverse = np.array(pos, dtype=np.intp)      # plan order -> storage
        # Buffers reused by every pass (each pass's results are copied out):
        # V the values, A the gradients G = A[:n], each port's wire A[n:2n] /
        # A[2n:3n], then the seed 1.0, a 0.0 for nodes without a gradient and the
        # fold's padding −0.0.
        V = self.V = np.empty(n)
        A = self.A = np.zeros(3 * n + 3)
        seed, dummy, negz = 3 * n, 3 * n + 1, 3 * n + 2
        A[seed], A[dummy], A[negz] = 1.0, 0.0, -0.0
        G, SA, SB = A[:n], A[n:2 * n], A[2 * n:3 * n]
        self.mapped = mapped = 0
        calls = 0

        def gather(positions: list[int]):
            """(what a level's steps read one port from, the index array or None): a
            view of V where the positions run in order, else a buffer taken into."""
            idx = _index(positions)
            if isinstance(idx, slice):
                return V[idx], None
            return np.empty(len(positions)), idx

        by_level_keys: dict[int, list[tuple]] = {}
        for key in keys:
            by_level_keys.setdefault(key[0], []).append(key)
        levels_up = []
        backward_by_level: dict[int, list] = {}
        passes: dict[int, tuple[int, ...]] = {}
        reads_g: set[int] = set()      # storage positions whose gradient a vjp reads
        start = self.n_leaves
        for level, level_keys in by_level_keys.items():
            # one gather per port for the whole level; each group reads its part
            at_a, at_b = [], []
            for key in level_keys:
                members = groups[key]
                at_a.extend(pos[entry_of[i][1]] for i in members)
                if entry_of[members[0]][2] >= 0:
                    at_b.extend(pos[entry_of[i][2]] for i in members)
            base_a, ta = gather(at_a)
            base_b, tb = gather(at_b) if at_b else (None, None)
            calls += (ta is not None) + (tb is not None)
            steps = []
            oa = ob = 0
            for key in level_keys:
                members = groups[key]
                m = len(members)
                _level, reaching, f, sv = key
                s, e = start, start + m
                start = e
                spec = nodes[members[0]].spec
                name = spec.name
                af = entry_of[members[0]][0]
                binary = entry_of[members[0]][2] >= 0
                xa = base_a[oa:oa + m]
                oa += m
                xb = None
                if binary:
                    xb = base_b[ob:ob + m]
                    ob += m
                fwd = _FORWARD[name]
                if fwd is not None and not all(need in exact for need in _NEEDS.get(name, ())):
                    fwd = None
                if fwd is None:
                    mapped += m
                else:
                    calls += 2 if name in ("max", "min", "relu", "mse", "sigmoid") else 1
                steps.append((fwd, f, af, V[s:e], xa, xb))
                if not reaching:
                    continue
                pass_ports, bwd = _BACKWARD.get(name, ((), None))
                if sv is None:                      # the gradient passes unchanged
                    pass_ports, bwd = ((0, 1) if binary else (0,)), None
                elif sv is not spec.scalar_vjp or (bwd is not None and not all(
                        need in exact for need in _BACK_NEEDS.get(name, ()))):
                    pass_ports, bwd = (), None
                for i in members:
                    passes[i] = pass_ports
                if len(pass_ports) == (2 if binary else 1):
                    continue
                if bwd is None:
                    mapped += m
                else:
                    calls += 3 if name in ("max", "min", "div", "mse") else 1.5
                backward_by_level.setdefault(level, []).append(
                    (bwd, sv, vjp_of[members[0]][1], G[s:e], V[s:e], xa, xb, SA[s:e], SB[s:e]))
                reads_g.update(range(s, e))
            levels_up.append((ta, base_a, tb, base_b, steps))
        self.levels_up = levels_up
        self.mapped = mapped
        # ---- the fold: each node's outgoing wires in the loop's order
        contrib: list[list[int]] = [[] for _ in range(n)]
        for chunk in plan.backward_chunks:
            for i, _sv, _av, a, b in chunk:
                if a < 0:
                    continue
                p = pos[i]
                ports = passes[i]
                contrib[a].append(p if 0 in ports else n + p)
                if b >= 0:
                    contrib[b].append(p if 1 in ports else 2 * n + p)
        contrib[plan.output] = [seed]
        by_level: dict[int, list[int]] = {}
        for p, i in enumerate(storage):
            by_level.setdefault(lev[i], []).append(p)
        # A node whose one wire carries its consumer's own gradient (into an add) has
        # that very gradient: where no vjp reads it, the pass folds nothing for it and
        # its wires read the consumer's slot; it is copied in once at the end.
        home = list(range(n))          # where each node's gradient is during the pass
        alias_at, alias_from = [], []
        levels_down = []
        for level in sorted(by_level, reverse=True):
            folds = []
            members = []
            for p in by_level[level]:
                c = contrib[storage[p]] = [home[q] if q < n else q for q in contrib[storage[p]]]
                if len(c) == 1 and c[0] < n and p not in reads_g:
                    home[p] = c[0]
                    alias_at.append(p)
                    alias_from.append(c[0])
                else:
                    members.append(p)
            if not members:
                if level in backward_by_level:
                    levels_down.append(([], backward_by_level[level]))
                continue
            for targets, lists in _buckets(members, [contrib[storage[p]] for p in members]):
                width = max(1, max(map(len, lists)))
                # a node with fewer wires is padded with −0.0, which adding leaves exact
                slots = np.array([c + [negz] * (width - len(c)) if c else
                                  [dummy] + [negz] * (width - 1) for c in lists],
                                 dtype=np.intp)
                where = _index(targets)
                if width == 1:
                    slots = slots[:, 0].copy()
                    folds.append((slots, G[where] if isinstance(where, slice) else
                                  np.empty(len(targets)), None, where))
                    calls += 1 + (not isinstance(where, slice))
                elif width * ROW_FOLD <= len(targets):
                    # many nodes, few wires each: one add per wire, down whole rows
                    slots = np.ascontiguousarray(slots.T)
                    folds.append((slots, np.empty(slots.shape), _ROWS, where))
                    calls += width + 1
                else:       # few nodes, many wires: accumulate along each node's row
                    folds.append((slots, np.empty(slots.shape), np.empty(slots.shape),
                                  where))
                    calls += 3
            levels_down.append((folds, backward_by_level.get(level, ())))
        self.levels_down = levels_down
        self.alias = (np.array(alias_at, dtype=np.intp), np.array(alias_from, dtype=np.intp)) \
            if alias_at else None
        # ---- where each of the Evaluation's lists takes its floats from
        self.grad_slot = [pos[i] if reach[i] else -1 for i in range(n)]
        slot_a, slot_b = [-1] * n, [-1] * n
        for i, (af, a, b) in entry_of.items():
            if not reach[i]:
                continue
            p, ports = pos[i], passes[i]
            if b >= 0 and ports == (0, 1):
                slot_a[i] = _SAME_SLOT
                continue
            slot_a[i] = p if 0 in ports else n + p
            if b >= 0:
                slot_b[i] = p if 1 in ports else 2 * n + p
        self.lists = [_list_plan(self.grad_slot), _list_plan(slot_a), _list_plan(slot_b)]
        self.calls = calls + 8
        self.estimate: tuple[float, float] | None = None
        self.checked = False

    # ------------------------------------------------------------- the pass
    def run(self) -> tuple[np.ndarray, np.ndarray]:
        """One forward and backward pass: copies of the values (storage order) and of
        the gradient array ``A`` (nodes', then each port's wire, by storage position)."""
        with np.errstate(all="ignore"):
            return self._run()

    def _run(self) -> tuple[np.ndarray, np.ndarray]:
        V, A = self.V, self.A
        n = self.n_leaves          # fromiter over the list: 20 % faster than V[:n] = list
        V[:n] = np.fromiter([node.value for node in self.leaf_nodes], np.float64, n)
        take = V.take
        for ta, base_a, tb, base_b, steps in self.levels_up:
            if ta is not None:
                take(ta, out=base_a)
            if tb is not None:
                take(tb, out=base_b)
            for fwd, f, af, out, xa, xb in steps:
                if fwd is not None:
                    if xb is None:
                        fwd(out, xa)
                    else:
                        fwd(out, xa, xb)
                elif xb is None:
                    out[:] = _mapped(f, af, xa.tolist())
                else:
                    out[:] = _mapped(f, af, xa.tolist(), xb.tolist())
        take = A.take
        G = A[:self.n]
        accumulate = np.add.accumulate
        add = np.add
        for folds, steps in self.levels_down:
            for slots, buf, acc, where in folds:
                take(slots, out=buf)
                if acc is None:
                    if not isinstance(where, slice):
                        G[where] = buf
                elif acc is _ROWS:
                    total = buf[0]
                    for row in buf[1:]:
                        add(total, row, out=total)
                    G[where] = total
                else:
                    accumulate(buf, axis=1, out=acc)
                    G[where] = acc[:, -1]
            for bwd, sv, av, g, out, xa, xb, sa, sb in steps:
                if bwd is not None:
                    bwd(g, out, xa, sa, sb) if xb is None else bwd(g, out, xa, xb, sa, sb)
                elif xb is None:
                    sa[:] = _mapped(sv, av, g.tolist(), out.tolist(), xa.tolist())
                else:
                    sa[:], sb[:] = zip(*_mapped(sv, av, g.tolist(), out.tolist(),
                                                xa.tolist(), xb.tolist()))
        if self.alias is not None:
            at, src = self.alias
            G[at] = A[src]
        return V.copy(), A.copy()


_SAME_SLOT = -2         # an add's wire: it carries the node's own gradient
_ROWS = "rows"          # a fold done as one add per wire, down rows of many nodes


def _list_plan(slots: list[int]) -> tuple:
    """How to make one of the Evaluation's lists: where its floats come from in A, where
    the "same" marker goes; None elsewhere."""
    at = [k for k, s in enumerate(slots) if s >= 0]
    same = [k for k, s in enumerate(slots) if s == _SAME_SLOT]
    return (np.array([slots[k] for k in at], dtype=np.intp), np.array(at, dtype=np.intp),
            np.array(same, dtype=np.intp), len(slots))


def _fill(plan_of_list: tuple, A: np.ndarray, same: Any = None) -> list:
    src, at, at_same, n = plan_of_list
    out = np.full(n, None, dtype=object)
    if len(at_same):
        out[at_same] = same
    out[at] = A.take(src)
    return out.tolist()


def _mapped(f: Callable, af: Callable, *columns: list) -> list:
    """The loop's own float functions over a group, node by node: ``f`` where Python
    computes it, the op's numpy function ``af`` where Python raises (as the loop)."""
    try:
        return list(map(f, *columns))
    except _IEEE:
        result = []
        for args in zip(*columns):
            try:
                result.append(f(*args))
            except _IEEE:
                result.append(af(*args))
        return result


class BatchedEvaluation(Evaluation):
    """The loop's :class:`Evaluation`, its lists made from the kernel's arrays when
    first read (a training step reads two of them; the wires' gradients often none)."""

    def __init__(self, plan, kernel: Kernel, V: np.ndarray, A: np.ndarray):
        self._kernel, self._V, self._A = kernel, V, A
        self._made: dict[str, Any] = {}
        super().__init__(plan, None)
        self._made.clear()

    def _list(self, name: str):
        made = self._made
        if name not in made:
            k = self._kernel
            if name == "values":
                made[name] = self._V.take(k.inverse).tolist()
            elif name == "grads":
                made[name] = _fill(k.lists[0], self._A)
            else:
                made[name] = (_fill(k.lists[1], self._A, _SAME), _fill(k.lists[2], self._A))
        return made[name]

    def _setter(name):
        def put(self, value):
            self._made[name] = value
        return put

    values = property(lambda self: self._list("values"), _setter("values"))
    grads = property(lambda self: self._list("grads"), _setter("grads"))
    edge_grads = property(lambda self: self._list("edge_grads"), _setter("edge_grads"))
    del _setter

    def value(self, node_id: str) -> Any:
        if "values" in self._made:
            return self._made["values"][self.plan.index[node_id]]
        return float(self._V[self._kernel.pos[self.plan.index[node_id]]])

    def grad(self, node_id: str) -> Any:
        if "grads" in self._made:
            return super().grad(node_id)
        slot = self._kernel.grad_slot[self.plan.index[node_id]]
        return None if slot < 0 else float(self._A[slot])

    def finite(self) -> bool:
        """Every value and gradient finite (the common case).  A quick test: the sum is
        finite only if every term is (a finite sum overflowing only costs the loop)."""
        with np.errstate(all="ignore"):
            return math.isfinite(float(np.add.reduce(self._V)) + float(np.add.reduce(self._A)))


def evaluate(plan, explain: bool = True) -> Evaluation | None:
    """One forward and backward pass of ``plan`` through its batched kernel, as the
    loop's :class:`Evaluation`; None when the plan keeps the loop.  The first use of
    a kernel is compared bit for bit with the loop, which gives that evaluation; a
    kernel that differs is dropped for good."""
    kernel = _current(plan)
    if kernel is None:
        return None
    try:
        with gc_paused():
            evaluation = BatchedEvaluation(plan, kernel, *kernel.run())
    except Exception:           # anything unforeseen: this plan keeps the loop
        _set(plan, None)
        return None
    if not kernel.checked:
        reference = forward(plan, explain)
        backward(reference, explain=explain)
        same = straight_line.same_as_loop((evaluation.values, evaluation.grads,
                                           *evaluation.edge_grads), reference)
        kernel.checked = True
        if not same:
            _set(plan, None)
        return reference
    if not evaluation.finite():
        # inf and nan: the loop is the reference (where both inputs of + or × are
        # nan, numpy keeps the first one's sign bit and Python may keep the second's)
        return None
    return evaluation
