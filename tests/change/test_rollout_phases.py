"""The phases of a rollout on their own: the sums per period and stage, and the stage walk.

Hand-made arrays small enough to follow on paper; simulate_rollout's own tests
check the phases together on replays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustlab._time import window_id
from trustlab.change._rollout_plan import Stage, StopCondition
from trustlab.change._rollout_sums import PeriodGrid, RolloutSums, stage_sums
from trustlab.change._rollout_walk import _stage_end, walk_stages
from trustlab.policy import read_window

DAY = read_window("1D", "test", "period")
MONDAY = window_id(pd.Timestamp("2025-01-06").value, DAY)


def days(n: int, of_row=()) -> PeriodGrid:
    """``n`` daily periods from Monday 6 January 2025."""
    return PeriodGrid(DAY, MONDAY, n, np.asarray(of_row, dtype=np.int64))


def test_stage_sums_by_hand():
    """Check the sums per (period, stage) of four cases, exposed and as decided, by hand.

    Cases 0, 1 fall in period 0 and cases 2, 3 in period 1; their first stages
    are 0, 1, never (2) and 1. Stage 0 exposes case 0; stage 1 cases 0, 1 and 3.
    """
    grid = days(2, of_row=[0, 0, 1, 1])
    challenger = pd.DataFrame({"rows": [1.0, 1, 1, 1], "share.approve": [1.0, 0, 1, 1]})
    champion = pd.DataFrame({"rows": [1.0, 1, 1, 1], "share.approve": [0.0, 0, 1, 1]})
    sums = stage_sums(grid, np.array([0, 1, 2, 1]), 2, [StopCondition("share.approve",
                                                                      at_most=0.5)],
                      challenger, champion)
    assert set(sums.exposed) == {"rows", "share.approve"}
    np.testing.assert_array_equal(sums.exposed["rows"], [[1, 2], [0, 1]])
    np.testing.assert_array_equal(sums.exposed["share.approve"], [[1, 1], [0, 1]])
    np.testing.assert_array_equal(sums.over("all")["rows"], [[2, 2], [2, 2]])
    # period 1, stage 0: the champion decides cases 2 and 3 (1 + 1); stage 1: the
    # challenger case 3 (1), the champion case 2 (1)
    np.testing.assert_array_equal(sums.over("all")["share.approve"], [[1, 1], [2, 2]])


def share_sums(rows: list[list[float]], approve: list[list[float]]) -> RolloutSums:
    """Sums whose every case is exposed: the same for both scopes."""
    s = {"rows": np.array(rows, dtype=float), "share.approve": np.array(approve, dtype=float)}
    return RolloutSums(s, s)


STAGES = (Stage(0.1, "2D"), Stage(0.5, "1D", min_decisions=5), Stage(1.0))
SHARE = StopCondition("share.approve", at_most=0.5, min_decisions=4)
# six days; per day and stage the exposed cases, then the approvals among them
ROWS = [[1, 4, 10], [1, 4, 10], [1, 4, 10], [2, 5, 10], [1, 5, 10], [1, 5, 10]]


def test_walk_advances_then_halts_when_a_condition_fires_as_the_stage_is_ready():
    """Check the walk on hand-made sums: advance after two days, halt on day four.

    Stage 0 (2 days) is ready at the end of day 1 and its share of approvals is
    never judged (2 cases, 4 needed): it advances. Stage 1 begins on day 2
    with 4 exposed cases, 1 approved (25%); by the end of day 3 it has 9
    cases, the 5 it needs to advance, and 5 approvals: 56% > 50% fires in the
    period it becomes ready, so the rollout halts there.
    """
    approve = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 4, 0], [0, 0, 0], [0, 0, 0]]
    walk = walk_stages(STAGES, [SHARE], share_sums(ROWS, approve), days(6))
    assert walk.period_stage.tolist() == [0, 0, 1, 1, -1, -1]
    assert walk.stage_starts == (0, 2)
    assert (walk.halt_period, walk.halt_stage) == (3, 1)
    assert walk.stage_exposed.tolist() == [1, 2, 4, 9, 0, 0]
    np.testing.assert_allclose(walk.values[SHARE.column], [0, 0.5, 0.25, 5 / 9, np.nan, np.nan])
    assert walk.cases[SHARE.column].tolist() == [1, 2, 4, 9, 0, 0]
    assert walk.fired[:, 0].tolist() == [False, False, False, True, False, False]


def test_walk_reaches_the_last_stage_when_nothing_fires():
    """Check the same days with one approval on day 3: stage 1 advances, stage 2 runs to the end."""
    approve = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 5], [0, 0, 1]]
    walk = walk_stages(STAGES, [SHARE], share_sums(ROWS, approve), days(6))
    assert walk.period_stage.tolist() == [0, 0, 1, 1, 2, 2]
    assert walk.stage_starts == (0, 2, 4)
    assert walk.halt_period is None and walk.halt_stage is None
    # judged afresh from where each stage began: 1 of 4 and 2 of 9; 5 of 10 (not above
    # 50%) and 6 of 20
    np.testing.assert_allclose(walk.values[SHARE.column], [0, 0.5, 0.25, 2 / 9, 0.5, 0.3])
    assert not walk.fired.any()


def test_walk_waits_for_min_decisions():
    """Check a stage that has lasted long enough waits for its exposed cases."""
    stages = (Stage(0.1, "1D", min_decisions=3), Stage(1.0))
    walk = walk_stages(stages, [], share_sums([[1, 5], [1, 5], [1, 5], [1, 5]],
                                              [[0, 0]] * 4), days(4))
    assert walk.period_stage.tolist() == [0, 0, 0, 1]
    assert walk.stage_starts == (0, 3)
    assert walk.fired.shape == (4, 0)


@pytest.mark.parametrize(("fires", "ready", "expected"), [
    ([False, True, False], 1, (3, True)),    # fires as it becomes ready: halts
    ([False, False, True], 1, (3, False)),   # ready first: advances
    ([False, False, False], None, (4, False)),  # never ready: runs to the end
    ([False, False, False], 2, (4, False)),  # ready in the last period: nothing follows
])
def test_stage_end(fires, ready, expected):
    """Check where a stage beginning at period 2 of 5 ends, and whether it halts."""
    assert _stage_end(np.array(fires)[:, None], ready, 2, 5) == expected
