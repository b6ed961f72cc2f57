"""Do the probabilities mean what they say? Reliability tables, ECE, a verdict in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._plotting import Display
from .._errors import DataError, Problem
from .._stats import wilson_interval
from .._validate import Integral, Interval, Options, validate_params

__all__ = [
    "calibration_table",
    "expected_calibration_error",
    "describe_calibration",
    "ReliabilityDisplay",
    "STRATEGIES",
]

#: How bins are cut: ``quantile`` (equal counts) or ``uniform`` (equal widths on [0, 1]).
STRATEGIES = ("quantile", "uniform")
#: Below this expected calibration error (in probability units) a signal is "well calibrated".
WELL_CALIBRATED_ECE = 0.02


def _inputs(y_true_bad, p, bins, strategy, source: str) -> tuple[np.ndarray, np.ndarray]:
    problems = []
    y = pd.Series(y_true_bad).to_numpy()
    q = pd.Series(p).to_numpy()
    if y.shape != q.shape or y.ndim != 1:
        problems.append(Problem("y_true_bad", f"must have one value per probability; got "
                                              f"{y.shape} and {q.shape}"))
    if problems:
        raise DataError(source, problems)
    try:
        y = y.astype(float)
        q = q.astype(float)
    except (TypeError, ValueError):
        raise DataError(source, [Problem("y_true_bad", "must be true/false or 0/1 and p numbers; "
                                                       "cannot read them as numbers")]) from None
    keep = ~(np.isnan(y) | np.isnan(q))  # rows without a score or an outcome are left out
    y, q = y[keep], q[keep]
    if not np.isin(y, (0.0, 1.0)).all():
        problems.append(Problem("y_true_bad", "must hold only true/false (or 1/0), bad = true"))
    if ((q < 0) | (q > 1)).any():
        problems.append(Problem("p", "must be probabilities in [0, 1]"))
    if problems:
        raise DataError(source, problems)
    return y, q


def _bin_index(q: np.ndarray, bins: int, strategy: str) -> np.ndarray:
    if strategy == "quantile":
        edges = np.unique(np.quantile(q, np.linspace(0.0, 1.0, bins + 1))) if len(q) else [0, 1]
    else:
        edges = np.linspace(0.0, 1.0, bins + 1)
    inner = np.asarray(edges)[1:-1]
    return np.searchsorted(inner, q, side="right")


_BIN_ARGS = {"bins": [Interval(Integral, 1, None)], "strategy": [Options(STRATEGIES)]}


@validate_params(_BIN_ARGS)
def calibration_table(y_true_bad, p, bins: int = 10, strategy: str = "quantile") -> pd.DataFrame:
    """Predicted against observed bad rate, bin by bin, with 95% Wilson intervals.

    Parameters
    ----------
    y_true_bad : array-like of bool
        True where the bad outcome happened. Rows where it or ``p`` is
        missing are left out.
    p : array-like of float
        Predicted probability of the bad outcome.
    bins : int, default 10
        Number of bins (fewer when ``quantile`` edges coincide).
    strategy : {"quantile", "uniform"}, default "quantile"
        ``quantile``: bins of (about) equal counts; ``uniform``: equal widths on [0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin, in order of predicted risk: ``bin`` (0, 1, ...),
        ``mean_predicted``, ``observed_rate``, ``count``, and the 95% Wilson
        interval of the observed rate, ``observed_low`` and ``observed_high``.

    Raises
    ------
    trustlab.DataError
        For a bad ``bins`` or ``strategy``, lengths that differ, outcomes
        that are not true/false or probabilities outside [0, 1].

    Examples
    --------
    >>> t = calibration_table([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.6, 0.7, 0.9], bins=2)
    >>> t[["bin", "mean_predicted", "observed_rate", "count"]]
       bin  mean_predicted  observed_rate  count
    0    0        0.200000       0.333333      3
    1    1        0.733333       0.666667      3
    """
    y, q = _inputs(y_true_bad, p, bins, strategy, "calibration_table")
    idx = _bin_index(q, int(bins), strategy)
    count = np.bincount(idx, minlength=int(bins))
    sum_p = np.bincount(idx, weights=q, minlength=int(bins))
    sum_y = np.bincount(idx, weights=y, minlength=int(bins))
    used = count > 0
    n, k = count[used].astype(float), sum_y[used]
    rate = k / n
    low, high = wilson_interval(k, n)
    return pd.DataFrame({
        "bin": np.arange(int(used.sum())),
        "mean_predicted": sum_p[used] / n,
        "observed_rate": rate,
        "count": count[used].astype(np.int64),
        "observed_low": low,
        "observed_high": high,
    })


@validate_params(_BIN_ARGS)
def expected_calibration_error(y_true_bad, p, bins: int = 10, strategy: str = "quantile") -> float:
    """The count-weighted mean gap between predicted and observed bad rate over the bins.

    Parameters
    ----------
    y_true_bad, p, bins, strategy
        As in :func:`calibration_table`.

    Returns
    -------
    float
        In probability units (0.01 = one percentage point); NaN without rows.

    Examples
    --------
    >>> expected_calibration_error([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.6, 0.7, 0.9], bins=2)
    0.1
    """
    table = calibration_table(y_true_bad, p, bins=bins, strategy=strategy)
    return _ece(table)


def _ece(table: pd.DataFrame) -> float:
    total = table["count"].sum()
    if total == 0:
        return float("nan")
    gap = (table["mean_predicted"] - table["observed_rate"]).abs()
    return round(float((gap * table["count"]).sum() / total), 12)


def _region(rows: pd.DataFrame, table: pd.DataFrame) -> str:
    """Where on the risk scale ``rows`` (a subset of ``table``) lie, in words."""
    lo, hi = rows["mean_predicted"].min(), rows["mean_predicted"].max()
    if len(rows) == 1 and len(table) > 1 and lo not in (table["mean_predicted"].min(),
                                                        table["mean_predicted"].max()):
        return f"around {_pct(lo)}"
    first, last = table["mean_predicted"].min(), table["mean_predicted"].max()
    if hi >= last and lo > first:
        return f"above {_pct(lo)}"
    if lo <= first and hi < last:
        return f"below {_pct(hi)}"
    if lo <= first and hi >= last:
        return "across the range"
    return f"between {_pct(lo)} and {_pct(hi)}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.1 else f"{100 * x:.1f}%"


def describe_calibration(table: pd.DataFrame, *, calibrated: str | None = None,
                         labelled_rows: int | None = None) -> str:
    """Whether probabilities mean what they say, in one sentence.

    A bin is off when its mean prediction lies outside the 95% Wilson
    interval of its observed rate. With an expected calibration error of at
    most 2 percentage points the signal is well calibrated (bins that are off
    are still named, as slight); above that, the bins that are off say where
    and in which direction the probabilities are wrong.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`calibration_table`.
    calibrated : str, optional
        The calibration already applied (``"isotonic"``/``"sigmoid"``), so
        the advice does not suggest it again.
    labelled_rows : int, optional
        Rows with an outcome; under 1,000 the advice prefers ``sigmoid``.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"bin": [0, 1], "mean_predicted": [0.1, 0.5],
    ...                   "observed_rate": [0.1, 0.2], "count": [500, 500],
    ...                   "observed_low": [0.08, 0.17], "observed_high": [0.13, 0.24]})
    >>> describe_calibration(t)
    "over-predicts risk above 50% (ECE 15.0 points): consider calibration='isotonic'"
    """
    if table.empty:
        return "cannot tell: no rows have both a score and an observed outcome"
    ece = _ece(table)
    over = table[table["mean_predicted"] > table["observed_high"]]
    under = table[table["mean_predicted"] < table["observed_low"]]
    points = f"ECE {100 * ece:.1f} points"
    parts = []
    if not over.empty:
        parts.append(f"over-predicts risk {_region(over, table)}")
    if not under.empty:
        parts.append(f"under-predicts risk {_region(under, table)}")
    if ece <= WELL_CALIBRATED_ECE:
        detail = f" (slightly {' and '.join(parts)})" if parts else ""
        return f"well calibrated: {points}{detail}"
    if not parts:
        return f"roughly calibrated: {points}, within the sampling noise of every bin"
    text = f"{' and '.join(parts)} ({points})"
    if calibrated is None:
        method = "sigmoid" if labelled_rows is not None and labelled_rows < 1000 else "isotonic"
        return f"{text}: consider calibration='{method}'"
    return f"{text}, even after {calibrated} calibration"


class ReliabilityDisplay(Display):
    """A reliability diagram: the curve (``ax_``) over a histogram of the scores (``hist_ax_``);
    holds the calibration table and the scores and redraws on any Axes."""

    def __init__(self, table: pd.DataFrame, scores: np.ndarray,
                 title: str = "Does predicted risk match what happened?"):
        self.data = table
        self.scores = np.asarray(scores, dtype=float)
        self._options = {"title": title}

    def _draw(self, ax, title: str = "Does predicted risk match what happened?"):
        ax, self.hist_ax_ = _draw_reliability(self.data, self.scores, ax, title)
        return ax


def plot_reliability(table: pd.DataFrame, scores: np.ndarray, ax=None, *,
                     title: str = "Does predicted risk match what happened?") -> ReliabilityDisplay:
    """Draw the reliability curve with the diagonal, and a histogram of the scores.

    Without ``ax`` a figure with two panels is made (curve above, histogram
    below); with ``ax`` the curve goes on it and the histogram on a twin axis.
    The display redraws on another Axes (``d.plot(ax=other)``).
    """
    return ReliabilityDisplay(table, scores, title).plot(ax=ax)


def _draw_reliability(table: pd.DataFrame, scores: np.ndarray, ax, title: str):
    """Draw on ``ax`` (None: a new two-panel figure); the curve and the histogram Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    twin = ax is not None
    if twin:
        fig = ax.figure
        hist_ax = ax.twinx()
    else:
        fig, (ax, hist_ax) = plt.subplots(2, 1, figsize=(6, 6.5), sharex=True,
                                          gridspec_kw={"height_ratios": [3, 1]})
    finite = scores[np.isfinite(scores)]
    # the axes end just past the bins and 99.5% of the scores: a few extreme
    # scores should not squeeze the curve into a corner
    top = max(float(table["observed_high"].max()) if len(table) else 0.0,
              float(table["mean_predicted"].max()) if len(table) else 0.0,
              float(np.quantile(finite, 0.995)) if len(finite) else 0.0, 0.05)
    top = min(1.0, top * 1.1)
    hist_ax.hist(np.clip(finite, 0.0, top), bins=40,  # the tail in the last bar
                range=(0, top), color="#999999", alpha=0.3 if twin else 0.7,
                 zorder=0)
    hist_ax.set_ylabel("Applications")
    ax.plot([0, top], [0, top], linestyle="--", color="grey", label="Perfect calibration")
    if len(table):
        yerr = np.vstack([table["observed_rate"] - table["observed_low"],
                          table["observed_high"] - table["observed_rate"]])
        ax.errorbar(table["mean_predicted"], table["observed_rate"], yerr=yerr, marker="o",
                    color="#4c72b0", capsize=3, label="Groups of applications (95% interval)")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_ylabel("Observed rate of the bad outcome")
    import textwrap

    ax.set_title("\n".join(textwrap.fill(line, 64, break_on_hyphens=False) for line in title.splitlines()), fontsize=10)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="upper left", frameon=False)
    (ax if twin else hist_ax).set_xlabel("Predicted probability of the bad outcome")
    if twin:
        ax.set_zorder(hist_ax.get_zorder() + 1)  # the curve above the histogram
        ax.patch.set_visible(False)
    else:
        fig.tight_layout()
    return ax, hist_ax
