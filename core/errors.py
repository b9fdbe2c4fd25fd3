"""Typed errors of the core.

Every refusal the model makes is one of these, so a view (the editor, the
command line) can catch :class:`ChainruleError` and show its one-sentence
message without knowing which part of the core refused.
"""
from __future__ import annotations


class ChainruleError(Exception):
    """Base of every error the core raises on purpose."""


class GraphError(ChainruleError):
    """An edit the graph refuses (the graph is left unchanged)."""


class UnknownOpError(GraphError):
    pass


class UnknownNodeError(GraphError):
    pass


class DuplicateIdError(GraphError):
    pass


class BadIdError(GraphError):
    pass


class BadValueError(GraphError):
    pass


class PortRangeError(GraphError):
    pass


class PortTakenError(GraphError):
    pass


class CycleError(GraphError):
    """A connection that would close a loop; ``nodes`` lists the loop in order."""

    def __init__(self, message: str, nodes: list[str]):
        super().__init__(message)
        self.nodes = nodes


class FileFormatError(ChainruleError):
    """A ``.cgraph`` file the reader refuses; ``where`` names the place."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.reason = message


class ProgramError(ChainruleError):
    """A program (``--expr`` or the expression bar) that cannot become a graph."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None):
        where = f"line {line}, column {col}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line
        self.col = col
        self.reason = message


class EvaluationError(ChainruleError):
    """The graph cannot be evaluated as a whole (unconnected port, no output, shapes)."""

    def __init__(self, message: str, node: str | None = None):
        super().__init__(message)
        self.node = node
