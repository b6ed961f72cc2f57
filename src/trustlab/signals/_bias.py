"""Selection bias: where outcomes are observed, and where they are not.

A credit model learns only from loans that were granted, because only those
have an outcome. :func:`observed_outcome_share` shows, segment by segment,
how much of the population the model learned from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, Problem

__all__ = ["observed_outcome_share", "ALL_ROWS"]

#: The segment value of the overall row.
ALL_ROWS = "(all rows)"
_MISSING = "(missing)"


def observed_outcome_share(data: pd.DataFrame, label: str, by: str | Sequence[str], *,
                           bad_when=None) -> pd.DataFrame:
    """Per segment: rows, rows with an observed outcome, and their share; then all rows.

    Parameters
    ----------
    data : pandas.DataFrame
    label : str
        The outcome column; missing where the outcome is not observed.
    by : str or sequence of str
        The column(s) that define the segments.
    bad_when : object, optional
        The label value meaning the bad outcome; when given, the table adds
        ``observed_bad_rate``: the bad rate among the rows with an outcome.

    Returns
    -------
    pandas.DataFrame
        One row per segment (in the order of the categories, or sorted), then
        one with every ``by`` column set to ``"(all rows)"``. Columns: the
        ``by`` columns as text (missing segment values as ``"(missing)"``),
        ``rows``, ``labelled_rows``, ``share_observed`` and, with ``bad_when``,
        ``observed_bad_rate``.

    Raises
    ------
    trustlab.DataError
        When ``label`` or a ``by`` column is not in ``data``.

    Examples
    --------
    >>> df = pd.DataFrame({"grade": ["A", "A", "B", "B"],
    ...                    "bad": [False, True, None, None]})
    >>> observed_outcome_share(df, "bad", "grade")
            grade  rows  labelled_rows  share_observed
    0           A     2              2             1.0
    1           B     2              0             0.0
    2  (all rows)     4              2             0.5
    """
    source = "observed_outcome_share"
    if not isinstance(data, pd.DataFrame):
        raise DataError(source, [Problem("data", f"must be a pandas DataFrame; got "
                                                 f"{type(data).__name__}")])
    columns = [by] if isinstance(by, str) else list(by)
    wanted = [("label", label)] + [("by", c) for c in columns]
    problems = [Problem(what, f"{col!r} not in data. Columns in data: "
                              f"{', '.join(map(str, data.columns))}")
                for what, col in wanted if col not in data.columns]
    if not columns:
        problems.append(Problem("by", "is empty; give one or more columns"))
    if problems:
        raise DataError(source, problems)
    observed = data[label].notna()
    frame = pd.DataFrame({"rows": np.ones(len(data), dtype=np.int64),
                          "labelled_rows": observed.to_numpy(dtype=np.int64)}, index=data.index)
    if bad_when is not None:
        from ._oof import _bad_indicator

        frame["bad"] = _bad_indicator(data[label], bad_when).astype(np.int64)
    keys = [data[c] for c in columns]
    groups = frame.groupby(keys, observed=True, dropna=False, sort=True).sum()
    total = frame.sum().to_frame().T
    out = groups.reset_index()
    for c in columns:
        out[c] = out[c].astype(object).where(out[c].notna(), _MISSING).astype(str)
    total_row = pd.DataFrame({c: [ALL_ROWS] for c in columns})
    out = pd.concat([out, pd.concat([total_row, total.reset_index(drop=True)], axis=1)],
                    ignore_index=True)
    out["rows"] = out["rows"].astype(np.int64)
    out["labelled_rows"] = out["labelled_rows"].astype(np.int64)
    out["share_observed"] = out["labelled_rows"] / out["rows"]
    if bad_when is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["observed_bad_rate"] = np.where(out["labelled_rows"] > 0,
                                                out["bad"] / out["labelled_rows"].clip(lower=1),
                                                np.nan)
        out = out.drop(columns="bad")
    return out
