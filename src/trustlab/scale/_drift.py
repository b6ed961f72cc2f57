"""Drift over time of a history too large for memory: counts per part, added up.

Each Parquet batch or Dask partition is reduced to
:class:`~trustlab.drift._partial.DriftCounts` against a fixed reference; the
counts add up exactly, so PSI, Jensen–Shannon and chi-square equal the
in-memory :func:`trustlab.drift.drift_over_time`, and KS is read on a fine
grid with its error stated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import partial

import pandas as pd

from .._errors import DataError, Problem
from ..drift import DEFAULT_WINDOW, DriftCounts, DriftResult, Reference, load_reference
from ..drift.parts import DEFAULT_FINE_BINS, check_options, count_part, fine_grid
from ..policy import DriftReference
from ._run import DEFAULT_BATCH_ROWS, fold_partials, source_of

__all__ = ["drift_over_time", "drift_error"]

_CALLER = "scale.drift_over_time"


def _reference(reference) -> Reference:
    """A :class:`Reference`, read from its saved path if need be."""
    if isinstance(reference, Mapping) and len(reference) == 1 and "file" in reference:
        reference = reference["file"]
    if isinstance(reference, DriftReference) and reference.file is not None:
        reference = reference.file
    if isinstance(reference, (str, os.PathLike)):
        return load_reference(reference)
    if isinstance(reference, Reference):
        return reference
    if isinstance(reference, (Mapping, DriftReference)):
        why = (f"is {reference!r}, which selects reference rows of an in-memory frame; here the "
               "history is read in parts, so build the reference from the reference period "
               "first — ref = trustlab.drift.Reference.from_data(period, columns, "
               "time=..., window=...) — save it with ref.save('reference.npz') and pass the "
               "Reference or its path")
    else:
        why = (f"must be a Reference or the path of a saved one (Reference.save); got "
               f"{type(reference).__name__}")
    raise DataError(_CALLER, [Problem("reference", why)])


def drift_over_time(data, reference, *, time: str, window=DEFAULT_WINDOW, metrics=None,
                    levels: str = "fixed", thresholds=None,
                    fine_bins: int = DEFAULT_FINE_BINS, client=None,
                    batch_rows: int = DEFAULT_BATCH_ROWS) -> DriftResult:
    """Drift of a Parquet history or a Dask DataFrame in every window, against a reference.

    The scale twin of :func:`trustlab.drift.drift_over_time`: it reads only the
    reference's columns and ``time``, part by part (Parquet batches streamed
    here, or Dask partitions), counts each part
    (:class:`~trustlab.drift._partial.DriftCounts`) and adds the counts up.
    Windows are global (epoch-aligned, or calendar months and quarters for
    ``M`` and ``Q``), so a window split across parts is measured whole, and
    the parts may come in any order.

    PSI, Jensen–Shannon and chi-square, the levels and the statuses equal the
    in-memory function's. KS is read on a grid of ``fine_bins`` reference
    quantiles per numeric column: it is never above the exact KS and short of
    it by at most the window's ``error_bound`` in the result's ``ks_error``
    (less than ``1 / fine_bins`` plus the window's share in the widest fine
    bin; 0 for columns whose values all lie on the grid).
    ``result.ks_method`` says it in words.

    Parameters
    ----------
    data : str, path or dask.dataframe.DataFrame
        A Parquet file or a folder of them (read in sorted path order, hive
        partition folders kept as columns), named by a path or an fsspec URL,
        or a Dask DataFrame.
    reference : Reference or str or path
        A :class:`~trustlab.drift.Reference`, or the path of one saved with
        :meth:`~trustlab.drift.Reference.save`. Build it from the reference
        period beforehand: a spec such as ``{"first": "90D"}`` would need the
        whole history in memory.
    time : str
        The time column.
    window : str, default ``"1W"``
        Window length, e.g. ``"1W"`` (calendar weeks from Monday) or ``"1D"``.
    metrics : sequence of str, optional
        Measures to compute (default: PSI, KS and Jensen–Shannon for numeric
        columns, PSI and chi-square for categorical ones).
    levels : {"fixed", "learned"}
        As :func:`trustlab.drift.drift_over_time`; learned levels come from
        the reference.
    thresholds : dict, optional
        ``{metric: (warn, act)}`` overriding the levels of a measure.
    fine_bins : int, default 1000
        Fine bins per numeric column for KS; each holds less than
        ``1 / fine_bins`` of the reference. Not counted when ``metrics``
        leaves KS out.
    client : distributed.Client or str, optional
        Run the parts on this Dask cluster (a client or a scheduler address);
        a path is then read with ``dask.dataframe.read_parquet``.
    batch_rows : int, default 250,000
        Rows per streamed Parquet batch.

    Returns
    -------
    DriftResult
        With ``fine_bins`` and ``ks_error`` set.

    Raises
    ------
    trustlab.DataError
        For a reference that is a spec rather than a Reference, a missing
        reference file, data that is not a Parquet path or a Dask DataFrame,
        a column the data lacks, an unreadable time column, or bad options.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import pandas as pd
    >>> from trustlab.drift import Reference
    >>> rng = np.random.default_rng(0)
    >>> t = pd.date_range("2025-01-06", periods=4000, freq="h")
    >>> df = pd.DataFrame({"t": t, "x": rng.normal(size=4000) + (t >= "2025-04-07") * 1.0})
    >>> ref = Reference.from_data(df[df["t"] < "2025-02-03"], ["x"], time="t", window="1W")
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> for i in range(4):
    ...     df.iloc[i * 1000:(i + 1) * 1000].to_parquet(folder / f"part-{i}.parquet")
    >>> res = drift_over_time(folder, ref, time="t", batch_rows=700)
    >>> res.first_alert("x")
    Timestamp('2025-04-07 00:00:00')
    >>> res.ks_method.startswith("KS from 1,000 fine bins; error at most")
    True
    >>> tmp.cleanup()
    """
    ref = _reference(reference)
    metrics, thresholds = check_options(metrics, levels, thresholds, _CALLER)
    no_ks = metrics is not None and "ks" not in metrics
    grid = fine_grid(ref, time, window, None if no_ks else fine_bins, _CALLER)
    src = source_of(data, client=client, batch_rows=batch_rows, caller=_CALLER)
    columns = list(dict.fromkeys([time, *ref.names]))
    if src.distributed:
        lacking = [c for c in columns if c not in src.frame.columns]
        if lacking:
            raise DataError(_CALLER, [Problem("data", f"lacks {', '.join(map(repr, lacking))} "
                                                      f"(the time column and the reference's "
                                                      f"columns); it has "
                                                      f"{', '.join(map(str, src.frame.columns))}")])
    counts, _, _ = fold_partials(src, partial(count_part, grid=grid.light()), DriftCounts.merge,
                                 columns=columns, caller=_CALLER)
    counts = DriftCounts(grid, counts.ids, counts.rows, counts.bins, counts.fine)
    return counts.result(levels=levels, thresholds=thresholds, metrics=metrics)


def drift_error(exact: DriftResult, binned: DriftResult) -> pd.DataFrame:
    """How far drift measured in parts is from the in-memory values, per measure.

    Parameters
    ----------
    exact : DriftResult
        :func:`trustlab.drift.drift_over_time` in memory.
    binned : DriftResult
        :func:`drift_over_time` over the same history in parts.

    Returns
    -------
    pandas.DataFrame
        Per measure: ``values`` compared, ``largest difference``, the
        ``stated bound`` (KS: the largest per-window error bound; exact
        measures: 0), and ``status changes`` (windows whose ok/warn/act
        status differs).
    """
    keys = ["window_start", "column", "metric"]
    both = exact.frame.merge(binned.frame, on=keys, suffixes=("_exact", "_binned"))
    bound = 0.0 if binned.ks_error is None else float(binned.ks_error["error_bound"].max())
    rows = []
    for m, g in both.groupby("metric", sort=False):
        diff = (g["value_binned"] - g["value_exact"]).abs()
        rows.append({"metric": m, "values": int(diff.notna().sum()),
                     "largest difference": float(diff.max()) if diff.notna().any() else 0.0,
                     "stated bound": bound if m == "ks" else 0.0,
                     "status changes": int((g["status_exact"] != g["status_binned"]).sum())})
    return pd.DataFrame(rows)
