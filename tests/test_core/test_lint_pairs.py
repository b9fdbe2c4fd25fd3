"""Each lint of cli.md fires on its example and not on the corrected program, on
eval's stderr (the learner's own 1 / 1 + math.exp(-product) first)."""
from __future__ import annotations

import pytest

from cli_support import registry  # noqa: F401  (an autouse fixture)
from lint_pairs import PAIRS
from chainrule.core.cli import main


@pytest.mark.parametrize("program,warning,fixed", PAIRS)
def test_lint_fires_on_its_example_and_not_on_the_fix(capsys, program, warning, fixed):
    assert main(["eval", "--expr", program]) == 0
    _, err = capsys.readouterr()
    lints = [line for line in err.splitlines() if " warning: --expr: " in line]
    assert len(lints) == 1 and warning in lints[0]
    assert main(["eval", "--expr", fixed]) == 0
    _, err = capsys.readouterr()
    assert " warning: --expr: " not in err      # (a nan of (−x) ** 2 is a result, not lint)
