"""``chainrule render``'s command line. The drawing is the editor's own canvas,
so its ``run`` comes from the GUI side (``chainrule.gui.entry`` registers it);
without it, ``render`` says the drawing code is missing.
"""
from __future__ import annotations

import argparse

from .common import CommandError, UsageError

HELP = "draw a graph to an image file"
SUFFIXES = (".png", ".svg")
# --steps into one file: a PDF deck or an animation (by suffix, or --format).
STEP_FILES = {".pdf": "pdf", ".gif": "gif", ".apng": "apng"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("chainrule render FILE.cgraph -o OUT.png|OUT.svg [--precision DIGITS]\n"
                    "       chainrule render FILE.cgraph --steps -o DIR [--format png|svg] "
                    "[--no-caption]\n"
                    "       chainrule render FILE.cgraph --steps -o deck.pdf [--page 16:9|a4]\n"
                    "       chainrule render FILE.cgraph --steps -o steps.gif|steps.apng "
                    "[--frame-ms MS]")
    parser.description = (
        "Draw a graph with its forward values and gradients to a PNG or SVG image, the\n"
        "same picture as the editor's File > Export Image.\n\n"
        "With --steps, draw the step-through instead, step 0 (nothing computed) first,\n"
        "each step with its chain rule under the graph: one picture per step into the\n"
        "folder OUT, or one file by OUT's suffix (or --format): a PDF deck (.pdf: a title\n"
        "page with the graph's title and description, then one page per step; vector,\n"
        "text stays text), an animated GIF (.gif) or APNG (.apng), each frame --frame-ms\n"
        "long and the last one held four times as long.")
    parser.add_argument("file", metavar="FILE.cgraph", help="the graph to draw")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="image to write; .png or .svg (with --steps: a folder, or a "
                        ".pdf, .gif or .apng file)")
    parser.add_argument("--steps", action="store_true",
                        help="the step-through (step 0 = nothing computed): pictures in the "
                        "folder OUT, or a PDF deck, GIF or APNG")
    parser.add_argument("--format", choices=("png", "svg", "pdf", "gif", "apng"), default=None,
                        help="with --steps: png or svg pictures (default png), or one pdf, gif "
                        "or apng file (default: from OUT's suffix)")
    parser.add_argument("--no-caption", dest="caption", action="store_false",
                        help="--steps pictures and animations without the step and its chain "
                        "rule under the graph (a PDF deck always has it)")
    parser.add_argument("--page", choices=("16:9", "a4"), default="16:9",
                        help="page size of a PDF deck: 16:9 slides (default) or A4 landscape")
    parser.add_argument("--frame-ms", type=int, default=800, metavar="MS",
                        help="time of each GIF/APNG frame in milliseconds (default 800)")
    parser.add_argument("--precision", type=int, default=4, choices=(2, 3, 4, 6),
                        metavar="DIGITS", help="significant digits of the numbers (2, 3, 4 "
                        "or 6; default 4)")


def steps_kind(args: argparse.Namespace) -> str:
    """What --steps writes: "png"/"svg" pictures into a folder, or "pdf", "gif", "apng"."""
    from pathlib import Path
    by_suffix = STEP_FILES.get(Path(args.output).suffix.lower())
    if args.format is not None:
        if by_suffix and by_suffix != args.format:
            raise UsageError(f"--format {args.format} does not fit {args.output}")
        return args.format
    return by_suffix or "png"


def run_without_drawing(args: argparse.Namespace) -> int:
    raise CommandError("render needs the editor's drawing code (chainrule.gui), which this "
                       "command was started without")
