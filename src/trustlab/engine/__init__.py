"""How a policy runs: vectorised over a DataFrame, or one record at a time.

* :func:`apply_policy` decides every row of a history (what ``Policy.apply``
  calls); :func:`decide` one record with a :class:`GuardrailState` (what
  ``Policy.decide`` calls). Both are registered with :mod:`trustlab.policy`
  when this package is imported, so the policy spec never imports the engine.
* Drift brakes are decided by :mod:`trustlab.drift` and handed to the engine
  as :class:`BrakeWindows` (bulk) or a :class:`BrakeTracking` tracker (online),
  through :func:`register_brakes`.
* For the questions asked above the engine (sweeps, grids, searches that
  evaluate rules without applying a whole policy): :func:`plan_for` (a
  policy's cached plan of constants), :func:`first_rules` (each row's deciding
  rule), :func:`holds` and :data:`OPS` (a condition over prepared columns),
  :func:`over_limit` (the rows a rate limit stops), :func:`refuse_brakes`, and
  :func:`did_you_mean` (the hint an error about a column name carries).
"""

from .._time import TimeReading, read_times
from ..policy import register_engine
from ._apply import RECORD_COLUMNS, apply_policy, first_rules, over_limit
from ._brakes import BrakeTracking, BrakeWindows, register_brakes
from ._columns import did_you_mean
from ._online import Decision, GuardrailState, decide
from ._plan import plan_for, refuse_brakes
from ._vector import OPS, holds

register_engine(apply=apply_policy, decide=decide)

__all__ = ["OPS", "RECORD_COLUMNS", "BrakeTracking", "BrakeWindows", "Decision", "GuardrailState",
           "TimeReading", "apply_policy", "decide", "did_you_mean", "first_rules",
           "holds", "over_limit", "plan_for", "read_times", "refuse_brakes", "register_brakes"]
