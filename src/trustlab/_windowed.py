"""Metrics per time window and segment: one grid of sums, one tidy frame.

Trust metrics and shadow runs both count per-case indicators in every window
(and every segment of one column) and report ratios of those sums with their
numerator, denominator and a reason where a ratio has no cases. This module
holds the grid and the frame they share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._time import Window, window_ids, window_starts

__all__ = ["WindowGrid", "TIDY_COLUMNS"]

TIDY_COLUMNS = ("window_start", "by", "segment", "metric", "value", "numerator",
                "denominator", "reason")


@dataclass(frozen=True, eq=False)
class WindowGrid:
    """Every case's window and segment code; group 0 is all cases, group ``1 + s`` segment ``s``.

    Every window from the first case's to the last case's is present, empty
    ones included.
    """

    wcode: np.ndarray
    n_w: int
    starts: pd.DatetimeIndex
    seg_labels: list[str]
    seg_code: np.ndarray

    @classmethod
    def build(cls, ns: np.ndarray, window: Window, seg_key=None) -> WindowGrid:
        """The grid of the cases at times ``ns`` (UTC ns) with segment values ``seg_key``."""
        ids = window_ids(ns, window)
        lo = int(ids.min()) if len(ids) else 0
        n_w = int(ids.max()) - lo + 1 if len(ids) else 0
        starts = window_starts(np.arange(lo, lo + n_w), window).rename("window_start")
        if seg_key is None:
            labels: list[str] = []
            seg_code = np.zeros(len(ids), dtype=np.int64)
        else:
            codes, uniq = pd.factorize(seg_key, sort=True)
            labels = [str(u) for u in uniq]
            seg_code = codes.astype(np.int64)
        return cls((ids - lo).astype(np.int64), n_w, starts, labels, seg_code)

    @property
    def groups(self) -> int:
        """All cases plus one group per segment."""
        return 1 + len(self.seg_labels)

    def sums(self, indicators: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each indicator summed per group and window: arrays of shape (groups, windows)."""
        n_s, n_w = len(self.seg_labels), self.n_w
        out = {}
        for name, weights in indicators.items():
            grid = np.zeros((self.groups, n_w))
            grid[0] = np.bincount(self.wcode, weights=weights, minlength=n_w)
            if n_s:
                grid[1:] = np.bincount(self.seg_code * n_w + self.wcode, weights=weights,
                                       minlength=n_s * n_w).reshape(n_s, n_w)
            out[name] = grid
        return out

    def tidy(self, values: Mapping[str, tuple], by: str | None) -> pd.DataFrame:
        """``{metric: (value, numerator, denominator, reason)}`` grids as a frame of
        :data:`TIDY_COLUMNS`, all cases first, then each segment."""
        names = list(values)
        n_m, n_w, n_s = len(names), self.n_w, len(self.seg_labels)

        def stacked(i: int) -> np.ndarray:  # (metric, group, window) → (group, metric, window)
            return np.stack([values[m][i] for m in names]).transpose(1, 0, 2).ravel()

        frame = pd.DataFrame({
            "window_start": np.tile(self.starts.to_numpy(), self.groups * n_m),
            "by": np.repeat(np.array([None] + [by] * n_s, dtype=object), n_m * n_w),
            "segment": np.repeat(np.array([None] + self.seg_labels, dtype=object), n_m * n_w),
            "metric": np.tile(np.repeat(np.array(names, dtype=object), n_w), self.groups),
            "value": stacked(0), "numerator": stacked(1), "denominator": stacked(2),
            "reason": stacked(3),
        })
        return frame.astype({"window_start": "datetime64[ns]", "by": object, "segment": object,
                             "metric": object, "value": float, "numerator": float,
                             "denominator": float, "reason": object})
