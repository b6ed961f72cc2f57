"""What a policy declares: parsing, validation and identity (no pandas here)."""

from ._condition import ConditionSyntaxError, columns_of, parse_condition
from ._diff import policy_changes
from ._load import FORMAT_VERSION, canonical_json, load_policy, parse_policy, read_window
from ._metric_names import COMPARING_METRICS, DISPARITY_BASES, METRIC_DECLARATIONS, METRICS
from ._schema import policy_schema
from ._spec import (
    MODES,
    Action,
    ActionValue,
    Check,
    DriftBrake,
    DriftReference,
    KillSwitch,
    Outcomes,
    Policy,
    Fairness,
    Promotion,
    RateLimit,
    Reviewer,
    Rule,
    Signal,
    Window,
)
from ._template import Template, parse_template

__all__ = [
    "FORMAT_VERSION",
    "METRICS",
    "COMPARING_METRICS",
    "DISPARITY_BASES",
    "METRIC_DECLARATIONS",
    "MODES",
    "Action",
    "ActionValue",
    "Check",
    "ConditionSyntaxError",
    "DriftBrake",
    "DriftReference",
    "KillSwitch",
    "Outcomes",
    "Policy",
    "Fairness",
    "Promotion",
    "RateLimit",
    "Reviewer",
    "Rule",
    "Signal",
    "Template",
    "Window",
    "canonical_json",
    "columns_of",
    "load_policy",
    "parse_condition",
    "parse_policy",
    "read_window",
    "parse_template",
    "policy_changes",
    "policy_schema",
]
