"""How a policy runs: vectorised over a DataFrame, or one record at a time."""

from ._apply import RECORD_COLUMNS, apply_policy
from ._online import Decision, GuardrailState, decide

__all__ = ["RECORD_COLUMNS", "Decision", "GuardrailState", "apply_policy", "decide"]
