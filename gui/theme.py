"""Every colour of the editor in one table: light and dark, and the value/gradient pairs.

A theme is a dict of role → colour (``"#rrggbb"`` or ``"#rrggbbaa"``).  The canvas
(:mod:`chainrule.gui.canvas.style` holds the roles as ``QColor`` attributes, refreshed
by :func:`apply`), the inspector, the chain-rule panel, the plots, the heatmaps and the
widgets' stylesheet (``resources/style.qss``, whose ``@role`` words are replaced by
the colours) all read it, so switching themes is one call and live.

The value and gradient label colours come from a **pair** chosen separately:
``"blue-orange"`` (the default) stays two colours under deuteranopia and protanopia;
``"green-red"`` is the classic pair of the first release, which those turn into one
olive.  Besides colour, gradients differ by position (below the wire) and a small ∇
before the number.  ``tests/test_gui/test_theme.py`` computes, for every theme and
pair, the WCAG contrast of label text on its background and the CIE ΔE of the two
label colours under a colour-vision simulation (Machado et al. 2009).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

THEME_NAMES = ("system", "light", "dark")
PAIR_NAMES = ("blue-orange", "green-red")
DEFAULT_THEME = "system"
DEFAULT_PAIR = "blue-orange"

#: Every colour role: (light, dark).  ``#rrggbbaa`` carries an alpha.
ROLES = {
    # canvas
    "background": ("#f6f7f9", "#16191d"),
    "grid_minor": ("#eceef2", "#1d2126"),
    "grid_major": ("#dde1e7", "#262b31"),
    "export_background": ("#ffffff", "#0d1117"),
    # cards
    "card": ("#ffffff", "#22272e"),
    "card_border": ("#8e99a8", "#5c6570"),
    "text": ("#1f2328", "#e6edf3"),
    "text_muted": ("#57606a", "#9aa5b1"),
    "shadow": ("#141e321c", "#00000055"),
    "selection": ("#1f6feb", "#58a6ff"),
    "output_border": ("#24292f", "#e6edf3"),
    "card_ink": ("#ffffff", "#0d1117"),
    # labels
    "label_back": ("#ffffffd7", "#16191de0"),
    "emphasis_back": ("#fff4c2eb", "#3d2f00f0"),
    # wires and ports
    "wire": ("#6e7781", "#8b949e"),
    "wire_hover": ("#4e555c", "#c9d1d9"),
    "wire_temp": ("#1f6feb", "#58a6ff"),
    "port_free_ring": ("#d1242f", "#ff7b72"),
    "port_ok": ("#2da44e", "#3fb950"),
    "port_refused": ("#c4c9d0", "#484f58"),
    "warning": ("#bf8700", "#d29922"),
    "warning_edge": ("#7a5600", "#f0c54e"),
    "problem": ("#cf222e", "#f85149"),
    "problem_edge": ("#7a1010", "#ffb1ab"),
    # learning views
    "misconception": ("#8250df", "#bc8cff"),
    "check_ok": ("#1a7f37", "#3fb950"),
    "check_bad": ("#cf222e", "#ff7b72"),
    "trainable": ("#0969da", "#58a6ff"),
    "state_done": ("#dafbe1", "#1f3d2a"),
    "state_current": ("#fb8500", "#fb8500"),
    "state_ready": ("#1f6feb", "#58a6ff"),
    "flow_low2": ("#0b4fc4", "#58a6ff"),
    "flow_low1": ("#4f8fe8", "#79b8ff"),
    "flow_mid": ("#6e7781", "#8b949e"),
    "flow_high1": ("#fb8500", "#ffa657"),
    "flow_high2": ("#c81e1e", "#ff7b72"),
    "flow_unreached": ("#c9ced6", "#3b424b"),
    # plots
    "plot_background": ("#ffffff", "#0d1117"),
    "plot_text": ("#24292f", "#c9d1d9"),
    "plot_axis": ("#8e99a8", "#6e7681"),
    "plot_curve": ("#c62828", "#ff9e64"),
    # chain-rule panel
    "chain_background": ("#ffffff", "#0d1117"),
    "chain_text": ("#1f2328", "#e6edf3"),
    "chain_muted": ("#57606a", "#9aa5b1"),
    "chain_soft": ("#6e5a00", "#e3b341"),
    "chain_head": ("#0b3d91", "#79c0ff"),
    # heatmaps (ColorBrewer RdBu ends), their frame
    "heat_negative": ("#2166ac", "#4393c3"),
    "heat_zero": ("#f7f7f7", "#30363d"),
    "heat_positive": ("#b2182b", "#d6604d"),
    "heat_nan": ("#a0a0a0", "#6e7681"),
    "heat_gap": ("#ffffff", "#0d1117"),
    "heat_frame": ("#8c959f", "#6e7681"),
    # widgets (resources/style.qss)
    "window": ("#f3f4f6", "#1c2128"),
    "toolbar": ("#fbfbfc", "#22272e"),
    "line": ("#dde1e7", "#30363d"),
    "hover": ("#e8eefb", "#2d333b"),
    "disabled": ("#a0a7b0", "#6e7681"),
    "dock_title": ("#e9ecf1", "#2d333b"),
    "dock_line": ("#d5dae1", "#373e47"),
    "panel": ("#ffffff", "#161b22"),
    "input_border": ("#c4cad3", "#444c56"),
    "accent": ("#1f6feb", "#58a6ff"),
    "chosen": ("#dbe7fd", "#1f3a5f"),
    "chosen_text": ("#1f2328", "#e6edf3"),
    "text_selection": ("#b6cffa", "#264f78"),
    "section": ("#57606a", "#9aa5b1"),
    "section_line": ("#e4e7eb", "#30363d"),
    "hint": ("#6a737d", "#8b949e"),
    "error_text": ("#c0392b", "#ff7b72"),
    "note_text": ("#8a6100", "#e3b341"),
    "warning_text": ("#9a6700", "#d29922"),
    "ok_text": ("#1a7f37", "#3fb950"),
    "pressed": ("#dbe7fd", "#1f3a5f"),
    "button_hover": ("#eef3fd", "#2d333b"),
}

#: Value and gradient label colours: pair → theme → (value, gradient).
PAIRS = {
    # (value, gradient, forward-mode tangent): the tangent is a third hue, apart from both
    "blue-orange": {"light": ("#0b5cad", "#a84300", "#0f7b6c"),
                    "dark": ("#6cb6ff", "#ffa657", "#39d0b8")},
    "green-red": {"light": ("#1a7f37", "#c62828", "#0550ae"),
                  "dark": ("#56d364", "#ff7b72", "#79c0ff")},
}

#: Header tint and badge colour per op group, per theme.
GROUPS = {
    "light": {
        "leaves": ("#dbeafe", "#1d4ed8"), "arithmetic": ("#fde9c8", "#b45309"),
        "functions": ("#e9ddfb", "#7c3aed"), "activations": ("#f5dcf0", "#a21caf"),
        "tensors": ("#cdeee9", "#0f766e"), "shapes": ("#dbe8d4", "#3f6212"),
        "losses": ("#fbd5d5", "#b91c1c"), "normalisation": ("#fdf1c4", "#a16207"),
        "convolution": ("#d6e4f5", "#1e40af"), "": ("#e5e7eb", "#4b5563"),
    },
    "dark": {
        "leaves": ("#1e3a5f", "#79b8ff"), "arithmetic": ("#4a3418", "#f0b060"),
        "functions": ("#3a2a5c", "#c4a5ff"), "activations": ("#4a2347", "#f0a0e8"),
        "tensors": ("#173f3b", "#5fd4c4"), "shapes": ("#2a3a22", "#a3d17a"),
        "losses": ("#4f2424", "#ff9a9a"), "normalisation": ("#473d14", "#e8c860"),
        "convolution": ("#1f3150", "#8ab4f8"), "": ("#30363d", "#9aa5b1"),
    },
}

#: The themes, each a dict role → colour, made from ROLES.
TABLES = {name: {role: pair[i] for role, pair in ROLES.items()}
          for i, name in enumerate(("light", "dark"))}
LIGHT, DARK = TABLES["light"], TABLES["dark"]


def resolve(name: str) -> str:
    """"light" or "dark" for a theme name ("system" follows the desktop's scheme)."""
    if name in TABLES:
        return name
    scheme = current.system_scheme
    app = QGuiApplication.instance()
    if scheme is None and app is not None:
        scheme = app.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def table(name: str, pair: str = DEFAULT_PAIR) -> dict[str, str]:
    """The whole table of one theme ("light" or "dark") with the pair's label colours."""
    base = resolve(name)
    colours = dict(TABLES[base])
    colours["value"], colours["grad"], colours["tangent"] = \
        PAIRS.get(pair, PAIRS[DEFAULT_PAIR])[base]
    return colours


class _Current(QObject):
    """The theme in force; ``changed`` tells the views to repaint."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.name = "light"
        self.pair = DEFAULT_PAIR
        self.resolved = "light"
        self.colours = table("light")
        self.system_scheme = None     # the desktop's scheme as last announced, if it was


current = _Current()


def hex_of(role: str) -> str:
    """A role's colour as ``#rrggbb`` (for rich text and stylesheets; alpha dropped)."""
    return current.colours[role][:7]


def color(role: str) -> QColor:
    return qcolor(current.colours[role])


def qcolor(text: str) -> QColor:
    """``#rrggbb`` or ``#rrggbbaa`` (alpha last, as CSS writes it) as a QColor."""
    c = QColor(text[:7])
    if len(text) == 9:
        c.setAlpha(int(text[7:], 16))
    return c


def group_colors(group: str) -> tuple[QColor, QColor]:
    groups = GROUPS[current.resolved]
    tint, dark = groups.get(group, groups[""])
    return QColor(tint), QColor(dark)


def stylesheet(colours: dict[str, str] | None = None) -> str:
    """resources/style.qss with every ``@role`` replaced by its colour (longest first)."""
    from chainrule import resources
    colours = colours or current.colours
    text = resources.path("style.qss").read_text(encoding="utf-8")
    for role in sorted(colours, key=len, reverse=True):
        text = text.replace("@" + role, colours[role][:7])
    return text


def apply(name: str = DEFAULT_THEME, pair: str = DEFAULT_PAIR) -> None:
    """Make ``name`` (and the label ``pair``) the theme of the running editor, live."""
    current.name = name if name in THEME_NAMES else DEFAULT_THEME
    current.pair = pair if pair in PAIRS else DEFAULT_PAIR
    current.resolved = resolve(current.name)
    current.colours = table(current.resolved, current.pair)
    from chainrule.gui.canvas import style
    style.load_colours()
    app = QGuiApplication.instance()
    if app is not None and hasattr(app, "setStyleSheet"):
        app.setPalette(_palette())
        app.setStyleSheet(stylesheet())
    current.changed.emit()


def follow_system() -> None:
    """Re-apply "system" when the desktop switches between light and dark."""
    app = QGuiApplication.instance()
    if app is not None and not getattr(app, "_chainrule_follows", False):
        app._chainrule_follows = True
        app.styleHints().colorSchemeChanged.connect(_system_changed)


def _system_changed(scheme) -> None:
    """The desktop switched between light and dark (the scheme it announced)."""
    current.system_scheme = scheme
    if current.name == "system":
        apply(current.name, current.pair)


def _palette() -> QPalette:
    """Qt's palette for the Fusion style (menus, scroll bars, the parts the qss leaves)."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window", QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "panel", QPalette.ColorRole.AlternateBase: "window",
        QPalette.ColorRole.Text: "text", QPalette.ColorRole.Button: "toolbar",
        QPalette.ColorRole.ButtonText: "text", QPalette.ColorRole.Highlight: "accent",
        QPalette.ColorRole.HighlightedText: "card_ink", QPalette.ColorRole.ToolTipBase: "panel",
        QPalette.ColorRole.ToolTipText: "text", QPalette.ColorRole.PlaceholderText: "hint",
        QPalette.ColorRole.Link: "accent",
    }
    for role, name in roles.items():
        p.setColor(role, QColor(hex_of(name)))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(hex_of("disabled")))
    return p
