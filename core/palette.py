"""The app's colours as hex text, for what is drawn outside Qt (TikZ) and by the canvas.

The canvas style (``gui/canvas/style.py``) makes its QColors from these, so a TikZ
picture carries exactly the green and red of the window."""
from __future__ import annotations

VALUE = "#1a7f37"          # forward values: green, above the wire
GRAD = "#c62828"           # gradients: red, below the wire
WIRE = "#6e7781"
CARD = "#ffffff"
CARD_BORDER = "#8e99a8"
TEXT = "#1f2328"
TEXT_MUTED = "#57606a"
OUTPUT_BORDER = "#24292f"
STATE_DONE = "#dafbe1"
STATE_CURRENT = "#fb8500"
STATE_READY = "#1f6feb"
