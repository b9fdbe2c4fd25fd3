"""``chainrule render``'s command line. The drawing is the editor's own canvas,
so its ``run`` comes from the GUI side (``chainrule.gui.entry`` registers it);
without it, ``render`` says the drawing code is missing.
"""
from __future__ import annotations

import argparse

from .common import CommandError

HELP = "draw a graph to an image file"
SUFFIXES = (".png", ".svg")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule render FILE.cgraph -o OUT.png|OUT.svg [--precision DIGITS]\n"
                    "       chainrule render FILE.cgraph --steps -o DIR [--format png|svg] "
                    "[--no-caption]")
    parser.description = ("Draw a graph with its forward values and gradients to a PNG or SVG "
                          "image, the same picture as the editor's File > Export Image.")
    parser.add_argument("file", metavar="FILE.cgraph", help="the graph to draw")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="image to write; .png or .svg (with --steps: a folder)")
    parser.add_argument("--steps", action="store_true",
                        help="one picture per step of the step-through (step 0 = nothing "
                        "computed), written into the folder OUT")
    parser.add_argument("--format", choices=("png", "svg"), default="png",
                        help="picture format of the --steps frames (default png)")
    parser.add_argument("--no-caption", dest="caption", action="store_false",
                        help="--steps frames without the step and its chain rule under "
                        "the graph")
    parser.add_argument("--precision", type=int, default=4, choices=(2, 3, 4, 6),
                        metavar="DIGITS", help="significant digits of the numbers (2, 3, 4 "
                        "or 6; default 4)")


def run_without_drawing(args: argparse.Namespace) -> int:
    raise CommandError("render needs the editor's drawing code (chainrule.gui), which this "
                       "command was started without")
