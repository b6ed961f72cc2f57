"""How early a change was caught: the first act-level alert from any monitor after it began."""

from __future__ import annotations

import pandas as pd

import numpy as np

from .._time import time_ns, window_ids, window_starts
from ._monitor import DriftResult
from ._outcomes import ExpectedResult

__all__ = ["detection"]


def detection(drift: DriftResult, start, gap: ExpectedResult | None = None) -> dict:
    """The first act-level alert at or after the window ``start`` falls in, and how late it came.

    Parameters
    ----------
    drift : DriftResult
    start : time
        When the change began.
    gap : ExpectedResult, optional
        Realised versus expected bad rates (the only monitor that sees a
        change in the outcome relationship).

    Returns
    -------
    dict
        ``first alert`` (window start or None), ``kind``, ``column``,
        ``measure``, ``windows late`` (0: caught in the window the change
        began in; None when never caught) and ``alerts before`` (act-level
        alerts after the reference but before ``start``: false alarms).
    """
    w = drift.window
    first = window_starts(window_ids(np.array([time_ns(start)]), w), w)[0]
    a = drift.alerts("act")[["window_start", "kind", "column", "metric"]]
    if gap is not None:
        g = gap.alerts("act")
        a = pd.concat([a, pd.DataFrame({"window_start": g["window_start"], "kind": "outcome",
                                        "column": "bad rate of approved",
                                        "metric": "realised vs expected"})],
                      ignore_index=True)
    a = a.sort_values("window_start", kind="stable")
    before = int((a["window_start"] < first).sum())
    after = a[a["window_start"] >= first]
    if after.empty:
        return {"first alert": None, "kind": None, "column": None, "measure": None,
                "windows late": None, "alerts before": before}
    r = after.iloc[0]
    at = np.array([pd.Timestamp(r["window_start"]).as_unit("ns").value, first.as_unit("ns").value])
    ids = window_ids(at, w)
    late = int(ids[0] - ids[1])
    return {"first alert": r["window_start"].date(), "kind": r["kind"], "column": r["column"],
            "measure": r["metric"], "windows late": late, "alerts before": before}
