"""The tables of a rollout, made from its walk: assignment, periods, evaluations, stages, halt.

Once ``walk_stages`` (``_rollout_walk``) has decided each period's stage,
every case's side follows (:func:`row_arms`), and each table of
:class:`~trustlab.change.RolloutResult` is a few ``bincount`` s and
``where`` s over the cases or the periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics import shared_codes
from ..simulate import Replay
from ._rollout_plan import Stage, StopCondition
from ._rollout_result import (ASSIGNMENT_COLUMNS, EVALUATION_COLUMNS, STAGE_COLUMNS,
                              RolloutHalt)
from ._rollout_sums import PeriodGrid
from ._rollout_walk import Walk

__all__ = ["RowArms", "row_arms", "assignment_frame", "periods_frame", "evaluations_frame",
           "stages_frame", "halt_of"]


@dataclass(frozen=True)
class RowArms:
    """Each case's side once the walk is known.

    Attributes
    ----------
    stage : numpy.ndarray
        The stage of the case's period, -1 once halted.
    running : numpy.ndarray
        True where the rollout was still running in the case's period.
    exposed : numpy.ndarray
        True where the case went to the challenger.
    """

    stage: np.ndarray
    running: np.ndarray
    exposed: np.ndarray


def row_arms(walk: Walk, grid: PeriodGrid, first_stage: np.ndarray) -> RowArms:
    """Each case's stage and side: exposed when its first stage is at most its period's stage."""
    stage = walk.period_stage[grid.of_row]
    running = stage >= 0
    exposed = running & (first_stage <= np.where(running, stage, 0))
    return RowArms(stage, running, exposed)


def _stage_column(period_stage: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Stage indices as nullable Int64, <NA> where halted (-1)."""
    column = pd.array(np.where(period_stage >= 0, period_stage, 0), dtype="Int64")
    column[period_stage < 0] = pd.NA
    return column


def _shares(stage: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """The share of each stage index; 0 where halted (-1)."""
    return np.where(stage >= 0, shares[np.maximum(stage, 0)], 0.0)


def _pick(exposed: np.ndarray, challenger: pd.Series, champion: pd.Series) -> np.ndarray:
    """The challenger's value where ``exposed``, else the champion's (an object array),
    chosen on codes: only the few distinct values are turned into objects."""
    (cl, cp), names = shared_codes([challenger, champion])
    values = np.empty(len(names) + 1, dtype=object)
    values[:-1] = names
    values[-1] = np.nan  # code -1: missing
    return values[np.where(exposed, cl, cp)]


def assignment_frame(index: pd.Index, keys: pd.Series, u: np.ndarray, grid: PeriodGrid,
                     walk: Walk, arms: RowArms, shares: np.ndarray, champion_replay: Replay,
                     challenger_replay: Replay) -> pd.DataFrame:
    """:attr:`RolloutResult.assignment`: one row per case, the data's ``index``."""
    picked = {col: _pick(arms.exposed, challenger_replay.records[col],
                         champion_replay.records[col])
              for col in ("action", "policy", "policy_version", "policy_hash")}
    return pd.DataFrame({
        "key": keys.to_numpy(), "period_start": grid.starts[grid.of_row], "u": u,
        "stage": _stage_column(walk.period_stage)[grid.of_row],
        "share": _shares(arms.stage, shares),
        "exposed": arms.exposed, "arm": np.where(arms.exposed, "challenger", "champion"),
        **picked,
    }, index=index, columns=list(ASSIGNMENT_COLUMNS))


def periods_frame(grid: PeriodGrid, walk: Walk, arms: RowArms, shares: np.ndarray,
                  conds: Sequence[StopCondition]) -> pd.DataFrame:
    """:attr:`RolloutResult.periods`: one row per period, each stop metric's column included."""
    n_periods = grid.count
    halted = np.zeros(n_periods, dtype=bool)
    if walk.halt_period is not None:
        halted[walk.halt_period + 1:] = True
    labels = [c.describe() for c in conds]
    fired_text = [("; ".join(lab for lab, f in zip(labels, row) if f) or None)
                  for row in walk.fired]
    columns = list(dict.fromkeys(c.column for c in conds))
    return pd.DataFrame({
        "period_start": grid.starts, "stage": _stage_column(walk.period_stage),
        "share": _shares(walk.period_stage, shares),
        "decisions": np.bincount(grid.of_row, minlength=n_periods),
        "exposed": np.bincount(grid.of_row, weights=arms.exposed,
                               minlength=n_periods).astype(np.int64),
        "stage_exposed": walk.stage_exposed.astype(np.int64),
        **{col: walk.values[col] for col in columns},
        "fired": pd.Series(fired_text, dtype=object), "halted": halted,
    })


def evaluations_frame(grid: PeriodGrid, walk: Walk, conds: Sequence[StopCondition]
                      ) -> pd.DataFrame:
    """:attr:`RolloutResult.evaluations`: one row per period of a stage and stop condition."""
    live = np.flatnonzero(walk.period_stage >= 0)
    n_live = len(live)
    return pd.DataFrame({
        "period_start": np.tile(grid.starts[live], len(conds)),
        "stage": np.tile(walk.period_stage[live], len(conds)),
        "condition": np.repeat([c.describe() for c in conds], n_live),
        "metric": np.repeat([c.metric for c in conds], n_live),
        "over": np.repeat([c.over for c in conds], n_live),
        "value": np.concatenate([walk.values[c.column][live] for c in conds]) if conds else [],
        "bound": np.repeat([c.bound for c in conds], n_live),
        "cases": np.concatenate([walk.cases[c.column][live] for c in conds]).astype(np.int64)
        if conds else np.array([], dtype=np.int64),
        "judged": np.concatenate([walk.cases[c.column][live] >= c.min_decisions for c in conds])
        if conds else np.array([], dtype=bool),
        "fired": np.concatenate([walk.fired[live, j] for j in range(len(conds))])
        if conds else np.array([], dtype=bool),
    }, columns=list(EVALUATION_COLUMNS))


def _exposure_by_stage(arms: RowArms, n_stages: int, champion_replay: Replay,
                       challenger_replay: Replay, champion_bad: np.ndarray,
                       challenger_bad: np.ndarray) -> dict[str, np.ndarray]:
    """Per stage: decisions, exposed and valued cases, each side's value and bad outcomes."""
    value_x = challenger_replay.decisions["value"].to_numpy(dtype=float)
    value_c = champion_replay.decisions["value"].to_numpy(dtype=float)
    both = arms.exposed & ~np.isnan(value_x) & ~np.isnan(value_c)
    group = np.where(arms.running, arms.stage, n_stages)  # n_stages: rows of halted periods
    weights = {
        "decisions": None, "exposed": arms.exposed, "valued": both,
        "challenger_value": np.where(both, value_x, 0.0),
        "champion_value": np.where(both, value_c, 0.0),
        "challenger_bad": arms.exposed & challenger_bad,
        "champion_bad": arms.exposed & champion_bad,
    }
    return {name: np.bincount(group, weights=w, minlength=n_stages + 1)[:n_stages]
            for name, w in weights.items()}


def _status(stage: int, walk: Walk) -> str:
    if stage >= len(walk.stage_starts):
        return "not reached"
    if walk.halt_stage == stage:
        return "halted"
    if stage + 1 < len(walk.stage_starts):
        return "advanced"
    return "running at the end"


def stages_frame(stages: Sequence[Stage], grid: PeriodGrid, walk: Walk, arms: RowArms,
                 champion_replay: Replay, challenger_replay: Replay, champion_bad: np.ndarray,
                 challenger_bad: np.ndarray) -> pd.DataFrame:
    """:attr:`RolloutResult.stages`: one row per stage, its status, periods and exposure.

    ``champion_bad`` and ``challenger_bad`` flag, per case, a bad outcome on
    that side's favourable decision.
    """
    sums = _exposure_by_stage(arms, len(stages), champion_replay, challenger_replay,
                              champion_bad, challenger_bad)
    starts = grid.starts
    rows = []
    for i, st in enumerate(stages):
        reached = i < len(walk.stage_starts)
        n_p = int((walk.period_stage == i).sum())
        rows.append({
            "stage": i, "share": st.share, "status": _status(i, walk),
            "started": starts[walk.stage_starts[i]] if reached else pd.NaT,
            "ended": starts[walk.stage_starts[i] + n_p - 1] if reached else pd.NaT,
            "periods": n_p, "decisions": int(sums["decisions"][i]),
            "exposed": int(sums["exposed"][i]), "valued": int(sums["valued"][i]),
            "challenger_value": float(sums["challenger_value"][i]),
            "champion_value": float(sums["champion_value"][i]),
            "value_difference": float(sums["challenger_value"][i] - sums["champion_value"][i]),
            "challenger_bad": int(sums["challenger_bad"][i]),
            "champion_bad": int(sums["champion_bad"][i]),
        })
    return pd.DataFrame(rows, columns=list(STAGE_COLUMNS))


def halt_of(grid: PeriodGrid, walk: Walk, shares: np.ndarray, conds: Sequence[StopCondition]
            ) -> RolloutHalt | None:
    """Where the rollout halted (the first condition in plan order that fired), or None."""
    if walk.halt_period is None or walk.halt_stage is None:
        return None
    period, stage = walk.halt_period, walk.halt_stage
    which = [c for c, f in zip(conds, walk.fired[period]) if f]
    first = which[0]
    return RolloutHalt(first, int(stage), float(shares[stage]), grid.starts[period],
                       float(walk.values[first.column][period]),
                       int(walk.cases[first.column][period]), tuple(which[1:]))
