"""A time limit for a test step that could hang the process (SIGALRM)."""
from __future__ import annotations

import signal
from contextlib import contextmanager


@contextmanager
def alarm(seconds: int, what: str):
    """Raise TimeoutError naming ``what`` if the block runs longer than ``seconds``."""
    def hung(*_args):
        raise TimeoutError(what)
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
