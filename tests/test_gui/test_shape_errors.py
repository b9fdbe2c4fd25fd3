"""Shapes that do not fit an op: the card shows it, the inspector says the one sentence."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QImage, QPainter, QColor

from chainrule.gui.canvas import style

pytestmark = pytest.mark.shown_window

MATMUL = """\
a = [[1, 2, 3], [4, 5, 6]]
b = [[1, 0, 1], [0, 1, 0]]
h = a @ b
L = sum(h)
"""
MATMUL_SENTENCE = ('node "h" (matmul): a is (2×3) and b is (2×3); '
                   'the inner sizes 3 and 2 must match')

CONV = """\
X = [[[1, 2, 0], [0, 1, 3], [2, 1, 0]], [[1, 0, 1], [0, 1, 1], [1, 1, 0]]]
W = [[[[1, 0], [0, -1]]]]
h = conv2d(X, W)
L = sum(h)
"""
CONV_SENTENCE = ('node "h" (conv2d): input is (2×3×3) with 2 channels and weight is '
                 '(1×1×2×2), kernels of 1 channel; the channel sizes 2 and 1 must match')


def build(window, program):
    window.program_bar.set_text(program)
    window.program_bar.replace()
    window.document.evaluate_now()
    return window.canvas.graph_scene


def card_pixels(item):
    """The card drawn alone, as the canvas draws it, into an image."""
    image = QImage(int(style.NODE_W) + 40, int(style.NODE_H) + 40, QImage.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.translate(20, 20)
    from PySide6.QtWidgets import QStyleOptionGraphicsItem
    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    return image


def reddish(image) -> int:
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.red() > 180 and c.green() < 90 and c.blue() < 90:
                count += 1
    return count


@pytest.mark.parametrize("program, sentence", [(MATMUL, MATMUL_SENTENCE),
                                               (CONV, CONV_SENTENCE)])
def test_the_card_shows_the_problem_and_the_inspector_says_the_sentence(window, program,
                                                                       sentence):
    scene = build(window, program)
    evaluation = window.document.evaluation
    assert [p.message for p in evaluation.problems] == [sentence]
    card = scene.nodes["h"]
    assert card.problem == sentence
    assert "⚠ " + sentence in scene.node_tooltip("h")
    assert scene.nodes["L"].problem is None and scene.nodes["a" if "a =" in program
                                                           else "X"].problem is None
    window.canvas.select_nodes(["h"])
    ins = window.inspector
    assert ins.node_problems.isVisibleTo(ins)
    assert ins.node_problems.text().replace("&quot;", '"') == sentence
    # the card is drawn with a red border and badge; a card without a problem is not
    assert reddish(card_pixels(card)) > 50
    assert reddish(card_pixels(scene.nodes["L"])) == 0


def test_fixing_the_shapes_clears_the_mark(window):
    scene = build(window, MATMUL)
    assert scene.nodes["h"].problem
    window.program_bar.set_text(MATMUL.replace("h = a @ b", "h = a @ transpose(b)"))
    window.program_bar.replace()
    window.document.evaluate_now()
    assert window.document.evaluation.problems == []
    assert scene.nodes["h"].problem is None


def test_an_unwired_port_is_not_marked_as_a_problem(window):
    from chainrule.gui.commands import AddNode
    window.files.new()
    doc = window.document
    doc.push(AddNode(doc, "m", "matmul", value=None, pos=(0, 0)))
    doc.evaluate_now()
    assert [p.kind for p in doc.evaluation.problems] == ["unwired"]
    assert window.canvas.graph_scene.nodes["m"].problem is None
