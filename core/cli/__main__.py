"""``python -m chainrule.core.cli``: the headless command line, without the editor."""
import sys

from . import main

sys.exit(main())
