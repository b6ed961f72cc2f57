"""How a policy runs: vectorised over a DataFrame, or one record at a time."""

from ._apply import RECORD_COLUMNS, apply_policy
from ._online import Decision, GuardrailState, decide
from .._time import TimeReading, read_times

__all__ = ["RECORD_COLUMNS", "Decision", "GuardrailState", "TimeReading", "apply_policy",
           "decide", "read_times"]
