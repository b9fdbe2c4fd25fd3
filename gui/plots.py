"""The one way the learning panels make a pyqtgraph plot: white, no context menu, no SI
prefix on the axes (on a log scale it shifted every tick label), optional labels and grid."""
from __future__ import annotations


def make_plot(name: str, min_height: int, bottom: str = "", left: str = "",
              grid: bool = False, log_y: bool = False):
    """(PlotWidget, its PlotItem) named ``name``."""
    import pyqtgraph as pg
    plot = pg.PlotWidget(background="w")
    plot.setObjectName(name)
    plot.setMinimumHeight(min_height)
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    if bottom:
        item.setLabel("bottom", bottom)
    if left:
        item.setLabel("left", left)
    if grid:
        item.showGrid(x=True, y=True, alpha=0.25)
    if log_y:
        item.setLogMode(y=True)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("#24292f")
        item.getAxis(axis).setPen("#8e99a8")
        item.getAxis(axis).enableAutoSIPrefix(False)
    return plot, item
