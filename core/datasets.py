"""Data sets: a table of samples bound to input nodes, with minibatches and a held-out part.

A :class:`Dataset` is a numbers-only table (``columns`` and ``rows``, a
float64 array) and a binding ``bind``: input (or const) node id → the
columns it is fed.  A node fed one column gets a vector of the batch's
values (class indices for ``cross_entropy``, targets for ``mse``), a node
fed several gets a matrix, one row per sample (``X`` of a network).

Where the rows come from: a CSV file (:func:`read_csv`: a header row,
numbers only, at most :data:`MAX_ROWS` rows and :data:`MAX_BYTES` bytes,
the first bad cell named by row and column), a toy 2-D generator
(:func:`generate`: blobs, moons, circles, spiral, XOR, reproducible by
seed), or points clicked on the data plot (:meth:`Dataset.add_point`).

How training sees it: the last ``holdout`` fraction of a seeded permutation
is held out (:meth:`Dataset.split`), the rest is cut into minibatches of
``batch_size`` rows (0: the whole training part), in an order shuffled per
epoch from ``seed`` (:meth:`Dataset.batches`), so the same seed gives the
same batches, run after run.

In a file it is the top-level ``data`` key (:meth:`Dataset.to_json`,
:func:`from_json`): the generator and its seed when the rows are exactly
what it makes, else the columns and the rows.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ChainruleError

MAX_ROWS = 100_000
MAX_BYTES = 10 * 1024 * 1024
MAX_COLUMNS = 1_000
MAX_GENERATED = 10_000
GENERATORS = ("blobs", "moons", "circles", "spiral", "xor")
COLUMNS_2D = ("x1", "x2", "label")


class DataError(ChainruleError):
    """A data set, CSV file or ``data`` key that cannot be used; the message says where."""


# ----------------------------------------------------------------- CSV

def read_csv(text: str, name: str = "the CSV file") -> tuple[list[str], np.ndarray]:
    """The header and the rows of a CSV text, every cell a finite number.

    Rows are counted as a spreadsheet shows them: the header is row 1.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise DataError(f"{name} has {size:,} bytes; at most {MAX_BYTES:,} (10 MB) can be "
                        f"imported")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise DataError(f"{name} is empty; it needs a header row, then rows of numbers")
        columns = [cell.strip() for cell in header]
        if len(columns) > MAX_COLUMNS:
            raise DataError(f"{name} has {len(columns):,} columns; at most {MAX_COLUMNS:,}")
        for j, col in enumerate(columns, 1):
            if not col:
                raise DataError(f"{name}, row 1, column {j}: the header cell is empty; "
                                f"every column needs a name")
            if col in columns[:j - 1]:
                raise DataError(f"{name}, row 1, column {j}: the name \"{col}\" is used twice")
        rows: list[list[float]] = []
        for line in reader:
            r = reader.line_num
            if not any(cell.strip() for cell in line):
                continue                                   # blank lines are skipped
            if len(rows) >= MAX_ROWS:
                raise DataError(f"{name} has more than {MAX_ROWS:,} rows of data; at most "
                                f"{MAX_ROWS:,} can be imported")
            if len(line) != len(columns):
                raise DataError(f"{name}, row {r}: {len(line)} cell{'s' * (len(line) != 1)}, "
                                f"but the header has {len(columns)} columns")
            rows.append([_cell(cell, r, j, columns[j - 1], name)
                         for j, cell in enumerate(line, 1)])
    except csv.Error as exc:
        raise DataError(f"{name}, row {reader.line_num}: not CSV ({exc})") from None
    if not rows:
        raise DataError(f"{name} has a header but no rows of numbers")
    return columns, np.array(rows, dtype=np.float64)


def _cell(text: str, row: int, col: int, column: str, name: str) -> float:
    where = f"{name}, row {row}, column {col} (\"{column}\")"
    cell = text.strip()
    if not cell:
        raise DataError(f"{where}: the cell is empty; every cell must be a number")
    try:
        value = float(cell)
    except ValueError:
        shown = cell if len(cell) <= 30 else cell[:29] + "…"
        raise DataError(f"{where}: \"{shown}\" is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: \"{cell}\" is not a finite number")
    return value


# ----------------------------------------------------------- generators

def generate(name: str, n: int = 200, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """``n`` rows of (x1, x2, label) with labels 0 and 1; the same seed, the same rows."""
    if name not in GENERATORS:
        raise DataError(f"unknown generator \"{name}\": choose one of {', '.join(GENERATORS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_GENERATED:
        raise DataError(f"the number of points must be a whole number from 2 to "
                        f"{MAX_GENERATED:,}, not {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or \
            not math.isfinite(noise) or noise < 0:
        raise DataError(f"the noise must be a number ≥ 0, not {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"the seed must be a whole number ≥ 0, not {seed!r}")
    rng = np.random.default_rng(int(seed))
    labels = np.arange(n) % 2
    if name == "blobs":
        centres = np.array([[-1.0, -1.0], [1.0, 1.0]])
        xy = centres[labels] + rng.normal(0.0, 0.5 + noise, (n, 2))
    elif name == "moons":
        t = rng.uniform(0.0, math.pi, n)
        xy = np.where(labels[:, None] == 0,
                      np.stack([np.cos(t), np.sin(t)], 1),
                      np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
        xy = xy + rng.normal(0.0, noise, (n, 2))
    elif name == "circles":
        t = rng.uniform(0.0, 2 * math.pi, n)
        radius = np.where(labels == 0, 1.0, 0.45)
        xy = radius[:, None] * np.stack([np.cos(t), np.sin(t)], 1)
        xy = xy + rng.normal(0.0, noise, (n, 2))
    elif name == "spiral":
        r = rng.uniform(0.1, 1.0, n)
        t = 1.75 * 2 * math.pi * r + math.pi * labels
        xy = r[:, None] * np.stack([np.cos(t), np.sin(t)], 1)
        xy = xy + rng.normal(0.0, noise, (n, 2))
    else:                                                   # xor
        xy = rng.uniform(-1.0, 1.0, (n, 2))
        xy = xy + np.sign(xy) * 0.05
        labels = (xy[:, 0] * xy[:, 1] < 0).astype(int)
        xy = xy + rng.normal(0.0, noise, (n, 2))
    return np.column_stack([xy, labels]).astype(np.float64)


# ------------------------------------------------------------- data set

@dataclass
class Dataset:
    """Samples, the nodes they feed, and how training cuts them into batches."""

    columns: list[str]
    rows: np.ndarray
    bind: dict[str, list[str]] = field(default_factory=dict)
    generator: dict | None = None      # {"name", "n", "noise", "seed"} while rows are its
    batch_size: int = 0                # 0: the whole training part at once
    seed: int = 0                      # shuffles the batches and picks the held-out rows
    holdout: float = 0.0               # the fraction held out, in [0, 0.9]

    @classmethod
    def generated(cls, name: str, n: int = 200, noise: float = 0.1, points_seed: int = 0,
                  bind: dict | None = None, **settings) -> "Dataset":
        """The rows of :func:`generate`; ``settings`` are the batch size, seed, holdout."""
        rows = generate(name, n, noise, points_seed)
        return cls(list(COLUMNS_2D), rows, dict(bind or {}),
                   {"name": name, "n": int(n), "noise": float(noise), "seed": int(points_seed)},
                   **settings)

    # -------------------------------------------------------- queries

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def column(self, name: str) -> np.ndarray:
        return self.rows[:, self.columns.index(name)]

    def label_node(self) -> str | None:
        """The node fed one column (the targets), if exactly one node is."""
        single = [node for node, cols in self.bind.items() if len(cols) == 1]
        return single[0] if len(single) == 1 else None

    def feature_node(self) -> str | None:
        """The node fed several columns (the samples' features), if exactly one is."""
        many = [node for node, cols in self.bind.items() if len(cols) > 1]
        return many[0] if len(many) == 1 else None

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """Row indices (training, held out): the held-out rows are a seeded random pick."""
        n = len(self)
        held = int(round(n * self.holdout))
        if self.holdout > 0 and n > 1:
            held = min(max(held, 1), n - 1)
        order = np.random.default_rng([self.seed, 1]).permutation(n) if held else np.arange(n)
        return np.sort(order[:n - held]), np.sort(order[n - held:])

    def batches(self, epoch: int) -> list[np.ndarray]:
        """The training rows of one epoch in minibatches, shuffled from (seed, epoch)."""
        train, _ = self.split()
        if self.batch_size <= 0 or self.batch_size >= len(train):
            return [train]
        order = np.random.default_rng([self.seed, 2, epoch]).permutation(train)
        size = self.batch_size
        return [order[i:i + size] for i in range(0, len(order), size)]

    def feed(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The values of the bound nodes for these rows (a vector or a matrix each)."""
        out = {}
        for node, cols in self.bind.items():
            idx = [self.columns.index(c) for c in cols]
            block = self.rows[np.asarray(rows, dtype=int)][:, idx]
            out[node] = np.ascontiguousarray(block[:, 0] if len(idx) == 1 else block)
        return out

    # -------------------------------------------------------- changes

    def add_point(self, x1: float, x2: float, label: int) -> None:
        """A clicked sample (features, then the label column); the rows are now hand-made."""
        feature, target = self.feature_node(), self.label_node()
        row = np.zeros(len(self.columns))
        if feature is not None and len(self.bind[feature]) == 2:
            row[self.columns.index(self.bind[feature][0])] = x1
            row[self.columns.index(self.bind[feature][1])] = x2
        else:
            row[0], row[1 % len(row)] = x1, x2
        if target is not None:
            row[self.columns.index(self.bind[target][0])] = label
        if len(self) >= MAX_ROWS:
            raise DataError(f"the data set has {MAX_ROWS:,} rows already; no more can be added")
        self.rows = np.vstack([self.rows, row[None, :]])
        self.generator = None

    def copy(self) -> "Dataset":
        return Dataset(list(self.columns), self.rows.copy(),
                       {k: list(v) for k, v in self.bind.items()},
                       dict(self.generator) if self.generator else None,
                       self.batch_size, self.seed, self.holdout)

    # -------------------------------------------------------- JSON

    def to_json(self) -> dict:
        """The file's ``data`` object (the generator alone when the rows are exactly its)."""
        out: dict[str, Any] = {}
        if self.generator is not None:
            out["generator"] = dict(self.generator)
        else:
            out["columns"] = list(self.columns)
            out["rows"] = [[_plain(v) for v in row] for row in self.rows.tolist()]
        out["bind"] = {k: list(v) for k, v in self.bind.items()}
        out["batch_size"] = int(self.batch_size)
        out["seed"] = int(self.seed)
        out["holdout"] = float(self.holdout)
        return out


def _plain(v: float) -> float | int:
    return int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else v


def from_json(obj: Any, where: str = "data", node_ids=None) -> Dataset:
    """A :class:`Dataset` from a file's ``data`` object; DataError naming the place."""
    if not isinstance(obj, dict):
        raise DataError(f"{where}: must be an object {{...}}")
    known = {"generator", "columns", "rows", "bind", "batch_size", "seed", "holdout"}
    unknown = sorted(set(obj) - known)
    if unknown:
        raise DataError(f"{where}.{unknown[0]}: unknown key; a data set has "
                        f"{', '.join(sorted(known))}")
    if "rows" in obj:
        columns, rows = _table(obj, where)
        generator = None
    elif "generator" in obj:
        gen = obj["generator"]
        if not isinstance(gen, dict) or not isinstance(gen.get("name"), str):
            raise DataError(f"{where}.generator: must be an object with a \"name\" "
                            f"({', '.join(GENERATORS)}) and optionally n, noise, seed")
        try:
            rows = generate(gen["name"], gen.get("n", 200), gen.get("noise", 0.1),
                            gen.get("seed", 0))
        except DataError as exc:
            raise DataError(f"{where}.generator: {exc}") from None
        columns = list(COLUMNS_2D)
        generator = {"name": gen["name"], "n": int(gen.get("n", 200)),
                     "noise": float(gen.get("noise", 0.1)), "seed": int(gen.get("seed", 0))}
    else:
        raise DataError(f"{where}: needs \"columns\" and \"rows\", or a \"generator\"")
    bind = obj.get("bind", {})
    if not isinstance(bind, dict):
        raise DataError(f"{where}.bind: must be an object: node id → list of column names")
    checked: dict[str, list[str]] = {}
    for node, cols in bind.items():
        if isinstance(cols, str):
            cols = [cols]
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            raise DataError(f"{where}.bind.{node}: must be a column name or a list of them")
        for c in cols:
            if c not in columns:
                raise DataError(f"{where}.bind.{node}: there is no column \"{c}\"; the columns "
                                f"are {', '.join(columns)}")
        if node_ids is not None and node not in node_ids:
            raise DataError(f"{where}.bind.{node}: there is no node \"{node}\"")
        op = getattr(node_ids.get(node), "op", "input") if isinstance(node_ids, dict) else "input"
        if op not in ("input", "const"):
            raise DataError(f"{where}.bind.{node}: \"{node}\" is a {op} node; a data set "
                            f"feeds input and const nodes only")
        checked[node] = list(cols)
    batch = obj.get("batch_size", 0)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 0:
        raise DataError(f"{where}.batch_size: must be a whole number ≥ 0 (0: the whole set)")
    seed = obj.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"{where}.seed: must be a whole number ≥ 0")
    holdout = obj.get("holdout", 0.0)
    if isinstance(holdout, bool) or not isinstance(holdout, (int, float)) or \
            not 0 <= holdout <= 0.9:
        raise DataError(f"{where}.holdout: must be a fraction from 0 to 0.9")
    return Dataset(columns, rows, checked, generator, batch, seed, float(holdout))


def _table(obj: dict, where: str) -> tuple[list[str], np.ndarray]:
    columns, rows = obj.get("columns"), obj["rows"]
    if not isinstance(columns, list) or not columns or \
            not all(isinstance(c, str) and c for c in columns):
        raise DataError(f"{where}.columns: must be a list of column names")
    if len(set(columns)) != len(columns):
        raise DataError(f"{where}.columns: a column name is used twice")
    if not isinstance(rows, list) or not rows:
        raise DataError(f"{where}.rows: must be a list of rows of numbers")
    if len(rows) > MAX_ROWS:
        raise DataError(f"{where}.rows: {len(rows):,} rows; at most {MAX_ROWS:,}")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            raise DataError(f"{where}.rows[{i}]: must be a list of {len(columns)} numbers")
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise DataError(f"{where}.rows[{i}][{j}]: must be a finite number")
    return list(columns), np.array(rows, dtype=np.float64)
