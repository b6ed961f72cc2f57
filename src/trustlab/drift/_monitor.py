"""Drift over time: every column, every window, every measure, against one reference."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._backends import answer_in_parts, in_memory, refuse_in_memory_options
from .._errors import DataError, ParameterError, Problem
from .._format import format_number
from .._result import Result, records
from ..metrics import SummaryFrame, format_metric, summary_frame
from .._time import read_times, span_end, span_start, window_ids, window_starts
from .._validate import Options, SequenceOf, param_problems
from ..policy import read_window
from ..policy import DriftReference, Window
from ._measures import MEASURES, chi2_pvalue, js_distance, ks_statistic, psi, supported_text
from ._reference import (LEARNED_ACT_SD, LEARNED_WARN_SD, ColumnReference, Reference,
                         _empty_levels, load_reference)

__all__ = ["DriftResult", "drift_over_time", "window_values", "binned_values", "learn_levels",
           "reference_rows", "check_columns", "check_options", "drift_result", "FRAME_COLUMNS",
           "DEFAULT_WINDOW", "LEVELS", "BINNED"]

DEFAULT_WINDOW = "1W"
"""Calendar weeks, Monday to Sunday."""
LEVELS = ("fixed", "learned")
FRAME_COLUMNS = ("window_start", "column", "kind", "type", "metric", "value", "warn", "act",
                 "status", "rows", "in_reference")
BINNED = {"psi": psi, "js": js_distance, "chi2": chi2_pvalue}
"""The measures read from the reference's bin counts, by name."""
_MIN_LEARN_SHARE = 0.5  # reference windows with fewer rows than this share of the median are
#                         left out of learned levels (a partial first or last week)


def _times(data: pd.DataFrame, time: str, source: str, time_format: str | None = None
           ) -> np.ndarray:
    """UTC nanoseconds of the column ``time`` (read with ``time_format``, if given)."""
    if time not in data.columns:
        raise DataError(source, [Problem("time", f"names column '{time}', which the data lacks. "
                                                 f"Columns: {', '.join(map(str, data.columns))}")])
    return read_times(data[time], time_format, column=time, setting="time_format").check(source)


def _metrics_for(ref: ColumnReference, metrics: tuple[str, ...] | None) -> tuple[str, ...]:
    names = tuple(MEASURES) if metrics is None else metrics
    return tuple(m for m in names if ref.type in MEASURES[m].types)


def binned_values(counts: np.ndarray, reference_counts: np.ndarray, metrics: tuple[str, ...]
                  ) -> dict[str, np.ndarray]:
    """Each measure of ``metrics`` read from bin counts (PSI, JS, chi-square) for every window.

    ``counts`` is windows × the reference's bins; a window without rows gives NaN.
    """
    out: dict[str, np.ndarray] = {}
    for m in metrics:
        if m in BINNED:
            v = BINNED[m](counts, reference_counts)
            v[counts.sum(axis=1) == 0] = np.nan
            out[m] = v
    return out


def window_values(ref: ColumnReference, series: pd.Series, codes: np.ndarray, n_windows: int,
                  metrics: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Each measure of ``metrics`` (that applies to the column) for every window.

    ``codes`` gives each row's window, ``0 .. n_windows - 1``.
    """
    out: dict[str, np.ndarray] = {}
    if any(m in BINNED for m in metrics):
        nb = len(ref.counts)
        counts = np.bincount(codes * nb + ref.codes(series),
                             minlength=n_windows * nb).reshape(n_windows, nb)
        out.update(binned_values(counts, ref.counts, metrics))
    if "ks" in metrics:
        values = series.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(values)
        out["ks"] = ks_statistic(values[present], codes[present].astype(np.int64), n_windows,
                                 ref.sorted_values)
    return out


def learn_levels(ref: Reference, data: pd.DataFrame, *, time: str, window) -> Reference:
    """``ref`` with levels learned from its own windows of ``data`` (the reference rows).

    For each column and learnable measure: the mean and standard deviation of
    the reference windows' values (each window against the whole reference);
    warn at mean + 3 sd, act at mean + 6 sd. Windows with fewer rows than half
    the median window are left out. Fewer than three windows: no levels.
    """
    source = "learn_levels"
    w = read_window(window, source, "window")
    ns = _times(data, time, source)
    ids, codes = np.unique(window_ids(ns, w), return_inverse=True)
    rows = np.bincount(codes, minlength=len(ids))
    keep = rows >= _MIN_LEARN_SHARE * np.median(rows)
    parts = []
    for c in ref.columns:
        learnable = tuple(m for m in _metrics_for(c, None) if MEASURES[m].learnable)
        vals = window_values(c, data[c.name], codes, len(ids), learnable)
        for m, v in vals.items():
            v = v[keep & ~np.isnan(v)]
            if len(v) < 3:
                continue
            mean, sd = float(v.mean()), float(v.std(ddof=1))
            parts.append({"column": c.name, "metric": m, "mean": mean, "sd": sd,
                          "windows": len(v), "warn": mean + LEARNED_WARN_SD * sd,
                          "act": mean + LEARNED_ACT_SD * sd})
    levels = pd.DataFrame(parts) if parts else _empty_levels()
    if parts:
        levels = levels.astype({"windows": np.int64})
    return Reference(ref.columns, ref.rows, ref.description, levels, ref.ends)


def reference_rows(spec, ns: np.ndarray, source: str, where: str = "reference"
                   ) -> tuple[np.ndarray, str, int]:
    """The rows a reference spec selects, its description and when it is complete (ns).

    ``spec`` is a :class:`~trustlab.policy.DriftReference` or a dict
    ``{"first": "90D"}`` / ``{"rows": 5000}``. The reference is complete at
    the end of its first span, or at the time of its last row. A calendar
    span (``{"first": "3M"}``, ``"1Q"``) is whole months from the first of
    the first time's month (quarter), as :func:`~trustlab._time.span_end`.
    """
    if isinstance(spec, Mapping):
        if len(spec) != 1 or next(iter(spec)) not in ("first", "rows", "file"):
            raise DataError(source, [Problem(where, "must be a Reference, or one of "
                                                    "{'first': '90D'}, {'rows': N} or "
                                                    f"{{'file': path}}; got {spec!r}")])
        (key, value), = spec.items()
        if key == "first":
            spec = DriftReference(first=read_window(value, source, f"{where}['first']"))
        elif key == "rows":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise DataError(source, [Problem(f"{where}['rows']", "must be a whole number of "
                                                                     f"rows, at least 1; got "
                                                                     f"{value!r}")])
            spec = DriftReference(rows=int(value))
        else:
            spec = DriftReference(file=str(value))
    if spec.first is not None:  # calendar spans from the first of the first month
        t0 = int(ns.min())
        end = span_end(t0, spec.first)
        rows = np.flatnonzero(ns < end)
        start = pd.Timestamp(span_start(t0, spec.first))
        text = (f"the first {spec.first.words} ({start:%Y-%m-%d} to "
                f"{pd.Timestamp(end):%Y-%m-%d}), {len(rows):,} rows")
        return rows, text, end
    order = np.argsort(ns, kind="stable")
    rows = np.sort(order[:spec.rows])
    if len(order) < spec.rows:
        raise DataError(source, [Problem(f"{where}.rows", f"asks for the first {spec.rows:,} rows; "
                                                          f"the data has {len(order):,}")])
    end = int(ns[order[spec.rows - 1]])
    return rows, f"the first {spec.rows:,} rows (to {pd.Timestamp(end):%Y-%m-%d %H:%M})", end


def _resolve(reference, data: pd.DataFrame, ns: np.ndarray, columns, kinds, bins, time: str,
             window: Window, source: str) -> tuple[Reference, int | None]:
    """The reference and the time (ns) from which it is complete (None: before the data)."""
    if isinstance(reference, (str, os.PathLike)):
        reference = {"file": reference}
    if isinstance(reference, Mapping) and "file" in reference and len(reference) == 1:
        reference = DriftReference(file=str(reference["file"]))
    if isinstance(reference, DriftReference) and reference.file is not None:
        reference = load_reference(reference.file)
    if isinstance(reference, Reference):
        return reference, None
    if not isinstance(reference, (Mapping, DriftReference)):
        raise DataError(source, [Problem("reference", "must be a Reference, a saved reference's "
                                                      "path, or one of {'first': '90D'}, "
                                                      f"{{'rows': N}}; got {reference!r}")])
    rows, text, complete = reference_rows(reference, ns, source)
    part = data.iloc[rows]
    ref = Reference.from_data(part, columns, bins=bins, kinds=kinds, time=time, window=window,
                              description=text)
    return ref, complete


@dataclass(frozen=True, eq=False)
class DriftResult(Result):
    """Drift of every monitored column in every window, against one reference.

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy, one row per window × column × measure: ``window_start``,
        ``column``, ``kind`` (data, signal, decision, context), ``type``
        (numeric, categorical), ``metric``, ``value``, ``warn``, ``act``,
        ``status`` (ok, warn, act, n/a), ``rows`` (in the window) and
        ``in_reference`` (the window starts before the reference ends).
    reference : Reference
    window : Window
    levels : str
        ``"fixed"`` or ``"learned"``.
    fine_bins : int or None
        None when KS is exact (read from the raw values, in memory). Otherwise
        KS was read from counts over this many fine bins per numeric column
        (:class:`~trustlab.drift._partial.DriftCounts`): a lower bound of the
        exact KS, off by at most the window's ``error_bound`` in
        :attr:`ks_error`.
    ks_error : pandas.DataFrame or None
        With ``fine_bins``: ``window_start``, ``column``, ``error_bound`` for
        every window and numeric column with values.
    """

    frame: pd.DataFrame
    reference: Reference
    window: Window
    levels: str
    fine_bins: int | None = None
    ks_error: pd.DataFrame | None = None

    @property
    def ks_method(self) -> str:
        """How KS was computed, in words: exact, or from fine bins with its largest error."""
        if self.fine_bins is None:
            return "KS exact"
        bound = self.ks_error["error_bound"].max() if self.ks_error is not None else np.nan
        worst = "no KS" if pd.isna(bound) else f"error at most {format_metric('ks', bound)}"
        return f"KS from {self.fine_bins:,} fine bins; {worst}"

    def _after(self) -> pd.DataFrame:
        f = self.frame
        later = f[~f["in_reference"]]
        return later if len(later) else f

    def alerts(self, level: str = "act") -> pd.DataFrame:
        """Windows after the reference at or over ``level`` (``"act"``, or ``"warn"`` for both).

        Returns the rows of :attr:`frame` with a ``message`` in words, in time order.
        """
        if level not in ("act", "warn"):
            raise ValueError(f"level must be 'act' or 'warn'; got {level!r}")
        states = ("act",) if level == "act" else ("warn", "act")
        f = self.frame[~self.frame["in_reference"] & self.frame["status"].isin(states)].copy()
        f = f.sort_values(["window_start", "kind", "column", "metric"], kind="stable")
        f["message"] = [self._message(r) for r in f.itertuples()]  # alerts are few
        return f.reset_index(drop=True)

    def _message(self, r) -> str:
        m = MEASURES[r.metric]
        side = "at or over" if m.higher_is_worse else "at or under"
        return (f"{r.window_start:%Y-%m-%d}: {r.kind} drift in '{r.column}' — {r.metric.upper()} "
                f"{format_metric(r.metric, r.value)} is {side} the {r.status} level "
                f"{format_metric(r.metric, getattr(r, r.status))} ({self.levels}).")

    def first_alert(self, column: str | None = None, level: str = "act") -> pd.Timestamp | None:
        """Start of the first window after the reference at ``level`` (for ``column``, if given)."""
        a = self.alerts(level)
        if column is not None:
            a = a[a["column"] == column]
        return None if a.empty else a["window_start"].iloc[0]

    def max(self, metric: str = "psi", kind: str | None = None) -> float:
        """The largest ``metric`` of any window after the reference (of columns of ``kind``).

        NaN when no such column was monitored.
        """
        f = self._after()
        f = f[f["metric"] == metric]
        if kind is not None:
            f = f[f["kind"] == kind]
        return float(f["value"].max()) if f["value"].notna().any() else float("nan")

    def summary(self) -> SummaryFrame:
        """Per column and measure: the worst window after the reference and the first alerts.

        ``worst``, ``warn`` and ``act`` print by the measure's kind (PSI, KS and
        JS with three decimals, a chi-squared p-value with two significant digits).
        """
        f = self._after().dropna(subset=["value"])
        hib = f["metric"].map(lambda m: MEASURES[m].higher_is_worse)
        key = np.where(hib, f["value"], -f["value"])
        f = f.assign(_key=key)
        worst = f.loc[f.groupby(["column", "metric"], sort=False)["_key"].idxmax()]
        out = worst[["column", "kind", "metric", "value", "window_start", "warn", "act",
                     "status"]].rename(columns={"value": "worst", "window_start": "worst_window"})
        flagged = self.frame[~self.frame["in_reference"]]
        for level in ("warn", "act"):
            states = ["act"] if level == "act" else ["warn", "act"]
            first = (flagged[flagged["status"].isin(states)]
                     .groupby(["column", "metric"])["window_start"].min()
                     .rename(f"first_{level}"))
            out = out.join(first, on=["column", "metric"])
        return summary_frame(out.reset_index(drop=True), metric_column="metric",
                             values=["worst", "warn", "act"])

    def plot(self, ax=None, *, metric: str = "psi", kinds=None, top: int = 4, events=None):
        """Time on x, the measure on y, warn and act lines; see :func:`plot_drift`.

        Returns
        -------
        DriftDisplay
            Holds this result; its ``plot(ax=...)`` draws it again.
        """
        from ._plots import plot_drift

        return plot_drift(self, metric=metric, kinds=kinds, ax=ax, top=top, events=events)

    def to_dict(self) -> dict:
        """The result as JSON holds it: window, levels, reference, the summary and the frame."""
        return {"result": "DriftResult", "window": self.window.words, "levels": self.levels,
                "reference": self.reference.description, "ks_method": self.ks_method,
                "summary": records(self.summary()), "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        s = self.summary()
        colour = {"act": "#c0392b", "warn": "#d68910", "ok": "#1e8449", "n/a": "#777"}
        rows = "".join(
            f"<tr><td>{escape(r.kind)}</td><td>{escape(str(r.column))}</td><td>{r.metric}</td>"
            f"<td style='color:{colour[r.status]}'><b>{escape(format_metric(r.metric, r.worst))}"
            f"</b> ({r.status})</td>"
            f"<td>{r.worst_window:%Y-%m-%d}</td>"
            f"<td>{'' if pd.isna(r.first_act) else f'{r.first_act:%Y-%m-%d}'}</td></tr>"
            for r in s.sort_values(["kind", "column", "metric"]).itertuples())
        n_act = int((self.frame["status"].eq("act") & ~self.frame["in_reference"]).sum())
        return (f"<div><b>Drift over {self.window.words} windows</b> against "
                f"{escape(self.reference.description)}; {self.levels} levels; "
                f"<b>{format_number(n_act, 'count')}</b> window-measures at the act level"
                f"{'' if self.fine_bins is None else f'; {escape(self.ks_method)}'}"
                f"<table><tr><th>kind</th><th>column</th><th>measure</th><th>worst</th>"
                f"<th>worst window</th><th>first act</th></tr>{rows}</table></div>")

    def __repr__(self) -> str:
        return (f"DriftResult(columns={len(self.reference.columns)}, "
                f"windows={self.frame['window_start'].nunique()}, levels={self.levels!r})")


def _level_arrays(ref: Reference, column: str, metric: str, levels: str, thresholds
                  ) -> tuple[float, float] | Problem:
    m = MEASURES[metric]
    if metric in thresholds:
        return thresholds[metric]
    if levels == "learned" and m.learnable:
        row = ref.levels[(ref.levels["column"] == column) & (ref.levels["metric"] == metric)]
        if row.empty:
            return Problem("levels", f"'learned' needs the reference's own windows, and "
                                     f"'{column}' has no learned {metric} level (fewer than "
                                     "three reference windows, or a reference built without "
                                     "time and window); use levels='fixed' or a longer "
                                     "reference")
        return float(row["warn"].iloc[0]), float(row["act"].iloc[0])
    return m.warn, m.act


def drift_over_time(data, reference, *, time: str, window=DEFAULT_WINDOW,
                    columns=None, kinds=None, bins=10, metrics=None, levels: str = "fixed",
                    thresholds: Mapping[str, tuple[float, float]] | None = None,
                    time_format: str | None = None,
                    fine_bins: int | None = None, client=None,
                    batch_rows: int | None = None) -> DriftResult:
    """Measure drift of columns of ``data`` in every time window against a reference.

    Parameters
    ----------
    data : pandas.DataFrame, path, URL or dask.dataframe.DataFrame
    reference : Reference, str, path or dict
        A :class:`Reference` (or the path of a saved one), or a spec that
        selects reference rows of ``data``: ``{"first": "90D"}`` (the first 90
        days) or ``{"rows": 5000}`` (the first 5,000 rows in time order).
    time : str
        The time column.
    window : str, default ``"1W"``
        Window length, e.g. ``"1W"`` (calendar weeks from Monday), ``"7D"``
        (epoch-aligned seven-day windows), ``"1D"``, ``"1M"`` (calendar
        months) or ``"1Q"`` (calendar quarters from January, April, July and
        October).
    columns : list of str, optional
        Columns to monitor when the reference is built here (default: all but
        ``time``); with a :class:`Reference`, its columns.
    kinds : dict, optional
        ``{column: kind}``, kinds from ``data``, ``signal``, ``decision``,
        ``context`` (default ``data``).
    bins : int or dict, default 10
        As :meth:`Reference.from_data`.
    metrics : sequence of str, optional
        Measures to compute (default: PSI, KS and Jensen–Shannon for numeric
        columns, PSI and chi-square for categorical ones).
    levels : {"fixed", "learned"}
        Fixed levels are :data:`~trustlab.drift.MEASURES`' (PSI 0.10 / 0.25,
        KS and JS 0.10 / 0.20, chi-square p 0.001 / 0.00001); learned levels are
        the reference windows' mean plus 3 (warn) and 6 (act) standard
        deviations, so a level means the same at 500 and at 500,000 rows a
        window. Chi-square always uses its fixed p-value levels.
    thresholds : dict, optional
        ``{metric: (warn, act)}`` overriding the levels of a measure.
    time_format : str, optional
        A strftime pattern the time column's text is read with (``"%b-%Y"``
        for ``Mar-2018``); without it, recognised formats are read (see
        :func:`~trustlab._time.read_times`). A reference span such as
        ``{"first": "3M"}`` counts calendar months from the first of the
        first month.
    client : distributed.Client or str, optional
        Run over the partitions of a Dask DataFrame on this cluster (or
        scheduler address); see :mod:`trustlab.scale`.
    batch_rows : int, optional
        Rows per batch when a Parquet history is streamed on this machine
        (default :data:`trustlab.scale.DEFAULT_BATCH_ROWS`).
    fine_bins : int, optional
        Over parts only: fine bins per numeric column that KS is read from
        (default :data:`trustlab.drift.parts.DEFAULT_FINE_BINS`).

    Returns
    -------
    DriftResult

    Raises
    ------
    trustlab.ParameterError
        For unknown measures or levels, or bad thresholds.
    trustlab.DataError
        For a missing or unreadable time column, unknown columns, or a
        reference that cannot be built or read.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = pd.date_range("2025-01-06", periods=4000, freq="h")
    >>> x = rng.normal(size=4000) + (t >= "2025-04-07") * 1.0
    >>> res = drift_over_time(pd.DataFrame({"t": t, "x": x}), {"first": "28D"}, time="t")
    >>> res.first_alert("x")
    Timestamp('2025-04-07 00:00:00')
    """
    if not in_memory(data, client):
        refuse_in_memory_options("drift_over_time", {
            "columns": (columns, None),
            "kinds": (kinds, None),
            "bins": (bins, 10),
            "time_format": (time_format, None),
        })
        return answer_in_parts("drift_over_time", data, reference, time=time, window=window,
                               metrics=metrics, levels=levels, thresholds=thresholds,
                               client=client, batch_rows=batch_rows, fine_bins=fine_bins)
    source = "drift_over_time"
    if not isinstance(data, pd.DataFrame):
        raise DataError(source, [Problem("data", f"must be a pandas DataFrame; got "
                                                 f"{type(data).__name__}")])
    metrics, thresholds = check_options(metrics, levels, thresholds, source)
    w = read_window(window, source, "window")
    ns = _times(data, time, source, time_format)
    if time_format is not None:  # the reference reads the column again: give it the times
        data = data.assign(**{time: pd.DatetimeIndex(ns).to_numpy()})
    ref, _ = _resolve(reference, data, ns, columns, kinds, bins, time, w, source)
    check_columns(ref, data, source)
    ids, codes = np.unique(window_ids(ns, w), return_inverse=True)
    n_w = len(ids)
    return drift_result(ref, w, ids, np.bincount(codes, minlength=n_w),
                        lambda c, wanted: window_values(c, data[c.name], codes, n_w, wanted),
                        metrics=metrics, levels=levels, thresholds=thresholds, source=source)


def check_columns(ref: Reference, data: pd.DataFrame, source: str) -> None:
    """Raise a :class:`~trustlab.DataError` naming the reference's columns ``data`` lacks."""
    missing = [c for c in ref.names if c not in data.columns]
    if missing:
        raise DataError(source, [Problem("data", f"lacks the reference's columns "
                                                 f"{', '.join(missing)}. Columns: "
                                                 f"{', '.join(map(str, data.columns))}")])


_MEASURE = Options(MEASURES)
OPTION_ARGS = {
    "metrics": [None, _MEASURE, SequenceOf(_MEASURE, min_len=0, name="a list of them")],
    "levels": [Options(LEVELS)]}
"""The drift measures and levels asked for, declared once for every drift function."""


def check_options(metrics, levels: str, thresholds, source: str
                  ) -> tuple[tuple[str, ...] | None, dict[str, tuple[float, float]]]:
    """``metrics`` as a tuple (or None) and ``thresholds`` as a dict, once checked.

    Raises
    ------
    trustlab.ParameterError
        Naming every bad one of ``levels``, ``metrics`` and ``thresholds``.
    """
    problems = param_problems(OPTION_ARGS, {"metrics": metrics, "levels": levels})
    if metrics is not None and not problems:
        metrics = tuple([metrics] if isinstance(metrics, str) else metrics)
    if thresholds is not None and not isinstance(thresholds, Mapping):
        problems.append(Problem("thresholds", f"must map a supported measure "
                                              f"({supported_text()}) to (warn, act)"))
        thresholds = None
    thresholds = dict(thresholds or {})
    for m, pair in thresholds.items():
        if m not in MEASURES or not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            problems.append(Problem(f"thresholds['{m}']", "must map a supported measure "
                                                          f"({supported_text()}) to (warn, act)"))
    if problems:
        raise ParameterError(source, problems)
    return metrics, thresholds


def drift_result(ref: Reference, window: Window, ids: np.ndarray, rows: np.ndarray,
                 values, *, metrics: tuple[str, ...] | None, levels: str,
                 thresholds: dict[str, tuple[float, float]], source: str) -> DriftResult:
    """The tidy result from each window's measures: levels, statuses, one row per measure.

    Parameters
    ----------
    ref : Reference
    window : Window
    ids : ndarray of int64
        The global window ids (:func:`~trustlab._time.window_ids`) with
        rows, increasing.
    rows : ndarray of int64
        Rows in each window.
    values : callable
        ``values(column_reference, metrics)`` gives ``{metric: value per window}``
        for the measures that apply to the column; called once per column.
    metrics, levels, thresholds
        As checked by :func:`check_options`.
    source : str
        For error messages.
    """
    starts = window_starts(ids, window)
    in_ref = (np.zeros(len(ids), dtype=bool) if ref.ends is None
              else np.asarray(starts <= ref.ends))
    parts, problems = [], []
    for c in ref.columns:
        wanted = _metrics_for(c, metrics)
        vals = values(c, wanted)
        for m in wanted:
            lv = _level_arrays(ref, c.name, m, levels, thresholds)
            if isinstance(lv, Problem):
                problems.append(lv)
                continue
            value = vals[m]
            parts.append(pd.DataFrame({
                "window_start": starts, "column": c.name, "kind": c.kind, "type": c.type,
                "metric": m, "value": value, "warn": lv[0], "act": lv[1],
                "status": MEASURES[m].status(value, lv[0], lv[1]), "rows": rows,
                "in_reference": in_ref}))
    if problems:
        raise DataError(source, problems[:1])  # the same problem for every column: say it once
    frame = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame({c: [] for c in FRAME_COLUMNS}))
    return DriftResult(frame[list(FRAME_COLUMNS)], ref, window, levels)
