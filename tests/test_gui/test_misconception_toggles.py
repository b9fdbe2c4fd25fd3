"""Each toggle of the misconception library, in the Learn menu, shows its known wrong
numbers on its demo beside the right ones; one is on at a time."""
from __future__ import annotations

import pytest

from chainrule.core.misconception import LIBRARY
from chainrule.gui.misconception_view import MARK

#: key → (a node, the pill that node shows: the wrong number and the right one)
KNOWN = {
    "value_for_gradient": ("x0", "✗ 1.462 (right 0.3932)"),
    "upstream_dropped": ("x", "✗ 5 (right 2.406e+04)"),
    "relu_by_gradient": ("z1", "✗ (3×3)"),
    "sigmoid_prime_on_gradient": ("y", "✗ 1.833 (right 1.592)"),
    "bias_not_summed": ("b1", "✗ (4×3)"),
    "inverse_for_transpose": ("h", "✗ (4×3)"),
    "not_zeroed": ("w11", "✗ "),
}


@pytest.mark.parametrize("key", sorted(KNOWN))
def test_each_toggle_gives_its_known_wrong_numbers_on_its_demo(make_window, key):
    window = make_window(LIBRARY[key].demo)
    action = window.learning.misconception_actions[key]
    assert action.text() == LIBRARY[key].title
    action.trigger()
    node, pill = KNOWN[key]
    marks = window.learning.misconception.marks()
    assert marks[node].startswith(pill), marks
    assert LIBRARY[key].title in window.statusBar().currentMessage()
    if key == "not_zeroed":
        assert "Over 5 steps the summed |gradient| used is 35.25, 62.03, 76.25" in \
            window.statusBar().currentMessage()
    action.trigger()                                   # off again
    assert window.learning.misconception.marks() == {}


def test_one_toggle_at_a_time(make_window):
    window = make_window("01-neuron.cgraph")
    actions = window.learning.misconception_actions
    actions["value_for_gradient"].trigger()
    actions["sigmoid_prime_on_gradient"].trigger()
    assert not actions["value_for_gradient"].isChecked()
    marks = window.canvas.graph_scene.nodes["x0"].mark_text(MARK)
    assert marks is not None and "1.462" not in marks      # σ′ on the gradient now
    assert window.learning.misconception.key == "sigmoid_prime_on_gradient"


def test_the_library_is_in_the_learn_menu(make_window):
    window = make_window()
    menu = window.learning.menu.findChild(type(window.learning.menu), "misconceptionMenu")
    shown = [a.text().replace("&", "").lower() for a in menu.actions()]
    assert shown == [LIBRARY["overwrite"].title.lower()] + [
        m.title.lower() for k, m in LIBRARY.items() if k != "overwrite"]
