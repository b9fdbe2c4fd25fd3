"""The writer's direct path for plain records gives exactly ``json.dumps``'s text."""
from __future__ import annotations

import math

from hypothesis import given, strategies as st

from chainrule.core import fileformat, fileformat_write as writer
from chainrule.core.graph import Graph

_numbers = st.one_of(st.integers(-2 ** 60, 2 ** 60), st.floats(allow_nan=True,
                                                               allow_infinity=True))
_plain = st.one_of(st.text(max_size=12), _numbers, st.just(True), st.just(False),
                   st.lists(_numbers, min_size=2, max_size=2),
                   st.lists(_numbers, max_size=3), st.none(),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_records = st.dictionaries(st.sampled_from(["id", "op", "from", "to", "port", "pos",
                                            "value", "label", "trainable", "ünknown", 'q"']),
                           _plain, max_size=6)


@given(_records, st.booleans())
def test_a_plain_record_is_written_as_json_dumps_writes_it(record, compact):
    item_sep, key_sep = (",", ":") if compact else (", ", ": ")
    text = writer._plain_record(record, item_sep, key_sep)
    if text is not None:
        assert text == writer._json(record, compact)
    plain = all(type(v) in (str, int) or v is True
                or (type(v) is float and math.isfinite(v))
                or (type(v) is list and len(v) == 2 and all(
                    type(x) is int or (type(x) is float and math.isfinite(x)) for x in v))
                for v in record.values())
    assert (text is not None) == plain      # taken exactly when it applies


def test_a_saved_file_is_the_same_text_with_and_without_the_direct_path(monkeypatch):
    g = Graph()
    g.add_node("x", "input", value=-0.0, label='a "quoted" λ', pos=(1.5, -2))
    g.add_node("w", "input", value=[[1.0, 2.5], [3.0, 1e300]], trainable=True, pos=(0, 0))
    g.add_node("m", "matmul", pos=(80.25, 3))
    g.add_node("s", "sum", attrs={"axis": 0}, pos=(160, 3))
    g.connect("w", "m", 0)
    g.connect("w", "m", 1)
    g.connect("m", "s", 0)
    fast = fileformat.dumps(g), fileformat.dumps(g, compact=True)
    monkeypatch.setattr(writer, "_plain_record", lambda *args: None)
    assert (fileformat.dumps(g), fileformat.dumps(g, compact=True)) == fast
