"""Plots of trust over time and of the promotion gate, readable without help.

Each function draws on ``ax`` when given (or makes a figure) and returns a
:class:`~trustlab._plotting.Display` that holds what it draws and draws it again with
``plot(ax=...)``. matplotlib is imported only when drawing.
"""

from __future__ import annotations

import numpy as np

from .._errors import DataError, Problem
from .._plotting import Display, axes_for, literal, window_label
from .._format import axis_label, tick_formatter
from ..metrics import format_metric, kind_of, metric_words
from ._metrics import TRUST_METRICS

__all__ = ["TrustDisplay", "GateDisplay", "plot_trust", "plot_gate"]

_GOOD, _BAD, _GREY = "#4c956c", "#c8553d", "#888888"
_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
            "#8c8c8c", "#ccb974", "#64b5cd")


class TrustDisplay(Display):
    """Trust rates per window, one line per metric; holds its result and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows of the result's frame drawn (one segment, or all decisions).
    source : TrustResult
    metrics : tuple of str
        The rates drawn, one line each.
    segment : str or None
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, result, metrics: tuple[str, ...] = ("automation_rate", "alignment",
                                                           "override_rate"),
                 segment: str | None = None):
        self.source = result
        self.metrics = _trust_metrics(metrics)
        self.segment = segment
        self.data = result._segment_rows(segment, "TrustResult.plot")

    def _draw(self, ax):
        return _draw_trust(self.source, self.data, ax, self.metrics, self.segment)


class GateDisplay(Display):
    """A promotion gate, one panel per criterion; holds the gate and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        The gate's frame (one row per criterion).
    source : GateResult
    axes_ : tuple of matplotlib Axes
        One per criterion (``ax_`` is the first).
    figure_ : matplotlib Figure
    """

    axes_: tuple = ()

    def __init__(self, gate):
        self.source = gate
        self.data = gate.frame

    def _draw(self, ax):
        self.axes_ = tuple(_draw_gate(self.source, ax))
        return self.axes_


def _trust_metrics(metrics) -> tuple[str, ...]:
    if isinstance(metrics, str):
        metrics = (metrics,)
    rates = [m for m in TRUST_METRICS if TRUST_METRICS[m].denominator is not None]
    unknown = [m for m in metrics if m not in rates]
    if unknown or not metrics:
        raise DataError("TrustResult.plot", [Problem("metrics", (
            f"{', '.join(map(repr, unknown)) or 'nothing'} cannot be drawn; give one or more "
            f"rates: {', '.join(rates)}"))])
    return tuple(metrics)


def plot_trust(result, ax=None, metrics: tuple[str, ...] = ("automation_rate", "alignment",
                                                            "override_rate"),
               segment: str | None = None) -> TrustDisplay:
    """Trust rates per time window, one line per metric, in %.

    A window where a rate cannot be computed is a gap in its line, not a 0.

    Parameters
    ----------
    result : TrustResult
    ax : matplotlib Axes, optional
    metrics : tuple of str
        Rates of :data:`~trustlab.trust.TRUST_METRICS` (not ``decisions``).
    segment : str, optional
        One segment of the result's ``by``; by default all decisions.

    Returns
    -------
    TrustDisplay

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> from trustlab.trust import trust_over_time
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...            make_history(n_days=28, applications_per_day=30, seed=0))
    >>> d = trust_over_time(r).plot()
    >>> d.ax_.get_ylabel(), len(d.ax_.get_lines())
    ('Share (%)', 3)
    >>> plt.close(d.figure_)
    """
    return TrustDisplay(result, metrics, segment).plot(ax=ax)


def _draw_trust(result, rows, ax, metrics: tuple[str, ...], segment: str | None):
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 4))
        new = True
    else:
        fig, new = ax.figure, False
    gaps = False
    for i, name in enumerate(metrics):
        m = TRUST_METRICS[name]
        part = rows[rows["metric"] == name]
        y = part["value"].to_numpy(dtype=float)
        gaps |= bool(np.isnan(y).any())
        ax.plot(part["window_start"].to_numpy(), y, marker="o", markersize=4,
                color=_COLOURS[i % len(_COLOURS)], label=f"{m.words} (% of {m.of})")
    ax.yaxis.set_major_formatter(tick_formatter("share"))
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    who = f"{result.policy.name}" + ("" if segment is None else f", {result.by} = {segment}")
    ax.set_title(literal(f"How people and the policy work together, per {result.window.words} "
                         f"({who})"))
    ax.set_xlabel(window_label(result.window))
    ax.set_ylabel(axis_label("Share", "share"))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.18), frameon=False, fontsize=8)
    if gaps:
        ax.annotate("A gap: no cases to compute that share in the window (see .frame's reason).",
                    xy=(1, 1.01), xycoords="axes fraction", ha="right", va="bottom",
                    fontsize=7, color=_GREY)
    if new:
        fig.tight_layout()
    return ax


def plot_gate(gate, ax=None) -> GateDisplay:
    """Each promotion criterion against its requirement: green holds, red fails.

    Rates show the point estimate with its 95% Wilson interval; the judged
    bound is the end of the interval nearest the requirement line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> from trustlab.trust import promotion_gate
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...            make_history(n_days=28, applications_per_day=30, seed=0))
    >>> d = promotion_gate(r, signal_psi=0.04).plot()
    >>> len(d.axes_), d.ax_ is d.axes_[0]
    (4, True)
    >>> plt.close(d.figure_)
    """
    return GateDisplay(gate).plot(ax=ax)


def _draw_gate(gate, ax) -> list:
    f = gate.frame
    n = max(len(f), 1)
    fig, axes = axes_for(ax, n, (8, 1.3 * n + 1.2), (n, 1))
    fig.suptitle(gate.verdict(), fontsize=9, wrap=True)
    if f.empty:
        a = axes[0]
        a.text(0.5, 0.5, "No promotion criteria to show.", ha="center", va="center",
               transform=a.transAxes, color=_GREY)
        a.set_xticks([])
        a.set_yticks([])
        return axes
    for a, row in zip(axes, f.itertuples(index=False)):
        colour = _GOOD if row.holds else _BAD
        a.axvline(row.required, color="black", linestyle="--", linewidth=1)
        kind = kind_of(row.metric)
        rate = kind == "share"
        label = (f"{metric_words(row.metric)} ({row.criterion}): "
                 f"{'at least' if row.direction == 'at_least' else 'at most'} ")
        if np.isnan(row.observed):
            a.text(0.5, 0.5, f"not computed: {row.reason}", ha="center", va="center",
                   transform=a.transAxes, fontsize=8, color=_BAD, wrap=True)
            a.set_xlim(0, max(row.required * 2, 1e-9))
        elif rate:
            a.errorbar([row.observed], [0], xerr=[[row.observed - row.lower],
                                                  [row.upper - row.observed]],
                       fmt="o", color=colour, capsize=5)
            lo = min(row.lower, row.required)
            hi = max(row.upper, row.required)
            pad = max((hi - lo) * 0.3, 0.01)
            a.set_xlim(max(lo - pad, 0), min(hi + pad, 1))
        else:
            a.barh([0], [row.observed], color=colour, height=0.5)
            a.set_xlim(0, max(row.observed, row.required) * 1.15 or 1)
        a.xaxis.set_major_formatter(tick_formatter(kind))
        req = format_metric(row.metric, row.required)
        a.set_title(f"{'HOLDS' if row.holds else 'FAILS'}: {label}{req} (dashed line)", fontsize=9,
                    loc="left", color=colour)
        a.set_yticks([])
        a.set_ylim(-1, 1)
    if ax is None:
        fig.tight_layout()
    return axes
