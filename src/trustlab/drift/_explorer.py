"""A widget over drift: the window, the reference span, the measure and the levels."""

from __future__ import annotations

from html import escape

import pandas as pd

from .._explore import Explorer, numbers_table
from ._monitor import DriftResult, drift_over_time
from ._plots import plot_drift

__all__ = ["DriftExplorer"]

WINDOWS = ("1D", "1W", "2W", "4W", "1M", "1Q")
REFERENCES = ("30D", "60D", "90D", "180D", "3M", "6M", "12M")  # M: calendar months


class DriftExplorer(Explorer):
    """Controls for drift over time: how long a window is, which span is the reference,
    which measure is drawn and whether levels are fixed or learned.

    Parameters
    ----------
    data : pandas.DataFrame
    time : str
        The time column.
    columns : list of str, optional
        Columns to monitor (default: all but ``time``).
    kinds : dict, optional
        ``{column: kind}`` as for :func:`drift_over_time`.
    window, reference, metric, levels : str
        Starting choices (a window such as ``"1W"``, a reference span such
        as ``"90D"``, ``"psi"``, ``"fixed"``).

    Attributes
    ----------
    result : DriftResult
        The drift now shown.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from trustlab.datasets import FeatureDrift, make_history
    >>> h = make_history(n_days=200, applications_per_day=40, seed=0,
    ...                  scenarios=[FeatureDrift("2025-05-01", "debt_to_income", 8.0)])
    >>> ex = DriftExplorer(h, time="decision_time", columns=["debt_to_income", "p_default"])
    >>> ex.result.first_alert("debt_to_income")
    Timestamp('2025-05-05 00:00:00')
    >>> ex.set(window="2W")
    >>> ex.result.window.text
    '2W'
    """

    CACHE_SIZE = 6

    def __init__(self, data: pd.DataFrame, *, time: str, columns=None, kinds=None,
                 window: str = "1W", reference: str = "90D", metric: str = "psi",
                 levels: str = "fixed") -> None:
        import ipywidgets as w

        self.data, self.time, self.columns, self.kinds = data, time, columns, kinds
        style = {"description_width": "initial"}
        layout = w.Layout(width="48%")
        controls = {
            "window": w.Dropdown(options=sorted({*WINDOWS, window}, key=_span_order),
                                 value=window, description="Window", style=style,
                                 layout=layout),
            "reference": w.Dropdown(options=sorted({*REFERENCES, reference}, key=_span_order),
                                    value=reference, description="Reference: the first",
                                    style=style, layout=layout),
            "metric": w.Dropdown(options=["psi", "ks", "js"], value=metric,
                                 description="Measure drawn", style=style, layout=layout),
            "levels": w.Dropdown(options=["fixed", "learned"], value=levels,
                                 description="Warn and act levels", style=style, layout=layout),
        }
        self._build(f"<b>Drift of {len(data):,} rows</b> over time — choose a window, a "
                    "reference, a measure", controls, [["window", "reference"],
                                                       ["metric", "levels"]],
                    figsize=(14, 3.8))

    def _result(self, window: str, reference: str, levels: str) -> DriftResult:
        return self._cached((window, reference, levels), lambda: drift_over_time(
            self.data, {"first": reference}, time=self.time, window=window,
            columns=self.columns, kinds=self.kinds, levels=levels))

    def _render(self, values: dict) -> str:
        r = self._result(values["window"], values["reference"], values["levels"])
        self.result = r
        kinds = sorted(set(r.frame["kind"]))
        axes = self._figure.subplots(1, len(kinds), squeeze=False)[0]
        plot_drift(r, values["metric"], kinds=kinds, ax=list(axes), top=3)
        act, warn = r.alerts("act"), r.alerts("warn")
        after = r.frame.loc[~r.frame["in_reference"], "window_start"].nunique()
        rows = [("Reference", r.reference.description, ""),
                ("Windows after the reference", f"{after:,}", ""),
                ("At the act level", f"{len(act):,} column-windows", ""),
                ("At the warn level", f"{len(warn):,} column-windows", "")]
        for c in sorted(set(act["column"]))[:5]:
            rows.append((f"First act alert: {c}", f"{r.first_alert(c):%Y-%m-%d}", ""))
        return numbers_table(rows) + (f"<p style='color:#666'>{escape(r.ks_method)}</p>"
                                      if values["metric"] == "ks" and r.fine_bins else "")

    def __repr__(self) -> str:
        return f"DriftExplorer({len(self.data):,} rows, time={self.time!r})"


def _span_order(text: str) -> float:
    """A choice's rough length, to list choices shortest first (a month as its mean length)."""
    from ..policy._load import read_window

    return read_window(text, "DriftExplorer", "window").seconds
