"""Files: demos, the recent list, settings isolation, and undo/redo back to the same bytes.

The long test drives random sequences of edits through the undo commands
(add, connect, set value, move, delete, rename, label, output, program
insert), then undoes them all — the saved file must equal the original
byte for byte — and redoes them all — it must equal the final file.
"""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings, strategies as st

from chainrule.core import fileformat, ops
from chainrule.core.errors import GraphError
from chainrule.core.graph import Edge
from chainrule.gui.commands import (AddNode, Connect, MoveNodes, Rename, SetNodeField, SetOutput,
                          insert_graph, remove_nodes)
from chainrule.gui.document import Document
from chainrule.gui.files import DEMO_DIR, RecentFiles, default_demo, list_demos
from chainrule.gui.settings import Settings


def test_every_demo_of_the_index_is_listed_with_title_and_description():
    demos = list_demos()
    assert [d.path.name for d in demos] == [f.name for f in sorted(DEMO_DIR.glob("*.cgraph"))]
    assert all(d.title and d.description for d in demos)
    assert default_demo().name == "01-neuron.cgraph"


def test_recent_files_are_newest_first_unique_and_at_most_ten(tmp_path):
    recent = RecentFiles(Settings(tmp_path))
    for i in range(12):
        recent.add(tmp_path / f"{i}.cgraph")
    recent.add(tmp_path / "5.cgraph")
    paths = recent.paths()
    assert len(paths) == 10 and paths[0].endswith("5.cgraph") and paths[1].endswith("11.cgraph")
    assert len(set(paths)) == 10
    recent.remove(paths[0])
    assert RecentFiles(Settings(tmp_path)).paths() == paths[1:]     # persisted


def test_settings_stay_in_the_folder_they_are_given(tmp_path):
    settings = Settings(tmp_path / "a")
    settings.set_precision(6)
    settings.set_recent_files(["/one"])
    settings.sync()
    assert (tmp_path / "a" / "chainrule.ini").is_file()
    assert Settings(tmp_path / "a").precision() == 6
    assert Settings(tmp_path / "a").recent_files() == ["/one"]
    assert Settings(tmp_path / "b").precision() == 4                  # nothing leaks across


def test_settings_survive_garbage(tmp_path):
    (tmp_path / "chainrule.ini").write_text("[view]\nprecision=banana\n[files]\nrecent=[1,\n")
    settings = Settings(tmp_path)
    assert settings.precision() == 4 and settings.recent_files() == []


# ----------------------------------------------------- random edit sequences

KINDS = ("add", "connect", "connect", "value", "move", "delete", "rename", "label", "output",
         "program")
PROGRAMS = ("f = (x + y) * z", "q = sigmoid(a * b + c)", "v = [1, 2]\nm = mean(v * v)")


def random_edit(doc: Document, rng: random.Random, kind: str) -> None:
    """One edit of ``kind`` through the undo commands (skipped when it cannot apply)."""
    graph = doc.graph
    ids = graph.node_ids()
    if kind == "add" or not ids:
        op = rng.choice(sorted(ops.OPS))
        value = rng.choice([rng.uniform(-3, 3), [rng.uniform(-1, 1) for _ in range(2)]]) \
            if ops.OPS[op].is_leaf else None
        doc.push(AddNode(doc, graph.new_id(op), op, value=value,
                         pos=(rng.randrange(0, 900), rng.randrange(0, 600))))
    elif kind == "connect":
        dst = rng.choice(ids)
        free = graph.missing_ports(dst)
        if free:
            src = rng.choice(ids)
            try:
                graph.check_connect(src, dst, free[0])
            except GraphError:
                return
            doc.push(Connect(doc, Edge(src, dst, free[0])))
    elif kind == "value":
        leaves = [n for n in ids if graph.node(n).spec.is_leaf]
        if leaves:
            doc.push(SetNodeField(doc, rng.choice(leaves), "value", round(rng.uniform(-5, 5), 3)))
    elif kind == "move":
        node = rng.choice(ids)
        doc.push(MoveNodes(doc, {node: (graph.node(node).pos,
                                        (rng.randrange(0, 900), rng.randrange(0, 600)))}))
    elif kind == "delete":
        edges = graph.edges()
        remove_nodes(doc, rng.sample(ids, k=min(len(ids), rng.randint(0, 2))),
                     rng.sample(edges, k=min(len(edges), rng.randint(0, 1))))
    elif kind == "rename":
        old = rng.choice(ids)
        doc.push(Rename(doc, old, graph.new_id("r")))
    elif kind == "label":
        doc.push(SetNodeField(doc, rng.choice(ids), "label", rng.choice([None, "λ", "hidden"])))
    elif kind == "output":
        doc.push(SetOutput(doc, rng.choice(ids + [None])))
    elif kind == "program":
        from chainrule.core.program import parse_program
        insert_graph(doc, parse_program(rng.choice(PROGRAMS)).graph, (1000.0, 0.0))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), steps=st.lists(st.sampled_from(KINDS), max_size=30))
def test_undo_all_gives_back_the_original_bytes_and_redo_all_the_final(qapp, tmp_path, seed,
                                                                        steps):
    rng = random.Random(seed)
    demo = rng.choice(list_demos()).path
    doc = Document(fileformat.load(demo))
    original = tmp_path / "original.cgraph"
    fileformat.save(doc.graph, original)
    for kind in steps:
        random_edit(doc, rng, kind)
        doc.evaluate_now()                 # the live evaluation must survive every state
    final = fileformat.dumps(doc.graph)
    stack = doc.undo_stack
    stack.setIndex(0)
    assert not doc.modified
    undone = tmp_path / "undone.cgraph"
    fileformat.save(doc.graph, undone)
    assert undone.read_bytes() == original.read_bytes()
    stack.setIndex(stack.count())
    assert fileformat.dumps(doc.graph) == final
    doc.deleteLater()


def test_a_test_without_a_settings_folder_never_reaches_the_users_settings(monkeypatch):
    monkeypatch.delenv("CHAINRULE_SETTINGS_DIR", raising=False)
    path = Settings().qsettings.fileName()
    assert "chainrule-settings-" in path
