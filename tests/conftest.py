"""Settings for the whole test suite.

The suite runs headless: Qt is told to use its ``offscreen`` platform before
anything creates a QApplication (an explicit ``QT_QPA_PLATFORM`` wins, e.g.
``QT_QPA_PLATFORM=xcb`` under Xvfb to watch the widgets).

Hypothesis runs the "ci" profile unless ``HYPOTHESIS_PROFILE`` names another
one: no deadline (the first call of a Qt or numpy path can be slow on a busy
machine) and 60 examples per property.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=20)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
