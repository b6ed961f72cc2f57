"""What :func:`~trustlab.change.shadow_run` reads, checked: policies, time, segments, replays.

Each check raises :class:`~trustlab.DataError` naming the argument or column
and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._codes import text_labels
from .._errors import DataError, Problem
from ..policy import Policy
from ..simulate import Replay, replay
from ._impact import require_version_bump

__all__ = ["check_inputs", "side_replay", "time_column", "segment_key"]

_SOURCE = "shadow_run"
"""Where the errors of a shadow run say they come from."""


def check_inputs(champion, challenger, data) -> None:
    """Two policies and a DataFrame; a changed policy must have bumped its version."""
    problems = [Problem(name, f"must be a Policy (from trustlab.load_policy); got "
                              f"{type(p).__name__}")
                for name, p in (("champion", champion), ("challenger", challenger))
                if not isinstance(p, Policy)]
    if not isinstance(data, pd.DataFrame):
        problems.append(Problem("data", f"must be a pandas DataFrame; got {type(data).__name__}"))
    if problems:
        raise DataError(_SOURCE, problems)
    require_version_bump(champion, challenger)


def side_replay(policy: Policy, given: Replay | None, data: pd.DataFrame, seed: int, role: str
                ) -> Replay:
    """The replay of one side: ``given`` when it replays ``policy`` over ``data`` with ``seed``."""
    if given is None:
        return replay(policy, data, seed=seed)
    where = f"{role}_replay"
    if not isinstance(given, Replay):
        raise DataError(_SOURCE, [Problem(where, f"must be a Replay (from "
                                                 f"trustlab.simulate.replay); got "
                                                 f"{type(given).__name__}")])
    if given.policy.content_hash != policy.content_hash:
        raise DataError(_SOURCE, [Problem(where, (
            f"replays {given.policy.identity}, not the {role} {policy.identity}; pass the replay "
            f"of the {role} or leave it out"))])
    if len(given.decisions) != len(data) or not given.decisions.index.equals(data.index):
        raise DataError(_SOURCE, [Problem(where, (
            f"was made from other data ({len(given.decisions):,} rows against {len(data):,}, "
            f"or another index); it must be the replay of `data`, same rows and index"))])
    if given.seed != seed:
        raise DataError(_SOURCE, [Problem(where, (
            f"was replayed with seed {given.seed} and seed={seed}; both sides need the same "
            f"seed so that a case meets the same simulated reviewer under both. Pass "
            f"seed={given.seed}"))])
    return given


def time_column(champion: Policy, challenger: Policy, data: pd.DataFrame) -> str:
    """The champion's ``columns.time`` (else the challenger's), present in ``data``."""
    col = champion.time_column or challenger.time_column
    if col is None:
        raise DataError(_SOURCE, [Problem("columns.time", (
            f"neither policy ('{champion.name}', '{challenger.name}') names a time column, so "
            f"cases cannot be placed in time windows; set `columns.time` in the champion to "
            f"the column holding each decision's time"))])
    if col not in data.columns:
        raise DataError(_SOURCE, [Problem(f"column '{col}'", (
            f"is the time column (`columns.time`) and the data lacks it. Columns: "
            f"{', '.join(map(str, data.columns))}"))])
    return col


def segment_key(by: str, data: pd.DataFrame) -> np.ndarray:
    """Column ``by`` of ``data`` as text, ``(missing)`` for a missing value."""
    if not isinstance(by, str) or by not in data.columns:
        raise DataError(_SOURCE, [Problem("by", (
            f"names column {by!r}, which the data lacks; give one column of the data. "
            f"Columns: {', '.join(map(str, data.columns))}"))])
    return text_labels(data[by])
