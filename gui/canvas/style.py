"""The canvas look in one place: colours, sizes and fonts of the light theme.

The theme is made for a projector: dark text on light cards, strong green for
forward values and red for gradients, a grid faint enough to disappear on a
washed-out beamer.  Items read these constants; nothing else hard-codes a
colour, so a dark theme later means changing this file only.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QFont

# ------------------------------------------------------------ geometry
NODE_W = 112.0
NODE_H = 64.0
HEADER_H = 20.0
CORNER = 7.0
PORT_R = 5.5
PORT_HIT = 11.0            # how close a press must be to a port's centre
STUB_LEN = 74.0            # the short wire drawn out of the output node
GRID_MINOR = 20.0
GRID_MAJOR = 100.0

# ------------------------------------------------------------ colours
BACKGROUND = QColor("#f6f7f9")
GRID_MINOR_COLOR = QColor("#eceef2")
GRID_MAJOR_COLOR = QColor("#dde1e7")
EXPORT_BACKGROUND = QColor("#ffffff")

CARD = QColor("#ffffff")
CARD_BORDER = QColor("#8e99a8")
TEXT = QColor("#1f2328")
TEXT_MUTED = QColor("#57606a")
SHADOW = QColor(20, 30, 50, 28)
SELECTION = QColor("#1f6feb")
OUTPUT_BORDER = QColor("#24292f")

VALUE = QColor("#1a7f37")          # forward values: green, above the wire
GRAD = QColor("#c62828")           # gradients: red, below the wire
TANGENT = QColor("#0550ae")        # forward-mode tangents: blue, above the value
TANGENT_PREFIX = "ṫ "              # what a tangent label starts with
LABEL_BACK = QColor(255, 255, 255, 215)
EMPHASIS_BACK = QColor(255, 236, 153, 235)

WIRE = QColor("#6e7781")
WIRE_SELECTED = SELECTION
WIRE_TEMP = QColor("#1f6feb")

PORT_FREE_RING = QColor("#d1242f")  # an unconnected input: hollow red ring
PORT_OK = QColor("#2da44e")         # a port the dragged wire may plug into
PORT_REFUSED = QColor("#c4c9d0")
WARNING = QColor("#bf8700")
PROBLEM = QColor("#cf222e")      # a node that could not be computed

# Learning views: the overwrite-at-forks program's numbers, gradient-check marks,
# the trainable badge.
MISCONCEPTION = QColor("#8250df")   # purple: what the buggy program computes
CHECK_OK = QColor("#1a7f37")
CHECK_BAD = QColor("#cf222e")
TRAINABLE = QColor("#0969da")

STATE_DONE = QColor("#dafbe1")
STATE_CURRENT = QColor("#fb8500")
STATE_READY = QColor("#1f6feb")

#: Header tint per op group (core.ops.Op.group).
GROUP_COLORS = {
    "leaves": QColor("#dbeafe"),
    "arithmetic": QColor("#fde9c8"),
    "functions": QColor("#e9ddfb"),
    "activations": QColor("#f5dcf0"),
    "tensors": QColor("#cdeee9"),
    "shapes": QColor("#dbe8d4"),
    "losses": QColor("#fbd5d5"),
    "normalisation": QColor("#fdf1c4"),
    "convolution": QColor("#d6e4f5"),
}
GROUP_DARK = {
    "leaves": QColor("#1d4ed8"),
    "arithmetic": QColor("#b45309"),
    "functions": QColor("#7c3aed"),
    "activations": QColor("#a21caf"),
    "tensors": QColor("#0f766e"),
    "shapes": QColor("#3f6212"),
    "losses": QColor("#b91c1c"),
    "normalisation": QColor("#a16207"),
    "convolution": QColor("#1e40af"),
}
DEFAULT_GROUP = QColor("#e5e7eb")
DEFAULT_GROUP_DARK = QColor("#4b5563")


def group_color(group: str) -> QColor:
    return GROUP_COLORS.get(group, DEFAULT_GROUP)


def group_dark(group: str) -> QColor:
    return GROUP_DARK.get(group, DEFAULT_GROUP_DARK)


# ------------------------------------------------------------ fonts
def font(pixel_size: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(pixel_size)
    f.setBold(bold)
    f.setHintingPreference(QFont.PreferNoHinting)   # scales smoothly with zoom
    return f


LABEL_PX = 13              # wire labels, in scene pixels
MIN_LABEL_SCREEN_PX = 6.5  # below this on-screen size the wire labels are hidden
LABEL_MAX_W = 150.0        # wire labels are elided past this width

# Level of detail thresholds (on-screen scale of the scene).
LOD_TEXT = MIN_LABEL_SCREEN_PX / LABEL_PX   # ≈ 0.5: labels and node texts
LOD_SIMPLE = 0.22                           # below: cards as blocks, wires as lines
# Between LOD_WIRE_TEXT and LOD_TEXT the wire labels are drawn enlarged about
# their anchor, so they keep the smallest readable size on screen: a whole
# demo fitted into a laptop window still shows its numbers.
LOD_WIRE_TEXT = 0.3
LABEL_GROWTH = LOD_TEXT / LOD_WIRE_TEXT     # the most a label is enlarged
# Zoomed in at least this far, a wire carrying a matrix or an image batch also
# shows its value (above) and gradient (below) as small heatmaps of this size.
LOD_HEATMAP = 0.9
HEAT_W, HEAT_H = 64.0, 40.0
