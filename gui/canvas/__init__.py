"""The canvas: the graph drawn as a circuit, edited with the mouse.

``view.CanvasView`` is the widget the main window puts in the middle;
``scene.GraphScene`` mirrors the document's graph as items and follows its
notifications. Everything the user does here becomes an undo command on the
document (gui/commands.py); nothing here computes a value or a gradient.

This file imports nothing: ``import chainrule.gui.canvas.style`` loads the
style constants and no more. Import the modules by name.
"""
