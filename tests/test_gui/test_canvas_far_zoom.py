"""Far zoomed out, one item draws every wire and one every card (the far batches);
the items keep their place for clicks and selection but paint nothing.  Checked on the items and
on the pixels: the lines are there, a selected wire is drawn in the selection
colour, and zooming back in (or exporting a picture) gives each wire its own look."""
from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from canvas_views import shown_canvas
from chainrule.gui.canvas import style


def make_view(qtbot):
    return shown_canvas(qtbot, "05-two-layer.cgraph")


def no_contents(wire) -> bool:
    return bool(wire.flags() & QGraphicsItem.ItemHasNoContents)


def count(view, color: QColor, tolerance: int = 40) -> int:
    image = view.viewport().grab().toImage()
    n = 0
    for y in range(0, image.height()):
        for x in range(0, image.width()):
            c = QColor(image.pixel(x, y))
            if (abs(c.red() - color.red()) + abs(c.green() - color.green())
                    + abs(c.blue() - color.blue())) < tolerance:
                n += 1
    return n


def test_far_out_one_item_draws_the_wires_and_selection_shows(qtbot):
    view = make_view(qtbot)
    scene = view.graph_scene
    view.set_zoom(style.LOD_SIMPLE * 0.8)
    view.centerOn(scene.items_rect().center())
    assert scene.wire_batch.scene() is scene and scene.card_batch.scene() is scene
    assert all(no_contents(w) for w in (*scene.wires.values(), *scene.nodes.values()))
    wire = next(iter(scene.wires.values()))
    before = count(view, style.WIRE_SELECTED)
    wire.setSelected(True)
    assert count(view, style.WIRE_SELECTED) > before       # regrouped with its pen
    # a picture of the scene draws every wire itself, at full detail
    with scene.export_mode():
        assert scene.wire_batch.scene() is None and not any(map(no_contents, scene.wires.values()))
    assert scene.wire_batch.scene() is scene
    view.set_zoom(1.0)
    assert scene.wire_batch.scene() is None and scene.card_batch.scene() is None
    assert not any(no_contents(w) for w in (*scene.wires.values(), *scene.nodes.values()))


def test_wires_added_while_far_out_are_batched(qtbot):
    view = make_view(qtbot)
    scene = view.graph_scene
    view.set_zoom(style.LOD_SIMPLE * 0.5)
    doc = view.document
    doc.graph.add_node("extra", "neg", pos=(0, 0))
    doc.graph.connect(doc.graph.node_ids()[0], "extra", 0)
    edge = doc.graph.in_edges("extra")[0]
    assert no_contents(scene.wires[edge])
    view.viewport().grab()
    assert sum(len(lines) for _, lines in scene.wire_batch._groups) == len(scene.wires)


def test_far_out_the_cards_blocks_follow_selection_and_state(qtbot):
    view = make_view(qtbot)
    scene = view.graph_scene
    view.set_zoom(style.LOD_SIMPLE * 0.8)
    view.centerOn(scene.items_rect().center())
    item = next(iter(scene.nodes.values()))
    before = count(view, style.SELECTION)
    item.setSelected(True)
    assert count(view, style.SELECTION) > before
    item.setSelected(False)
    done_before = count(view, style.STATE_DONE, 8)
    for card in scene.nodes.values():
        card.set_state("done")
    assert count(view, style.STATE_DONE, 8) > done_before
    view.viewport().grab()
    rects = sum(len(g[4]) for g in scene.card_batch._groups)
    assert rects == len(scene.nodes)            # no badges here: one block per card


def test_far_out_a_click_finds_the_wire_not_a_batch(qtbot):
    view = make_view(qtbot)
    scene = view.graph_scene
    view.set_zoom(style.LOD_SIMPLE * 0.8)
    wire = next(iter(scene.wires.values()))
    view.centerOn(wire.point_at(0.5))
    at = wire.point_at(0.5)
    assert all(item.scene() is scene for item in (scene.wire_batch, scene.card_batch))
    assert scene.wire_batch not in scene.items(at) and scene.card_batch not in scene.items(at)
    assert view.itemAt(view.mapFromScene(at)) is wire
