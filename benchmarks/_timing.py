"""What every benchmark here shares: the best of a few timed runs after a warm-up, a
history read back from CSV with pandas' default dtypes, and a ratio beside its target."""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd


def best_of(fn, repeat: int = 3, warmup: int = 1) -> tuple[float, object]:
    """Best wall time in seconds of ``repeat`` calls of ``fn`` after ``warmup`` calls (garbage
    collected before each timed call), and the last call's result."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def best_of_each(calls: dict, repeat: int = 3, warmup: int = 1) -> dict:
    """Best wall time in seconds of each of ``calls`` (name: function) and its last result,
    ``{name: (seconds, result)}``, the calls taken in turn round by round: on a shared machine
    whose load comes and goes, each ratio then compares calls made under the same load."""
    out = {name: None for name in calls}
    for _ in range(warmup):
        for name, fn in calls.items():
            out[name] = fn()
    times = {name: [] for name in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            gc.collect()
            t0 = time.perf_counter()
            out[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return {name: (min(times[name]), out[name]) for name in calls}


def read_back_from_csv(frame: pd.DataFrame, time_columns: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` written to CSV and read back with ``pandas.read_csv``'s default dtypes, as a
    team's own history arrives: ``time_columns`` parsed as datetimes, text as pandas' default
    string dtype, categoricals as text, nullable integers as floats where values are missing."""
    with tempfile.TemporaryDirectory(prefix="trustlab-bench-csv-") as folder:
        path = Path(folder) / "history.csv"
        frame.to_csv(path, index=False)
        return pd.read_csv(path, parse_dates=list(time_columns))


def text_dtypes(frame: pd.DataFrame, skip: Iterable[str] = ()) -> str:
    """The dtypes of ``frame``'s text columns in words, e.g. ``"category, str"``; yes/no
    columns with gaps, which CSV gives back as object, are named apart."""
    skip = set(skip)
    text, flags = set(), set()
    for c in frame.columns:
        col = frame[c]
        if c in skip or pd.api.types.is_numeric_dtype(col) \
                or pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        if pd.api.types.infer_dtype(col, skipna=True) == "boolean":
            flags.add(str(col.dtype))
        else:
            text.add(str(col.dtype))
    words = ", ".join(sorted(text)) or "none"
    return words + (f"; yes/no with gaps as {', '.join(sorted(flags))}" if flags else "")


def verdict(ok: bool) -> str:
    """``PASS`` or ``FAIL``."""
    return "PASS" if ok else "FAIL"
