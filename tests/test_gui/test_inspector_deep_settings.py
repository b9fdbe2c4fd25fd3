"""The settings of the deep-learning ops in the inspector, through the real widgets.

Each kind a deep-learning op declares (int, float, bool, ints, index) gets its
widget from the declaration; every edit is one undo step, and a value the
declaration refuses is refused in its own words, the graph unchanged.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox

pytestmark = pytest.mark.shown_window

PROGRAM = """\
X = [[[1, 2, 0, 1], [0, 1, 3, 1], [2, 1, 0, 2], [1, 0, 1, 1]]]
W = [[[[1, 0], [0, -1]]]]
h = conv2d(X, W)
p = maxpool2d(h, size=1)
r = reshape(p, shape=[-1])
s = r[0:4]
a = leaky_relu(s)
n = layernorm(a)
m = amax(n)
L = m * m
"""


@pytest.fixture
def deep(window):
    window.program_bar.set_text(PROGRAM)
    window.program_bar.replace()
    window.document.evaluate_now()
    assert window.document.evaluation.error is None
    return window


def select(window, node_id):
    window.canvas.select_nodes([node_id])
    assert window.inspector.node_id == node_id
    return window.inspector


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_int_the_stride_of_a_conv2d_is_a_spin_box_and_one_undo_step(deep, qtbot):
    ins = select(deep, "h")
    graph, stack = deep.document.graph, deep.document.undo_stack
    rows = ins.setting_rows
    assert list(rows) == ["stride", "padding"]
    stride = rows["stride"].editor
    assert isinstance(stride, QSpinBox) and stride.minimum() == 1 and stride.value() == 1
    assert rows["padding"].editor.minimum() == 0
    assert "step between two positions" in rows["stride"].box.toolTip()
    count = stack.count()
    type_into(qtbot, stride, "2")
    assert graph.node("h").attrs == {"stride": 2}
    assert stack.count() == count + 1
    deep.document.evaluate_now()
    assert deep.document.evaluation.value("h").shape == (1, 2, 2)
    stack.undo()
    assert graph.node("h").attrs == {}
    assert stride.value() == 1                         # the inspector followed the undo
    stack.redo()
    assert graph.node("h").attrs == {"stride": 2} and stride.value() == 2


def test_int_with_a_meaning_for_absent_the_stride_of_a_pool(deep):
    ins = select(deep, "p")
    stride = ins.setting_rows["stride"]
    assert stride.none.isChecked() and stride.none.text() == "the window size"
    assert not stride.editor.isEnabled()
    stride.none.setChecked(False)
    assert deep.document.graph.node("p").attrs == {"size": 1, "stride": 1}
    deep.document.undo_stack.undo()
    assert deep.document.graph.node("p").attrs == {"size": 1} and stride.none.isChecked()


def test_float_the_slope_of_leaky_relu_and_the_eps_of_layernorm(deep, qtbot):
    ins = select(deep, "a")
    slope = ins.setting_rows["slope"].editor
    assert isinstance(slope, QLineEdit) and slope.text() == "0.01"
    type_into(qtbot, slope, "0.2")
    assert deep.document.graph.node("a").attrs == {"slope": 0.2}
    ins = select(deep, "n")            # slope's field loses the focus: it edits no other node
    assert deep.document.graph.node("n").attrs == {}
    eps = ins.setting_rows["eps"].editor
    stack = deep.document.undo_stack
    count = stack.count()
    type_into(qtbot, eps, "0")
    assert ins.edit_message.isVisibleTo(ins)
    assert ins.edit_message.text() == "the eps of layernorm must be a number greater than 0, not 0.0"
    assert deep.document.graph.node("n").attrs == {} and stack.count() == count
    assert eps.text() == "1e-05"                       # back to the node's value
    type_into(qtbot, eps, "1e-3")
    assert deep.document.graph.node("n").attrs == {"eps": 1e-3} and stack.count() == count + 1
    stack.undo()
    assert deep.document.graph.node("n").attrs == {} and eps.text() == "1e-05"


def test_bool_keepdims_of_amax_is_a_check_box(deep):
    ins = select(deep, "m")
    keep = ins.setting_rows["keepdims"].editor
    assert isinstance(keep, QCheckBox) and keep.text() == "Keepdims" and not keep.isChecked()
    assert ins.setting_rows["axis"].none.isChecked()
    keep.click()
    assert deep.document.graph.node("m").attrs == {"keepdims": True}
    deep.document.evaluate_now()
    assert deep.document.evaluation.value("m").shape == (1,)
    deep.document.undo_stack.undo()
    assert deep.document.graph.node("m").attrs == {} and not keep.isChecked()


def test_ints_the_shape_of_reshape_is_json_text_checked_by_the_declaration(deep, qtbot):
    ins = select(deep, "r")
    shape = ins.setting_rows["shape"].editor
    graph, stack = deep.document.graph, deep.document.undo_stack
    assert isinstance(shape, QLineEdit) and shape.text() == "[-1]"
    type_into(qtbot, shape, "[2, 2]")
    assert graph.node("r").attrs == {"shape": [2, 2]}
    count = stack.count()
    type_into(qtbot, shape, "[-1, -1]")
    assert ins.edit_message.text() == ("the shape of reshape must be a list of integers of "
                                       "at least −1, at most one of them −1, not [-1, -1]")
    type_into(qtbot, shape, "[2, 1.5]")
    assert ins.edit_message.text() == ("the shape of reshape must be a list of integers, "
                                       "each at least -1, not [2, 1.5]")
    type_into(qtbot, shape, "[2,")
    assert ins.edit_message.text() == ("the shape of reshape must be a list of integers, "
                                       "each at least -1, not '[2,'")
    assert graph.node("r").attrs == {"shape": [2, 2]} and stack.count() == count
    assert shape.text() == "[2, 2]"
    stack.undo()
    assert graph.node("r").attrs == {"shape": [-1]} and shape.text() == "[-1]"


def test_index_is_json_text_with_slices_and_null(deep, qtbot):
    ins = select(deep, "s")
    index = ins.setting_rows["index"].editor
    graph, stack = deep.document.graph, deep.document.undo_stack
    assert isinstance(index, QLineEdit) and index.text() == "[[0, 4, null]]"
    type_into(qtbot, index, "[[null, null, 2]]")
    assert graph.node("s").attrs == {"index": [[None, None, 2]]}
    deep.document.evaluate_now()
    assert deep.document.evaluation.value("s").shape == (5,)      # r has 9 elements
    type_into(qtbot, index, "1")                       # one integer entry, brackets optional
    assert graph.node("s").attrs == {"index": [1]}
    count = stack.count()
    type_into(qtbot, index, "[[1, 2, 3, 4]]")
    assert ins.edit_message.text() == (
        "the index of index must be a list with one entry per leading axis, each an integer "
        "or a slice [start, stop, step] (null for an omitted part), not [[1, 2, 3, 4]]")
    assert graph.node("s").attrs == {"index": [1]} and stack.count() == count
    type_into(qtbot, index, "[12]")                    # allowed, but out of range: the node says
    deep.document.evaluate_now()
    assert "out of range" in ins.node_problems.text()
    stack.undo()
    stack.undo()
    assert graph.node("s").attrs == {"index": [[None, None, 2]]}
