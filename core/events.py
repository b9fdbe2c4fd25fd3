"""A tiny observer, so views can follow the model without the core knowing Qt.

The editor wraps these in Qt signals; tests subscribe plain functions.
"""
from __future__ import annotations

from typing import Any, Callable


class Event:
    """A list of callbacks called in subscription order by :meth:`emit`."""

    __slots__ = ("_handlers",)

    def __init__(self) -> None:
        self._handlers: list[Callable[..., Any]] = []

    def subscribe(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        self._handlers.append(handler)
        return handler

    def unsubscribe(self, handler: Callable[..., Any]) -> None:
        self._handlers.remove(handler)

    def emit(self, *args: Any) -> None:
        for handler in list(self._handlers):
            handler(*args)
