"""The canvas look in one place: sizes and fonts, and the theme's colours by name.

Made for a projector: dark text on light cards (or light on dark), strong label
colours, a grid faint enough to disappear on a washed-out beamer.  The colours
themselves live in :mod:`chainrule.gui.theme`.
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
# The colours are the theme's (chainrule.gui.theme, the one table): load_colours()
# sets one name per role from it (``style.VALUE`` is the role "value"), and theme.apply() calls it again when the theme changes,
# so items read ``style.VALUE`` when they paint, never a copy made at import.

#: The names that are not simply the role in capitals.
ALIASES = {"GRID_MINOR_COLOR": "grid_minor", "GRID_MAJOR_COLOR": "grid_major",
           "WIRE_SELECTED": "selection"}
_listeners: list = []

TANGENT_PREFIX = "ṫ "              # what a forward-mode tangent label starts with


def load_colours() -> None:
    """(Re)read every colour from the theme in force, then tell the listeners."""
    from chainrule.gui import theme
    for role in theme.current.colours:
        name = role.upper()
        if isinstance(globals().get(name, QColor()), QColor):   # GRID_MINOR is a spacing
            globals()[name] = theme.color(role)
    for name, role in ALIASES.items():
        globals()[name] = theme.color(role)
    for listener in list(_listeners):
        listener()


def on_colours_loaded(listener) -> None:
    """Call ``listener()`` after every :func:`load_colours` (pens made from colours)."""
    _listeners.append(listener)


def group_color(group: str) -> QColor:
    from chainrule.gui import theme
    return theme.group_colors(group)[0]


def group_dark(group: str) -> QColor:
    from chainrule.gui import theme
    return theme.group_colors(group)[1]


load_colours()


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
#: Drawn before a gradient: a cue that is not colour (with its place below the wire).
GRAD_MARK = "∇ "
MARK_MAX_W = 300.0         # a learning view's pill under a card is elided past this width

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
