"""Writing a big graph's text: what a save and every autosave of it cost.

A script, not a test (``make bench`` runs it).  ``fileformat.dumps`` of the
4,799- and 9,959-node graphs of ``big_graph`` with the writer's direct path for
plain records, against the same writer with that path turned off (every record
through ``json.dumps``, as before); rounds alternate, best of 5, CPU time.  The
two texts are checked to be identical.
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from big_graph import make_big_graph  # noqa: E402

from chainrule.core import fileformat, fileformat_write  # noqa: E402

ROUNDS = 5


def main() -> None:
    direct = fileformat_write._plain_record
    print("writing a graph's text (fileformat.dumps): direct path against json.dumps per record")
    for width in (400, 830):
        graph = make_big_graph(layers=10, width=width)
        best = {"direct": float("inf"), "json": float("inf")}
        texts = {}
        for k in range(ROUNDS):
            for name in (("direct", "json") if k % 2 else ("json", "direct")):
                fileformat_write._plain_record = direct if name == "direct" else (
                    lambda *args: None)
                t = time.process_time()
                texts[name] = fileformat.dumps(graph)
                best[name] = min(best[name], time.process_time() - t)
        fileformat_write._plain_record = direct
        assert texts["direct"] == texts["json"]
        print(f"{len(graph):>7,} nodes  {len(texts['direct']) / 1e6:5.2f} MB  direct "
              f"{best['direct'] * 1e3:6.1f} ms  json.dumps {best['json'] * 1e3:6.1f} ms  "
              f"{best['json'] / best['direct']:4.1f}×")


if __name__ == "__main__":
    main()
