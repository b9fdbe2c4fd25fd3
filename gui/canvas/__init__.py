"""The canvas: the graph drawn as a circuit, edited with the mouse.

``CanvasView`` (view.py) is the widget the main window puts in the middle;
``GraphScene`` (scene.py) mirrors the document's graph as items and follows
its notifications.  Everything the user does here becomes an undo command on
the document (gui/commands.py); nothing here computes a value or a gradient.
"""
from gui.canvas.scene import GraphScene
from gui.canvas.view import CanvasView

__all__ = ["CanvasView", "GraphScene"]
