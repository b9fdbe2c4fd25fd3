"""The light theme's colours as hex text, for what is drawn outside Qt (TikZ).

The editor's themes are ``gui/theme.py`` (the one table); this is its light theme
with the default (colour-blind-safe) label pair, as plain text so the headless
TikZ writer can name the same colours.  A test checks the two agree."""
from __future__ import annotations

VALUE = "#0b5cad"          # forward values: blue, above the wire
GRAD = "#a84300"           # gradients: orange, below the wire
WIRE = "#6e7781"
CARD = "#ffffff"
CARD_BORDER = "#8e99a8"
TEXT = "#1f2328"
TEXT_MUTED = "#57606a"
OUTPUT_BORDER = "#24292f"
STATE_DONE = "#dafbe1"
STATE_CURRENT = "#fb8500"
STATE_READY = "#1f6feb"
