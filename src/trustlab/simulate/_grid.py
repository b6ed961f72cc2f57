"""Two thresholds at once: the approve line and the decline line over a grid, exact.

A band policy approves below one line, declines above another and sends the
band between to people. :func:`band_grid` reports, for every pair of lines on
a grid, what a replay of the policy with those lines would: value, automation,
bad rate among favourable decisions and the peak number of reviews in any
window — with a review capacity, which pairs the reviewers can carry, the best
of those, and the trade-off between value and review load.

How it stays exact without a replay per cell: the policy without the two rules
is applied once; each case then falls in one bin of each rule's thresholds, so
every cell's totals are sums over bins — one-dimensional cumulative sums for
each rule alone and a two-dimensional one for the cases both rules could take,
which the earlier rule gets (rules are evaluated in policy order). Reviews per
window add the window as a third axis. A rate limit on an action the earlier
rule moves is applied exactly, one vectorised pass per threshold of that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._backends import answer_in_parts, in_memory
from .._errors import DataError, PolicyError, Problem
from .._plotting import Display
from .._result import Result, plain, records
from .._format import axis_label, format_number, tick_formatter
from .._validate import SEED, Interval, Numbers, Real, Text, validate_params
from ..metrics import SummaryFrame, currency_of, format_metric, kind_of, metric_words, summary_frame
from ..policy import OP_WORDS
from ..policy import Policy
from ._open import (
    PREFIX,
    OpenHistory,
    OpenRule,
    fired_bins,
    open_history,
    open_rule_threshold,
    present_codes,
    rates_from,
    sums_over_fired,
)
from ._plots import window_words

__all__ = ["BandGrid", "BandGridDisplay", "band_grid", "GRID_COLUMNS", "DEFAULT_STEPS"]

GRID_COLUMNS = ("approve_threshold", "decline_threshold", "value_total", "value_per_decision",
                "automation_rate", "bad_rate_favourable", "peak_reviews_per_window", "feasible")
"""Columns of :attr:`BandGrid.frame`, one row per pair of thresholds."""

DEFAULT_STEPS = 101
"""Thresholds per axis by default: this many quantiles of the column (then the current one)."""

_WINDOW_BLOCK = 2_000_000  # window x threshold x threshold cells held at once


class BandGridDisplay(Display):
    """A band grid drawn as a heat map of one metric; holds the grid and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        The grid's frame (one row per pair of lines).
    source : BandGrid
    ax_, figure_ : matplotlib Axes and Figure
    colorbar_ : matplotlib Colorbar
    """

    colorbar_ = None

    def __init__(self, grid: BandGrid, metric: str = "value_per_decision"):
        self.source = grid
        self.data = grid.frame
        self.__dict__["_options"] = {"metric": metric}

    def _draw(self, ax, metric: str = "value_per_decision"):
        ax, self.colorbar_ = _draw_grid(self.source, ax, metric)
        return ax



def _draw_grid(result, ax, metric: str = "value_per_decision"):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    made = ax is None
    if made:
        fig, ax = plt.subplots(figsize=(8.5, 6.5))
    else:
        fig = ax.figure
    table = result.value_table(metric)
    a = table.columns.to_numpy(dtype=float)
    d = table.index.to_numpy(dtype=float)
    mesh = ax.pcolormesh(_edges(a), _edges(d), table.to_numpy(dtype=float),
                         cmap="viridis", shading="flat")
    cbar = fig.colorbar(mesh, ax=ax)
    kind = kind_of(metric)
    cbar.ax.yaxis.set_major_formatter(tick_formatter(kind, currency=result.currency))
    cbar.set_label(axis_label(metric_words(metric), kind, currency=result.currency))
    handles = []
    infeasible = ~result.value_table("feasible").to_numpy(dtype=bool)
    if infeasible.any():
        shade = np.ma.masked_where(~infeasible, np.ones(infeasible.shape))
        hatch = ax.pcolor(_edges(a), _edges(d), shade, cmap="Greys", vmin=0, vmax=1.6,
                          alpha=0.6, hatch="///", edgecolor="none")
        hatch.set_linewidth(0)
        per = result.window or "window"
        handles.append(Patch(facecolor="#999999", alpha=0.6, hatch="///",
                             label=f"More than {format_number(result.capacity, 'count')} "
                                   f"reviews in a {per}"))
    cur = result.current
    handles.append(ax.plot([cur["approve_threshold"]], [cur["decline_threshold"]], "o",
                           ms=10, mfc="white", mec="black", label="Current policy")[0])
    if result.optimum is not None:
        o = result.optimum
        handles.append(ax.plot([o["approve_threshold"]], [o["decline_threshold"]], "*",
                               ms=16, color="#d1495b", mec="white",
                               label="Best within capacity" if result.capacity is not None
                               else "Best value")[0])
    ax.legend(handles=handles, loc="upper left", fontsize=9, framealpha=0.9)
    ax.set_xlabel(f"Approve line: {result.approve_test_words()}\n(rule '{result.approve_rule}')")
    ax.set_ylabel(f"Decline line: {result.decline_test_words()}\n(rule '{result.decline_rule}')")
    ax.set_title(f"{metric_words(metric)} for each pair of lines")
    if made:
        fig.tight_layout()
    return ax, cbar


@dataclass(frozen=True, eq=False)
class BandGrid(Result):
    """Both lines of a band policy over a grid.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per pair, with the columns of :data:`GRID_COLUMNS`, sorted by
        approve then decline threshold. ``peak_reviews_per_window`` is the
        most human reviews in any ``outcomes.window`` (NaN without windows);
        ``feasible`` is True where it is at most ``capacity`` (everywhere
        without a capacity).
    optimum : pandas.Series or None
        The feasible pair with the highest ``value_total`` (ties: the pair
        nearest the current one); None when no pair is feasible.
    current : pandas.Series
        The pair of the policy's own thresholds.
    pareto : pandas.DataFrame
        The pairs no other pair beats on both value and peak review load
        (higher ``value_total`` for no more ``peak_reviews_per_window``),
        by rising load.
    capacity : float or None
        Reviews per window the reviewers can carry.
    approve_rule, decline_rule : str
    approve_test, decline_test : str
        Each rule's comparison, e.g. ``"p_default < t"``.
    window : str or None
        The review window in words (``"day"``).
    policy : str
        ``name@version#hash`` of the policy.
    method : str
        How the cells were computed, in words.
    currency : str or None
        The policy's ``outcomes.currency`` (None: value units).
    """

    frame: pd.DataFrame
    optimum: pd.Series | None
    current: pd.Series
    pareto: pd.DataFrame
    capacity: float | None
    approve_rule: str
    decline_rule: str
    approve_test: str
    decline_test: str
    window: str | None
    policy: str
    method: str
    currency: str | None = None

    def summary(self) -> SummaryFrame:
        """The policy's own pair of lines and the best feasible pair (numbers, printed by kind).

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> g = band_grid(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...               make_history(n_days=20, applications_per_day=40, seed=0),
        ...               "low-risk", "high-risk", capacity=20)
        >>> list(g.summary().index)
        ['current', 'optimum']
        """
        rows = [self.current] + ([] if self.optimum is None else [self.optimum])
        table = pd.DataFrame(rows, index=["current", "optimum"][:len(rows)])
        return summary_frame(table.infer_objects(), currency=self.currency)

    def value_table(self, metric: str = "value_per_decision") -> pd.DataFrame:
        """One metric as a table: decline thresholds as rows, approve thresholds as columns."""
        return self.frame.pivot(index="decline_threshold", columns="approve_threshold",
                                values=metric)

    def plot(self, ax=None, metric: str = "value_per_decision") -> BandGridDisplay:
        """A heat map of value per pair, the pairs over capacity hatched, optimum and current marked.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        metric : str, default "value_per_decision"
            The column of :attr:`frame` to colour by.

        Returns
        -------
        BandGridDisplay
            Holds the grid; its ``plot(ax=...)`` draws it again.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, trustlab
        >>> from trustlab.datasets import make_history
        >>> g = band_grid(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...               make_history(n_days=20, applications_per_day=40, seed=0),
        ...               "low-risk", "high-risk", capacity=20)
        >>> d = g.plot()
        >>> d.ax_.get_xlabel().splitlines()[0]
        'Approve line: approve when p_default is below it'
        >>> plt.close(d.figure_)
        """
        return BandGridDisplay(self, metric=metric).plot(ax=ax)

    def approve_test_words(self) -> str:
        """The approve rule's comparison in words."""
        return _test_words(self.approve_test, "approve")

    def decline_test_words(self) -> str:
        """The decline rule's comparison in words."""
        return _test_words(self.decline_test, "decline")

    def to_dict(self) -> dict:
        """The grid as JSON holds it: the rules, the current and best pairs, every pair."""
        return {"result": "BandGrid", "approve_rule": self.approve_rule,
                "decline_rule": self.decline_rule, "capacity": plain(self.capacity),
                "current": plain(self.current.to_dict()),
                "optimum": None if self.optimum is None else plain(self.optimum.to_dict()),
                "summary": records(self.summary()), "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        cols = ["approve_threshold", "decline_threshold", "value_total", "value_per_decision",
                "automation_rate", "bad_rate_favourable", "peak_reviews_per_window"]

        def fmt(name: str, v) -> str:
            return escape(format_metric(name, v, currency=self.currency))

        pick = [("current", self.current)]
        if self.optimum is not None:
            pick.append(("optimum", self.optimum))
        head = "".join(f"<th>{c}</th>" for c in cols)
        rows = "".join(f"<tr><th style='text-align:left'>{label}</th>"
                       + "".join(f"<td>{fmt(c, row[c])}</td>" for c in cols) + "</tr>"
                       for label, row in pick)
        n_a = self.frame["approve_threshold"].nunique()
        n_d = self.frame["decline_threshold"].nunique()
        cap = ("" if self.capacity is None else
               f"; capacity {format_number(self.capacity, 'count')} reviews per "
               f"{self.window or 'window'}: "
               f"{format_number(self.frame['feasible'].sum(), 'count')} of "
               f"{format_number(len(self.frame), 'count')} pairs feasible"
               + ("" if self.optimum is not None else " — <b>none is</b>"))
        return (f"<div><b>Band grid of {escape(self.policy)}</b>: approve "
                f"<code>{escape(self.approve_test)}</code> ({n_a} values) × decline "
                f"<code>{escape(self.decline_test)}</code> ({n_d} values){cap}"
                f"<table><tr><th></th>{head}</tr>{rows}</table>"
                f"<small>{len(self.pareto)} pairs on the value / review-load front. "
                f"{escape(self.method)}</small></div>")

    def __repr__(self) -> str:
        best = ("none feasible" if self.optimum is None else
                f"({format_number(self.optimum['approve_threshold'], 'number')}, "
                f"{format_number(self.optimum['decline_threshold'], 'number')})")
        return (f"BandGrid(cells={len(self.frame)}, capacity={self.capacity}, optimum={best})")


def _test_words(test: str, action: str) -> str:
    column, op, _ = test.rsplit(" ", 2)
    return f"{action} when {column} is {OP_WORDS[op]} it"


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres: midpoints, and half a step beyond each end."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.r_[2 * centres[0] - mid[0], mid, 2 * centres[-1] - mid[-1]]


# --------------------------------------------------------------------------- the grid

def _axis(given, rule: OpenRule, name: str) -> np.ndarray:
    """The thresholds of one axis: given, or quantiles of the column where the rule can fire."""
    if given is not None:
        t = np.asarray(given, dtype=float).ravel()
    else:
        x = rule.x[rule.eligible]
        t = np.quantile(x, np.linspace(0, 1, DEFAULT_STEPS)) if len(x) else np.empty(0)
    return np.unique(np.r_[t, rule.threshold.value])


@validate_params({"approve_rule": [Text()], "decline_rule": [Text()],
                  "approve_thresholds": [None, Numbers()], "decline_thresholds": [None, Numbers()],
                  "capacity": [None, Interval(Real, 0, None, hint="reviews per window")],
                  "seed": [SEED], "reviewer_accuracy": [None, Interval(Real, 0, 1)]})
def band_grid(policy: Policy, data, approve_rule: str, decline_rule: str, *,
              approve_thresholds=None, decline_thresholds=None, capacity: float | None = None,
              seed: int = 0, reviewer_accuracy: float | None = None,
              client=None, batch_rows: int | None = None) -> BandGrid:
    """Every pair of approve and decline thresholds on a grid, each as a replay would report it.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section (and ``outcomes.window`` with
        ``columns.time`` for review loads).
    data : pandas.DataFrame, path, URL or dask.dataframe.DataFrame
        History, as for :func:`trustlab.simulate.replay`.
    approve_rule, decline_rule : str
        Ids of the two rules whose thresholds move. Each must compare a column
        with a number by ``<``, ``<=``, ``>`` or ``>=``, as its whole condition
        or one item of its top-level ``and``.
    approve_thresholds, decline_thresholds : array-like of float, optional
        Thresholds of each rule. Default: 101 quantiles of the compared
        column among the cases the rule can decide. The current threshold is
        always added.
    capacity : float, optional
        Human reviews the reviewers can carry per ``outcomes.window``; pairs
        whose peak load exceeds it are infeasible.
    seed : int, default 0
        Seeds the simulated reviewer, as in :func:`replay`.
    reviewer_accuracy : float, optional
        Overrides ``outcomes.reviewer.accuracy``.
    client : distributed.Client or str, optional
        Run over the partitions of a Dask DataFrame on this cluster (or
        scheduler address); see :mod:`trustlab.scale`.
    batch_rows : int, optional
        Rows per batch when a Parquet history is streamed on this machine
        (default :data:`trustlab.scale.DEFAULT_BATCH_ROWS`).

    Returns
    -------
    BandGrid

    Raises
    ------
    trustlab.PolicyError
        For an unknown rule, the same rule twice, a rule without one ordering
        comparison with a number, a comparison inside an ``or`` or ``not``,
        or a rate limit that caps an action the later rule moves.
    trustlab.ParameterError
        For bad arguments (every one at once).
    trustlab.DataError
        For a capacity without review windows, and data :func:`replay` refuses.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> g = band_grid(p, make_history(n_days=30, applications_per_day=60, seed=2),
    ...               "low-risk", "high-risk", approve_thresholds=[0.05, 0.1],
    ...               decline_thresholds=[0.3, 0.4], capacity=40)
    >>> g.frame[["approve_threshold", "decline_threshold", "feasible"]]
       approve_threshold  decline_threshold  feasible
    0               0.05               0.30     False
    1               0.05               0.35     False
    2               0.05               0.40     False
    3               0.08               0.30      True
    4               0.08               0.35      True
    5               0.08               0.40      True
    6               0.10               0.30      True
    7               0.10               0.35      True
    8               0.10               0.40      True
    >>> bool(g.optimum["feasible"])
    True
    """
    if not in_memory(data, client):
        return answer_in_parts("band_grid", policy, data, approve_rule, decline_rule,
                               approve_thresholds=approve_thresholds,
                               decline_thresholds=decline_thresholds, capacity=capacity,
                               seed=seed, reviewer_accuracy=reviewer_accuracy,
                               client=client, batch_rows=batch_rows)
    cap = check_grid_args(policy, approve_rule, decline_rule, capacity)
    h = open_history(policy, data, [(approve_rule, None), (decline_rule, None)],
                     caller="band_grid", seed=seed, reviewer_accuracy=reviewer_accuracy,
                     ordering=True)
    if cap is not None and h.window is None:
        raise DataError("band_grid", [Problem(
            "capacity", "is reviews per window, and the policy has no review windows: it needs "
                        "`columns.time` and `outcomes.window` (e.g. `window: 1D`)")])
    early, late = h.open
    first_is_approve = early.threshold.rule == approve_rule
    rule_a, rule_d = (early, late) if first_is_approve else (late, early)
    ta = _axis(approve_thresholds, rule_a, "approve_thresholds")
    td = _axis(decline_thresholds, rule_d, "decline_thresholds")
    te, tl = (ta, td) if first_is_approve else (td, ta)

    totals, peak, method = _cells(h, early, late, te, tl)  # (6, KE, KL) and (KE, KL)
    return grid_result(policy, h.n, totals, peak, method, h.window is not None, cap,
                       (rule_a.threshold, ta), (rule_d.threshold, td), first_is_approve)


def check_grid_args(policy: Policy, approve_rule: str, decline_rule: str,
                    capacity) -> float | None:
    """Refuse the same rule twice or a rule a band grid cannot open; the capacity as a float
    (its type and range are declared on each band_grid)."""
    if approve_rule == decline_rule:
        raise PolicyError(f"Policy '{policy.name}'", [Problem(
            "rules", f"band_grid needs two different rules; got '{approve_rule}' for both the "
                     "approve and the decline line (use threshold_sweep for one rule)")])
    for rule_id in (approve_rule, decline_rule):  # refuse a bad rule before deciding anything
        open_rule_threshold(policy, rule_id, None, caller="band_grid", ordering=True)
    return None if capacity is None else float(capacity)


def grid_result(policy: Policy, n: int, totals: np.ndarray, peak: np.ndarray, method: str,
                windowed: bool, cap: float | None, approve, decline,
                first_is_approve: bool) -> BandGrid:
    """The :class:`BandGrid` from summed components and peak loads on the (early, late) axes.

    ``approve`` and ``decline`` are ``(RuleThreshold, thresholds)`` of each line.

    Raises
    ------
    trustlab.DataError
        When no case can be valued.
    """
    (th_a, ta), (th_d, td) = approve, decline
    if not np.any(totals[1] > 0):
        label = policy.outcomes.label  # type: ignore[union-attr]
        why = "the data has no rows" if n == 0 else f"label '{label}' is missing on every case"
        raise DataError(f"Data for policy '{policy.name}'", [Problem(
            "outcomes.label", f"no case can be valued ({why}), so no pair of thresholds can be "
                              "preferred to another")])
    m = rates_from(totals, n)
    if not first_is_approve:  # axes as (approve, decline)
        m = {k: v.T for k, v in m.items()}
        peak = peak.T
    aa, dd = np.meshgrid(ta, td, indexing="ij")
    frame = pd.DataFrame({
        "approve_threshold": aa.ravel(), "decline_threshold": dd.ravel(),
        "value_total": m["value_total"].ravel(), "value_per_decision": m["value_per_decision"].ravel(),
        "automation_rate": m["automation_rate"].ravel(),
        "bad_rate_favourable": m["bad_rate_favourable"].ravel(),
        "peak_reviews_per_window": peak.ravel(),
    })
    frame["feasible"] = (frame["peak_reviews_per_window"] <= cap).to_numpy() if cap is not None \
        else np.ones(len(frame), dtype=bool)
    ia = int(np.searchsorted(ta, th_a.value))
    id_ = int(np.searchsorted(td, th_d.value))
    current = frame.iloc[ia * len(td) + id_].rename("current")
    optimum = _optimum(frame, ta, td, ia, id_)
    window = window_words(policy) if windowed else None
    return BandGrid(frame, optimum, current, _pareto(frame), cap, th_a.rule, th_d.rule,
                    f"{th_a.column} {th_a.op} t", f"{th_d.column} {th_d.op} t", window,
                    policy.identity, method, currency_of(policy))


def _optimum(frame: pd.DataFrame, ta: np.ndarray, td: np.ndarray, ia: int, id_: int):
    """The feasible pair of highest value; ties: nearest the current pair in grid steps."""
    v = frame["value_total"].to_numpy()
    ok = frame["feasible"].to_numpy() & ~np.isnan(v)
    if not ok.any():
        return None
    top = v[ok].max()
    tie = ok & (v >= top - 1e-9 * max(1.0, abs(top)))
    i = np.arange(len(frame)) // len(td)
    j = np.arange(len(frame)) % len(td)
    dist = np.where(tie, (i - ia) ** 2 + (j - id_) ** 2, np.iinfo(np.int64).max)
    return frame.iloc[int(np.argmin(dist))].rename("optimum")


def _pareto(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs not beaten on value by a pair with no more peak review load."""
    f = frame[frame["value_total"].notna()]
    if f["peak_reviews_per_window"].isna().all():
        f = f.assign(_load=0.0)
    else:
        f = f[f["peak_reviews_per_window"].notna()].assign(_load=f["peak_reviews_per_window"])
    f = f.sort_values(["_load", "value_total"], ascending=[True, False], kind="stable")
    v = f["value_total"].to_numpy()
    best_before = np.r_[-np.inf, np.maximum.accumulate(v)[:-1]]
    first_of_load = np.r_[True, f["_load"].to_numpy()[1:] != f["_load"].to_numpy()[:-1]]
    keep = (v > best_before) & first_of_load
    return f[keep].drop(columns="_load").reset_index(drop=True)


def _cells(h: OpenHistory, early: OpenRule, late: OpenRule, te: np.ndarray, tl: np.ndarray):
    """Totals of every component and the peak reviews per window at every (early, late) pair.

    A case's action at the pair (i, j) is the early rule's where it fires at
    ``te[i]``, else the late rule's where it fires at ``tl[j]``, else its rest
    action; so the totals are the rest totals, plus what each rule changes
    alone, minus what the late rule would change where the early one fires.
    Every row of ``h.table`` is summed alike: the six components, and any rows a
    caller adds (e.g. the favourable decisions of each group of a protected attribute).
    """
    ke, kl = len(te), len(tl)
    op_e, op_l = early.threshold.op, late.threshold.op
    rest = h.rest_action
    be = fired_bins(early.x, te, op_e)
    bl = fired_bins(late.x, tl, op_l)
    el_e = np.flatnonzero(early.eligible)
    el_l = np.flatnonzero(late.eligible)
    both = np.flatnonzero(early.eligible & late.eligible)

    n_rows, n_keys = h.table.shape  # 6 components (more when cases are split by group)
    keys = h.change_keys(rest)  # what a case gains by another action: change_table[:, key]
    ch_e, ch_l = h.change_table(early.then), h.change_table(late.then)

    def by_bin(bins: np.ndarray, rows: np.ndarray, change: np.ndarray, size: int) -> np.ndarray:
        """Components gained by the cases ``rows``, summed by bin: (components, size)."""
        counts = np.bincount(bins[rows] * n_keys + keys[rows], minlength=size * n_keys)
        return change @ counts.reshape(size, n_keys).T

    s_e = sums_over_fired(by_bin(be, el_e, ch_e, ke + 1), op_e, axis=1)  # (rows, KE)
    s_l = sums_over_fired(by_bin(bl, el_l, ch_l, kl + 1), op_l, axis=1)  # (rows, KL)
    pair = be * (kl + 1) + bl
    s_both = by_bin(pair, both, ch_l, (ke + 1) * (kl + 1)).reshape(n_rows, ke + 1, kl + 1)
    s_both = sums_over_fired(sums_over_fired(s_both, op_e, axis=1), op_l, axis=2)
    totals = h.totals(rest)[:, None, None] + s_e[:, :, None] + s_l[:, None, :] - s_both

    # rate limits: exact, one pass per threshold of the early rule when they depend on it
    guard_delta, guard_win, method = _guard_effect(h, early, late, te, be)
    totals = totals + guard_delta[:, :, None]
    method = f"exact by cumulative sums over {ke} × {kl} thresholds" + method
    peak = np.full((ke, kl), np.nan)
    if h.window is not None and h.n:
        # reviews are cases not automated: a gain of d in `automated` is d fewer reviews
        human = (1.0 - h.table[2][h.keys(rest)], -ch_e[2][keys], -ch_l[2][keys])
        peak = _peak(h, human, (be, el_e, op_e, ke), (bl, el_l, op_l, kl), both, guard_win)
    return totals, peak, method


def _guard_effect(h: OpenHistory, early: OpenRule, late: OpenRule, te: np.ndarray,
                  be: np.ndarray):
    """What the rate limits change at each early threshold: components (rows, KE) and human
    reviews per window (KE, windows), with a note for the method."""
    ke = len(te)
    n_w = max(h.n_windows, 1)
    none = (np.zeros((h.table.shape[0], ke)), np.zeros((ke, n_w)), "")
    if not h.rate_limits or h.n == 0:
        return none
    rest = h.rest_action
    capped = {h.code(g.action) for g in h.rate_limits}
    # the late rule must never move a case into or out of a capped action
    movable_l = late.eligible & (rest != late.then)
    moved = {late.then, *present_codes(rest[movable_l], len(h.actions))} if movable_l.any() else set()
    if movable_l.any() and capped & moved:
        g = next(g for g in h.rate_limits if h.code(g.action) in moved)
        raise PolicyError(f"Policy '{h.policy.name}'", [Problem(
            f"guardrails[{h.policy.guardrails.index(g)}]",
            f"rate limit '{g.id}' caps '{g.action}', which rule '{late.threshold.rule}' (the "
            f"later of the two) moves cases into or out of; band_grid applies a rate limit "
            f"exactly only when the earlier rule '{early.threshold.rule}' alone changes what "
            f"it caps. Replay single pairs with replay(with_threshold(...)), or drop the limit "
            f"with without_guardrail(policy, '{g.id}')")])
    movable_e = early.eligible & (rest != early.then)
    depends = movable_e.any() and bool(
        capped & {early.then, *present_codes(rest[movable_e], len(h.actions))})
    prefix = PREFIX[early.threshold.op]
    auto = h.automated[h.ks_map].astype(float)  # by rule action, after the kill switch
    delta = np.zeros((h.table.shape[0], ke))
    per_window = np.zeros((ke, n_w))
    passes = range(ke) if depends else range(1)
    bins = np.where(early.eligible, be, ke + 1 if prefix else -1)  # never fires where ineligible
    for i in passes:  # one vectorised pass per early threshold
        fire = ((bins <= i) if prefix else (bins >= i + 1)) if depends else \
            np.zeros(h.n, dtype=bool)
        codes = np.where(fire, early.then, rest)
        for rows, was, now in h.guard_moves(codes, in_place=True)[1]:
            delta[:, i] += h.moved(was, now, rows)
            if h.window is not None:
                per_window[i] += np.bincount(h.window[rows], minlength=n_w) * (auto[was]
                                                                              - auto[now])
    if not depends:
        delta[:] = delta[:, :1]
        per_window[:] = per_window[:1]
        return delta, per_window, "; rate limits applied once (no threshold changes what they cap)"
    names = ", ".join(f"'{g.id}'" for g in h.rate_limits if h.code(g.action) in capped)
    return delta, per_window, (f"; rate limit {names} applied exactly at each of the {ke} "
                               f"thresholds of rule '{early.threshold.rule}'")


def _peak(h: OpenHistory, human, early, late, both: np.ndarray, guard_win) -> np.ndarray:
    """Most human reviews in any window at every pair, by blocks of windows.

    ``human`` holds each case's reviews under its rest action and the change
    when the early or the late rule takes it; cases are in time order, so each
    block of windows is a slice of cases.
    """
    (be, el_e, op_e, ke), (bl, el_l, op_l, kl) = early, late
    human0, gain_e, gain_l = human
    n_w = h.n_windows
    w = h.window
    base = np.bincount(w, weights=human0, minlength=n_w)  # (W,)
    he = np.bincount(w[el_e] * (ke + 1) + be[el_e], weights=gain_e[el_e],
                     minlength=n_w * (ke + 1)).reshape(n_w, ke + 1)
    hl = np.bincount(w[el_l] * (kl + 1) + bl[el_l], weights=gain_l[el_l],
                     minlength=n_w * (kl + 1)).reshape(n_w, kl + 1)
    se = sums_over_fired(he, op_e, axis=1)  # (W, KE)
    sl = sums_over_fired(hl, op_l, axis=1)  # (W, KL)
    peak = np.full((ke, kl), -np.inf)
    block = max(1, _WINDOW_BLOCK // ((ke + 1) * (kl + 1)))
    wb = w[both]  # ascending: cases are in time order
    for lo in range(0, n_w, block):  # blocks of windows bound the memory; not a loop over cases
        hi = min(n_w, lo + block)
        a, b = np.searchsorted(wb, [lo, hi])
        r = both[a:b]
        flat = ((w[r] - lo) * (ke + 1) + be[r]) * (kl + 1) + bl[r]
        hb = np.bincount(flat, weights=gain_l[r], minlength=(hi - lo) * (ke + 1) * (kl + 1))
        sb = sums_over_fired(sums_over_fired(hb.reshape(hi - lo, ke + 1, kl + 1), op_e, axis=1),
                             op_l, axis=2)
        load = (base[lo:hi, None, None] + se[lo:hi, :, None] + sl[lo:hi, None, :] - sb
                + guard_win[:, lo:hi].T[:, :, None])
        np.maximum(peak, load.max(axis=0), out=peak)
    return np.rint(peak)
