"""``python -m chainrule``: the same as the ``chainrule`` command."""
import sys

from chainrule.gui.entry import main

sys.exit(main())
