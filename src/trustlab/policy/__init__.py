"""What a policy declares: parsing, validation and identity.

Besides the policy types and readers, two small vocabularies are public here for the
floors above (the engine evaluates them, explainers and editors read them):

* the condition tree a rule's ``when`` parses into — :class:`Column`,
  :class:`Literal`, :class:`Compare`, :class:`In`, :class:`IsMissing`,
  :class:`And`, :class:`Or`, :class:`Not` (``Condition`` is their union), with
  :func:`flip` and :data:`OP_WORDS`;
* reason templates — :func:`lines_of` (the thresholds a condition draws),
  :func:`field_text` / :func:`format_value` (a field as a reason shows it, never
  contradicting its rule; :func:`field_formatter` the same compiled once per field), :func:`read_back`, :func:`is_missing`,
  :data:`MISSING_TEXT` — and :func:`rehash` (a changed copy of a policy with its
  content hash recomputed).
"""

from ._condition import (OP_WORDS, And, Column, Compare, Condition, ConditionSyntaxError, In,
                         IsMissing, Literal, Not, Or, columns_of, flip, parse_condition)
from ._changes import CHANGE_KINDS, bump_version, describe_changes, require_version_bump
from ._diff import policy_changes
from ._load import FORMAT_VERSION, canonical_json, load_policy, parse_policy, read_window, rehash
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
    UNLABELLED_RULES,
    Window,
    register_engine,
    text_columns_of,
)
from ._template import (MISSING_TEXT, Line, Template, field_formatter, field_text, format_value,
                        is_missing, lines_of, no_negative_zero, parse_template, read_back)

__all__ = [
    "CHANGE_KINDS",
    "bump_version",
    "describe_changes",
    "require_version_bump",
    "COMPARING_METRICS",
    "DISPARITY_BASES",
    "FORMAT_VERSION",
    "METRIC_DECLARATIONS",
    "METRICS",
    "MISSING_TEXT",
    "MODES",
    "OP_WORDS",
    "Action",
    "ActionValue",
    "And",
    "canonical_json",
    "Check",
    "Column",
    "columns_of",
    "Compare",
    "Condition",
    "ConditionSyntaxError",
    "DriftBrake",
    "DriftReference",
    "Fairness",
    "field_formatter",
    "field_text",
    "flip",
    "format_value",
    "In",
    "is_missing",
    "IsMissing",
    "KillSwitch",
    "Line",
    "lines_of",
    "Literal",
    "load_policy",
    "no_negative_zero",
    "Not",
    "Or",
    "Outcomes",
    "parse_condition",
    "parse_policy",
    "parse_template",
    "Policy",
    "policy_changes",
    "policy_schema",
    "Promotion",
    "RateLimit",
    "read_back",
    "read_window",
    "register_engine",
    "text_columns_of",
    "rehash",
    "Reviewer",
    "Rule",
    "Signal",
    "Template",
    "UNLABELLED_RULES",
    "Window",
]
