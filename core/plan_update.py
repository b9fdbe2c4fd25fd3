"""The next plan after a few structural edits, derived from the last one.

Compiling a plan from scratch walks every node in Python; after adding a
node or a wire most of it is as it was.  :func:`updated` reads what changed
(:meth:`Graph.structure_changes`) and makes the new plan from the old one:

* The *affected* nodes are those whose place in the order or whose compiled
  entry may differ: added nodes, the targets of wires made or removed, nodes
  whose settings changed, and everything downstream of them.  Every other
  node keeps its level and its order relative to the others (its inputs and
  their order are untouched), so its entries are the old ones with indices
  renumbered.
* Levels are kept as lists.  A level that receives an affected node is
  rebuilt by one step of Kahn's algorithm from the level before it (exactly
  ``networkx.topological_generations``' rule: a node joins when the last wire
  from the level before has been seen); a level that only lost nodes keeps
  the others' order.  Sources (level 0) follow the node order, so a new
  source goes last among them when it is last in the node order.
* Which nodes reach the output is updated from the nodes whose wires
  changed, upwards, in reverse order.

Anything else (a rename, a restore, a file read, a changed output, more than
an eighth of the graph affected — with half of it affected an update measured
twice as slow as compiling afresh —, an output that cannot be computed) returns None: the caller compiles
afresh.  A hypothesis test compares every updated plan with a fresh
one after random edit sequences.
"""
from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import operator
from typing import NamedTuple

import numpy as np

from . import engine
from .engine import Plan
from .gc_pause import gc_paused
from .graph import Graph
from .plan_entries import bind, unwired

_FIRST = operator.itemgetter(0)
MAX_CHANGES = 32        # more changes than this since the plan: compile afresh


def _negated_first(entry: tuple) -> int:
    """The sort key of a list in descending node order, for bisect."""
    return -entry[0]


def next_plan(plan: Plan | None, graph: Graph, holder) -> Plan:
    """The Evaluator's next plan: the last one updated, or compiled afresh.
    The holder (the Evaluator) lets go of the old plan while the collector is paused: if nothing
    else holds it, its entries are freed before the collector would walk the new
    ones (which otherwise cost a collection of every entry, measured 1–2 ms at
    10,000 nodes)."""
    compile_afresh = engine.Plan        # looked up now (tests count compilations)
    if plan is None:
        return compile_afresh(graph)
    with gc_paused():
        new = updated(plan, graph)
        holder._plan = plan = None
        return new or compile_afresh(graph)


def updated(plan: Plan, graph: Graph) -> Plan | None:
    """The plan of ``graph`` as it is now, derived from ``plan`` (compiled for the
    same graph some edits ago), or None where a fresh compilation is simpler."""
    changes = graph.structure_changes(plan.structure_version)
    if changes is None or len(changes) > MAX_CHANGES or plan.output_error is not None:
        return None
    output_id = graph.effective_output()
    if output_id is None or output_id != plan.output_id:
        return None
    nodes = graph._nodes
    old_index = plan.index
    dirty: dict[str, None] = {}     # their own place or entry may have changed
    touched: set[str] = set()       # their wires changed: whether they reach may change
    for change in changes:
        if change[0] == "wire":
            dirty[change[1].dst] = None
            touched.update((change[1].src, change[1].dst))
        elif change[0] != "output":
            dirty[change[1]] = None
            touched.add(change[1])
    gone = {n for n in dirty if n not in nodes and n in old_index}
    affected = _downstream([n for n in dirty if n in nodes], graph, len(nodes) // 8 + 16)
    if affected is None:
        return None
    level_of = _level_map(plan)
    levels = _relevel(plan, graph, affected, gone, level_of)
    if levels is None:
        return None
    new = copy.copy(plan)
    new.__dict__.pop("_loop_derived", None)     # the old entries die with the old plan
    new.__dict__.pop("_step_of", None)
    new.structure_version = graph.structure_version
    new._levels, new._level_of = levels, level_of
    order, new.nodes, moves = _spliced(plan, levels, level_of, affected, gone, nodes)
    new.order = order
    new.index = index = _index(plan, order, moves, gone)
    renumbering = _renumbering(plan, index, moves)
    drop = {old_index[n] for n in itertools.chain(affected, gone) if n in old_index}
    if not _recompile(new, plan, graph, affected, gone, renumbering, drop):
        return None
    changed = _backward(new, plan, graph, affected, touched, gone, renumbering, drop, moves)
    # what the first evaluation of the new plan may take from the old one's
    # (core/evaluator.py, _evaluate_edited)
    new._edit = None if moves is None else Edit(plan.structure_version, moves, sorted(
        map(index.__getitem__, affected)), bool(changed))
    return new


class Edit(NamedTuple):
    """How a plan was updated from the one before it: enough to edit that plan's
    evaluation into this one's instead of running both passes again."""

    source: int                         # the structure version it was updated from
    moves: tuple[list[int], list[int]]  # old indices taken out (descending), new ones put in
    affected: list[int]                 # new indices of the nodes bound again, ascending
    reach_changed: bool                 # some node started or stopped reaching the output


def _spliced(plan: Plan, levels: list, level_of: dict, affected: set[str], gone: set[str],
             nodes: dict) -> tuple[list, list, tuple | None]:
    """The new order and its nodes: the old lists with the nodes that moved or went
    taken out and the affected ones put in at their places (list edits, in C), and
    those moves (old indices taken out, descending; new indices put in, ascending);
    with many moves, the lists made anew and None."""
    if len(affected) + len(gone) > 32:
        order = list(itertools.chain.from_iterable(levels))
        return order, list(map(nodes.__getitem__, order)), None
    order, found = list(plan.order), list(plan.nodes)
    index = plan.index
    out = sorted((index[n] for n in itertools.chain(affected, gone) if n in index),
                 reverse=True)
    for i in out:
        del order[i], found[i]
    starts = list(itertools.accumulate(map(len, levels), initial=0))
    put = sorted((starts[level_of[n]] + levels[level_of[n]].index(n), n) for n in affected)
    for i, n in put:
        order.insert(i, n)
        found.insert(i, nodes[n])
    return order, found, (out, [i for i, _ in put])


def _index(plan: Plan, order: list, moves: tuple | None, gone: set[str]) -> dict:
    """Node id -> index in the new order: the old dict copied and its entries from the
    first move on written again (a quarter cheaper than a new dict, even when that
    is nearly all of them), or made anew."""
    if moves is None:
        return dict(zip(order, range(len(order))))
    start = min(itertools.chain(moves[0], moves[1]), default=len(order))
    index = plan.index.copy()
    for n in gone:
        del index[n]
    index.update(zip(order[start:], range(start, len(order))))
    return index


def _renumbering(plan: Plan, index: dict, moves: tuple | None) -> tuple[list, int]:
    """(each old index's new one (any number for a node taken out), and -1 at
    the end, so that "no input" (-1) stays -1; the old index below which no
    index changed)."""
    if moves is None:
        renum = list(map(index.get, plan.order))
        kept = 0
    else:
        out, put = moves
        was = np.arange(len(plan.order))
        at = was.copy()
        if out:             # each index after a node taken out moves down one
            at -= np.searchsorted(np.array(out[::-1]), at, side="right")
        for i in put:       # and up one after each put in (in order, final indices)
            at[at >= i] += 1
        moved = at != was
        moved[out] = False  # nodes taken out: dropped, their entries made anew
        first = np.flatnonzero(moved)
        kept = int(first[0]) if len(first) else len(was)
        at[out] = -1
        renum = at.tolist()
    renum.append(-1)
    return renum, kept


def _renumbered(entries: list, renumbering: tuple, drop: set[int], ascending: bool) -> list:
    """``entries`` (forward ascending, backward descending) with their indices
    renumbered and the dropped ones left out.  Entries of nodes below the first
    that moved keep their tuples (their inputs come before them, so did not move
    either): a wire or a setting changed moves nothing, and neither the new tuples
    nor freeing the old ones (10,000 each at 10,000 nodes, 1–2 ms) is paid."""
    renum, kept = renumbering
    if ascending:
        cut = bisect.bisect_left(entries, kept, key=_FIRST)
        same, rest = entries[:cut], entries[cut:]
    else:                   # descending: the entries at kept and above come first
        cut = bisect.bisect_right(entries, -kept, key=_negated_first)
        rest, same = entries[:cut], entries[cut:]
    if drop:
        _drop(same, drop, ascending)
        _drop(rest, drop, ascending)
    rest = [(renum[i], f, af, renum[a], renum[b]) for i, f, af, a, b in rest]
    return same + rest if ascending else rest + same


def _drop(entries: list, drop: set[int], ascending: bool) -> None:
    """Take the entries of the nodes in ``drop`` out of ``entries`` (sorted by node,
    ascending or descending): a few, found by bisection and deleted in C, where a
    filter would test every entry; many, by one filter."""
    if len(drop) > 32:
        entries[:] = [e for e in entries if e[0] not in drop]
        return
    for i in drop:
        k = entry_at(entries, i, ascending)
        if k is not None:
            del entries[k]


def entry_at(entries: list, i: int, ascending: bool = True) -> int | None:
    """Where node ``i``'s entry is in ``entries`` (sorted by node, ascending or
    descending), by bisection; None if it has none (a leaf's forward entry, a
    blocked node's)."""
    if ascending:
        k = bisect.bisect_left(entries, i, key=_FIRST)
    else:
        k = bisect.bisect_left(entries, -i, key=_negated_first)
    return k if k < len(entries) and entries[k][0] == i else None


def _downstream(start: list[str], graph: Graph, limit: int) -> set[str] | None:
    """``start`` and everything fed by it, or None beyond ``limit`` nodes."""
    succ = graph.nx._succ
    seen = set(start)
    stack = list(start)
    while stack:
        for child in succ[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
                if len(seen) > limit:
                    return None
    return seen


def _level_map(plan: Plan) -> dict[str, int]:
    """Each node's level (made once per full compilation, then carried along): taken
    from ``plan``, not copied (0.2 ms at 10,000 nodes), since the next plan changes
    it; ``plan`` makes its own again if it is ever updated once more."""
    level_of = plan._level_of
    if level_of is None:
        level_of = {n: k for k, level in enumerate(plan._levels) for n in level}
    plan._level_of = None
    return level_of


def _relevel(plan: Plan, graph: Graph, affected: set[str], gone: set[str],
             level_of: dict[str, int]) -> list | None:
    """The new levels (``level_of`` updated in place), or None."""
    pred, succ = graph.nx._pred, graph.nx._succ
    levels = list(plan._levels)
    shrunk = {level_of.pop(n) for n in gone}
    shrunk.update(level_of[n] for n in affected if n in level_of)
    # the affected nodes' new levels, inputs first (each one's inputs are done)
    waiting = {n: sum(1 for u in pred[n] if u in affected) for n in affected}
    ready = [n for n, k in waiting.items() if k == 0]
    grown: set[int] = set()
    while ready:
        n = ready.pop()
        level = 1 + max((level_of[u] for u in pred[n]), default=-1)
        level_of[n] = level
        grown.add(level)
        for child in succ[n]:
            if child in affected:
                waiting[child] -= 1
                if not waiting[child]:
                    ready.append(child)
    out = affected | gone
    for k in shrunk - grown:
        levels[k] = [n for n in levels[k] if n not in out]
    if grown:
        levels.extend([] for _ in range(max(grown) + 1 - len(levels)))
    arriving: dict[int, list] = {}
    for n in affected:
        arriving.setdefault(level_of[n], []).append(n)
    for k in sorted(grown):
        if k == 0:
            sources = _sources(plan, graph, affected, level_of)
            if sources is None:
                return None
            levels[0] = [n for n in levels[0] if n not in out] + sources
        elif len(arriving[k]) <= 4:       # a few: put in place, the rest as they are
            levels[k] = _placed([n for n in levels[k] if n not in out], arriving[k],
                                levels[k - 1], k, pred, succ, level_of)
        else:
            levels[k] = _kahn_step(levels[k - 1], k, pred, succ, level_of)
    while levels and not levels[-1]:
        levels.pop()
    return levels


def _sources(plan: Plan, graph: Graph, affected: set[str], level_of: dict) -> list | None:
    """The affected nodes without inputs, in node order, if they all come after
    every other source in the node order (new nodes do); else None."""
    want = {n for n in affected if level_of[n] == 0}
    found = []
    for steps, n in enumerate(reversed(graph._nodes)):
        if n in want:
            found.append(n)
            if len(found) == len(want):
                return found[::-1]
        elif level_of[n] == 0 or steps > 4096:
            return None
    return None


def _placed(level: list, arriving: list, before: list, k: int, pred: dict, succ: dict,
            level_of: dict) -> list:
    """Level ``k`` with a few nodes put in: each where Kahn's algorithm would put
    it, found by bisection on (place of its last input in level ``k - 1``, its
    place among that input's consumers) — what orders a level."""
    at = {u: j for j, u in enumerate(before)}

    def key(n: str) -> tuple[int, int]:
        last = max((u for u in pred[n] if level_of[u] == k - 1), key=at.__getitem__)
        return at[last], list(succ[last]).index(n)

    for n in sorted(arriving, key=key):
        mine = key(n)
        lo, hi = 0, len(level)
        while lo < hi:
            mid = (lo + hi) // 2
            if key(level[mid]) < mine:
                lo = mid + 1
            else:
                hi = mid
        level.insert(lo, n)
    return level


def _kahn_step(before: list, k: int, pred: dict, succ: dict, level_of: dict) -> list:
    """Level ``k`` from level ``k - 1``: its nodes in the order their last wire
    from there is seen (networkx's topological_generations)."""
    left: dict[str, int] = {}
    level = []
    for u in before:
        for child, keys in succ[u].items():
            if level_of[child] != k:
                continue
            n = left.get(child)
            if n is None:
                n = sum(len(ks) for v, ks in pred[child].items() if level_of[v] == k - 1)
            n -= len(keys)
            left[child] = n
            if not n:
                level.append(child)
    return level


def _recompile(new: Plan, plan: Plan, graph: Graph, affected: set[str], gone: set[str],
               renumbering: tuple[list, int], drop: set[int]) -> bool:
    """Inputs, problems, leaves and forward entries of ``new``; False if its output
    cannot be computed (the fresh compilation says why)."""
    index = new.index
    ports = graph._ports
    renum = renumbering[0]
    forward = _renumbered(plan.forward_loop, renumbering, drop, ascending=True)
    blocked = {renum[i] for i in plan.blocked if i not in drop}
    blocked_inputs = {renum[i]: tuple(renum[j] for j in ins)
                      for i, ins in plan._blocked_inputs.items() if i not in drop}
    arrays = plan._arrays - affected - gone
    leaves = [(renum[i], node) for i, node in plan.leaves if i not in drop]
    problems = [p for p in plan.problems if p.node not in affected and p.node not in gone]
    made = []
    for i in sorted(map(index.__getitem__, affected)):
        node = new.nodes[i]
        nid, spec = node.id, node.spec
        if spec.arity == 0:
            if spec.is_leaf:
                leaves.append((i, node))
            if not spec.is_leaf or isinstance(node.value, np.ndarray):
                arrays.add(nid)
            continue
        srcs = [ports.get((nid, p)) for p in range(spec.arity)]
        ins = tuple(-1 if s is None else index[s] for s in srcs)
        if None in srcs or any(j in blocked for j in ins):
            if None in srcs:
                problems.append(unwired(node, srcs))
            blocked.add(i)
            blocked_inputs[i] = ins
            arrays.add(nid)
            continue
        a, b = ins[0], ins[1] if len(ins) > 1 else -1
        scalar_in = srcs[0] not in arrays and (b < 0 or srcs[1] not in arrays)
        sf, af, _sv, _av, scalar = bind(node, scalar_in)
        if not scalar:
            arrays.add(nid)
        made.append((i, sf, af, a, b))
    _merge(forward, made)
    if new.output_id in graph and index[new.output_id] in blocked:
        return False
    leaves.sort(key=_FIRST)
    new._set_leaves(leaves)
    problems.sort(key=lambda p: index[p.node])
    new.problems = problems
    new.blocked, new._blocked_inputs, new._arrays = blocked, blocked_inputs, arrays
    new._inputs = None
    # as a fresh plan says it: every value computed is a float (blocked nodes have none)
    new.all_scalar = not arrays or (bool(blocked) and all(index[n] in blocked for n in arrays))
    new.output = index[new.output_id]
    new.forward_loop = forward
    return True


def _backward(new: Plan, plan: Plan, graph: Graph, affected: set[str], touched: set[str],
              gone: set[str], renumbering: tuple[list, int], drop: set[int],
              moves: tuple | None) -> set[str]:
    """Which nodes reach the output, and the backward entries, of ``new``; the nodes
    that started or stopped reaching it."""
    index, order = new.index, new.order
    pred, succ = graph.nx._pred, graph.nx._succ
    # taken from the old plan as for the level map (it makes its own if it needs one)
    reach = plan.__dict__.pop("_reach", None)
    if reach is None:
        reach = set(itertools.compress(plan.order, plan.reaching))
    reach.difference_update(gone)
    out = new.output_id
    heap = [-index[n] for n in affected | touched if n in index]
    heapq.heapify(heap)
    changed = set()
    done = set()
    while heap:
        i = -heapq.heappop(heap)
        if i in done:
            continue
        done.add(i)
        n = order[i]
        now = n == out or any(c in reach for c in succ[n])
        if now != (n in reach):
            changed.add(n)
            (reach.add if now else reach.discard)(n)
            for u in pred[n]:
                heapq.heappush(heap, -index[u])
    if moves is None:
        new.reaching = list(map(reach.__contains__, order))
    else:                   # the old list with the same moves, then the changes
        reaching = list(plan.reaching)
        for i in moves[0]:
            del reaching[i]
        for i in moves[1]:
            reaching.insert(i, order[i] in reach)
        for n in changed:
            reaching[index[n]] = n in reach
        new.reaching = reaching
    new._reach = reach
    redo = {old for n in changed if (old := plan.index.get(n)) is not None}
    drop = drop | redo
    backward = _renumbered(plan._backward_plain, renumbering, drop, ascending=False)
    made = []
    ports, arrays = graph._ports, new._arrays
    for n in (affected | changed) & reach:
        i = index[n]
        node = new.nodes[i]
        if node.spec.arity == 0:
            made.append((i, None, None, -1, -1))
            continue
        srcs = [ports[n, p] for p in range(node.spec.arity)]
        b = index[srcs[1]] if len(srcs) > 1 else -1
        scalar_in = not arrays.intersection(srcs)
        _sf, _af, sv, av, _s = bind(node, scalar_in)
        made.append((i, sv, av, index[srcs[0]], b))
    backward.reverse()
    _merge(backward, made)
    backward.reverse()
    new._install(new.forward_loop, backward)
    return changed


def _merge(entries: list, made: list) -> None:
    """Put ``made`` into ``entries`` (both sorted by node index), in place."""
    if len(made) > 16:
        entries.extend(made)
        entries.sort(key=_FIRST)
        return
    for entry in made:
        lo, hi = 0, len(entries)
        i = entry[0]
        while lo < hi:
            mid = (lo + hi) // 2
            if entries[mid][0] < i:
                lo = mid + 1
            else:
                hi = mid
        entries.insert(lo, entry)
