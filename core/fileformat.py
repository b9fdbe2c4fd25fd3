"""Reading and writing ``.cgraph`` files (``graph-format.md``, version 1).

This module is the file format's public API: :func:`load` and :func:`loads`
read a graph, :func:`save` and :func:`dumps` write one, :func:`from_dict` and
:func:`to_dict` convert between a graph and the parsed document (the
clipboard uses them).  The work is done in two modules, whose docstrings
describe the rules:

* :mod:`.fileformat_read` parses and checks a document, then builds the
  graph: how a refusal names its place, what the reader accepts beyond the
  letter of the spec, the layout of nodes without a position;
* :mod:`.fileformat_write` writes a graph as text (numbers, order, one
  line per node and per edge) and saves it atomically.

Size.  A file is read only if it is at most :data:`MAX_FILE_BYTES` long; a
larger one is refused (``load`` checks the size before reading anything), and
so is larger text given to ``loads``.  Both are defined in this module, next
to the limit they read, so changing ``chainrule.core.fileformat.MAX_FILE_BYTES`` changes
what they accept.  ``save`` reads the same limit: what we write, we read (a
graph whose usual text would be larger is written compactly, and one that is
too large even so is refused before anything is written).
"""
from __future__ import annotations

import errno
import os
import stat

from .errors import FileFormatError
from .fileformat_read import _build as build, _parse_json, from_dict
from .fileformat_stream import read_records
from .fileformat_write import ReadOnlyFileError, dumps, read_only, save, to_dict, write_atomically
from .gc_pause import gc_paused, settle
from .graph import Graph

__all__ = ["MAX_FILE_BYTES", "ReadOnlyFileError", "read_only", "write_atomically", "dumps", "from_dict", "load", "loads", "regular_file_problem",
           "save", "to_dict"]

MAX_FILE_BYTES = 64 * 1024 * 1024


# ------------------------------------------------------------------ reading

def load(path: str | os.PathLike) -> Graph:
    """Read a ``.cgraph`` file; only a regular file is read, its size checked first.

    The file is opened without blocking and checked on the open descriptor, so
    a FIFO or a device (even one swapped in after a check) is refused at once
    instead of hanging the reader.
    """
    _refuse_special(os.stat(path).st_mode, path)     # a socket cannot even be opened
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        _refuse_special(st.st_mode, path)             # swapped in since the stat above
        if st.st_size > MAX_FILE_BYTES:
            raise _too_large(st.st_size)
        box = [f.read(MAX_FILE_BYTES + 1)]     # the file may have grown since fstat
    return _graph_of(box)


def _refuse_special(mode: int, path) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        raise FileFormatError("", "not a regular file")


def regular_file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be opened as a graph file, in a few words, or None.

    Looks only at the directory entry (never opens it), so it is safe on a FIFO.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "No such file or directory"
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISDIR(st.st_mode):
        return "Is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    return None


def loads(text: str | bytes | bytearray | memoryview) -> Graph:
    """Parse the text of a ``.cgraph`` file (``str`` or UTF-8 ``bytes``)."""
    return _graph_of([text])


def _graph_of(box: list) -> Graph:
    """The graph of the text in ``box``, which is emptied: the bytes are released
    once decoded, the text once parsed and each record once read, so the peak
    is not bytes + text + JSON + graph at once."""
    text = _checked_text(box.pop())
    with gc_paused():
        records = read_records(text)     # record by record, for a well-formed file
        if records is not None:
            del text
            graph = build(records)
        else:                            # anything else: parsed whole, checked in order
            document = _parse_json(text)
            del text
            graph = from_dict(document, consume=True)
            del document
    settle(len(graph))
    return graph


def _checked_text(text: str | bytes | bytearray | memoryview) -> str:
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if len(data) > MAX_FILE_BYTES:
            raise _too_large(len(data))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FileFormatError("", f"the file is not UTF-8 text (byte 0x{data[e.start]:02x} "
                                      f"at offset {e.start})") from None
    if isinstance(text, str):
        if len(text) * 4 > MAX_FILE_BYTES:     # only then can the UTF-8 form be too large
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > MAX_FILE_BYTES:
                raise _too_large(size)
        return text
    raise TypeError(f"loads() takes str or bytes, not {type(text).__name__}")


def _too_large(size: int) -> FileFormatError:
    return FileFormatError("", f"the file is {size_text(size)}; the limit is "
                               f"{size_text(MAX_FILE_BYTES)}"
                           if round(size / _MIB, 1) > MAX_FILE_BYTES / _MIB else
                           f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} "
                           f"bytes ({size_text(MAX_FILE_BYTES)})")


_MIB = 1024 * 1024


def size_text(n: int) -> str:
    """A size in MiB (``64 MiB``, ``70.1 MiB``), or in bytes below a tenth of one."""
    mib = n / _MIB
    if mib == int(mib) and n:
        return f"{int(mib)} MiB"
    if mib >= 0.1:
        return f"{mib:.1f} MiB"
    return f"{n:,} bytes"
