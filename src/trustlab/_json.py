"""Values as JSON holds them: the one conversion every JSON file of the kit goes through."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["json_safe"]


def json_safe(value):
    """``value`` with numpy scalars as Python ones, NaN, NA and NaT as None (JSON null), and
    times as ISO 8601 text.

    Examples
    --------
    >>> json_safe({"a": np.int64(3), "b": [np.float64("nan"), pd.NA, np.bool_(True)]})
    {'a': 3, 'b': [None, None, True]}
    >>> json_safe([pd.Timestamp("2024-06-03"), np.datetime64("2024-06-04T10:00"), pd.Timedelta("1D")])
    ['2024-06-03T00:00:00', '2024-06-04T10:00:00', 'P1DT0H0M0S']
    """
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.datetime64, np.timedelta64)):
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
        if value is pd.NaT:
            return None
    if isinstance(value, (pd.Timestamp, pd.Timedelta)):
        return value.isoformat()
    return value
