"""Sweep one rule's threshold over history: every candidate threshold at once, exact.

A sweep answers "where should this line be?" for one rule. It gives, for every
candidate threshold, what :func:`trustlab.simulate.replay` of the policy with
that threshold would report — value, automation, bad rate, reviews — without
replaying: the cases the threshold can move are sorted by the compared column
once, and each threshold's totals are the fixed cases' totals plus a
cumulative sum up to the threshold's position.

The cases are sorted once, by the cheapest exact key the data allows: each
value's bits share one integer with the case's change key, so no index is
carried (:func:`sort_with_keys`). Thresholds are read at the column's
precision, as the engine reads them (a float32 score against float32(t)).

Rate limits on an action the sweep does not change leave the fixed cases as
the replay has them, so they are applied once. A rate limit on an action the
sweep *does* change depends on every threshold's whole set of decisions; it
is applied exactly at every threshold, never approximated: as the threshold
moves one way the limit's candidates only grow, so each case has a first
threshold from which it is over the limit (:mod:`trustlab.simulate._limits`),
and the limit's effect too is a cumulative sum, read at every distinct value
as the rule's own is. Only limits whose candidates depend on each other (two
on one action, or one on another's overflow), ``==``/``!=`` rules and a
bootstrap under a binding limit are applied in one vectorised pass per
threshold, at 101 quantiles of the column by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._backends import answer_in_parts, in_memory, refuse_in_memory_options
from .._errors import DataError, Problem
from .._plotting import Display
from .._result import Result, plain, records
from .._format import axis_label, format_number, tick_formatter
from .._validate import SEED, Integral, Interval, Numbers, Real, Text, validate_params
from ..metrics import SummaryFrame, currency_of, format_metric, summary_frame
from ..policy import OP_WORDS
from ..policy import Policy
from ._bootstrap import weight_blocks
from ._limits import CappedSteps, capped_steps, limits_summable
from ._open import (
    COMPONENTS,
    PREFIX,
    OpenHistory,
    OpenRule,
    fired_bins,
    open_history,
    present_codes,
    rates_from,
    sums_over_fired,
)

__all__ = ["SweepResult", "SweepDisplay", "threshold_sweep", "SWEEP_COLUMNS"]

SWEEP_COLUMNS = ("threshold", "value_total", "value_per_decision", "automation_rate",
                 "favourable_rate", "bad_rate_favourable", "reviews", "decisions")
"""Columns of :attr:`SweepResult.frame`, one row per threshold."""

ORDERING = ("<", "<=", ">", ">=")

SAMPLED_THRESHOLDS = 101
"""Quantiles swept by default when a rate limit must be applied at each threshold."""

_MAX_DRAWN = 2_000


class SweepDisplay(Display):
    """A threshold sweep drawn: value per decision, then automation and bad rate; draws again.

    Attributes
    ----------
    data : pandas.DataFrame
        The sweep's frame (one row per threshold).
    source : SweepResult
    value_ax_, rates_ax_ : matplotlib Axes
        Value per decision (also ``ax_``); automation and bad rate.
    figure_ : matplotlib Figure
    """

    value_ax_ = rates_ax_ = None

    def __init__(self, result: SweepResult):
        self.source = result
        self.data = result.frame

    def _draw(self, ax):
        self.value_ax_, self.rates_ax_ = _draw_sweep(self.source, ax)
        return self.value_ax_, self.rates_ax_



@dataclass(frozen=True, eq=False)
class SweepResult(Result):
    """One rule's threshold swept over history.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per threshold, ascending, with the columns of
        :data:`SWEEP_COLUMNS`; each row is what a replay of the policy with
        that threshold reports (``reviews`` counts human actions).
    best : pandas.Series
        The row with the highest ``value_total`` (ties: the threshold nearest
        the current one).
    current : pandas.Series
        The row of the policy's own threshold.
    rule, column, op : str
        The swept rule and its comparison ``column op threshold``.
    action : str
        What the rule does when it fires.
    policy : str
        ``name@version#hash`` of the policy swept.
    method : str
        How the thresholds were computed, in words.
    intervals : pandas.DataFrame or None
        With ``bootstrap``: ``quantity`` (``best_threshold``,
        ``value_per_decision`` at the best threshold), ``estimate``, ``low``
        and ``high`` (2.5th and 97.5th percentiles over the replicates).
    replicates : pandas.DataFrame or None
        With ``bootstrap``: each replicate's ``best_threshold`` and
        ``value_per_decision`` at the (full-data) best threshold.
    currency : str or None
        The policy's ``outcomes.currency`` (None: value units).
    """

    frame: pd.DataFrame
    best: pd.Series
    current: pd.Series
    rule: str
    column: str
    op: str
    action: str
    policy: str
    method: str
    intervals: pd.DataFrame | None = None
    replicates: pd.DataFrame | None = None
    currency: str | None = None

    def summary(self) -> SummaryFrame:
        """The policy's own threshold and the best one, side by side (numbers, printed by kind).

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> s = threshold_sweep(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                     make_history(n_days=20, applications_per_day=40, seed=0),
        ...                     "low-risk")
        >>> list(s.summary().index)
        ['current', 'best']
        """
        table = pd.DataFrame([self.current, self.best], index=["current", "best"])
        return summary_frame(table, currency=self.currency)

    def plot(self, ax=None) -> SweepDisplay:
        """Value per decision against the threshold, then automation and bad rate.

        Parameters
        ----------
        ax : sequence of two matplotlib Axes, or one Axes, optional
            Two axes: value on the first, rates on the second. One axes: value
            on it and the rates on a second y axis. Default: a new figure.

        Returns
        -------
        SweepDisplay
            Holds the sweep; its ``plot(ax=...)`` draws it again.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, trustlab
        >>> from trustlab.datasets import make_history
        >>> s = threshold_sweep(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                     make_history(n_days=20, applications_per_day=40, seed=0),
        ...                     "low-risk")
        >>> d = s.plot()
        >>> d.value_ax_.get_ylabel()
        'Value per decision (value units)'
        >>> plt.close(d.figure_)
        """
        return SweepDisplay(self).plot(ax=ax)

    def to_dict(self) -> dict:
        """The sweep as JSON holds it: the rule, the current and best rows, every threshold."""
        return {"result": "SweepResult", "policy": self.policy, "rule": self.rule,
                "column": self.column, "op": self.op, "action": self.action,
                "method": self.method, "currency": self.currency,
                "current": plain(self.current.to_dict()), "best": plain(self.best.to_dict()),
                "intervals": records(self.intervals), "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        cols = ["threshold", "value_total", "value_per_decision", "automation_rate",
                "bad_rate_favourable", "reviews"]

        def fmt(name: str, v) -> str:
            return escape(format_metric(name, v, currency=self.currency))

        head = "".join(f"<th>{c}</th>" for c in cols)
        rows = "".join(
            f"<tr><th style='text-align:left'>{label}</th>"
            + "".join(f"<td>{fmt(c, row[c])}</td>" for c in cols) + "</tr>"
            for label, row in (("current", self.current), ("best", self.best)))
        extra = ""
        if self.intervals is not None:
            extra = "<br>" + "; ".join(
                f"{escape(r.quantity)}: {fmt(r.quantity, r.estimate)} (95% interval "
                f"{fmt(r.quantity, r.low)} to {fmt(r.quantity, r.high)})"
                for r in self.intervals.itertuples())
        return (f"<div><b>Threshold sweep of rule '{escape(self.rule)}'</b> "
                f"('{escape(self.action)}' when {escape(self.column)} {escape(self.op)} t) in "
                f"{escape(self.policy)}: {len(self.frame):,} thresholds"
                f"<table><tr><th></th>{head}</tr>{rows}</table>"
                f"<small>{escape(self.method)}</small>{extra}</div>")

    def __repr__(self) -> str:
        return (f"SweepResult(rule={self.rule!r}, thresholds={len(self.frame)}, "
                f"current={format_number(self.current['threshold'], 'number')}, "
                f"best={format_number(self.best['threshold'], 'number')})")


# --------------------------------------------------------------------------- helpers

def _draw_sweep(result, ax):
    import matplotlib.pyplot as plt

    twin = ax is not None and not isinstance(ax, (list, tuple, np.ndarray))
    if ax is None:
        fig, (ax_v, ax_r) = plt.subplots(2, 1, figsize=(9, 7), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 2]})
    elif isinstance(ax, (list, tuple, np.ndarray)):
        ax_v, ax_r = ax[0], ax[1]
        fig = ax_v.figure
    else:
        ax_v, fig = ax, ax.figure
        ax_r = ax_v.twinx()
    f = result.frame
    step = max(1, len(f) // _MAX_DRAWN)
    drawn = f.iloc[::step]
    t = drawn["threshold"].to_numpy()
    ax_v.plot(t, drawn["value_per_decision"], color="#4c72b0", lw=1.6,
              label="Value per decision")
    cur, best = result.current, result.best
    ax_v.axvline(cur["threshold"], color="#555555", ls="--", lw=1)
    ax_v.plot([cur["threshold"]], [cur["value_per_decision"]], "o", color="#555555",
              label=f"Current threshold {format_metric('threshold', cur['threshold'])}")
    ax_v.plot([best["threshold"]], [best["value_per_decision"]], "*", ms=14,
              color="#d1495b",
              label=f"Best threshold {format_metric('threshold', best['threshold'])}")
    ax_v.yaxis.set_major_formatter(tick_formatter("money", currency=result.currency))
    ax_v.set_ylabel(axis_label("Value per decision", "money", currency=result.currency))
    ax_v.set_title(f"What each decision is worth as rule '{result.rule}' moves\n"
                   f"('{result.action}' when {result.column} is {OP_WORDS[result.op]} the "
                   "threshold)", fontsize=11)
    ax_v.legend(loc="best", fontsize=9)
    ax_v.grid(alpha=0.3)
    ax_r.plot(t, drawn["automation_rate"], color="#4c956c", lw=1.4,
              label="Decided without a person")
    ax_r.plot(t, drawn["bad_rate_favourable"], color="#c8553d", lw=1.4,
              label="Bad outcomes among favourable decisions")
    ax_r.axvline(cur["threshold"], color="#555555", ls="--", lw=1)
    ax_r.axvline(best["threshold"], color="#d1495b", ls=":", lw=1)
    ax_r.yaxis.set_major_formatter(tick_formatter("share"))
    ax_r.set_ylabel(axis_label("Share of decisions", "share"))
    ax_r.set_xlabel(f"Threshold on {result.column}")
    if not twin:
        ax_r.set_title("Automation and bad rate", fontsize=11)
        ax_r.grid(alpha=0.3)
    ax_r.legend(loc="lower right" if twin else "best", fontsize=9)
    if ax is None:
        fig.tight_layout()
    return ax_v, ax_r


def best_index(value: np.ndarray, thresholds: np.ndarray, current: float) -> np.ndarray:
    """Index of the largest value along the last axis; ties go to the threshold nearest ``current``.

    Examples
    --------
    >>> int(best_index(np.array([1.0, 3.0, 3.0, 2.0]), np.array([0.1, 0.2, 0.4, 0.5]), 0.45))
    2
    """
    if value.ndim == 1 and len(value) and not np.isnan(value).all():  # the sweep's own: few passes
        top = np.nanmax(value)
        near = np.flatnonzero(value >= top - 1e-9 * max(1.0, abs(top)))
        return near[np.argmin(np.abs(thresholds[near] - current))]
    v = np.where(np.isnan(value), -np.inf, value)
    top = v.max(axis=-1, keepdims=True)
    tol = 1e-9 * np.maximum(1.0, np.abs(top))
    dist = np.where(v >= top - tol, np.abs(thresholds - current), np.inf)
    return np.argmin(dist, axis=-1)


def _span(left: np.ndarray, right: np.ndarray, m: int, op: str) -> tuple[np.ndarray, np.ndarray]:
    """[start, stop) of the sorted cases that fire, from each threshold's first case at or above
    it (``left``) and first case above it (``right``) among ``m``."""
    if op in ("<", "<="):
        return np.zeros_like(left), left if op == "<" else right
    if op in (">", ">="):
        return right if op == ">" else left, np.full_like(left, m)
    return left, right


def _fired(delta: np.ndarray, start: np.ndarray, stop: np.ndarray, op: str) -> np.ndarray:
    """Sum of ``delta`` (sorted cases on axis 0) over [start, stop) at each threshold, by cumsum.

    A prefix is summed from the start and a suffix from the end, so neither is
    a difference of two large sums.
    """
    m = len(delta)
    c = np.empty((m + 1,) + delta.shape[1:])
    c[0] = 0.0
    if op in (">", ">="):
        np.cumsum(delta[::-1], axis=0, out=c[1:])
        return c[m - start]
    np.cumsum(delta, axis=0, out=c[1:])
    if op in ("<", "<="):
        return c[stop]
    inside = c[stop] - c[start]
    return inside if op == "==" else c[m] - inside


def _distinct(xs: np.ndarray, current: float, op: str, precision=np.float64
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of sorted ``xs``, ``current`` and :func:`_past`'s threshold, with each
    one's ``left`` and ``right`` positions in ``xs`` (first case at or above it, first case
    above it), without a search; each array written once."""
    m = len(xs)
    if m and bool(np.all(xs[1:] != xs[:-1])):  # no ties: every case starts its own value
        values, first = xs, np.arange(m)
    else:
        first = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]]) if m else np.zeros(0, np.int64)
        values = xs[first]
    at, extra, pos = [], [], []  # insertions, in the order they land at one index
    ends = np.array([min(values[0], current), max(values[-1], current)]) if m else \
        np.array([current, current])
    past = _past(ends, op, precision)
    if len(past) and past[0] < ends[0]:
        at.append(0)
        extra.append(past[0])
        pos.append(0)
    k = int(np.searchsorted(values, current))
    if not (k < len(values) and values[k] == current):
        at.append(k)
        extra.append(current)
        pos.append(first[k] if k < len(first) else m)
    if len(past) and past[0] > ends[1]:
        at.append(len(values))
        extra.append(past[0])
        pos.append(m)
    right_of = np.r_[first[1:], m] if m else first
    if not at:
        return values, first, right_of
    return (np.insert(values, at, extra), np.insert(first, at, pos),
            np.insert(right_of, at, pos))


def _past(xs: np.ndarray, op: str, precision=np.float64) -> np.ndarray:
    """The one threshold past sorted values ``xs`` that a grid of them misses, as an array of
    zero or one value: above the largest for ``<`` and ``>=`` (all cases, or none, fire),
    below the smallest for ``<=`` and ``>``; the next number at the column's ``precision``."""
    if not len(xs) or op not in ORDERING:
        return xs[:0]
    up = op in ("<", ">=")
    end = np.asarray(xs[-1] if up else xs[0]).astype(precision)
    return np.array([float(np.nextafter(end, end.dtype.type(np.inf if up else -np.inf)))])


# --------------------------------------------------------------------------- the sweep

@validate_params({"rule": [Text()], "column": [None, Text()], "thresholds": [None, Numbers()],
                  "seed": [SEED], "reviewer_accuracy": [None, Interval(Real, 0, 1)],
                  "bootstrap": [Interval(Integral, 0, None,
                                         hint="0 for none, 200 or more for an interval")],
                  "bootstrap_seed": [SEED]})
def threshold_sweep(policy: Policy, data, rule: str, *, column: str | None = None,
                    thresholds=None, seed: int = 0, reviewer_accuracy: float | None = None,
                    bootstrap: int = 0, bootstrap_seed: int = 0,
                    client=None, batch_rows: int | None = None) -> SweepResult:
    """Every candidate threshold of one rule, each as a replay would report it.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame, path, URL or dask.dataframe.DataFrame
        History, as for :func:`trustlab.simulate.replay`.
    rule : str
        The id of the rule whose threshold moves. Its comparison of ``column``
        with a number must be its whole condition or one item of its top-level
        ``and``.
    column : str, optional
        The compared column (default: the policy's signal the rule compares).
    thresholds : array-like of float, optional
        The thresholds to report. Default: every distinct value of the column
        among the cases the threshold can move (those reaching the rule whose
        other conditions hold, and whose action would change), also when a
        rate limit caps an action the sweep changes; 101 quantiles of them
        where such limits are applied one pass per threshold (limits that
        feed each other, an ``==``/``!=`` rule, a bootstrap). The current
        threshold is always included.
    seed : int, default 0
        Seeds the simulated reviewer, as in :func:`replay`.
    reviewer_accuracy : float, optional
        Overrides ``outcomes.reviewer.accuracy``.
    bootstrap : int, default 0
        Replicates of a Poisson bootstrap (each case weighted by a Poisson(1)
        draw) for 95% intervals of the best threshold and of the value per
        decision at it; 0 for none.
    bootstrap_seed : int, default 0
        Seeds the bootstrap weights.
    client : distributed.Client or str, optional
        Run over the partitions of a Dask DataFrame on this cluster (or
        scheduler address); see :mod:`trustlab.scale`.
    batch_rows : int, optional
        Rows per batch when a Parquet history is streamed on this machine
        (default :data:`trustlab.scale.DEFAULT_BATCH_ROWS`).

    Returns
    -------
    SweepResult

    Raises
    ------
    trustlab.PolicyError
        For an unknown rule, a rule that does not compare the column with a
        number exactly once, or a comparison inside an ``or`` or ``not``.
    trustlab.ParameterError
        For bad arguments (every one at once).
    trustlab.DataError
        For data :func:`replay` refuses, and when no case can be valued.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> from trustlab.simulate._edit import with_threshold
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> history = make_history(n_days=30, applications_per_day=60, seed=2)
    >>> s = threshold_sweep(p, history, "low-risk")
    >>> s.frame.columns.tolist()
    ['threshold', 'value_total', 'value_per_decision', 'automation_rate', 'favourable_rate', 'bad_rate_favourable', 'reviews', 'decisions']
    >>> t = float(s.best["threshold"])
    >>> bool(s.best["value_total"] == s.frame["value_total"].max())
    True
    >>> r = replay(with_threshold(p, "low-risk", t), history)
    >>> bool(abs(r.metric("value_total") - s.best["value_total"]) < 1e-6)
    True
    """
    if not in_memory(data, client):
        refuse_in_memory_options("threshold_sweep", {
            "bootstrap": (bootstrap, 0),
            "bootstrap_seed": (bootstrap_seed, 0),
        })
        return answer_in_parts("threshold_sweep", policy, data, rule, column=column,
                               thresholds=thresholds, seed=seed,
                               reviewer_accuracy=reviewer_accuracy,
                               client=client, batch_rows=batch_rows)
    given = None if thresholds is None else np.asarray(thresholds, dtype=float).ravel()
    h = open_history(policy, data, [(rule, column)], caller="threshold_sweep", seed=seed,
                     reviewer_accuracy=reviewer_accuracy)
    r = h.open[0]
    th = r.threshold
    movable, binding = movable_cases(h, r)
    idx = np.flatnonzero(movable)
    xm = r.x[idx]
    sorted_keys = None
    every = given is None and (not binding or (  # limits summed: every threshold is cheap
        not bootstrap and r.threshold.op in PREFIX and limits_summable(h, r.then, idx)))
    if every:
        if bootstrap:  # the replicates weigh each case: its position is needed
            order = np.argsort(xm)  # the movable cases by the column
            xs = xm[order]
        else:  # the sums need only each case's change key: sorted with the column
            n_keys = len(h.actions) * (h.table.shape[1] // len(h.actions))
            order, xs, sorted_keys = sort_with_keys(xm, h.change_keys(h.rest_action[idx], idx),
                                                    n_keys)
        grid, left, right = _distinct(xs, th.value, th.op, r.precision)
        if r.precision != np.float64:  # the current line is read at the column's precision
            left = np.searchsorted(xs, r.compared(grid), side="left")
            right = np.searchsorted(xs, r.compared(grid), side="right")
        how = f"every distinct value of {th.column} among the {len(xs):,} cases it can move"
    else:
        order, xs = None, np.sort(xm)  # the grid's positions need only the sorted values
        if given is not None:
            grid = np.unique(np.r_[given, th.value])
            how = f"{len(np.unique(given)):,} thresholds given"
        else:
            grid = np.quantile(xs, np.linspace(0, 1, SAMPLED_THRESHOLDS)) if len(xs) else xs
            grid = np.unique(np.r_[grid, th.value, _past(xs, th.op, r.precision)])
            how = f"{SAMPLED_THRESHOLDS} quantiles of {th.column} and the line past them"
        left = np.searchsorted(xs, r.compared(grid), side="left")
        right = np.searchsorted(xs, r.compared(grid), side="right")
    totals, base, delta = grid_totals(h, r, movable, binding, grid, (idx, order, left, right),
                                      keep=bootstrap > 0, sorted_keys=sorted_keys)
    method = _method(how, binding, passes=not isinstance(delta, CappedSteps))
    frame, k_best, k_cur = sweep_frame(policy, totals, h.n, grid, th.value)
    intervals = replicates = None
    if bootstrap:
        if binding:
            boot = _bootstrap_sparse(h, base, delta, bootstrap, bootstrap_seed)
        else:
            boot = _bootstrap_cumsum(h, r.threshold.op, base, delta, bootstrap, bootstrap_seed)
        value_b, valued_b = boot  # (B, K) each
        best_b = grid[best_index(np.where(valued_b > 0, value_b, np.nan), grid, th.value)]
        with np.errstate(invalid="ignore", divide="ignore"):
            vpd_b = value_b[:, k_best] / valued_b[:, k_best]
        replicates = pd.DataFrame({"replicate": np.arange(bootstrap), "best_threshold": best_b,
                                   "value_per_decision": vpd_b})
        lo_t, hi_t = np.nanpercentile(best_b, [2.5, 97.5])
        lo_v, hi_v = np.nanpercentile(vpd_b, [2.5, 97.5])
        intervals = pd.DataFrame({
            "quantity": ["best_threshold", "value_per_decision"],
            "estimate": [grid[k_best], frame["value_per_decision"].iloc[k_best]],
            "low": [lo_t, lo_v], "high": [hi_t, hi_v]})
        method += f"; {bootstrap} Poisson bootstrap replicates (seed {bootstrap_seed})"
    return sweep_result(policy, frame, k_best, k_cur, th, h.actions[r.then], method, intervals,
                        replicates)


def movable_cases(h: OpenHistory, r: OpenRule) -> tuple[np.ndarray, list]:
    """The cases the threshold can move, and the rate limits capping an action it changes."""
    fall = h.rest_action
    movable = r.eligible & (fall != r.then)
    changing = {r.then, *present_codes(fall[movable], len(h.actions))} if movable.any() else set()
    return movable, h.limits_on(changing)


def _method(how: str, binding: list, passes: bool = True) -> str:
    if binding:
        names = ", ".join(f"'{g.id}'" for g in binding)
        each = "one pass each" if passes else "by cumulative sums"
        return (f"{how}; rate limit {names} caps an action this sweep changes, so it was "
                f"applied exactly at each threshold ({each})")
    return f"{how}; exact by cumulative sums"


def grid_totals(h: OpenHistory, r: OpenRule, movable: np.ndarray, binding: list,
                grid: np.ndarray, positions, *, keep: bool = False,
                sorted_keys: np.ndarray | None = None):
    """The :data:`COMPONENTS` summed at every threshold of ``grid``: shape (6, K).

    ``positions`` is ``(idx, order, left, right)``: the movable cases, their
    order by the column, and each threshold's first sorted case at or above
    it and first above it. Also returns the reference actions and what the
    bootstrap needs (kept only with ``keep`` where a limit binds), or the
    :class:`~trustlab.simulate._limits.CappedSteps` a binding limit was summed by. Without a
    binding limit, ``sorted_keys`` (the movable cases' change keys in order of
    the column, :func:`sort_with_keys`) stand in for ``order``.
    """
    idx, order, left, right = positions
    if binding:
        by_steps = None if keep else _by_limit_steps(h, r, idx, grid)
        if by_steps is not None:
            return by_steps
        return _per_threshold(h, r, movable, grid, keep)
    if order is None and (sorted_keys is None or keep):
        order = np.argsort(r.x[idx])
    return _by_cumsum(h, r, idx, order, _span(left, right, len(idx), r.threshold.op), keep=keep,
                      sorted_keys=None if keep else sorted_keys)


def sort_with_keys(x: np.ndarray, keys: np.ndarray, n_keys: int
                   ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """``x`` (no NaN) sorted, with ``keys`` (``0 .. n_keys - 1``) in the same order: ``(order,
    sorted x, sorted keys)``, ``order`` None unless an argsort was needed.

    The cheapest exact sort the data allows: each value's bits, in an order that sorts like
    the value, share one unsigned integer with its key, and those integers are sorted as they
    are (no index carried). Where the key's bits are spare in every value (scores that were
    float32, say) that is the whole sort; otherwise the values are also sorted alone, and the
    two agree unless two different values differ only in those bits (then: an argsort).

    Examples
    --------
    >>> order, xs, ks = sort_with_keys(np.array([0.5, -1.0, 0.25]), np.array([2, 0, 1]), 3)
    >>> xs.tolist(), ks.tolist()
    ([-1.0, 0.25, 0.5], [0, 1, 2])
    """
    bits = max(1, int(n_keys - 1).bit_length())
    x = np.asarray(x, dtype=float)
    u = x.view(np.uint64)
    negative = bool(np.signbit(x).any())
    if negative:  # negative floats sort by their bits reversed
        u = np.where(np.signbit(x), ~u, u | np.uint64(1 << 63))
    low = np.uint64((1 << bits) - 1)
    spare = not negative and not bool((u[:4096] & low).any()) and not bool((u & low).any())
    packed = u & ~low
    packed |= keys.astype(np.uint64)
    packed.sort()
    sorted_keys = (packed & low).astype(np.intp)
    if spare:
        packed &= ~low
        return None, packed.view(np.float64), sorted_keys
    xs = np.sort(x)
    high = packed >> np.uint64(bits)
    tied = np.flatnonzero(high[1:] == high[:-1])
    if len(tied) and bool((xs[tied] != xs[tied + 1]).any()):  # values apart only in key bits
        order = np.argsort(x)
        return order, x[order], keys[order]
    return None, xs, sorted_keys


def sweep_frame(policy: Policy, totals: np.ndarray, n: int, grid: np.ndarray,
                current: float) -> tuple[pd.DataFrame, int, int]:
    """The sweep's frame from summed components over ``n`` cases, with the best and current rows.

    Raises
    ------
    trustlab.DataError
        When no case can be valued.
    """
    if not np.any(totals[1] > 0):
        label = policy.outcomes.label  # type: ignore[union-attr]
        why = ("the data has no rows" if n == 0 else
               f"label '{label}' is missing on every case and `unlabelled: exclude` leaves them "
               "unvalued")
        raise DataError(f"Data for policy '{policy.name}'", [Problem(
            "outcomes.label", f"no case can be valued ({why}), so no threshold can be "
                              "preferred to another")])
    table = np.empty((6, len(grid)))  # the float columns, filled in place: no copies
    table[0] = grid
    rates_from(totals, n, out=table[1:])
    frame = pd.DataFrame(table.T, columns=list(SWEEP_COLUMNS[:6]), copy=False)
    frame["reviews"] = np.rint(n - totals[2]).astype(np.int64)
    frame["decisions"] = np.full(len(grid), n, dtype=np.int64)
    k_best = int(best_index(frame["value_total"].to_numpy(), grid, current))
    return frame, k_best, int(np.searchsorted(grid, current))


def sweep_result(policy: Policy, frame: pd.DataFrame, k_best: int, k_cur: int, th, action: str,
                 method: str, intervals=None, replicates=None) -> SweepResult:
    """The :class:`SweepResult` of a finished frame."""
    return SweepResult(frame, frame.iloc[k_best].rename("best"),
                       frame.iloc[k_cur].rename("current"), th.rule, th.column, th.op,
                       action, policy.identity, method, intervals, replicates,
                       currency_of(policy))


def _by_cumsum(h: OpenHistory, r: OpenRule, idx: np.ndarray, order: np.ndarray | None, span,
               *, keep: bool = True, sorted_keys: np.ndarray | None = None):
    """Totals at every threshold: fixed cases once, the movable ones (``idx`` taken in ``order``
    of the column) by cumulative sums.

    A component every movable case changes by the same amount (whether the
    decision is automated or favourable, say) is that amount times the number
    of cases that fire: no cumulative sum needed. Where consecutive thresholds
    fire at most one more case each (no ties: every distinct value swept), the
    cumulative sum is taken straight in the thresholds' layout (:func:`_one_step_keys`).
    """
    base = h.guard(h.rest_action)  # no limit caps what moves: movable cases keep their rest action
    change = h.change_table(r.then)
    keys = sorted_keys if sorted_keys is not None else \
        h.change_keys(base[idx], idx)[order]  # one small integer per case, in column order
    present = present_codes(keys, change.shape[1])
    op = r.threshold.op
    start, stop = span
    stepped = _one_step_keys(keys, start, stop, op, change.shape[1])
    fired = None
    totals = np.empty((len(COMPONENTS), len(start)))
    for k, fixed in enumerate(h.totals(base)):  # each component: one gather, one cumulative sum
        gain = change[k, present]
        if len(gain) and np.all(gain == gain[0]):
            if fired is None:
                inside = (stop - start).astype(float)
                fired = len(idx) - inside if op == "!=" else inside
            np.multiply(fired, gain[0], out=totals[k])
        elif stepped is not None:
            row = totals[k]
            np.take(np.r_[change[k], 0.0], stepped, out=row)
            if PREFIX[op]:
                np.cumsum(row, out=row)
            else:
                np.cumsum(row[::-1], out=row[::-1])
        else:
            totals[k] = _fired(change[k][keys], start, stop, op)
        totals[k] += fixed
    return totals, base, (idx, order, keys, change, span)


def _one_step_keys(keys: np.ndarray, start: np.ndarray, stop: np.ndarray, op: str,
                   zero: int) -> np.ndarray | None:
    """The case each threshold adds to the cases firing at the one before it (for ``<``, ``<=``;
    at the one after it for ``>``, ``>=``), as its change key, ``zero`` where it adds none; None
    when some threshold adds more than one case, or for ``==`` and ``!=``.

    A cumulative sum of these keys' gains is the sum over the firing cases at every
    threshold, added in the order :func:`_fired` adds them.
    """
    if op not in PREFIX or not len(start):
        return None
    m = len(keys)
    if PREFIX[op]:
        edge = stop  # cases [0, stop) fire
        added = np.diff(edge, prepend=0)
        case = edge - 1
    else:
        edge = start  # cases [start, m) fire
        added = np.diff(edge, append=m)
        case = edge
    lone = np.flatnonzero(added != 1)  # few where every distinct value is a threshold
    if bool((added[lone] > 1).any()):
        return None
    if not m:
        return np.full(len(edge), zero, dtype=np.intp)
    if len(edge) - len(lone) == m:  # every case added once, in order: ``zero`` between them
        return np.insert(keys.astype(np.intp, copy=False), lone - np.arange(len(lone)), zero)
    out = keys[np.clip(case, 0, m - 1)].astype(np.intp, copy=False)
    out[lone] = zero
    return out


def _by_limit_steps(h: OpenHistory, r: OpenRule, idx: np.ndarray, grid: np.ndarray):
    """Totals at every threshold of ``grid`` when a rate limit caps what moves, by cumulative
    sums: the rule's own changes summed by bin of the grid, the limit's by the first threshold
    each case is over it (:func:`~trustlab.simulate._limits.capped_steps`). None where that
    does not apply (a ``==`` or ``!=`` rule, or limits whose candidates depend on each other)."""
    op = r.threshold.op
    if op not in PREFIX:
        return None
    bins = fired_bins(r.x[idx], r.compared(grid), op)
    capped = capped_steps(h, r.then, idx, bins, len(grid), PREFIX[op])
    if capped is None:
        return None
    change = h.change_table(r.then)
    n_keys = change.shape[1]
    keys = h.change_keys(h.rest_action[idx], idx)
    counts = np.bincount(bins * n_keys + keys, minlength=(len(grid) + 1) * n_keys)
    fired = sums_over_fired(change @ counts.reshape(len(grid) + 1, n_keys).T, op, axis=1)
    totals = h.totals(capped.codes)[:, None] + fired + capped.over
    return totals, capped.codes, capped


def _per_threshold(h: OpenHistory, r: OpenRule, movable: np.ndarray, grid: np.ndarray,
                   keep: bool):
    """Totals at each threshold by one exact pass each (a rate limit caps what moves)."""
    base = h.guard(h.rest_action)
    totals = np.empty((len(COMPONENTS), len(grid)))
    rows, cols, dv, dn = [], [], [], []
    for k, t in enumerate(grid):  # one vectorised pass per threshold
        codes = np.where(movable & r.fires(t), r.then, h.rest_action).astype(h.rest_action.dtype)
        final = h.guard(codes)
        totals[:, k] = h.totals(final)
        if keep:
            changed = np.flatnonzero(final != base)
            d = h.components(final[changed], changed) - h.components(base[changed], changed)
            rows.append(np.full(len(changed), k))
            cols.append(changed)
            dv.append(d[0])
            dn.append(d[1])
    sparse = None
    if keep:
        sparse = (np.concatenate(rows), np.concatenate(cols), np.concatenate(dv),
                  np.concatenate(dn), len(grid))
    return totals, base, sparse


def _bootstrap_cumsum(h, op, base, sorted_delta, replicates, seed):
    """Each replicate's value and valued count at every threshold: weighted cumulative sums."""
    idx, order, keys, change, span = sorted_delta
    idx = idx[order]
    delta = change[:2][:, keys]
    ref = h.components(base)[:2]
    rng = np.random.default_rng(seed)
    value, valued = [], []
    for w in weight_blocks(rng, h.n, replicates, poisson=True, row_cost=max(h.n, len(idx) * 2)):
        fixed = ref @ w.T  # (2, b)
        wi = w[:, idx].T  # (m, b)
        value.append((fixed[0] + _fired(delta[0][:, None] * wi, *span, op)).T)
        valued.append((fixed[1] + _fired(delta[1][:, None] * wi, *span, op)).T)
    return np.vstack(value), np.vstack(valued)


def _bootstrap_sparse(h, base, sparse, replicates, seed):
    """As :func:`_bootstrap_cumsum` from each threshold's changes against the reference."""
    from scipy.sparse import csr_matrix

    ref = h.components(base)
    k_rows, cases, dv, dn, n_grid = sparse
    mv = csr_matrix((dv, (k_rows, cases)), shape=(n_grid, h.n))
    mn = csr_matrix((dn, (k_rows, cases)), shape=(n_grid, h.n))
    rng = np.random.default_rng(seed)
    value, valued = [], []
    for w in weight_blocks(rng, h.n, replicates, poisson=True):
        value.append((ref[0] @ w.T)[:, None] + (mv @ w.T).T)
        valued.append((ref[1] @ w.T)[:, None] + (mn @ w.T).T)
    return np.vstack(value), np.vstack(valued)
