"""How a policy runs: vectorised over a DataFrame, or one record at a time."""

from ._apply import RECORD_COLUMNS, apply_policy
from ._brakes import BrakeTracking, BrakeWindows, register_brakes
from ._online import Decision, GuardrailState, decide
from .._time import TimeReading, read_times
from ..policy import register_engine

register_engine(apply=apply_policy, decide=decide)

__all__ = ["RECORD_COLUMNS", "BrakeTracking", "BrakeWindows", "Decision", "GuardrailState", "TimeReading", "apply_policy",
           "decide", "read_times", "register_brakes"]
