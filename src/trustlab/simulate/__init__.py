"""Simulate a policy on history: replay and value every decision, measure, check.

* :func:`replay` decides every case of a historical data set, values each
  decision from the policy's ``outcomes`` (the reviewer included), computes
  every metric of the policy format overall and by segment, and evaluates the
  policy's checks; the :class:`Replay` holds the tidy frames.
* :func:`action_values` is the value of every case under every action, the
  one table replays, sweeps and band grids all read.
"""

from ._metrics import MIN_SEGMENT_ROWS, evaluate_checks, metric_table
from ._replay import DECISION_COLUMNS, Replay, replay
from ._value import Outcome, action_values, observed_outcome, reviewer_decisions

__all__ = [
    "DECISION_COLUMNS",
    "MIN_SEGMENT_ROWS",
    "Outcome",
    "Replay",
    "action_values",
    "evaluate_checks",
    "metric_table",
    "observed_outcome",
    "replay",
    "reviewer_decisions",
]
