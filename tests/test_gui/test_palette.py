"""The palette lists every op by group, filters, and drags the op name under OP_MIME."""
from __future__ import annotations

from html import escape

from chainrule.core import ops
from chainrule.gui.mime import OP_MIME
from chainrule.gui.palette import Palette, make_mime, op_tooltip


def make(qtbot) -> Palette:
    palette = Palette()
    qtbot.addWidget(palette)
    return palette


def test_every_op_is_listed_under_its_group_in_table_order(qtbot):
    palette = make(qtbot)
    assert set(palette.items) == set(ops.OPS)
    headers = [palette.tree.topLevelItem(i) for i in range(palette.tree.topLevelItemCount())]
    assert [h.text(0) for h in headers] == [g.title() for g in ops.GROUPS]
    for name, item in palette.items.items():
        assert item.parent() is palette.groups[ops.OPS[name].group]
        assert item.text(1) == name


def test_the_filter_matches_name_symbol_and_group(qtbot):
    palette = make(qtbot)
    qtbot.keyClicks(palette.filter, "sigm")
    assert palette.visible_ops() == ["sigmoid"]
    palette.filter.setText("σ")
    assert palette.visible_ops() == ["sigmoid", "bce_logits"]     # symbols σ and "BCE σ"
    palette.filter.setText("LOSSES")
    assert set(palette.visible_ops()) == {n for n, op in ops.OPS.items() if op.group == "losses"}
    palette.filter.setText("no such thing")
    assert palette.visible_ops() == []
    assert all(h.isHidden() for h in palette.groups.values())
    palette.filter.clear()
    assert len(palette.visible_ops()) == len(ops.OPS)


def test_a_drag_carries_only_the_op_name_under_the_private_mime_type(qtbot):
    palette = make(qtbot)
    mime = palette.tree.mimeData([palette.items["mul"]])
    assert mime.formats() == [OP_MIME]
    assert bytes(mime.data(OP_MIME)).decode() == "mul"
    assert bytes(make_mime("sigmoid").data(OP_MIME)) == b"sigmoid"
    # A group header is not an op: it carries nothing and cannot be dragged.
    header = palette.groups["arithmetic"]
    assert not palette.tree.mimeData([header]).formats()
    assert not header.flags() & header.flags().ItemIsDragEnabled


def test_activation_and_enter_in_the_filter_ask_for_the_op(qtbot):
    palette = make(qtbot)
    asked = []
    palette.op_activated.connect(asked.append)
    palette.tree.itemActivated.emit(palette.items["tanh"], 0)
    palette.filter.setText("relu")
    palette.filter.returnPressed.emit()
    assert asked == ["tanh", "relu"]


def test_tooltips_give_formula_local_derivatives_and_note():
    op = ops.OPS["mul"]
    tip = op_tooltip(op)
    assert escape(op.formula) in tip and escape(op.note) in tip
    for port, local in zip(op.ports, op.local):
        assert f"∂out/∂{port} = <code>{escape(local)}</code>" in tip


def test_the_deep_learning_ops_sit_in_the_groups_a_course_names(qtbot):
    palette = make(qtbot)
    expect = {
        "shapes": {"transpose", "reshape", "index", "concat", "embedding"},
        "activations": {"relu", "sigmoid", "tanh", "leaky_relu", "gelu", "softmax",
                        "log_softmax"},
        "losses": {"mse", "cross_entropy", "bce", "bce_logits", "hinge"},
        "normalisation": {"layernorm", "batchnorm"},
        "convolution": {"conv2d", "maxpool2d", "avgpool2d"},
    }
    for group, names in expect.items():
        header = palette.groups[group]
        assert header.text(0) == group.title()
        assert {header.child(i).text(1) for i in range(header.childCount())} == names
        palette.filter.setText(group.upper())          # the filter matches the group
        assert set(palette.visible_ops()) == names
    for name in ("amax", "logsumexp", "matmul", "sum", "mean"):
        assert palette.items[name].parent() is palette.groups["tensors"]


def test_every_op_is_found_by_typing_its_name_or_its_symbol(qtbot):
    palette = make(qtbot)
    for name, op in ops.OPS.items():
        palette.filter.clear()
        qtbot.keyClicks(palette.filter, name)
        assert name in palette.visible_ops(), name
        assert not palette.items[name].isHidden()
        palette.filter.setText(op.symbol)
        assert name in palette.visible_ops(), (name, op.symbol)
    palette.filter.setText("BCE")                      # the symbols of bce and bce_logits
    assert palette.visible_ops() == ["bce", "bce_logits"]
    palette.filter.setText("LN")                       # a symbol, not a name: layernorm
    assert palette.visible_ops() == ["layernorm"]
    palette.filter.setText("conv2d")
    asked = []
    palette.op_activated.connect(asked.append)
    palette.filter.returnPressed.emit()
    assert asked == ["conv2d"]
