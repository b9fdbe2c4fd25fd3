"""Memory and time of the reader, ``eval`` and the program parser on big inputs.

A script, not a test (``make bench`` runs it): it prints figures, asserts
nothing.  Each measurement runs in a fresh subprocess, so its peak resident
memory is its own; the figure reported is the peak resident memory during
the work (``VmHWM``, reset just before it) minus the resident memory just
before it (imports done), per MB of input.  Linux only (``/proc/self``).

Inputs, generated in a temporary folder:

* graphs of about 20,000 and 200,000 nodes (a chain of 10,000 and 100,000
  ``add`` nodes over as many inputs, with positions, a label and an unknown
  key: what a big saved file holds);
* a graph holding one vector of 250,000 and one of 2,000,000 numbers;
* programs of 64 KiB and just under 256 KiB (the parser's limit).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

MIB = 1024 * 1024

CHILD = textwrap.dedent("""
    import resource, sys, time
    kind, path = sys.argv[1], sys.argv[2]
    from chainrule.core import fileformat
    from chainrule.core.program import parse_program
    from chainrule.core.engine import Evaluator
    import numpy
    import gc
    def status(key):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    gc.collect()
    base = status("VmRSS:")
    with open("/proc/self/clear_refs", "w") as f:     # resets the peak (VmHWM) to now
        f.write("5")
    start = time.perf_counter()
    if kind == "load":
        fileformat.load(path)
    elif kind == "eval":
        Evaluator(fileformat.load(path)).evaluate()
    elif kind == "save":
        fileformat.save(fileformat.load(path), path + ".saved")
    else:
        parse_program(open(path, encoding="utf-8").read())
    took = time.perf_counter() - start
    peak = status("VmHWM:")
    print(base * 1024, peak * 1024, took)
""")


def chain_file(folder: str, n: int) -> str:
    nodes = [{"id": "x0", "op": "input", "value": 1, "label": "start", "pos": [0, 0],
              "note": {"by": "bench"}}]
    edges = []
    for i in range(1, n):
        nodes.append({"id": f"x{i}", "op": "input", "value": i % 7, "pos": [i * 220, 0]})
        nodes.append({"id": f"s{i}", "op": "add", "pos": [i * 220, 110]})
        edges.append({"from": f"s{i - 1}" if i > 1 else "x0", "to": f"s{i}", "port": 0})
        edges.append({"from": f"x{i}", "to": f"s{i}", "port": 1})
    return _write(folder, f"chain-{n}", nodes, edges)


def vector_file(folder: str, n: int) -> str:
    nodes = [{"id": "v", "op": "input", "value": [((i * 7919) % 1000) / 8 for i in range(n)]},
             {"id": "s", "op": "sum"}]
    return _write(folder, f"vector-{n}", nodes, [{"from": "v", "to": "s", "port": 0}])


def _write(folder: str, name: str, nodes: list, edges: list) -> str:
    path = os.path.join(folder, f"{name}.cgraph")
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"format": "chainrule", "version": 1, "nodes": [\n')
        f.write(",\n".join(json.dumps(n) for n in nodes))
        f.write('\n], "edges": [\n')
        f.write(",\n".join(json.dumps(e) for e in edges))
        f.write("\n]}\n")
    return path


def program_file(folder: str, target_bytes: int) -> str:
    lines, size, i = [], 0, 0
    while size < target_bytes - 40:
        line = f"x{i} = {i % 9} + w{i} * {i % 5}\n"
        lines.append(line)
        size += len(line)
        i += 1
    path = os.path.join(folder, f"program-{target_bytes}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return path


def measure(kind: str, path: str) -> tuple[float, float, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, path], capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    base, peak, took = done.stdout.split()
    return int(base), int(peak), float(took)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        chain = chain_file(folder, 100_000)
        vector = vector_file(folder, 2_000_000)
        inputs = [("load", chain_file(folder, 10_000)), ("load", chain),
                  ("eval", chain), ("save", chain),
                  ("load", vector_file(folder, 250_000)), ("load", vector),
                  ("eval", vector),
                  ("parse", program_file(folder, 64 * 1024)),
                  ("parse", program_file(folder, 256 * 1024 - 64))]
        print(f"inputs generated in {time.perf_counter() - t0:.1f} s")
        print(f"{'work':6} {'input':24} {'size':>9} {'peak RSS':>10} {'per MB':>8} {'time':>7}")
        for kind, path in inputs:
            size = os.path.getsize(path)
            try:
                base, peak, took = measure(kind, path)
            except RuntimeError as exc:
                print(f"{kind:6} {os.path.basename(path):24} refused: {exc}")
                continue
            extra = max(peak - base, 0)
            print(f"{kind:6} {os.path.basename(path):24} {size / MIB:7.1f} MiB "
                  f"{extra / MIB:7.0f} MiB {extra / size:7.1f}× {took:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
