"""The search for a less discriminatory alternative over a history in parts, exact on a grid.

Each part sums what :func:`trustlab.simulate.lda_search` sums — the band
grid's components and every group's favourable decisions at every pair of a
fixed grid of thresholds, the same in every part — and the parts add up
(groups met in one part only are added where they appear). Parts are cut
where every rate-limit window and every ``outcomes.window`` changes, so
limits and the busiest window are counted whole.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from ..engine import plan_for, refuse_brakes
from ..policy import Policy
from ..simulate import rule_threshold
from ..simulate import LdaSearch
from ..simulate.parts import (DEFAULT_TOLERANCES, LdaPlan, LdaSums, lda_plan, lda_result, lda_sums,
                              open_history)
from ._run import DEFAULT_BATCH_ROWS, fold_partials, limit_windows, source_of
from ._sweeps import _grid

__all__ = ["lda_search"]


def _lda_part(part: pd.DataFrame, *, policy: Policy, rules: tuple[str, str],
              axes: tuple[np.ndarray, np.ndarray], plan: LdaPlan, seed: int,
              accuracy: float | None) -> LdaSums:
    h = open_history(policy, part, [(rules[0], None), (rules[1], None)], caller="lda_search",
                     seed=seed, reviewer_accuracy=accuracy, ordering=True,
                     offset=int(part.index[0]), batch=True)
    early, _ = h.open
    te, tl = axes if early.threshold.rule == rules[0] else axes[::-1]
    return lda_sums(h, part, plan, te, tl, batch=True)


def lda_search(policy: Policy, data, approve_rule: str, decline_rule: str, *,
               by: str | None = None, tolerances=DEFAULT_TOLERANCES, approve_thresholds=None,
               decline_thresholds=None, keep_checks: bool = False, seed: int = 0,
               reviewer_accuracy: float | None = None, client=None,
               batch_rows: int = DEFAULT_BATCH_ROWS) -> LdaSearch:
    """:func:`trustlab.simulate.lda_search` over a history in parts, exact on a grid.

    Parameters
    ----------
    policy : Policy
    data : path or dask.dataframe.DataFrame
        As for :func:`trustlab.scale.replay`.
    approve_rule, decline_rule, by, tolerances, keep_checks, seed, reviewer_accuracy
        As for :func:`trustlab.simulate.lda_search`.
    approve_thresholds, decline_thresholds : array-like of float, optional
        Each axis. Default for a probability signal: 201 thresholds 0.005
        apart over [0, 1] (as :func:`trustlab.scale.band_grid`); otherwise
        required. The current thresholds are always added.
    client : distributed.Client or str, optional
    batch_rows : int

    Returns
    -------
    LdaSearch
        Every cell, the frontier and the choices exactly as
        :func:`trustlab.simulate.lda_search` reports them on the same axes.

    Raises
    ------
    trustlab.PolicyError, trustlab.DataError
        As the in-memory search, and for a missing grid on a column that is
        not a probability.

    Examples
    --------
    >>> import tempfile, trustlab
    >>> from pathlib import Path
    >>> from trustlab.datasets import make_history
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_history(n_days=30, applications_per_day=40).to_parquet(folder / "h.parquet")
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> s = lda_search(p, folder, "low-risk", "high-risk", by="age_band",
    ...                approve_thresholds=[0.05, 0.1], decline_thresholds=[0.3, 0.4])
    >>> len(s.frame), list(s.choices.index)
    (9, [0.01, 0.02, 0.05])
    """
    caller = "lda_search"
    plan = lda_plan(policy, approve_rule, decline_rule, by=by, tolerances=tolerances,
                    keep_checks=keep_checks)
    refuse_brakes(policy, f"Policy '{policy.name}'", "threshold sweeps and band grids")
    th_a, th_d = (rule_threshold(policy, r) for r in (approve_rule, decline_rule))
    ta, how_a = _grid(approve_thresholds, policy, th_a.column, th_a.value,
                      "approve_thresholds", caller)
    td, how_d = _grid(decline_thresholds, policy, th_d.column, th_d.value,
                      "decline_thresholds", caller)
    out = policy.outcomes
    if out is None:
        raise DataError(f"Policy '{policy.name}'", [Problem(
            "outcomes", "is not declared, so decisions cannot be valued on history; add an "
                        "`outcomes:` section with `label` and `values`")])
    windowed = out.window is not None and policy.time_column is not None
    plan_for(policy)
    align = tuple(dict.fromkeys(limit_windows(policy) + ((out.window,) if windowed else ())))
    index = {r.id: i for i, r in enumerate(policy.rules)}
    first_is_approve = index[approve_rule] < index[decline_rule]
    rules = (approve_rule, decline_rule) if first_is_approve else (decline_rule, approve_rule)
    axes = (ta, td) if first_is_approve else (td, ta)
    with source_of(data, client=client, batch_rows=batch_rows, caller=caller) as source:
        sums, _, _ = fold_partials(
            source, partial(_lda_part, policy=policy, rules=rules, axes=axes, plan=plan,
                            seed=seed, accuracy=reviewer_accuracy),
            LdaSums.merge, time=policy.time_column if align else None, align=align,
            caller=caller)
    method = (f"approve axis: {how_a}; decline axis: {how_d}; exact at each pair, summed over "
              f"{source.where}")
    return lda_result(policy, plan, sums, (th_a, ta), (th_d, td), first_is_approve, windowed,
                      method)
