"""What a value is: a Python float for a scalar, a float64 numpy array otherwise."""
from __future__ import annotations

from typing import Any

import numpy as np

Value = Any  # float | np.ndarray


def as_value(v: Value) -> Value:
    """Normalise a numpy result: 0-d arrays and numpy scalars become floats."""
    if isinstance(v, np.ndarray):
        return float(v) if v.ndim == 0 else v
    return float(v)
