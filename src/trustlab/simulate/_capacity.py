"""The human loop: can the reviewers keep up with the reviews a policy sends them?

A replay counts the cases a policy sends to a human in every time window
(:meth:`Replay.reviews_per_window`). Against a fixed review capacity per
window, the work that does not fit waits: the backlog follows the Lindley
recursion ``backlog[t] = max(0, backlog[t-1] + reviews[t] - capacity)``,
computed here in closed form from cumulative sums (no loop). Reviews are
taken first in, first out, so each review's added delay — in whole windows,
between the window it arrives in and the window it is finished in — follows
from the cumulative arrivals and the cumulative work done. Reviews still
waiting at the end of the history are finished at full capacity afterwards.

With ``carry_over=False`` nothing waits: the reviews beyond a window's
capacity are not reviewed in it (they overflow, e.g. to another team) and are
counted as ``unreviewed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._plotting import Display
from .._result import Result, records
from .._format import format_number
from .._validate import Boolean, InstanceOf, Interval, Real, validate_params
from ..metrics import SummaryFrame, format_metric, summary_frame
from ._replay import Replay

__all__ = ["ReviewLoad", "ReviewLoadDisplay", "review_load", "REVIEW_LOAD_COLUMNS"]

REVIEW_LOAD_COLUMNS = ("window_start", "reviews", "capacity", "processed", "backlog",
                       "unreviewed", "delay_windows")
"""Columns of :attr:`ReviewLoad.frame`."""


class ReviewLoadDisplay(Display):
    """Review load drawn: reviews per window, the capacity line and the backlog; draws again.

    Attributes
    ----------
    data : pandas.DataFrame
        The load's frame (one row per window).
    source : ReviewLoad
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, load: ReviewLoad):
        self.source = load
        self.data = load.frame

    def _draw(self, ax):
        return _draw_load(self.source, ax)



def _draw_load(result, ax):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 4))
    else:
        fig = ax.figure
    f = result.frame
    x = f["window_start"]
    width = pd.Timedelta(result.window_seconds * 0.9, "s")
    u = result.unit
    ax.bar(x, f["reviews"], width=width, color="#9db4d6",
           label=f"Reviews arriving per {u}")
    ax.axhline(result.capacity, color="#c44e52", linestyle="--",
               label=f"Capacity: {format_metric('capacity', result.capacity)} reviews per {u}")
    if result.carry_over:
        ax.plot(x, f["backlog"], color="#dd8452", linewidth=2,
                label=f"Backlog at the end of the {u} (reviews waiting)")
    else:
        ax.plot(x, f["unreviewed"], color="#dd8452", linewidth=2,
                label=f"Reviews over capacity, not carried over (per {u})")
    ax.set_ylabel(f"Reviews per {u}")
    ax.set_xlabel(f"Start of the {u}")
    ax.set_title(f"Review load: {format_metric('windows_over_capacity', result.windows_over_capacity)} of "
                 f"{format_metric('windows', result.windows)} {u}s over capacity; peak backlog "
                 f"{format_metric('peak_backlog', result.peak_backlog)} reviews; mean added "
                 f"delay {format_number(result.mean_delay_windows, 'number')} {u}s",
                 fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return ax


@dataclass(frozen=True)
class ReviewLoad(Result):
    """Reviews per window against a review capacity: backlog and delay.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per window of the history: ``window_start``, ``reviews``
        (arriving), ``capacity``, ``processed`` (reviews done in the window),
        ``backlog`` (waiting at the window's end), ``unreviewed`` (beyond
        capacity and not carried over; 0 with ``carry_over``) and
        ``delay_windows`` (the mean delay, in windows, added to the reviews
        arriving in the window; NaN where none arrive).
    capacity : float
        Reviews the team can do per window.
    carry_over : bool
    window : str
        The policy's window, e.g. ``"1D"``.
    unit : str
        The window in words, e.g. ``"day"``.
    windows : int
        Windows in the history.
    windows_over_capacity : int
        Windows with more reviews arriving than the capacity.
    peak_backlog : float
        Most reviews waiting at the end of any window.
    final_backlog : float
        Reviews still waiting when the history ends.
    mean_delay_windows, max_delay_windows : float
        Delay added per review, in windows, first in first out (0 when the
        team always keeps up; NaN with no reviews).
    unreviewed : float
        Reviews never reviewed (only with ``carry_over=False``).
    utilisation : float
        Reviews done over the capacity of all windows.
    window_seconds : int
        Length of one window in seconds.
    """

    frame: pd.DataFrame
    capacity: float
    carry_over: bool
    window: str
    unit: str
    windows: int
    windows_over_capacity: int
    peak_backlog: float
    final_backlog: float
    mean_delay_windows: float
    max_delay_windows: float
    unreviewed: float
    utilisation: float
    window_seconds: int

    def summary(self) -> SummaryFrame:
        """The summary numbers: ``value`` by ``metric`` (printed by each one's kind)."""
        names = ("capacity", "windows", "windows_over_capacity", "peak_backlog", "final_backlog",
                 "mean_delay_windows", "max_delay_windows", "unreviewed", "utilisation")
        table = pd.DataFrame({"value": [float(getattr(self, n)) for n in names]},
                             index=pd.Index(names, name="metric"))
        return summary_frame(table, metric_column="metric", values=["value"])

    def plot(self, ax=None) -> ReviewLoadDisplay:
        """Reviews per window as bars, with the capacity line and the backlog."""
        return ReviewLoadDisplay(self).plot(ax=ax)

    def to_dict(self) -> dict:
        """The load as JSON holds it: the summary numbers and the windows."""
        return {"result": "ReviewLoad", "window": self.window, "unit": self.unit,
                "carry_over": bool(self.carry_over), "summary": records(self.summary()),
                "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        u = escape(self.unit)
        def f(name: str) -> str:
            return escape(format_metric(name, getattr(self, name)))

        rows = [
            ("Capacity", f"{f('capacity')} reviews per {u}"),
            (f"{u.capitalize()}s over capacity", f"{f('windows_over_capacity')} of {f('windows')}"),
            ("Peak backlog", f"{f('peak_backlog')} reviews"),
            ("Backlog at the end", f"{f('final_backlog')} reviews"),
            ("Added delay per review", f"mean {f('mean_delay_windows')}, max "
                                       f"{f('max_delay_windows')} {u}s"),
            ("Never reviewed", f"{f('unreviewed')} reviews"),
            ("Utilisation", f('utilisation')),
        ]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
                       for k, v in rows)
        mode = "work carried over" if self.carry_over else "no carry-over"
        return f"<div><b>Review load</b> ({mode})<table>{body}</table></div>"


def _unit(window) -> str:
    name = window.unit_words
    return name if window.count == 1 else f"{window.count}-{name} window"


def _backlog(reviews: np.ndarray, capacity: float) -> np.ndarray:
    """The Lindley recursion ``b[t] = max(0, b[t-1] + reviews[t] - capacity)``, from ``b[-1] = 0``.

    Closed form: with ``s = cumsum(reviews - capacity)``,
    ``b[t] = s[t] - min(0, min(s[:t+1]))``.

    Examples
    --------
    >>> _backlog(np.array([5, 12, 3, 0, 10]), 6.0)
    array([0., 6., 3., 0., 4.])
    """
    s = np.cumsum(np.asarray(reviews, dtype=float) - capacity)
    return np.maximum(s - np.minimum(np.minimum.accumulate(s), 0.0), 0.0)


def _fifo_delays(reviews: np.ndarray, processed: np.ndarray, capacity: float) -> tuple[np.ndarray, np.ndarray]:
    """Per review, first in first out: the window it arrives in and the delay until it is done.

    Review ``k`` (counting from 1 in arrival order) is done in the first
    window whose cumulative work reaches ``k``; past the history, work goes on
    at ``capacity`` per window.
    """
    arrived = np.cumsum(reviews)
    done = np.cumsum(processed)
    total = int(arrived[-1]) if len(arrived) else 0
    k = np.arange(1, total + 1, dtype=float)
    window_in = np.searchsorted(arrived, k, side="left")
    eps = 1e-9
    window_out = np.searchsorted(done, k - eps, side="left")
    late = window_out >= len(done)
    if late.any():
        window_out[late] = len(done) - 1 + np.ceil((k[late] - done[-1]) / capacity - eps)
    return window_in, (window_out - window_in).astype(float)


@validate_params({"replay": [InstanceOf(Replay, hint="from trustlab.simulate.replay")],
                  "capacity": [Interval(Real, 0, None, closed="neither",
                                        hint="reviews per window, e.g. 250")],
                  "carry_over": [Boolean()]})
def review_load(replay: Replay, capacity: float, *, carry_over: bool = True) -> ReviewLoad:
    """Reviews per window against a review capacity: windows over capacity, backlog and delay.

    Parameters
    ----------
    replay : Replay
        A replay with time windows (the policy declares ``columns.time`` and
        ``outcomes.window``).
    capacity : float
        Reviews the team can do per window (the policy's ``outcomes.window``),
        a positive number.
    carry_over : bool, default True
        Work beyond a window's capacity waits for the next windows (first in,
        first out). False: it is not reviewed at all (it overflows elsewhere)
        and counts as ``unreviewed``.

    Returns
    -------
    ReviewLoad

    Raises
    ------
    trustlab.DataError
        When ``capacity`` is not a positive number, ``carry_over`` is not a
        bool, or the replay has no time windows.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import load_synthetic_sample
    >>> from trustlab.simulate import replay
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> r = replay(p, load_synthetic_sample().head(3000))
    >>> load = review_load(r, 40)
    >>> load.frame.columns.tolist()
    ['window_start', 'reviews', 'capacity', 'processed', 'backlog', 'unreviewed', 'delay_windows']
    >>> int(load.frame["reviews"].sum()) == int((~r.decisions["automated"]).sum())
    True
    >>> load.unit, bool(load.peak_backlog >= 0)
    ('day', True)
    """
    capacity = float(capacity)
    carry_over = bool(carry_over)
    per_window = replay.reviews_per_window()  # raises a DataError naming the windows
    reviews = per_window.to_numpy(dtype=np.int64)
    if carry_over:
        backlog = _backlog(reviews, capacity)
        before = np.concatenate([[0.0], backlog[:-1]])
        processed = before + reviews - backlog
        unreviewed = np.zeros(len(reviews))
    else:
        backlog = np.zeros(len(reviews))
        processed = np.minimum(reviews, capacity)
        unreviewed = reviews - processed
    if carry_over:
        window_in, delay = _fifo_delays(reviews, processed, capacity)
        counts = np.bincount(window_in, minlength=len(reviews))
        sums = np.bincount(window_in, weights=delay, minlength=len(reviews))
        per = np.full(len(reviews), np.nan)
        np.divide(sums, counts, out=per, where=counts > 0)
        mean_delay = float(delay.mean()) if len(delay) else float("nan")
        max_delay = float(delay.max()) if len(delay) else float("nan")
    else:
        per = np.where(reviews > 0, 0.0, np.nan)
        mean_delay = max_delay = 0.0 if reviews.sum() else float("nan")
    frame = pd.DataFrame({
        "window_start": per_window.index.to_numpy(),
        "reviews": reviews,
        "capacity": capacity,
        "processed": processed,
        "backlog": backlog,
        "unreviewed": unreviewed,
        "delay_windows": per,
    }, columns=list(REVIEW_LOAD_COLUMNS))
    window = replay.policy.outcomes.window  # type: ignore[union-attr]  # windows exist
    return ReviewLoad(
        frame=frame, capacity=capacity, carry_over=carry_over, window=window.text,
        unit=_unit(window), windows=len(frame),
        windows_over_capacity=int((reviews > capacity).sum()),
        peak_backlog=float(backlog.max(initial=0.0)),
        final_backlog=float(backlog[-1]) if len(backlog) else 0.0,
        mean_delay_windows=mean_delay, max_delay_windows=max_delay,
        unreviewed=float(unreviewed.sum()),
        utilisation=float(processed.sum() / (capacity * len(frame))) if len(frame) else float("nan"),
        window_seconds=window.seconds,
    )
