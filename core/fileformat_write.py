"""Writing ``.cgraph`` files (``graph-format.md``, version 1), and saving them atomically.

Numbers.  Values and positions are float64.  The writer puts a whole number
whose magnitude is at most 2**53 as an integer (``-2``, not ``-2.0``); every
other number is written as Python's shortest round-tripping form (``0.1``,
``1e+300``, ``-0.0``), so a save followed by a load gives back exactly the same
bits.  Unknown keys are written back as they were read.

Order.  The writer's output depends only on the graph, not on the order it
was edited in: nodes level by level (``networkx.topological_generations``),
ids sorted within a level, edges by the position of
their ``to`` node in that order and then by port, keys in the order of the
spec's tables.  Each node and each edge takes one line, so a change to one
node is a one-line diff.  Text is UTF-8 without ASCII escaping and ends with
a newline.

Saving is atomic: the text goes to a temporary file in the target's folder,
is flushed to disk, and then replaces the target in one step, so a crash or a
full disk leaves the old file as it was.  The temporary file is created with
the target's permissions from the start (never wider; a new file gets what the
umask allows), so a private file's content is never readable by others, and
it gets the old file's owner and group where the process may set them.  A
file with several hard links is written in place, so every link keeps
pointing at the saved content; a read-only file is refused unless the caller
says to replace it.
"""
from __future__ import annotations

import copy
import errno
import json
import math
import os
import re
import secrets
import stat
from typing import Any

import numpy as np

from .fileformat_groups import GROUP_KEYS
from .fileformat_read import (EDGE_KEYS, FORMAT, NODE_KEYS, TOP_KEYS, VERSION,
                              _STRING_OR_CONSTANT)
from . import groups as groups_model
from .errors import FileFormatError
from .rawjson import RawJSON, dumps_flat
from .graph import Edge, Graph

_EXACT_INT = 2 ** 53
_RAW_NONCE = secrets.token_hex(8)


def node_order(graph: Graph) -> list[str]:
    """The writer's node order: depends on the graph only, not on its edit history.

    Level by level (leaves first, each node after its inputs), ids sorted within
    a level — the order people write circuits in, as in the spec's example.
    """
    return [n for level in graph.generations() for n in sorted(level)]


def to_dict(graph: Graph) -> dict:
    """The document a save writes, as plain JSON data with keys in the spec's order."""
    return {key: list(value) if key in _ROWS else value for key, value in _document(graph)}


#: The keys whose lists are written one item a line.
_ROWS = ("nodes", "edges", "groups")


def _document(graph: Graph):
    """The document's (key, value) pairs in order; ``nodes`` and ``edges`` are
    generators, so a writer holds one record at a time, not a copy of the graph."""
    order = node_order(graph)
    yield "format", FORMAT
    yield "version", VERSION
    if graph.title:
        yield "title", graph.title
    if graph.description:
        yield "description", graph.description
    if graph.output is not None:
        yield "output", graph.output
    yield "nodes", (_node_dict(graph.node(node_id)) for node_id in order)
    yield "edges", _edge_dicts(graph, order)
    kept = groups_model.writable(graph)
    if kept:
        position = {node_id: i for i, node_id in enumerate(order)}
        yield "groups", [_group_dict(g, position) for g in _group_order(kept)]
    if graph.answer:
        yield "answer", graph.answer
    if graph.data is not None:
        yield "data", graph.data.to_json()
    extra = {}
    _add_unknown(extra, graph.extra, TOP_KEYS)
    yield from extra.items()


def _edge_dicts(graph: Graph, order: list[str]):
    """Edges by the position of their ``to`` node in ``order``, then by port."""
    edge_extra = graph.edge_extra
    for dst in order:
        for port in range(graph.node(dst).spec.arity):
            src = graph.source(dst, port)
            if src is not None:
                edge = Edge(src, dst, port)
                yield _edge_dict(edge, edge_extra.get(edge) if edge_extra else None)


def _node_dict(node) -> dict:
    d: dict = {"id": node.id, "op": node.op}
    if node.label is not None:
        d["label"] = node.label
    if node.value is not None:
        d["value"] = number_to_json(node.value)
    if node.trainable:
        d["trainable"] = True
    if node.attrs:
        d["attrs"] = copy.deepcopy(node.attrs)
    if node.pos is not None:
        d["pos"] = [number_to_json(node.pos[0]), number_to_json(node.pos[1])]
    _add_unknown(d, node.extra, NODE_KEYS)
    return d


def _edge_dict(edge: Edge, extra: dict | None) -> dict:
    d: dict = {"from": edge.src, "to": edge.dst, "port": edge.port}
    _add_unknown(d, extra, EDGE_KEYS)
    return d


def _group_order(groups: list) -> list:
    """Outer groups before the groups inside them, ids sorted within a depth."""
    parent = {g.id: g.parent for g in groups}

    def depth(gid: str) -> int:
        d = 0
        while parent.get(gid) is not None:
            gid, d = parent[gid], d + 1
        return d
    return sorted(groups, key=lambda g: (depth(g.id), g.id))


def _group_dict(group, position: dict[str, int]) -> dict:
    d: dict = {"id": group.id}
    if group.label is not None:
        d["label"] = group.label
    d["nodes"] = sorted(group.nodes, key=position.__getitem__)
    if group.parent is not None:
        d["parent"] = group.parent
    if group.collapsed:
        d["collapsed"] = True
    if group.pos is not None:
        d["pos"] = [number_to_json(group.pos[0]), number_to_json(group.pos[1])]
    if group.note:
        d["note"] = group.note
    _add_unknown(d, group.extra, GROUP_KEYS)
    return d


def _add_unknown(d: dict, extra: dict | None, known: tuple[str, ...]) -> None:
    for k, v in (extra or {}).items():
        if k not in known and k not in d:
            d[k] = copy.deepcopy(v)


def number_to_json(value: Any) -> Any:
    """A float or float64 array as JSON data: whole numbers up to 2**53 become ints."""
    if isinstance(value, np.ndarray):
        return _array_to_json(value)
    f = float(value)
    if f.is_integer() and abs(f) <= _EXACT_INT and not (f == 0 and math.copysign(1, f) < 0):
        return int(f)
    return f


def _array_to_json(arr: np.ndarray) -> Any:
    arr = np.asarray(arr, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        whole = ((arr == np.trunc(arr)) & (np.abs(arr) <= _EXACT_INT)
                 & ~((arr == 0) & np.signbit(arr)))
    if whole.all():
        return arr.astype(np.int64).tolist()
    if not whole.any():
        return arr.tolist()
    flat = arr.ravel().tolist()
    for i, v in zip(np.flatnonzero(whole.ravel()).tolist(),
                    arr.ravel()[whole.ravel()].astype(np.int64).tolist()):
        flat[i] = v
    mixed = np.empty(len(flat), dtype=object)
    mixed[:] = flat
    return mixed.reshape(arr.shape).tolist()


_SURROGATE = re.compile("[\ud800-\udfff]")
_STRING_OR_NONFINITE = _STRING_OR_CONSTANT
_NONFINITE_TEXT = {"Infinity": "1e999", "-Infinity": "-1e999", "NaN": "null"}


_COMPACT = (",", ":")


def _json(value: Any, compact: bool = False) -> str:
    raws: dict[str, str] = {}

    def default(v: Any) -> Any:
        if isinstance(v, RawJSON):           # kept as read: put back as written
            key = f"\uffff{_RAW_NONCE}:{len(raws)}"
            raws[key] = v.text
            return key
        return _json_default(v)

    try:
        text = json.dumps(value, ensure_ascii=False, default=default,
                          separators=_COMPACT if compact else None)
    except RecursionError:                   # deeper than Python's writer goes
        text = dumps_flat(value)
    if "Infinity" in text or "NaN" in text:
        # Unknown keys may hold numbers too large for a float64 (read from 1e999);
        # write them so the reader gets the same value back.  NaN cannot come from a
        # file; one set by a program is written as null.
        text = _STRING_OR_NONFINITE.sub(
            lambda m: _NONFINITE_TEXT[m.group(1)] if m.group(1) else m.group(0), text)
    if raws:
        text = re.sub('"(\uffff' + _RAW_NONCE + r':\d+)"', lambda m: raws[m.group(1)], text)
    return text


def _json_default(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (set, frozenset)):
        return sorted(v, key=repr)
    raise TypeError(f"{type(v).__name__} cannot be written to a graph file")


_encode_str = json.encoder.encode_basestring     # what json.dumps(ensure_ascii=False) uses


def _plain_record(d: dict, item_sep: str, key_sep: str) -> str | None:
    """The JSON text ``_json`` gives for a record whose values are all strings, ints,
    finite floats, ``true`` or a pair of those numbers (a node's position) — most
    nodes and every edge without unknown keys — written directly: 5–10× faster than
    ``json.dumps`` per record, which a save or an autosave of 10,000 nodes feels.
    None for anything else (arrays, settings, unknown keys), which ``_json`` writes."""
    parts = []
    keys = _KEY_TEXT[key_sep]
    for key, v in d.items():
        t = type(v)
        if t is str:
            text = _encode_str(v)
        elif t is int or t is float:
            text = _number_text(v)
            if text is None:
                return None
        elif v is True:
            text = "true"
        elif t is list and len(v) == 2:
            a, b = _number_text(v[0]), _number_text(v[1])
            if a is None or b is None:
                return None
            text = f"[{a}{item_sep}{b}]"
        else:
            return None
        key_text = keys.get(key)
        if key_text is None:
            key_text = keys[key] = _encode_str(key) + key_sep
        parts.append(key_text + text)
    return "{" + item_sep.join(parts) + "}"


def _number_text(x: Any) -> str | None:
    """An int's or a finite float's JSON text, else None."""
    t = type(x)
    if t is int:
        return int.__repr__(x)
    if t is float and x - x == 0.0:           # finite
        return float.__repr__(x)
    return None


#: Each key's JSON text with its separator, per separator (filled as keys are met).
_KEY_TEXT: dict[str, dict[str, str]] = {": ": {}, ":": {}}


def dumps(graph: Graph, compact: bool = False) -> str:
    """The text of a ``.cgraph`` file for ``graph`` (ends with a newline).

    ``compact`` drops the indentation and the spaces after ``,`` and ``:``
    (still one line per node and per edge): ``save`` writes that when the
    usual text would be larger than the reader's limit.
    """
    lines = ["{"]
    indent, inner, sep, item_sep = ("", "", ":", ",") if compact else ("  ", "    ", ": ", ", ")
    for key, value in _document(graph):
        if key in _ROWS:
            rows = [f"{inner}{_plain_record(item, item_sep, sep) or _json(item, compact)}"
                    for item in value]
            if not rows:
                lines.append(f"{indent}{_json(key)}{sep}[],")
                continue
            lines.append(f"{indent}{_json(key)}{sep}[")
            lines.append(",\n".join(rows))
            del rows
            lines.append(f"{indent}],")
        else:
            lines.append(f"{indent}{_json(key)}{sep}{_json(value, compact)},")
    lines[-1] = lines[-1][:-1]              # no comma after the last entry
    lines.append("}\n")
    text = "\n".join(lines)
    del lines
    # A lone surrogate (from a "\ud800" escape in the file read) cannot be UTF-8:
    # write it as the escape it came from.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


class ReadOnlyFileError(PermissionError):
    """The file to save over is read-only: saving refuses unless told to replace it."""


def save(graph: Graph, path: str | os.PathLike, *, replace_read_only: bool = False) -> None:
    """Write ``graph`` to ``path`` atomically; on failure the old file is untouched.

    What is written can be read back: when the usual text is larger than the
    reader's limit (``chainrule.core.fileformat.MAX_FILE_BYTES``) it is written compactly,
    and a graph too large even so is refused (:class:`FileFormatError`) before
    anything is written.  A read-only target (no write bit for its owner, or not
    writable by this process) is refused with :class:`ReadOnlyFileError` unless
    ``replace_read_only``; it then stays read-only.
    """
    from . import fileformat                      # the limit lives with the reader
    limit = fileformat.MAX_FILE_BYTES
    data = dumps(graph).encode("utf-8")
    if len(data) > limit:
        data = dumps(graph, compact=True).encode("utf-8")
        if len(data) > limit:
            raise FileFormatError("", f"cannot save: the graph takes "
                                      f"{fileformat.size_text(len(data))} even written "
                                      f"compactly, and a file is read back only up to "
                                      f"{fileformat.size_text(limit)}")
    target = os.path.realpath(os.fspath(path))     # write through a symbolic link
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not replace_read_only and read_only(target, old):
        raise ReadOnlyFileError(errno.EACCES, f"{os.path.basename(target)} is read-only "
                                f"(mode {stat.filemode(old.st_mode)})", os.fspath(path))
    write_atomically(target, data, old)


def read_only(path: str, st: os.stat_result | None = None) -> bool:
    """True when saving would replace a file its owner marked read-only, or one
    this process may not write (root may write anything: the mode bits decide)."""
    st = st or os.stat(path)
    return not st.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK)


def write_atomically(target: str, data: bytes, old: os.stat_result | None = None,
                     new_mode: int = 0o666) -> None:
    """Put ``data`` in ``target`` (a real path, no link) keeping its mode and owner.

    A new text goes to a temporary file in the same folder that replaces the old
    one in one rename.  A file with several hard links is written in place instead
    (a rename would cut it off from its other names): the text is first written to
    a temporary file (so a full disk stops before the old file is touched), then
    copied over the old content; if that fails, the old content is put back.
    ``new_mode`` (less the umask) is the mode of a file that did not exist.
    """
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"cannot save: the folder {folder} does not "
                                              f"exist", target)
    mode = None if old is None else old.st_mode & 0o7777
    # The temporary file is born with its final permissions (the old file's, or
    # what the umask gives a new file), never wider: a private file is never
    # readable by others, not even while it is being written.
    tmp, fd = _create_temp(folder, os.path.basename(target),
                           new_mode if mode is None else mode & 0o777)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None and hasattr(os, "fchmod"):
                _keep_owner(f.fileno(), old)
                os.fchmod(f.fileno(), mode)   # exactly the old mode (the umask may narrow it)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if old is not None and old.st_nlink > 1 and stat.S_ISREG(old.st_mode):
            _write_in_place(target, data)
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _keep_owner(fd: int, old: os.stat_result) -> None:
    """Give the new file the old one's owner and group where this process may
    (root: both; a member of the old group: the group); else it stays ours."""
    if not hasattr(os, "fchown"):
        return
    for uid, gid in ((old.st_uid, old.st_gid), (-1, old.st_gid)):
        try:
            os.fchown(fd, uid, gid)
            return
        except OSError:
            continue


def _write_in_place(target: str, data: bytes) -> None:
    """Overwrite ``target``'s content (every hard link sees it); on an error put
    the old content back."""
    with open(target, "r+b") as f:
        before = f.read()
        try:
            f.seek(0)
            f.write(data)
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            f.seek(0)
            f.write(before)
            f.truncate()
            f.flush()
            raise


def _create_temp(folder: str, name: str, mode: int = 0o666) -> tuple[str, int]:
    """A new file next to the target, created with ``mode`` (less the umask) at once."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, mode)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "cannot create a temporary file to save into", folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the system allows it (best effort)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
