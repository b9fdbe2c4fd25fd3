"""An exported script is code: text from the file must stay inside its strings and comments."""
from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.core.export_python import export_python
from chainrule.core.graph import Graph

nasty = st.text(alphabet=st.sampled_from(list("ab\n\r\"'\\#()=;:\u2028\u0085\x0c os.system")),
                min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(label=nasty, title=nasty)
def test_labels_and_titles_never_become_statements_of_the_exported_script(label, title):
    g = Graph()
    g.title = title
    g.add_node("x", "input", value=1.5, label=label)
    g.add_node("s", "tanh")
    g.connect("x", "s", 0)
    g.set_output("s")
    tree = ast.parse(export_python(g))
    kinds = [type(n).__name__ for n in tree.body]
    # The docstring, imports of json and numpy, the helpers, assignments, main().
    assert not any(isinstance(n, ast.Import) and n.names[0].name not in ("json", "numpy")
                   for n in tree.body), kinds
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
    assert not calls
