"""Time values → integer nanoseconds (UTC) → fixed window ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..policy._spec import Window

__all__ = ["times_ns", "time_ns", "window_ids", "window_id", "window_starts", "WEEK_ORIGIN_NS"]

WEEK_ORIGIN_NS = 4 * 86_400 * 10**9
"""Weeks start on Mondays: 1970-01-05 is the first Monday after the epoch."""


def times_ns(s: pd.Series) -> tuple[np.ndarray | None, str | None, np.ndarray | None]:
    """UTC nanoseconds of a time column, or ``(None, why, bad_rows_mask)``."""
    if ptypes.is_datetime64_any_dtype(s.dtype):
        t = s
    elif ptypes.is_string_dtype(s.dtype) or s.dtype == object:
        t = pd.to_datetime(s, errors="coerce", format="ISO8601", utc=False)
        bad = (t.isna() & s.notna()).to_numpy()
        if bad.any():
            return None, "holds values that are not ISO 8601 times (e.g. 2025-03-01 09:30)", bad
    else:
        return None, f"has type {s.dtype}; it must hold times (datetime64 or ISO 8601 text)", None
    missing = t.isna().to_numpy()
    if missing.any():
        return None, "has missing times; every decision needs its time to be placed in a window", missing
    if getattr(t.dtype, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return t.to_numpy().astype("datetime64[ns]").view(np.int64), None, None


def time_ns(value) -> int:
    """UTC nanoseconds of one time value (datetime, Timestamp, numpy datetime64 or ISO text)."""
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError("missing time")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.as_unit("ns").value)


def window_ids(ns: np.ndarray, window: Window) -> np.ndarray:
    """The fixed window each time falls in (epoch-aligned; weeks start on Monday)."""
    length = window.seconds * 10**9
    origin = WEEK_ORIGIN_NS if window.unit == "W" else 0
    return (ns - origin) // length


def window_id(ns: int, window: Window) -> int:
    """:func:`window_ids` for one time."""
    length = window.seconds * 10**9
    origin = WEEK_ORIGIN_NS if window.unit == "W" else 0
    return (ns - origin) // length


def window_starts(ids: np.ndarray, window: Window) -> pd.DatetimeIndex:
    """The start time of each window id (the inverse of :func:`window_ids`)."""
    origin = WEEK_ORIGIN_NS if window.unit == "W" else 0
    return pd.DatetimeIndex(origin + np.asarray(ids, dtype=np.int64) * (window.seconds * 10**9))
