"""Summary tables that keep their numbers and print each one by its kind.

A result's ``summary()`` is a :class:`SummaryFrame`: an ordinary DataFrame of
numbers (select, index and compute with it as with any other) whose printed
form — ``repr``, ``to_string``, ``_repr_html_``, ``to_html`` — reads every
number through :func:`trustlab._format.format_number`, by the kind the
registry declares for it. So a count never prints as a percentage and nothing
prints as ``5.148000e+04``. A frame derived from it (a selection, a
``set_index``) is a plain DataFrame again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._format import KINDS, format_number
from ._registry import METRICS, is_registered, metric

__all__ = ["SummaryFrame", "summary_frame"]


class SummaryFrame(pd.DataFrame):
    """A DataFrame of numbers that prints each number by its kind.

    Build one with :func:`summary_frame`. ``shown()`` gives the printed form as
    a DataFrame of text.
    """

    _metadata = ["_column_kinds", "_currency"]

    @property
    def _constructor(self):
        return pd.DataFrame  # anything derived is a plain frame of numbers

    def shown(self) -> pd.DataFrame:
        """The frame as it prints: every number as text, by its kind."""
        plain = pd.DataFrame(self)
        out = plain.astype(object)
        kinds = getattr(self, "_column_kinds", {}) or {}
        currency = getattr(self, "_currency", None)
        for pos, col in enumerate(plain.columns):
            per_row = kinds.get(col)
            if per_row is None:
                continue
            values = plain.iloc[:, pos].tolist()
            out.iloc[:, pos] = [v if isinstance(v, str) else
                                format_number(v, k, currency=currency)
                                for v, k in zip(values, per_row)]
        return out

    def __repr__(self) -> str:
        return repr(self.shown())

    def to_string(self, *args, **kwargs):
        return self.shown().to_string(*args, **kwargs)

    def to_html(self, *args, **kwargs):
        return self.shown().to_html(*args, **kwargs)

    def _repr_html_(self):
        return self.shown()._repr_html_()


def _kind_of_column(series: pd.Series, name) -> str | None:
    """The kind of a column that names no metric: flags for booleans, plain numbers for the
    rest; None for text, times and anything else left as it is."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "flag"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "number"
    values = series.tolist() if series.dtype == object else []
    if any(isinstance(v, (bool, np.bool_)) for v in values) and all(
            isinstance(v, (bool, np.bool_)) or v is None for v in values):
        return "flag"
    return None


def summary_frame(frame: pd.DataFrame, *, metric_column: str | None = None,
                  values: Sequence[str] = (), changes: Sequence[str] = (),
                  kinds: Mapping[str, str | Sequence[str]] | None = None,
                  currency: str | None = None) -> SummaryFrame:
    """``frame`` as a :class:`SummaryFrame`: its numbers kept, each printed by its kind.

    Parameters
    ----------
    frame : pandas.DataFrame
    metric_column : str, optional
        A column or index level holding metric names: each row's ``values``
        columns are printed by that metric's kind, its ``changes`` columns by
        the kind of a difference (a share's change in points).
    values, changes : sequence of str
        Columns read per row through ``metric_column``.
    kinds : mapping, optional
        Column → kind (:data:`trustlab._format.KINDS`) or metric name, or a
        sequence of kinds (one per row), for the other columns. A column named
        after a registered metric takes its kind; any other numeric column
        prints as a plain number, booleans as yes / no.
    currency : str, optional
        The policy's ``outcomes.currency``, for money.

    Examples
    --------
    >>> t = pd.DataFrame({"metric": ["decisions", "bad_rate_favourable"],
    ...                   "value": [51480.0, 0.0395]})
    >>> s = summary_frame(t, metric_column="metric", values=["value"])
    >>> print(s)
                    metric   value
    0            decisions  51,480
    1  bad_rate_favourable    4.0%
    >>> float(s.loc[1, "value"])
    0.0395
    """
    kinds = dict(kinds or {})
    names = None
    if metric_column is not None:
        if metric_column in frame.columns:
            names = frame[metric_column].tolist()
        else:
            names = frame.index.get_level_values(metric_column).tolist()
        unknown = sorted({str(n) for n in names if not is_registered(str(n))})
        if unknown:
            raise KeyError(f"{', '.join(map(repr, unknown))} not in trustlab.metrics.METRICS: "
                           f"declare each metric's kind there")
    column_kinds: dict = {}
    for col in frame.columns:
        if names is not None and (col in values or col in changes):
            per = [metric(str(n)) for n in names]
            column_kinds[col] = tuple(m.change_kind if col in changes else m.kind for m in per)
            continue
        given = kinds.get(col)
        if given is not None and not isinstance(given, str):
            per_row = tuple(given)
            if len(per_row) != len(frame) or any(k not in KINDS for k in per_row):
                raise ValueError(f"kinds[{col!r}] must give one kind per row ({len(frame)}) "
                                 f"from {', '.join(KINDS)}")
            column_kinds[col] = per_row
            continue
        if given is not None:
            kind = given if given in KINDS else metric(given).kind
        elif isinstance(col, str) and col in METRICS:
            kind = METRICS[col].kind
        else:
            kind = _kind_of_column(frame[col], col)
        if kind is not None:
            column_kinds[col] = (kind,) * len(frame)
    out = SummaryFrame(frame)
    out._column_kinds = column_kinds
    out._currency = currency
    return out
