"""A staged rollout of a challenger policy, simulated on history in time order.

A rollout plan sends a growing share of cases to the challenger — 1% → 10% →
50% → 100% — and stops when the challenger's own decisions break a stop
condition. :func:`simulate_rollout` replays the champion and the challenger
over the same history and walks it period by period, in time order:

* **Assignment.** Each case's row key (the policy's ``columns.id``) is hashed
  to a number ``u`` in [0, 1) (:func:`assign`); a case goes to the challenger
  when ``u`` is below the current stage's share. The hash depends on the key
  and the plan's ``salt`` only — not on the row's position, the run or the
  machine — so shuffling the history changes nothing, and a case on the
  challenger at 10% is on it at 50% too.
* **Stages.** The rollout starts at the first stage and moves to the next
  after the stage's ``min_duration`` (in whole periods) once it has exposed
  ``min_decisions`` cases, unless a stop condition fired.
* **Stop conditions.** At the end of every period each condition is measured
  on the cases of the current stage so far (cumulative since the stage
  began): the challenger's exposed cases, or with ``over="all"`` every case
  as actually decided (challenger where exposed, champion elsewhere — what a
  review team sees). A condition is judged once it has ``min_decisions``
  cases; a metric that cannot be computed (NaN) does not fire. When one fires
  the rollout halts: from the next period on every case goes to the champion.
* **Exposure.** Over the exposed cases, the challenger's value against the
  champion's value on the same cases, and bad outcomes among each one's
  favourable decisions, overall and per stage.

Metrics mean exactly what the policy format says (they are computed with the
same indicator sums as :func:`trustlab.simulate.metric_table`), restricted to
the cases in scope. Two simplifications, as in
:func:`~trustlab.change.deploy_timeline`: each policy is replayed over the
whole history, so its rate limits and drift brakes count every case as if it
had decided them all; and outcomes are read as if known when each case was
decided (with a label delay, a stop condition on outcomes fires later).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import indicators
from ..policy import Policy
from ..simulate import Replay
from ._rollout_frames import (assignment_frame, evaluations_frame, halt_of, periods_frame,
                              row_arms, stages_frame)
from ._rollout_inputs import read_inputs
from ._rollout_plan import (MAX_PERIODS, STOP_METRICS, WINDOWED_METRICS, RolloutPlan, Stage,
                            StopCondition)
from ._rollout_result import (ASSIGNMENT_COLUMNS, EVALUATION_COLUMNS, PERIOD_COLUMNS,
                              STAGE_COLUMNS, RolloutDisplay, RolloutHalt, RolloutResult)
from ._rollout_sums import (assign, first_stages, period_grid, share_actions, stage_sums,
                            windowed_reviews)
from ._rollout_walk import walk_stages

__all__ = ["Stage", "StopCondition", "RolloutPlan", "RolloutHalt", "RolloutResult",
           "RolloutDisplay", "assign", "simulate_rollout", "STOP_METRICS", "MAX_PERIODS",
           "PERIOD_COLUMNS",
           "STAGE_COLUMNS", "ASSIGNMENT_COLUMNS", "EVALUATION_COLUMNS"]


def simulate_rollout(champion: Policy, challenger: Policy, data: pd.DataFrame, plan: RolloutPlan,
                     *, seed: int = 0, champion_replay: Replay | None = None,
                     challenger_replay: Replay | None = None) -> RolloutResult:
    """Simulate a staged rollout of ``challenger`` in place of ``champion`` on history.

    Parameters
    ----------
    champion : Policy
        The policy live today; decides every case not on the challenger.
    challenger : Policy
        The policy being rolled out, with ``columns.id`` (the row key that
        assigns cases) and a time column (its own or the champion's). The
        same ``name@version`` as the champion with other content is refused.
    data : pandas.DataFrame
        History with what both policies read, the row key and the time.
    plan : RolloutPlan
    seed : int, default 0
        Seeds both replays' simulated reviewer (the same draws for both).
    champion_replay, challenger_replay : Replay, optional
        Replays of ``data`` already made.

    Returns
    -------
    RolloutResult

    Raises
    ------
    trustlab.DataError
        For a challenger without ``columns.id`` or a time column, a key
        column that is missing, has gaps or repeats a key, a stop condition
        the challenger cannot be measured on, or anything :func:`replay`
        refuses.
    trustlab.PolicyError
        When both policies claim the same ``name@version`` with different content.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> old = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> new = trustlab.load_policy("policies/consumer-credit-braked.yaml")
    >>> plan = RolloutPlan([Stage(0.1, "7D"), Stage(0.5, "7D"), Stage(1.0)],
    ...                    stop=[StopCondition("automation_rate", at_least=0.3)])
    >>> r = simulate_rollout(old, new, make_history(n_days=28, applications_per_day=40), plan)
    >>> r.stages["status"].tolist()
    ['advanced', 'advanced', 'running at the end']
    >>> r.periods[["stage", "share"]].drop_duplicates().to_numpy().tolist()
    [[0, 0.1], [1, 0.5], [2, 1.0]]
    >>> bool(r.assignment["exposed"].eq(r.assignment["u"] < r.assignment["share"]).all())
    True
    """
    inputs = read_inputs(champion, challenger, data, plan, seed, champion_replay,
                         challenger_replay)
    rc, rx = inputs.champion_replay, inputs.challenger_replay
    grid = period_grid(inputs.times_ns, plan)
    shares = np.array([s.share for s in plan.stages])
    u = assign(inputs.keys, plan.salt)
    first_stage = first_stages(u, shares)

    # plan and sums: every indicator sum of every period at every stage
    n_stages, conds = len(plan.stages), plan.stop
    ind_x = indicators(rx.decisions, share_actions(conds))
    ind_c = indicators(rc.decisions, share_actions(conds))
    sums = stage_sums(grid, first_stage, n_stages, conds, ind_x, ind_c)
    reviews = None
    if any(c.metric in WINDOWED_METRICS for c in conds):
        reviews = windowed_reviews(
            inputs.times_ns, grid, challenger.outcomes.window,  # type: ignore[union-attr]
            first_stage, n_stages, ind_x["human"].to_numpy(), ind_c["human"].to_numpy())

    # the walk, then the tables
    walk = walk_stages(plan.stages, conds, sums, grid, reviews)
    arms = row_arms(walk, grid, first_stage)
    assignment = assignment_frame(data.index, inputs.keys, u, grid, walk, arms, shares, rc, rx)
    periods = periods_frame(grid, walk, arms, shares, conds)
    evaluations = evaluations_frame(grid, walk, conds)
    stages = stages_frame(plan.stages, grid, walk, arms, rc, rx,
                          ind_c["fav_bad"].to_numpy(dtype=bool),
                          ind_x["fav_bad"].to_numpy(dtype=bool))
    return RolloutResult(plan, champion, challenger, periods, evaluations, stages, assignment,
                         halt_of(grid, walk, shares, conds), rc, rx)
