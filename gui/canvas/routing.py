"""Where a wire runs: a Bézier from output to input, or around the cards when it goes back.

A wire whose input lies left of its output (right to left) used to be the same
S-curve, drawn behind the cards between its ends, where it read as a different
connection.  Such a wire now leaves its output to the right, turns onto a
**lane** above or below every card in its way, runs left along it and turns
into its input from the left: a hairpin around the cards, with its labels on
the lane where nothing covers them.
"""
from __future__ import annotations

from typing import Callable, Iterable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath

TURN = 36.0          # how far a hairpin reaches out of its port before it turns
CLEAR_ABOVE = 44.0   # room between a lane and the card under it (badges, labels)
CLEAR_BELOW = 40.0   # ... and the card over it (pills, labels)
LANE_GAP = 12.0      # between the lanes of wires into neighbouring ports


def goes_back(p0: QPointF, p1: QPointF) -> bool:
    """True when the input is left of the output: the wire must go around (a short
    wire forwards, however short, keeps its curve)."""
    return p1.x() < p0.x() - 1.0


def bezier(p0: QPointF, p1: QPointF, lane: float | None = None) -> QPainterPath:
    """The wire's curve: leaves the output and enters the input horizontally; with a
    ``lane`` (a y), the hairpin along it (see the module docstring)."""
    path = QPainterPath(p0)
    if lane is None:
        dx = max(40.0, abs(p1.x() - p0.x()) * 0.5)
        path.cubicTo(QPointF(p0.x() + dx, p0.y()), QPointF(p1.x() - dx, p1.y()), p1)
        return path
    r = TURN
    path.cubicTo(QPointF(p0.x() + 2 * r, p0.y()), QPointF(p0.x() + 2 * r, lane),
                 QPointF(p0.x(), lane))
    path.lineTo(QPointF(p1.x(), lane))
    path.cubicTo(QPointF(p1.x() - 2 * r, lane), QPointF(p1.x() - 2 * r, p1.y()), p1)
    return path


def lane_for(p0: QPointF, p1: QPointF, ends: Iterable[QRectF],
             cards_in: Callable[[QRectF], list[QRectF]]) -> float:
    """The y of the lane for a wire going back from ``p0`` to ``p1``: just above (or
    below, whichever is the shorter way round) the two end cards ``ends`` and every
    card ``cards_in(band)`` finds in the band the lane would cross."""
    ends = list(ends)
    left, right = p1.x() - 2 * TURN, p0.x() + 2 * TURN

    def settle(y: float, up: bool) -> float:
        for _ in range(20):                 # each pass can only move the lane outwards
            band = QRectF(left, y - CLEAR_BELOW, right - left, CLEAR_ABOVE + CLEAR_BELOW)
            blockers = [c for c in cards_in(band) if c.intersects(band)]
            if not blockers:
                return y
            y = (min(c.top() for c in blockers) - CLEAR_ABOVE if up
                 else max(c.bottom() for c in blockers) + CLEAR_BELOW)
        return y

    above = settle(min(r.top() for r in ends) - CLEAR_ABOVE, True)
    below = settle(max(r.bottom() for r in ends) + CLEAR_BELOW, False)
    cost = (lambda y: abs(y - p0.y()) + abs(y - p1.y()))
    return above if cost(above) <= cost(below) else below
