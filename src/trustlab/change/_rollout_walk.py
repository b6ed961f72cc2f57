"""The walk of a rollout through its stages, period by period, in time order.

A stage begins at a period; at the end of each of its periods every stop
condition is judged on the stage so far (``stage_metrics`` of ``_rollout_sums``).
The stage ends at the first period where a condition fires (the rollout
halts: every later period goes to the champion) or where it may advance (it
has lasted its ``min_duration`` and exposed its ``min_decisions`` cases),
whichever comes first; a fire in the period it becomes ready halts it. The
last stage runs until the history ends. Each stage is one vectorised pass over
its remaining periods; the loop runs once per stage reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._time import shift_times
from ._rollout_plan import Stage, StopCondition
from ._rollout_sums import PeriodGrid, RolloutSums, WindowedReviews, stage_metrics

__all__ = ["Walk", "walk_stages"]


@dataclass(frozen=True)
class Walk:
    """Where a rollout went: each period's stage, the stop metrics, where it halted.

    Attributes
    ----------
    period_stage : numpy.ndarray
        Each period's stage (int64), -1 once halted.
    stage_exposed : numpy.ndarray
        Cases the challenger decided since the stage began, at each period's end.
    values, cases : dict of str to numpy.ndarray
        Per :attr:`StopCondition.column`: the metric over the stage so far at
        each period's end (NaN once halted) and the cases in its scope (0 once
        halted).
    fired : numpy.ndarray
        ``fired[p, j]``: condition ``j`` fired at the end of period ``p``.
    stage_starts : tuple of int
        The first period of each stage reached.
    halt_period, halt_stage : int or None
        The period at whose end the rollout halted, and its stage.
    """

    period_stage: np.ndarray
    stage_exposed: np.ndarray
    values: dict[str, np.ndarray]
    cases: dict[str, np.ndarray]
    fired: np.ndarray
    stage_starts: tuple[int, ...]
    halt_period: int | None
    halt_stage: int | None


def _fires(conds: Sequence[StopCondition], values: dict[str, np.ndarray],
           cases: dict[str, np.ndarray], n_periods: int) -> np.ndarray:
    """Which condition fires at the end of which period: judged (enough cases) and broken."""
    fires = np.zeros((n_periods, len(conds)), dtype=bool)
    for j, c in enumerate(conds):
        fires[:, j] = (cases[c.column] >= c.min_decisions) & c.breaks(values[c.column])
    return fires


def _first_ready(stages: Sequence[Stage], stage: int, grid: PeriodGrid, first: int,
                 exposed_cum: np.ndarray) -> int | None:
    """The first period (counted from ``first``) at whose end ``stage`` may advance.

    None for the last stage, and when it never may: a period qualifies when it
    ends at or after the stage's start plus ``min_duration`` and the stage has
    exposed ``min_decisions`` cases by then.
    """
    if stage >= len(stages) - 1:
        return None
    due = shift_times(int(grid.start_ns([first])[0]), stages[stage].window)
    ends = grid.start_ns(np.arange(first, grid.count) + 1)
    ready = (ends >= due) & (exposed_cum >= stages[stage].min_decisions)
    return int(np.argmax(ready)) if ready.any() else None


def _stage_end(fires: np.ndarray, ready: int | None, first: int, n_periods: int
               ) -> tuple[int, bool]:
    """The last period of a stage that began at ``first``, and whether it halts there."""
    any_fire = fires.any(axis=1)
    fire = int(np.argmax(any_fire)) if any_fire.any() else None
    if fire is not None and (ready is None or fire <= ready):
        return first + fire, True
    if ready is not None and first + ready + 1 < n_periods:
        return first + ready, False
    return n_periods - 1, False


def walk_stages(stages: Sequence[Stage], conds: Sequence[StopCondition], sums: RolloutSums,
                grid: PeriodGrid, reviews: WindowedReviews | None = None) -> Walk:
    """Walk the stages through the periods of ``grid``: advance, halt, or run to the end.

    Parameters
    ----------
    stages, conds : sequence of Stage, sequence of StopCondition
        The plan's stages and stop conditions.
    sums : RolloutSums
        The indicator sums per period and stage.
    grid : PeriodGrid
        The periods (their start times decide when a stage has lasted long enough).
    reviews : WindowedReviews, optional
        Needed when a condition counts reviews per window.

    Returns
    -------
    Walk
    """
    n_periods = grid.count
    columns = list(dict.fromkeys(c.column for c in conds))
    period_stage = np.full(n_periods, -1, dtype=np.int64)
    stage_exposed = np.zeros(n_periods)
    values = {c: np.full(n_periods, np.nan) for c in columns}
    cases = {c: np.zeros(n_periods) for c in columns}
    fired = np.zeros((n_periods, len(conds)), dtype=bool)
    starts: list[int] = []
    stage, first = 0, 0
    while True:
        starts.append(first)
        stage_values, stage_cases = stage_metrics(conds, sums, reviews, grid, stage, first)
        exposed_cum = np.cumsum(sums.exposed["rows"][first:, stage])
        fires = _fires(conds, stage_values, stage_cases, n_periods - first)
        ready = _first_ready(stages, stage, grid, first, exposed_cum)
        last, halts = _stage_end(fires, ready, first, n_periods)
        span, n = slice(first, last + 1), last + 1 - first
        period_stage[span] = stage
        stage_exposed[span] = exposed_cum[:n]
        for col in columns:
            values[col][span] = stage_values[col][:n]
            cases[col][span] = stage_cases[col][:n]
        fired[span] = fires[:n]
        if halts or last == n_periods - 1:
            break
        stage, first = stage + 1, last + 1
    halt = (last, stage) if halts else (None, None)
    return Walk(period_stage, stage_exposed, values, cases, fired, tuple(starts), *halt)
