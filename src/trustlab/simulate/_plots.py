"""Plots of a replay that a non-specialist can read: value, outcomes, workload, segments.

Every chart has a title that says what it answers, axis labels with units and
plain legends. Each function draws on ``ax`` when given (or makes a figure)
and returns a :class:`~trustlab._plotting.Display` that holds what it drew and
draws it again with ``plot(ax=...)`` (scikit-learn's Display objects).
matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._codes import codes_in
from .._plotting import Display, axes_for, literal, note
from .._format import axis_label, format_number, tick_formatter
from .._time import window_starts
from .._validate import Interval, Real, validate_params
from ..metrics import currency_of, format_metric
from ..metrics import MIN_SEGMENT_ROWS

__all__ = ["ReplayDisplay", "ReviewsDisplay", "SegmentRatesDisplay", "plot_replay",
           "plot_reviews_per_window", "plot_segment_rates", "window_words"]

_GOOD, _BAD, _UNKNOWN, _NEUTRAL, _ALERT = "#4c956c", "#c8553d", "#bbbbbb", "#4c72b0", "#d1495b"
MAX_SEGMENTS_SHOWN = 25
"""At most this many segments (the largest) are drawn by :func:`plot_segment_rates`."""

def window_words(policy) -> str | None:
    """The policy's ``outcomes.window`` in words: ``"day"``, ``"2 hours"``; None without one.

    Examples
    --------
    >>> import trustlab
    >>> window_words(trustlab.load_policy("policies/consumer-credit.yaml"))
    'day'
    """
    out = policy.outcomes
    if out is None or out.window is None:
        return None
    return out.window.words


class ReplayDisplay(Display):
    """A replay overview that holds its replay and draws it again on any axes.

    Made by :func:`plot_replay` (and :meth:`Replay.plot`); :meth:`plot` draws
    it (again) on ``ax``.

    Attributes
    ----------
    data : pandas.DataFrame
        Per action: ``decisions``, ``value_total``, ``valued`` and the
        ``good`` / ``bad`` / ``unknown`` outcome counts (the first two panels).
    source : Replay
        The replay drawn (the reviews and segment panels read it).
    ax_, value_ax_, outcome_ax_ : matplotlib Axes
        Value by action (``ax_`` is the same); what happened after each action.
    reviews_ax_ : matplotlib Axes or None
        Reviews per window (None when the replay has no time windows).
    segment_ax_ : matplotlib Axes or None
        Favourable rates of the first segment column (None without segments).
    figure_ : matplotlib Figure
    """

    value_ax_ = outcome_ax_ = reviews_ax_ = segment_ax_ = None

    def __init__(self, replay, segments: bool = True):
        self.source = replay
        self.data = _by_action(replay)
        self.__dict__["_options"] = {"segments": segments}

    def _draw(self, ax, segments: bool = True):
        replay = self.source
        segs = _segment_columns(replay) if segments else []
        windows = replay.window_span is not None
        n = 2 + windows + bool(segs)
        layout = (1, n) if n <= 2 else (2, 2)
        fig, axes = axes_for(ax, n, (12, 4.5 if n <= 2 else 9), layout)
        _draw_value(axes[0], replay)
        _draw_outcomes(axes[1], replay)
        i = 2
        self.reviews_ax_ = self.segment_ax_ = None
        if windows:
            self.reviews_ax_ = axes[i]
            _draw_reviews(self.reviews_ax_, replay, None)
            i += 1
        if segs:
            self.segment_ax_ = axes[i]
            _draw_segments(self.segment_ax_, replay, segs[0])
        fig.suptitle(f"Replay of {replay.policy.name}@{replay.policy.version} on "
                     f"{len(replay.decisions):,} past decisions")
        if ax is None:
            fig.tight_layout()
        self.value_ax_, self.outcome_ax_ = axes[0], axes[1]
        return axes


class ReviewsDisplay(Display):
    """Reviews per window with the capacity line; holds its replay and draws it again.

    Attributes
    ----------
    data : pandas.Series
        Reviews per window (:meth:`Replay.reviews_per_window`).
    peak : int
        Reviews in the busiest window.
    capacity : float or None
        The capacity line drawn.
    ax_, figure_ : matplotlib Axes and Figure
    """

    peak = 0

    def __init__(self, replay, capacity: float | None = None):
        self.source = replay
        self.data = replay.reviews_per_window()  # raises the DataError for a replay without windows
        self.__dict__["_options"] = {"capacity": capacity}

    @property
    def capacity(self) -> float | None:
        c = self.options.get("capacity")
        return None if c is None else float(c)

    def _draw(self, ax, capacity: float | None = None):
        import matplotlib.pyplot as plt

        _check_capacity(capacity)
        if ax is None:
            fig, ax = plt.subplots(figsize=(9, 3.5))
            self.peak = _draw_reviews(ax, self.source, capacity)
            fig.tight_layout()
        else:
            self.peak = _draw_reviews(ax, self.source, capacity)
        return ax


class SegmentRatesDisplay(Display):
    """Favourable rates by segment; holds its replay and the ``rates`` drawn, draws again.

    Attributes
    ----------
    data, rates : pandas.DataFrame
        The segments drawn: ``decisions`` and ``favourable_rate`` (the largest
        :data:`MAX_SEGMENTS_SHOWN`, by segment).
    by : str
        The segment column.
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, replay, by: str):
        self.source = replay
        self.by = by
        self.data = _segment_rates(replay, by).head(MAX_SEGMENTS_SHOWN).sort_index()

    @property
    def rates(self) -> pd.DataFrame:
        return self.data

    def _draw(self, ax):
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
            _draw_segments(ax, self.source, self.by)
            fig.tight_layout()
        else:
            _draw_segments(ax, self.source, self.by)
        return ax


def _check_capacity(capacity) -> None:
    if capacity is not None and (isinstance(capacity, bool) or not np.isscalar(capacity)
                                 or not np.isfinite(capacity) or capacity < 0):
        raise DataError("plot_reviews_per_window", [Problem(
            "capacity", f"must be a number of reviews per window of at least 0, or None; "
                        f"got {capacity!r}")])


# ----------------------------------------------------------------- helpers

def _fmt_value(v: float, currency: str | None = None) -> str:
    """An amount of money as :func:`trustlab._format.format_number` shows it (for the explorers)."""
    return format_number(v, "money", currency=currency)


def _value_formatter(currency: str | None = None):
    """Axis ticks for money (for the explorers): :func:`trustlab._format.tick_formatter`."""
    return tick_formatter("money", currency=currency)


def _segment_columns(replay) -> list[str]:
    """The replay's segment columns, in the order they were replayed."""
    return [str(c) for c in pd.unique(replay.metrics["by"].dropna())]


# ----------------------------------------------------------------- panels

def _by_action(replay) -> pd.DataFrame:
    """Per action: decisions, total value, and good / bad / unknown outcome counts."""
    d = replay.decisions
    names = list(replay.policy.action_names)
    code = codes_in(d["action"], names)
    k = len(names)
    value = d["value"].to_numpy(dtype=float)
    lab = d["labelled"].to_numpy(dtype=bool)
    bad = d["bad"].to_numpy(dtype=bool)
    return pd.DataFrame({
        "decisions": np.bincount(code, minlength=k),
        "value_total": np.bincount(code, weights=np.nan_to_num(value), minlength=k),
        "valued": np.bincount(code, weights=~np.isnan(value), minlength=k),
        "good": np.bincount(code, weights=lab & ~bad, minlength=k),
        "bad": np.bincount(code, weights=lab & bad, minlength=k),
        "unknown": np.bincount(code, weights=~lab, minlength=k),
    }, index=pd.Index(names, name="action"))


def _draw_value(ax, replay) -> None:
    t = _by_action(replay)
    title = "Value of decisions by action"
    if t["valued"].sum() == 0:
        note(ax, "No decision could be valued: no observed outcomes.", title)
        return
    cur = currency_of(replay.policy)
    colors = [_GOOD if v >= 0 else _BAD for v in t["value_total"]]
    bars = ax.bar([literal(a) for a in t.index.astype(str)], t["value_total"], color=colors)
    ax.bar_label(bars, labels=[literal(f"{format_metric('value_total', v, currency=cur)}\n"
                                       f"({format_metric('decisions', n)} decisions)")
                               for v, n in zip(t["value_total"], t["decisions"])], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.margins(y=0.25)
    ax.yaxis.set_major_formatter(tick_formatter("money", currency=cur))
    total = format_metric("value_total", float(t["value_total"].sum()), currency=cur)
    ax.set_title(literal(f"{title}\n(total {total})"))
    ax.set_xlabel("Action")
    ax.set_ylabel(literal(axis_label("Total value", "money", currency=cur)))


def _draw_outcomes(ax, replay) -> None:
    t = _by_action(replay)
    t = t[t["decisions"] > 0]
    title = "What happened after each action"
    if t.empty:
        note(ax, "No decisions.", title)
        return
    shares = t[["good", "bad", "unknown"]].div(t["decisions"], axis=0)
    left = np.zeros(len(t))
    labels = {"good": "Good outcome", "bad": "Bad outcome", "unknown": "Outcome not known"}
    for col, color in (("good", _GOOD), ("bad", _BAD), ("unknown", _UNKNOWN)):
        ax.barh([literal(a) for a in t.index.astype(str)], shares[col], left=left, color=color,
                label=labels[col])
        left += shares[col].to_numpy()
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(tick_formatter("share"))
    ax.set_title(title)
    ax.set_xlabel(axis_label("Share of the action's decisions", "share"))
    ax.set_ylabel("Action")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False, fontsize=8)


def _draw_reviews(ax, replay, capacity: float | None) -> int:
    import matplotlib.dates as mdates

    per = window_words(replay.policy) or "window"
    title = f"Reviews per {per}"
    if replay.window_span is None:
        note(ax, "No time windows: the policy needs `columns.time` and `outcomes.window`.",
              title)
        return 0
    counts = replay.reviews_per_window()
    starts = counts.index
    lo, hi = replay.window_span
    bounds = window_starts(np.arange(lo, hi + 2), replay.policy.outcomes.window)  # months vary
    edges = mdates.date2num(bounds.to_numpy())
    y = counts.to_numpy(dtype=float)
    ax.stairs(y, edges, fill=True, color=_NEUTRAL, alpha=0.8, label="Reviews")
    peak = int(y.max(initial=0))
    if capacity is not None:
        over = y > capacity
        if over.any():  # the reviews above capacity, in red on top of the blue
            ax.stairs(y, edges, baseline=np.where(over, capacity, y), fill=True, color=_ALERT,
                      label=f"Above capacity ({int(over.sum())} {per}s)"
                      if " " not in per else "Above capacity")
        ax.axhline(capacity, color="black", linestyle="--", linewidth=1,
                   label=f"Capacity: {format_number(capacity, 'count')} per {per}")
    if len(y):
        i = int(np.argmax(y))
        mid = (edges[i] + edges[i + 1]) / 2
        ax.plot([mid], [peak], marker="v", color="black", linestyle="none",
                label=f"Busiest {per}: {format_number(peak, 'count')} ({starts[i]:%Y-%m-%d})")
    ax.xaxis_date()
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))  # years of months
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    top = max(peak, capacity or 0) * 1.45 or 1  # room for the legend
    ax.set_ylim(0, top)
    ax.set_title(f"{title} (human workload)")
    ax.set_xlabel("Date")
    ax.set_ylabel(f"Reviews per {per}")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return peak


def _segment_rates(replay, by: str) -> pd.DataFrame:
    segs = _segment_columns(replay)
    if by not in segs:
        raise DataError("plot_segment_rates", [Problem(
            "by", f"{by!r} is not a segment column of this replay; segment columns: "
                  f"{', '.join(segs) or 'none'}. Replay with segments=({by!r},) to plot it")])
    t = replay.segments(by, ("decisions", "favourable_rate"))
    return t.sort_values("decisions", ascending=False)


def _draw_segments(ax, replay, by: str | None) -> pd.DataFrame:
    fav = [a.name for a in replay.policy.actions if a.favourable]
    what = " or ".join(fav) or "favourable"
    if by is None:
        note(ax, "No segment columns: add `segments:` to the policy or replay with segments=.",
              "Favourable decisions by segment")
        return pd.DataFrame(columns=["decisions", "favourable_rate"])
    t = _segment_rates(replay, by)
    shown = t.head(MAX_SEGMENTS_SHOWN).sort_index()
    small = shown["decisions"] < MIN_SEGMENT_ROWS
    ax.barh([literal(v) for v in shown.index.astype(str)], shown["favourable_rate"],
            color=[_UNKNOWN if s else _GOOD for s in small])
    overall = replay.metric("favourable_rate")
    if np.isfinite(overall):
        ax.axvline(overall, color="black", linestyle="--", linewidth=1,
                   label=f"All decisions: {format_metric('favourable_rate', overall)}")
    for y, (rate, n) in enumerate(zip(shown["favourable_rate"], shown["decisions"])):
        if np.isfinite(rate):
            ax.text(rate, y, f" {format_metric('favourable_rate', rate)} of "
                             f"{format_metric('decisions', n)}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.15)
    ax.xaxis.set_major_formatter(tick_formatter("share"))
    more = f", largest {MAX_SEGMENTS_SHOWN} of {len(t)}" if len(t) > len(shown) else ""
    ax.set_title(literal(f"Share decided '{what}' by {by}{more}"))
    ax.set_xlabel(literal(f"Share of decisions that are '{what}'"))
    ax.set_ylabel(literal(by))
    handles, _ = ax.get_legend_handles_labels()
    if small.any():
        from matplotlib.patches import Patch

        handles.append(Patch(color=_UNKNOWN, label=f"Fewer than {MIN_SEGMENT_ROWS} decisions"))
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return shown


# ----------------------------------------------------------------- public

def plot_replay(replay, ax=None, segments: bool = True) -> ReplayDisplay:
    """Overview of a replay: value and outcomes by action, reviews per window, segment rates.

    Parameters
    ----------
    replay : Replay
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes (made with ``plt.subplots``) whose area is split into the
        panels, or one Axes per panel; by default a new figure.
    segments : bool
        False leaves out the segment panel (when segments are drawn on their own).

    Returns
    -------
    ReplayDisplay
        The reviews panel is drawn when the replay has time windows, the
        segment panel when it has segment columns (the first one is drawn).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...            make_history(n_days=14, applications_per_day=30, seed=0))
    >>> d = plot_replay(r)
    >>> d.value_ax_.get_title().splitlines()[0]
    'Value of decisions by action'
    >>> d.reviews_ax_.get_ylabel()
    'Reviews per day'
    >>> plt.close(d.figure_)
    """
    return ReplayDisplay(replay, segments=segments).plot(ax=ax)


@validate_params({"capacity": [None, Interval(Real, 0, None, hint="reviews per window")]})
def plot_reviews_per_window(replay, capacity: float | None = None, ax=None) -> ReviewsDisplay:
    """Human reviews in every time window, with the review capacity as a line.

    Parameters
    ----------
    replay : Replay
        With time windows (the policy has ``columns.time`` and ``outcomes.window``).
    capacity : float, optional
        Reviews the team can do per window; windows above it are drawn in red.
    ax : matplotlib Axes, optional

    Returns
    -------
    ReviewsDisplay

    Raises
    ------
    trustlab.DataError
        When the replay has no time windows, or ``capacity`` is negative.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...            make_history(n_days=14, applications_per_day=30, seed=0))
    >>> d = plot_reviews_per_window(r, capacity=10)
    >>> d.ax_.get_ylabel(), d.peak == int(r.metric("peak_reviews_per_window"))
    ('Reviews per day', True)
    >>> plt.close(d.figure_)
    """
    return ReviewsDisplay(replay, capacity=capacity).plot(ax=ax)


def plot_segment_rates(replay, by: str, ax=None) -> SegmentRatesDisplay:
    """The share of favourable decisions in every segment of ``by``, against the overall share.

    Segments with fewer than :data:`~trustlab.simulate.MIN_SEGMENT_ROWS`
    decisions are drawn in grey (too few to judge); at most
    :data:`MAX_SEGMENTS_SHOWN` segments, the largest, are drawn.

    Parameters
    ----------
    replay : Replay
    by : str
        One of the replay's segment columns.
    ax : matplotlib Axes, optional

    Returns
    -------
    SegmentRatesDisplay

    Raises
    ------
    trustlab.DataError
        When ``by`` is not a segment column of the replay.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...            make_history(n_days=14, applications_per_day=30, seed=0))
    >>> d = plot_segment_rates(r, "channel")
    >>> d.ax_.get_title(), d.rates.index.tolist()
    ("Share decided 'approve' by channel", ['branch', 'online'])
    >>> plt.close(d.figure_)
    """
    return SegmentRatesDisplay(replay, by).plot(ax=ax)
