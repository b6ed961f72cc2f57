"""Threshold sweeps and band grids over a history in parts, exact at every grid value.

In memory a sweep can report every distinct value of the signal. In parts it
reports a fixed grid of thresholds, the same in every part, so that what each
part sums at each threshold (value, valued cases, automated, favourable, bad
among favourable, labelled among favourable) adds up with the other parts'.
At a grid value the result is exact — what a replay with that threshold
reports; between grid values nothing is measured, so the grid step is the
resolution at which the best threshold is known. Parts are cut where every
rate-limit window (and, for a band grid's review load, every
``outcomes.window``) changes, so limits and peak loads are counted whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._validate import SEED, Interval, Real, validate_params
from ..engine import plan_for, refuse_brakes
from ..policy import Policy
from ..simulate import rule_threshold
from ..simulate import BandGrid, SweepResult
from ..simulate.parts import (band_cells, check_grid_args, grid_result, grid_totals, movable_cases,
                              open_history, open_rule_threshold, sweep_frame, sweep_result,
                              threshold_problem)
from ._run import DEFAULT_BATCH_ROWS, fold_partials, limit_windows, source_of

__all__ = ["threshold_sweep", "band_grid", "sweep_resolution", "DEFAULT_STEPS"]

DEFAULT_STEPS = 200
"""Grid steps over [0, 1] for a probability signal when no thresholds are given."""


@dataclass(frozen=True)
class _Sums:
    """Components summed at every grid value (and peak review loads), over ``n`` cases."""

    totals: np.ndarray
    n: int
    peak: np.ndarray | None = None

    def merge(self, other: _Sums) -> _Sums:
        peak = None if self.peak is None else np.fmax(self.peak, other.peak)
        return _Sums(self.totals + other.totals, self.n + other.n, peak)


def _grid(given, policy: Policy, column: str, current: float, name: str, caller: str
          ) -> tuple[np.ndarray, str]:
    """The thresholds: given, or ``DEFAULT_STEPS`` even steps over [0, 1] for a probability."""
    if given is not None:
        t, problem = threshold_problem(given, name)
        if problem is not None:
            raise DataError(caller, [problem])
        how = f"{len(np.unique(t)):,} thresholds given"
    else:
        kinds = {s.name: s.kind for s in policy.signals}
        if kinds.get(column) != "probability":
            raise DataError(caller, [Problem(name, f"is needed: '{column}' is not a probability "
                                                   "signal, so there is no range to divide; "
                                                   "give the thresholds to report, e.g. "
                                                   "numpy.linspace(low, high, 201)")])
        t = np.linspace(0.0, 1.0, DEFAULT_STEPS + 1)
        how = f"{DEFAULT_STEPS + 1} thresholds {1 / DEFAULT_STEPS:g} apart over [0, 1]"
    return np.unique(np.r_[t, current]), how


def _sweep_part(part: pd.DataFrame, *, policy: Policy, rule: str, column: str | None,
                grid: np.ndarray, seed: int, accuracy: float | None) -> _Sums:
    h = open_history(policy, part, [(rule, column)], caller="threshold_sweep", seed=seed,
                     reviewer_accuracy=accuracy, offset=int(part.index[0]), batch=True)
    r = h.open[0]
    movable, binding = movable_cases(h, r)
    idx = np.flatnonzero(movable)
    order = np.argsort(r.x[idx], kind="stable")
    xs = r.x[idx][order]
    compared = r.compared(grid)  # at the column's precision, as the engine reads a threshold
    positions = (idx, order, np.searchsorted(xs, compared, side="left"),
                 np.searchsorted(xs, compared, side="right"))
    totals = grid_totals(h, r, movable, binding, grid, positions)[0]
    return _Sums(totals, h.n)


def threshold_sweep(policy: Policy, data, rule: str, *, column: str | None = None,
                    thresholds=None, seed: int = 0, reviewer_accuracy: float | None = None,
                    client=None, batch_rows: int = DEFAULT_BATCH_ROWS) -> SweepResult:
    """One rule's threshold swept over a history in parts, exact at every threshold of a grid.

    Parameters
    ----------
    policy : Policy
    data : path or dask.dataframe.DataFrame
        As for :func:`trustlab.scale.replay`.
    rule, column, seed, reviewer_accuracy
        As for :func:`trustlab.simulate.threshold_sweep`.
    thresholds : array-like of float, optional
        The grid. Default for a probability signal: 201 thresholds 0.005
        apart over [0, 1]; otherwise required. The current threshold is
        always added.
    client : distributed.Client or str, optional
    batch_rows : int

    Returns
    -------
    SweepResult
        At every grid threshold exactly what
        :func:`trustlab.simulate.threshold_sweep` reports there; its
        ``method`` states the grid (the resolution of the best threshold).

    Raises
    ------
    trustlab.PolicyError, trustlab.DataError
        As the in-memory sweep, and for a missing grid on a column that is
        not a probability.

    Examples
    --------
    >>> import tempfile, trustlab
    >>> from pathlib import Path
    >>> from trustlab.datasets import make_history
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_history(n_days=30, applications_per_day=40).to_parquet(folder / "h.parquet")
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> s = threshold_sweep(p, folder, "low-risk", batch_rows=500)
    >>> len(s.frame), s.method.split(";")[0]
    (201, '201 thresholds 0.005 apart over [0, 1]')
    """
    caller = "threshold_sweep"
    th = open_rule_threshold(policy, rule, column, caller=caller)
    refuse_brakes(policy, f"Policy '{policy.name}'", "threshold sweeps and band grids")
    grid, how = _grid(thresholds, policy, th.column, th.value, "thresholds", caller)
    plan_for(policy)
    align = limit_windows(policy)
    with source_of(data, client=client, batch_rows=batch_rows, caller=caller) as source:
        sums, _, _ = fold_partials(
            source, partial(_sweep_part, policy=policy, rule=rule, column=column, grid=grid,
                            seed=seed, accuracy=reviewer_accuracy),
            _Sums.merge, time=policy.time_column if align else None, align=align,
            caller=caller)
    frame, k_best, k_cur = sweep_frame(policy, sums.totals, sums.n, grid, th.value)
    then = next(r.then for r in policy.rules if r.id == rule)
    method = (f"{how}; exact at each threshold, rate limits included; summed over "
              f"{source.where}")
    return sweep_result(policy, frame, k_best, k_cur, th, then, method)


def _grid_part(part: pd.DataFrame, *, policy: Policy, rules: tuple[str, str],
               axes: tuple[np.ndarray, np.ndarray], seed: int, accuracy: float | None
               ) -> _Sums:
    h = open_history(policy, part, [(rules[0], None), (rules[1], None)], caller="band_grid",
                     seed=seed, reviewer_accuracy=accuracy, ordering=True,
                     offset=int(part.index[0]), batch=True)
    early, late = h.open
    te, tl = axes if early.threshold.rule == rules[0] else axes[::-1]
    totals, peak, _ = band_cells(h, early, late, te, tl)
    return _Sums(totals, h.n, peak)


@validate_params({"capacity": [None, Interval(Real, 0, None, hint="reviews per window")],
                  "seed": [SEED], "reviewer_accuracy": [None, Interval(Real, 0, 1)]})
def band_grid(policy: Policy, data, approve_rule: str, decline_rule: str, *,
              approve_thresholds=None, decline_thresholds=None, capacity: float | None = None,
              seed: int = 0, reviewer_accuracy: float | None = None, client=None,
              batch_rows: int = DEFAULT_BATCH_ROWS) -> BandGrid:
    """Every pair of approve and decline thresholds on a grid, over a history in parts.

    Parameters
    ----------
    policy : Policy
    data : path or dask.dataframe.DataFrame
        As for :func:`trustlab.scale.replay`.
    approve_rule, decline_rule, capacity, seed, reviewer_accuracy
        As for :func:`trustlab.simulate.band_grid`.
    approve_thresholds, decline_thresholds : array-like of float, optional
        Each axis. Default for a probability signal: 201 thresholds 0.005
        apart over [0, 1]; otherwise required. The current thresholds are
        always added.
    client : distributed.Client or str, optional
    batch_rows : int

    Returns
    -------
    BandGrid
        Every pair exactly as :func:`trustlab.simulate.band_grid` reports it
        on the same axes, peak review loads included.

    Examples
    --------
    >>> import tempfile, trustlab
    >>> from pathlib import Path
    >>> from trustlab.datasets import make_history
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_history(n_days=30, applications_per_day=40).to_parquet(folder / "h.parquet")
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> g = band_grid(p, folder, "low-risk", "high-risk", approve_thresholds=[0.05, 0.1],
    ...               decline_thresholds=[0.3, 0.4], capacity=40)
    >>> len(g.frame)
    9
    """
    caller = "band_grid"
    cap = check_grid_args(policy, approve_rule, decline_rule, capacity)
    refuse_brakes(policy, f"Policy '{policy.name}'", "threshold sweeps and band grids")
    th_a, th_d = (rule_threshold(policy, r) for r in (approve_rule, decline_rule))
    ta, how_a = _grid(approve_thresholds, policy, th_a.column, th_a.value,
                      "approve_thresholds", caller)
    td, how_d = _grid(decline_thresholds, policy, th_d.column, th_d.value,
                      "decline_thresholds", caller)
    out = policy.outcomes
    windowed = out is not None and out.window is not None and policy.time_column is not None
    if cap is not None and not windowed:
        raise DataError(caller, [Problem(
            "capacity", "is reviews per window, and the policy has no review windows: it needs "
                        "`columns.time` and `outcomes.window` (e.g. `window: 1D`)")])
    plan_for(policy)
    align = tuple(dict.fromkeys(limit_windows(policy) + ((out.window,) if windowed else ())))
    index = {r.id: i for i, r in enumerate(policy.rules)}
    first_is_approve = index[approve_rule] < index[decline_rule]
    rules = (approve_rule, decline_rule) if first_is_approve else (decline_rule, approve_rule)
    axes = (ta, td) if first_is_approve else (td, ta)
    with source_of(data, client=client, batch_rows=batch_rows, caller=caller) as source:
        sums, _, _ = fold_partials(
            source, partial(_grid_part, policy=policy, rules=rules, axes=axes, seed=seed,
                            accuracy=reviewer_accuracy),
            _Sums.merge, time=policy.time_column if align else None, align=align,
            caller=caller)
    method = (f"approve axis: {how_a}; decline axis: {how_d}; exact at each pair, summed over "
              f"{source.where}")
    return grid_result(policy, sums.n, sums.totals, sums.peak, method, windowed, cap,
                       (th_a, ta), (th_d, td), first_is_approve)


def sweep_resolution(exact: SweepResult, gridded: SweepResult) -> pd.DataFrame:
    """What sweeping on a grid costs: the best threshold and its value, exact beside gridded.

    Parameters
    ----------
    exact : SweepResult
        :func:`trustlab.simulate.threshold_sweep` in memory (every distinct value).
    gridded : SweepResult
        :func:`threshold_sweep` on a grid (or the in-memory sweep given the same grid).

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``best threshold``, ``best value_total``,
        ``best value_per_decision``) with ``exact``, ``grid``, ``difference``
        and ``relative`` (difference over the exact value's magnitude), plus
        the grid's largest step as ``resolution`` on the threshold row.
    """
    steps = np.diff(gridded.frame["threshold"].to_numpy())
    rows = []
    for name, col in (("best threshold", "threshold"), ("best value_total", "value_total"),
                      ("best value_per_decision", "value_per_decision")):
        e, g = float(exact.best[col]), float(gridded.best[col])
        rows.append({"quantity": name, "exact": e, "grid": g, "difference": g - e,
                     "relative": (g - e) / abs(e) if e else np.nan,
                     "resolution": float(steps.max()) if col == "threshold" and len(steps)
                     else np.nan})
    return pd.DataFrame(rows)
