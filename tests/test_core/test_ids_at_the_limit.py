"""Fresh ids for copies of ids at the 64-character limit are free and fit."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core.graph import Graph
from chainrule.core.ids import MAX_ID_LENGTH

ids = st.text(alphabet="ab09_", min_size=1, max_size=MAX_ID_LENGTH)


@settings(max_examples=200, deadline=None)
@given(st.lists(ids, min_size=1, max_size=8, unique=True), st.integers(1, 5))
def test_copies_of_any_ids_get_free_ids_that_fit(taken, copies):
    graph = Graph()
    for node_id in taken:
        graph.add_node(node_id, "input", value=1.0)
    allocator = graph.id_allocator()
    made = [allocator.keep_or_renumber(node_id) for node_id in taken * copies]
    assert len(set(made)) == len(made)
    assert all(0 < len(m) <= MAX_ID_LENGTH and m not in taken for m in made)
    for m in made:
        graph.add_node(m, "input", value=1.0)          # the model takes each of them
