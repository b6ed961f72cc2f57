"""Drift as counts that add up: the partial of one part of a history, merged exactly.

A history split into parts (Parquet batches, Dask partitions) gives the drift
of the whole when each part is reduced to :class:`DriftCounts` — rows per
window, each column's rows per reference bin, and each numeric column's rows
per *fine* bin — and the counts are added up. Windows are the global,
epoch-aligned windows of :func:`~trustlab._time.window_ids`, so a
window split across parts is counted once, whole.

PSI, Jensen–Shannon and chi-square are defined on the reference's bins, so
they come out of the counts exactly as :func:`~trustlab.drift.drift_over_time`
computes them in memory. KS needs the raw values; from counts it is read on a
fine grid and carries a stated error (see :func:`ks_from_fine`).

The fine grid of a numeric column is its reference's quantiles at the levels
``0, 1/n, ..., 1`` (``n = fine_bins``, the smallest reference value at or
over each level, deduplicated). Each grid value ``e`` is a bin of its own
(rows exactly equal to ``e``), and so is each open gap between neighbours and
past either end: each gap holds less than ``1/n`` of the reference, the two
ends none of it, and a discrete column (amounts rounded to 100, counts of
events) whose values are all grid values gets its exact KS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._time import window_ids, window_starts
from .._validate import InstanceOf, Integral, Interval, Text, check_params
from ..policy import read_window
from ..policy import Window
from ._monitor import (DEFAULT_WINDOW, DriftResult, _times, binned_values, check_columns,
                       check_options, drift_result)
from ._reference import ColumnReference, Reference, _numbers

__all__ = ["DriftCounts", "DEFAULT_FINE_BINS", "count_part", "fine_edges", "fine_codes",
           "ks_from_fine"]

DEFAULT_FINE_BINS = 1000
"""Fine bins per numeric column for KS: each holds less than 0.1% of the reference."""


def fine_edges(sorted_values: np.ndarray, fine_bins: int) -> np.ndarray:
    """The fine grid of a column: its reference quantiles at ``0, 1/n, ..., 1``, deduplicated.

    Each is the smallest reference value at or over its level (numpy's
    ``inverted_cdf`` quantile), computed in whole numbers.

    Examples
    --------
    >>> fine_edges(np.array([1.0, 2, 3, 4, 5, 6, 7, 8]), 4)
    array([1., 2., 4., 6., 8.])
    >>> fine_edges(np.array([0.0, 0, 0, 1]), 4)
    array([0., 1.])
    """
    m = len(sorted_values)
    if m == 0:
        return np.empty(0)
    k = np.arange(fine_bins + 1, dtype=np.int64)
    at = np.maximum(-(-k * m // fine_bins) - 1, 0)  # ceil(k m / n) - 1
    return np.unique(sorted_values[at])


def fine_codes(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The fine bin of each (non-missing) value: ``2 i + 1`` at ``edges[i]``, ``2 i`` below it.

    Bin ``2 i`` is the open gap ``(edges[i-1], edges[i])`` (from minus
    infinity for ``i = 0``); bin ``2 len(edges)`` is past the last edge.

    Examples
    --------
    >>> fine_codes(np.array([1.0, 2.0]), np.array([0.5, 1.0, 1.5, 2.0, 9.0]))
    array([0, 1, 2, 3, 4])
    """
    if len(edges) == 0:
        return np.zeros(len(values), dtype=np.int64)
    j = np.searchsorted(edges, values, side="left")
    on = edges[np.minimum(j, len(edges) - 1)] == values
    return (2 * j + on).astype(np.int64)


def ks_from_fine(window_counts: np.ndarray, reference_counts: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """KS distance of each window from fine-bin counts, and how far it can be from the exact one.

    Parameters
    ----------
    window_counts : ndarray of int
        Windows × fine bins (:func:`fine_codes`), non-missing values only.
    reference_counts : ndarray of int
        The reference's values per fine bin.

    Returns
    -------
    (ks, error_bound) : tuple of ndarray
        ``ks`` is ``max |F_ref - F_window|`` over the grid: both CDFs just
        below and at every grid value, where the counts give them exactly. It
        never exceeds the exact KS, and falls short of it by at most
        ``error_bound``. Inside an open gap holding shares ``p`` of the
        reference and ``q`` of the window, with ``d`` the CDF difference at the
        gap's lower end, the difference stays within ``[d - q, d + p]``; the
        bound is the largest ``max(|d + p|, |d - q|)`` less ``ks`` (0 if
        none is larger). It is at most the largest ``max(p, q)`` over the
        gaps, and 0 where the grid holds every value. NaN for a window without
        values, or a reference without any.

    Examples
    --------
    Reference values 1, 2, 3, 4 on the grid [1, 4] (fine bins: below 1, at 1,
    between, at 4, above 4) and a window of 2, 2, 2, 2: the exact KS is 0.5
    (from 2 to 3), the grid sees 0.25 (at 1) and bounds the error by 0.5.

    >>> ks, bound = ks_from_fine(np.array([[0, 0, 4, 0, 0]]), np.array([0, 1, 2, 1, 0]))
    >>> float(ks[0]), float(bound[0])
    (0.25, 0.5)
    """
    w = np.atleast_2d(np.asarray(window_counts, dtype=np.int64))
    r = np.asarray(reference_counts, dtype=np.int64)
    n_w = w.sum(axis=1)
    m = r.sum()
    ks = np.full(len(w), np.nan)
    bound = np.full(len(w), np.nan)
    has = n_w > 0
    if m == 0 or not has.any():
        return ks, bound
    w, size = w[has], n_w[has, None].astype(float)
    d = np.cumsum(r) / m - np.cumsum(w, axis=1) / size  # just past each bin
    ks_b = np.abs(d).max(axis=1)
    gaps = np.arange(0, w.shape[1], 2)
    below = np.concatenate([np.zeros((len(w), 1)), d], axis=1)[:, gaps]  # d at each gap's start
    p, q = r[gaps] / m, w[:, gaps] / size
    upper = np.maximum(np.abs(below + p), np.abs(below - q)).max(axis=1)
    ks[has] = ks_b
    bound[has] = np.maximum(upper - ks_b, 0.0)
    return ks, bound


@dataclass(frozen=True, eq=False)
class _Grid:
    """What every part is counted against: the reference's bins, the fine grid, the windows.

    ``reference`` may be one without its sorted values (what a worker needs);
    ``fine_reference`` holds the reference's counts on the fine grid instead.
    ``fine_bins`` None: no fine grid (KS is not asked for).
    """

    reference: Reference
    window: Window
    time: str
    fine_bins: int | None
    edges: tuple[np.ndarray, ...]  # fine grid per column, empty for categorical ones
    fine_reference: tuple[np.ndarray, ...]

    def light(self) -> _Grid:
        """This grid with a reference that leaves out its sorted values (small to ship)."""
        ref = self.reference
        cols = tuple(replace(c, sorted_values=np.empty(0)) for c in ref.columns)
        return replace(self, reference=Reference(cols, ref.rows, ref.description, ref.levels,
                                                 ref.ends))

    def same_as(self, other: _Grid) -> bool:
        """True when both count the same reference bins, fine grid, windows and time column."""
        if self is other:
            return True
        a, b = self.reference.columns, other.reference.columns
        return (self.window == other.window and self.time == other.time
                and self.fine_bins == other.fine_bins and len(a) == len(b)
                and all(_same_bins(x, y) for x, y in zip(a, b))
                and all(np.array_equal(x, y) for x, y in zip(self.edges, other.edges)))


def _same_bins(a: ColumnReference, b: ColumnReference) -> bool:
    return (a.name == b.name and a.type == b.type and a.categories == b.categories
            and np.array_equal(a.edges, b.edges) and np.array_equal(a.counts, b.counts))


_GRID_ARGS = {
    "reference": [InstanceOf(Reference, hint="Reference.from_data, or load_reference for a "
                                             "saved one")],
    "time": [Text(name="the name of the time column")],
    "fine_bins": [None, Interval(Integral, 1, None, hint=f"default {DEFAULT_FINE_BINS:,}")]}


def _grid(reference, time, window, fine_bins, source: str) -> _Grid:
    check_params(source, _GRID_ARGS, {"reference": reference, "time": time,
                                      "fine_bins": fine_bins})
    w = read_window(window, source, "window")
    edges, fine_ref = [], []
    for c in reference.columns:
        if fine_bins is None or c.type != "numeric":
            edges.append(np.empty(0))
            fine_ref.append(np.zeros(0, dtype=np.int64))
            continue
        e = fine_edges(c.sorted_values, int(fine_bins))
        edges.append(e)
        fine_ref.append(np.bincount(fine_codes(e, c.sorted_values),
                                    minlength=2 * len(e) + 1).astype(np.int64))
    return _Grid(reference, w, time, None if fine_bins is None else int(fine_bins),
                 tuple(edges), tuple(fine_ref))


@dataclass(frozen=True, eq=False)
class DriftCounts:
    """Counts of one part of a history for drift against a fixed reference: they add up exactly.

    Make one per part with :meth:`of`, add them with :meth:`merge` (in any
    grouping and order) and read the drift of the whole with :meth:`result`.

    Attributes
    ----------
    ids : ndarray of int64
        The global ids of the windows with rows, increasing
        (:func:`~trustlab._time.window_ids`).
    rows : ndarray of int64
        Rows per window.
    bins : tuple of ndarray of int64
        Per reference column: windows × the reference's bins (missing last).
    fine : tuple of ndarray of int64
        Per reference column: windows × fine bins (:func:`fine_codes`) of the
        non-missing values; no bins for categorical columns.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = pd.date_range("2025-01-06", periods=2000, freq="h")
    >>> df = pd.DataFrame({"t": t, "x": rng.normal(size=2000)})
    >>> ref = Reference.from_data(df.iloc[:672], ["x"], time="t", window="1W")
    >>> a = DriftCounts.of(df.iloc[:1000], ref, time="t")
    >>> b = DriftCounts.of(df.iloc[1000:], ref, time="t")
    >>> res = a.merge(b).result()
    >>> res.frame.groupby("metric")["value"].size().to_dict()
    {'js': 12, 'ks': 12, 'psi': 12}
    >>> res.ks_error["error_bound"].max() < 0.01
    np.True_
    """

    grid: _Grid
    ids: np.ndarray
    rows: np.ndarray
    bins: tuple[np.ndarray, ...]
    fine: tuple[np.ndarray, ...]

    @property
    def reference(self) -> Reference:
        """The reference the counts are made against."""
        return self.grid.reference

    @property
    def window(self) -> Window:
        """The windows' length."""
        return self.grid.window

    @property
    def fine_bins(self) -> int | None:
        """Fine bins per numeric column asked for (fewer where the reference repeats values)."""
        return self.grid.fine_bins

    @property
    def window_starts(self) -> pd.DatetimeIndex:
        """The start of each window."""
        return window_starts(self.ids, self.grid.window)

    @classmethod
    def of(cls, data: pd.DataFrame, reference: Reference, *, time: str, window=DEFAULT_WINDOW,
           fine_bins: int | None = DEFAULT_FINE_BINS) -> DriftCounts:
        """Count one part of a history.

        Parameters
        ----------
        data : pandas.DataFrame
            Rows of the history in any order; it needs ``time`` and the
            reference's columns.
        reference : Reference
        time : str
            The time column.
        window : str, default ``"1W"``
            As :func:`~trustlab.drift.drift_over_time`.
        fine_bins : int or None, default 1000
            Fine bins per numeric column for KS; None counts no fine bins
            (when KS is not wanted).

        Raises
        ------
        trustlab.DataError
            For a reference that is not one, a missing or unreadable column, or
            a bad window or ``fine_bins``.
        """
        return count_part(data, _grid(reference, time, window, fine_bins, "DriftCounts.of"))

    def merge(self, other: DriftCounts) -> DriftCounts:
        """These counts plus ``other``'s, windows matched by id (exact, associative, commutative).

        Raises
        ------
        trustlab.DataError
            When ``other`` counts against another reference, window, time
            column or fine grid.
        """
        if not isinstance(other, DriftCounts) or not self.grid.same_as(other.grid):
            raise DataError("DriftCounts.merge", [Problem(
                "other", "counts against another reference, window, time column or fine grid; "
                         "merge only counts made with the same ones")])
        ids = np.union1d(self.ids, other.ids).astype(np.int64)
        at_a, at_b = np.searchsorted(ids, self.ids), np.searchsorted(ids, other.ids)

        def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            out = np.zeros((len(ids), *a.shape[1:]), dtype=np.int64)
            out[at_a] += a
            out[at_b] += b
            return out

        return DriftCounts(self.grid, ids, add(self.rows, other.rows),
                           tuple(map(add, self.bins, other.bins)),
                           tuple(map(add, self.fine, other.fine)))

    def result(self, *, levels: str = "fixed", thresholds=None, metrics=None) -> DriftResult:
        """The drift of the counted rows: the frame :func:`~trustlab.drift.drift_over_time` gives.

        PSI, Jensen–Shannon and chi-square equal the in-memory ones; KS is read
        on the fine grid (:func:`ks_from_fine`) and the result's ``ks_error``
        gives each window's error bound.

        Parameters
        ----------
        levels, thresholds, metrics
            As :func:`~trustlab.drift.drift_over_time`.

        Returns
        -------
        DriftResult
            With ``fine_bins`` and ``ks_error`` set.

        Raises
        ------
        trustlab.DataError
            For bad options, learned levels the reference lacks, or KS asked of
            counts made without fine bins.
        """
        source = "DriftCounts.result"
        metrics, thresholds = check_options(metrics, levels, thresholds, source)
        g = self.grid
        if g.fine_bins is None and (metrics is None or "ks" in metrics) \
                and any(c.type == "numeric" for c in g.reference.columns):
            raise DataError(source, [Problem("metrics", "include KS, and these counts have no "
                                                        "fine bins; count with fine_bins=1000, "
                                                        "or leave 'ks' out of metrics")])
        position = {c.name: i for i, c in enumerate(g.reference.columns)}
        bounds = []

        def values(c: ColumnReference, wanted: tuple[str, ...]) -> dict[str, np.ndarray]:
            i = position[c.name]
            out = binned_values(self.bins[i], c.counts, wanted)
            if "ks" in wanted:
                out["ks"], bound = ks_from_fine(self.fine[i], g.fine_reference[i])
                bounds.append(pd.DataFrame({"window_start": self.window_starts,
                                            "column": c.name, "error_bound": bound}))
            return out

        res = drift_result(g.reference, g.window, self.ids, self.rows, values, metrics=metrics,
                           levels=levels, thresholds=thresholds, source=source)
        ks_error = (pd.concat(bounds, ignore_index=True).dropna(subset=["error_bound"])
                    .reset_index(drop=True) if bounds
                    else pd.DataFrame({"window_start": pd.DatetimeIndex([]),
                                       "column": pd.Series(dtype=object),
                                       "error_bound": pd.Series(dtype=float)}))
        return replace(res, fine_bins=g.fine_bins, ks_error=ks_error)

    def __repr__(self) -> str:
        return (f"DriftCounts(windows={len(self.ids)}, rows={int(self.rows.sum()):,}, "
                f"columns={len(self.bins)}, fine_bins={self.fine_bins})")


def count_part(part: pd.DataFrame, grid: _Grid) -> DriftCounts:
    """The :class:`DriftCounts` of one part (a module-level function: it pickles for Dask)."""
    source = "DriftCounts.of"
    ref = grid.reference
    check_columns(ref, part, source)
    ns = _times(part, grid.time, source)
    ids, codes = np.unique(window_ids(ns, grid.window), return_inverse=True)
    n = len(ids)
    bins, fine = [], []
    for c, edges in zip(ref.columns, grid.edges):
        nb = len(c.counts)
        bins.append(np.bincount(codes * nb + c.codes(part[c.name]),
                                minlength=n * nb).reshape(n, nb).astype(np.int64))
        nf = 2 * len(edges) + 1 if grid.fine_bins is not None and c.type == "numeric" else 0
        if nf:
            v = _numbers(part[c.name])
            present = ~np.isnan(v)
            counts = np.bincount(codes[present] * nf + fine_codes(edges, v[present]),
                                 minlength=n * nf)
        else:
            counts = np.zeros(0)
        fine.append(counts.reshape(n, nf).astype(np.int64))
    return DriftCounts(grid, ids.astype(np.int64), np.bincount(codes, minlength=n).astype(np.int64),
                       tuple(bins), tuple(fine))
