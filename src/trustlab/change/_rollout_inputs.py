"""What :func:`~trustlab.change.simulate_rollout` reads, checked: policies, keys, times, replays.

:func:`read_inputs` refuses, naming the argument, column or field and the fix,
whatever the rollout cannot walk: a challenger without a row key or a time
column, keys that are missing or repeated, times that cannot be read, a stop
condition the challenger cannot be measured on, a replay of another policy or
other rows. It returns the keys, the times and both replays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._time import times_ns
from ..policy import Policy
from ..simulate import Replay, replay
from ._impact import require_version_bump
from ._rollout_plan import WINDOWED_METRICS, RolloutPlan

__all__ = ["RolloutInputs", "read_inputs"]


@dataclass(frozen=True)
class RolloutInputs:
    """The checked inputs of a rollout, one entry per row of the data where per row.

    Attributes
    ----------
    keys : pandas.Series
        The row key (``columns.id``), none missing or repeated.
    times_ns : numpy.ndarray
        Each row's time, UTC nanoseconds (int64).
    champion_replay, challenger_replay : Replay
        Both policies replayed over the data with the same seed.
    """

    keys: pd.Series
    times_ns: np.ndarray
    champion_replay: Replay
    challenger_replay: Replay


def read_inputs(champion: Policy, challenger: Policy, data: pd.DataFrame, plan: RolloutPlan,
                seed: int, champion_replay: Replay | None,
                challenger_replay: Replay | None) -> RolloutInputs:
    """The keys, times and replays of a rollout, after every check (see the module)."""
    _check_inputs(champion, challenger, data, plan, (("champion_replay", champion_replay),
                                                     ("challenger_replay", challenger_replay)))
    require_version_bump(champion, challenger)
    key_col = _column(champion, challenger, "id_column", "id")
    time_col = _column(champion, challenger, "time_column", "time")
    absent = [c for c in dict.fromkeys((key_col, time_col)) if c not in data.columns]
    if absent:
        raise DataError("Data for the rollout", [Problem(
            f"column '{c}'", f"is missing; the policies name it in `columns`. Columns: "
                             f"{', '.join(map(str, data.columns))}") for c in absent])
    keys = _keys(data, key_col)
    time_format = challenger.time_format if challenger.time_column else champion.time_format
    ns, why, _ = times_ns(data[time_col], time_format)
    if ns is None:
        raise DataError("Data for the rollout", [Problem(f"column '{time_col}'", str(why))])
    _stop_fit(plan, challenger)
    rc = _own_replay(champion_replay, champion, data, seed, "champion_replay")
    rx = _own_replay(challenger_replay, challenger, data, seed, "challenger_replay")
    return RolloutInputs(keys, ns, rc, rx)


def _column(champion: Policy, challenger: Policy, attr: str, what: str) -> str:
    """The challenger's ``columns.id``/``columns.time`` (the champion's must agree where given)."""
    mine, theirs = getattr(challenger, attr), getattr(champion, attr)
    if mine is None and attr == "time_column":
        mine = theirs
    if mine is None:
        why = ("rows without a stable key cannot be assigned stably: declare the row key, e.g. "
               "`columns: {id: application_id}`" if attr == "id_column" else
               "the rollout walks the history in time order: declare `columns: {time: ...}`")
        raise DataError(f"Policy '{challenger.name}@{challenger.version}'", [Problem(
            f"columns.{what}", f"is not declared; {why}")])
    if theirs is not None and theirs != mine:
        raise DataError("simulate_rollout", [Problem(
            f"columns.{what}", f"the champion names '{theirs}' and the challenger '{mine}'; both "
                               f"must read the same column")])
    return mine


def _keys(data: pd.DataFrame, key: str) -> pd.Series:
    s = data[key]
    problems = []
    missing = s.isna().to_numpy()
    if missing.any():
        rows = ", ".join(map(str, data.index[missing][:5]))
        problems.append(Problem(f"column '{key}'", f"{int(missing.sum())} rows have no key "
                                                   f"(rows {rows}); every case needs a key to be "
                                                   f"assigned stably"))
    text = s.astype(str)
    dup = text.duplicated(keep=False).to_numpy() & ~missing
    if dup.any():
        shown = ", ".join(map(repr, pd.unique(text[dup])[:5]))
        problems.append(Problem(f"column '{key}'", f"{int(dup.sum())} rows share a key ({shown}); "
                                                   f"the row key must be unique, one case per "
                                                   f"key, or the cases would be assigned together"))
    if problems:
        raise DataError("Data for the rollout", problems)
    return s


def _check_inputs(champion, challenger, data, plan, replays) -> None:
    problems = []
    for name, p in (("champion", champion), ("challenger", challenger)):
        if not isinstance(p, Policy):
            problems.append(Problem(name, f"must be a Policy (trustlab.load_policy); got "
                                          f"{type(p).__name__}"))
    if not isinstance(data, pd.DataFrame):
        problems.append(Problem("data", f"must be a pandas DataFrame; got {type(data).__name__}"))
    elif len(data) == 0:
        problems.append(Problem("data", "has no rows; a rollout needs history to walk"))
    if not isinstance(plan, RolloutPlan):
        problems.append(Problem("plan", f"must be a RolloutPlan (RolloutPlan.from_dict(...)); "
                                        f"got {type(plan).__name__}"))
    for name, r in replays:
        if r is not None and not isinstance(r, Replay):
            problems.append(Problem(name, f"must be a Replay; got {type(r).__name__}"))
    if problems:
        raise DataError("simulate_rollout", problems)


def _stop_fit(plan: RolloutPlan, challenger: Policy) -> None:
    problems = []
    for i, c in enumerate(plan.stop):
        action = c.metric[len("share."):] if c.metric.startswith("share.") else None
        if action is not None and action not in challenger.action_names:
            problems.append(Problem(f"stop[{i}].metric", f"'{c.metric}' names an action the "
                                                         f"challenger does not declare; its "
                                                         f"actions: "
                                                         f"{', '.join(challenger.action_names)}"))
        if c.metric in WINDOWED_METRICS and (challenger.outcomes is None
                                             or challenger.outcomes.window is None):
            problems.append(Problem(f"stop[{i}].metric", f"'{c.metric}' counts reviews per "
                                                         f"`outcomes.window`, which the "
                                                         f"challenger does not declare"))
    if problems:
        raise DataError("Rollout plan", problems)


def _own_replay(r: Replay | None, policy: Policy, data: pd.DataFrame, seed: int,
                name: str) -> Replay:
    if r is None:
        return replay(policy, data, seed=seed)
    if r.policy.content_hash != policy.content_hash or not r.decisions.index.equals(data.index):
        raise DataError("simulate_rollout", [Problem(name, f"must be a replay of the {name[:-7]} "
                                                           f"over this data (same policy, same "
                                                           f"rows)")])
    return r

