"""Chainrule: a desktop lab for backpropagation.

The one import name of the distribution. The model is :mod:`chainrule.core`
(pure Python, never imports Qt), the editor :mod:`chainrule.gui`, the shipped
files :mod:`chainrule.resources`. This file lives in ``gui/launch/`` of the
repository because the command's entry point (``__main__``) is the GUI's
composition root; it imports nothing.
"""
