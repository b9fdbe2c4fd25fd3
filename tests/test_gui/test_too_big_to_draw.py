"""A graph with more nodes than the editor draws: offered grouped, or headless.

Through the real dialogs (clicked while they are open): the question offers
both ways, "Open Grouped" opens a window drawing at most ``MAX_CARDS`` cards
whose evaluation is the headless one, "Headless Commands…" shows the commands
to copy, and a graph too big even to open grouped offers only the commands.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPlainTextEdit, QPushButton

from chainrule.core import fileformat as ff
from chainrule.core.engine import Evaluator
from chainrule.core.graph import Graph
from chainrule.core.group_bands import cards_drawn, group_to_fit, level_bands
from chainrule.core.groups import Group
from chainrule.gui import files
from modal_dialogs import click_in_modal


def chain(n: int) -> Graph:
    """x0 + x1 + … as a chain of add nodes over inputs (2n - 1 nodes), ending in ``out``."""
    g = Graph()
    g.add_node("x0", "input", value=0.5)
    prev = "x0"
    for i in range(1, n):
        g.add_node(f"x{i}", "input", value=math.sin(i))
        g.add_node(f"s{i}", "tanh" if i % 3 == 0 else "add")
        g.connect(prev, f"s{i}", 0)
        if g.node(f"s{i}").spec.arity == 2:
            g.connect(f"x{i}", f"s{i}", 1)
        prev = f"s{i}"
    g.set_output(prev)
    return g


@pytest.fixture
def big_file(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_CARDS", 40)
    monkeypatch.setattr(files, "MAX_GROUPED_NODES", 1_000)
    graph = chain(150)                   # 299 nodes: above 40 cards, below 1,000 nodes
    path = tmp_path / "big.cgraph"
    ff.save(graph, path)
    return path


def test_open_grouped_draws_at_most_max_cards_and_evaluates_as_headless(make_window, qtbot,
                                                                        big_file):
    window = make_window()
    seen: dict = {}
    click_in_modal(qtbot, "Open Grouped", seen)
    assert window.files.open(big_file) is True, (seen, window.errors)
    (names,) = seen["buttons"]
    assert "Open Grouped" in names and "Headless Commands…" in names
    (text, detail), = seen["texts"]
    assert "299 nodes" in text and "at most 40 cards" in detail
    graph = window.document.graph
    assert len(graph) == 299 and window.document.path == big_file
    scene = window.canvas.graph_scene
    qtbot.waitUntil(lambda: len(scene.groups.gates) > 0)
    shown = [n for n, item in scene.nodes.items() if item.isVisible()]
    assert len(shown) + len(scene.groups.gates) <= 40
    assert len(shown) + len(scene.groups.gates) == cards_drawn(graph)
    assert "Opened grouped" in window.statusBar().currentMessage()
    headless = Evaluator(ff.load(big_file)).evaluate()
    here = window.document.evaluate_now()
    for node_id in graph.node_ids():
        assert np.array_equal(here.value(node_id), headless.value(node_id))
        assert np.array_equal(here.grad(node_id), headless.grad(node_id))


def test_headless_commands_are_shown_to_copy(make_window, qtbot, big_file):
    window = make_window()
    before = window.document.graph
    seen: dict = {}
    click_in_modal(qtbot, "Headless Commands…", seen)

    def copy_then_close() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or isinstance(dialog, QMessageBox):
            QTimer.singleShot(20, copy_then_close)
            return
        seen["commands"] = dialog.findChild(QPlainTextEdit, "headlessCommands").toPlainText()
        for b in dialog.findChildren(QPushButton):
            if b.text() == "Copy":
                b.click()
        dialog.reject()
    QTimer.singleShot(50, copy_then_close)
    assert window.files.open(big_file) is False
    assert window.document.graph is before
    commands = seen["commands"].splitlines()
    assert f"chainrule eval {big_file} --json" in commands
    assert any(c.startswith("chainrule check ") for c in commands)
    assert QGuiApplication.clipboard().text() == seen["commands"]


def test_too_big_even_grouped_offers_only_the_commands(make_window, qtbot, big_file,
                                                      monkeypatch):
    monkeypatch.setattr(files, "MAX_GROUPED_NODES", 100)
    window = make_window()
    seen: dict = {}
    click_in_modal(qtbot, "Cancel", seen)
    assert window.files.open(big_file) is False
    (names,) = seen["buttons"]
    assert "Open Grouped" not in names and "Headless Commands…" in names
    assert not window.errors


def test_the_command_line_file_is_offered_once_the_window_shows(qtbot, big_file, tmp_path,
                                                              monkeypatch):
    from chainrule.gui import app as gui_app
    from chainrule.gui.settings import Settings
    monkeypatch.setenv("CHAINRULE_SETTINGS_DIR", str(tmp_path / "settings"))
    window, problem = gui_app.create_window(big_file, Settings(tmp_path / "settings"))
    qtbot.addWidget(window)
    assert problem is None and window.files.too_big is not None
    seen: dict = {}
    click_in_modal(qtbot, "Open Grouped", seen)
    assert window.files.open_too_big() is True
    assert window.document.path == big_file and cards_drawn(window.document.graph) <= 40


# ------------------------------------------------------------- the grouping

def test_bands_follow_whole_levels_and_cover_every_free_node():
    g = chain(400)
    bands = level_bands(g, bands=20)
    level = {n: k for k, gen in enumerate(g.generations()) for n in gen}
    for n in g.node_ids():                # a leaf counts in its first consumer's level
        if g.node(n).spec.is_leaf and g.nx._succ[n]:
            level[n] = min(level[c] for c in g.nx._succ[n])
    covered = [n for b in bands for n in b.nodes]
    assert sorted(covered) == sorted(g.node_ids())
    for a, b in zip(bands, bands[1:]):
        assert max(level[n] for n in a.nodes) < min(level[n] for n in b.nodes)
    assert all(b.collapsed and b.label.startswith("level") for b in bands)
    assert 15 <= len(bands) <= 21


def test_existing_groups_are_collapsed_first():
    g = chain(30)
    g.groups["front"] = Group("front", [n for n in g.node_ids() if n != g.output])
    grouping = group_to_fit(g, 5)
    assert grouping is not None and grouping.bands == 0 and grouping.collapsed == 1
    assert cards_drawn(g) == 2 and g.groups["front"].collapsed
    assert "1 group collapsed" in grouping.sentence()


def test_what_cannot_fit_is_left_as_it_was():
    g = Graph()
    for i in range(50):                   # one level of 50 inputs, one band: fits in 1 card
        g.add_node(f"x{i}", "input", value=1.0)
    g.groups["g"] = Group("g", ["x0"])
    assert group_to_fit(g, 0) is None
    assert list(g.groups) == ["g"] and not g.groups["g"].collapsed
